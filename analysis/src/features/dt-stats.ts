// The distribution of ΔT for one condition. Medians and quantiles lead: boot times are right-skewed
// (a slow host moment adds seconds, nothing subtracts them), so the mean is reported but not relied on.
import { interquartileRange, max, mean, median, medianAbsoluteDeviation, min, quantile, sampleStandardDeviation } from 'simple-statistics';
import { bootstrapMedianCi, type Interval } from '../stats/bootstrap.ts';
import type { Rng } from '../stats/random.ts';

export interface DtStats {
  n: number;
  median: number;
  mean: number;
  /** Sample standard deviation; 0 for a single boot. */
  sd: number;
  /** Median absolute deviation (unscaled). */
  mad: number;
  iqr: number;
  min: number;
  max: number;
  p5: number;
  p95: number;
  p99: number;
  /** Coefficient of variation, sd / mean. */
  cv: number;
  /** Percentile-bootstrap interval of the median. */
  medianCi: Interval | null;
}

export interface DtStatsOptions {
  resamples: number;
  rng: Rng;
}

export function dtStats(values: readonly number[], { resamples, rng }: DtStatsOptions): DtStats | null {
  if (values.length === 0) return null;
  const xs = [...values];
  const m = mean(xs);
  const sd = xs.length > 1 ? sampleStandardDeviation(xs) : 0;
  const [p5, p95, p99] = quantile(xs, [0.05, 0.95, 0.99]) as [number, number, number];
  return {
    n: xs.length,
    median: median(xs),
    mean: m,
    sd,
    mad: medianAbsoluteDeviation(xs),
    iqr: interquartileRange(xs),
    min: min(xs),
    max: max(xs),
    p5,
    p95,
    p99,
    cv: m === 0 ? 0 : sd / m,
    medianCi: bootstrapMedianCi(xs, { resamples, rng }),
  };
}

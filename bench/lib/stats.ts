// Order statistics for benchmark summaries. Quantiles use linear interpolation between order statistics
// (type 7, what numpy, R and DuckDB's quantile_cont use), so numbers here and in the DuckDB baseline agree.

export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Quantile of already sorted values; NaN for none. */
export function quantileSorted(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const pos = (xs.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = xs[lo] as number;
  const b = xs[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(sorted(values), q);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : Number.NaN;
}

export interface Summary {
  n: number;
  min: number;
  p5: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const xs = sorted(values);
  return {
    n: xs.length,
    min: xs[0] ?? Number.NaN,
    p5: quantileSorted(xs, 0.05),
    p50: quantileSorted(xs, 0.5),
    p95: quantileSorted(xs, 0.95),
    p99: quantileSorted(xs, 0.99),
    max: xs[xs.length - 1] ?? Number.NaN,
    mean: mean(xs),
  };
}

/** Deterministic PRNG for bootstrap resampling and generated data: the analysis package's mulberry32. */
import { bootstrapCi2, mulberry32 as rng } from '@bootlab/analysis/core';

export { rng };

/**
 * Percentile-bootstrap 95 % interval of combine(median(a), median(b)) — a ratio or a difference — resampling
 * each side independently (the analysis package's bootstrapCi2): says whether a ratio's distance from 1, or a
 * bias's from 0, is more than noise.
 */
export function bootstrapMedianCi(
  a: readonly number[],
  b: readonly number[],
  combine: (medianA: number, medianB: number) => number,
  resamples = 2000,
  seed = 7,
): [number, number] {
  const ci = bootstrapCi2(a, b, (x, y) => combine(median(x), median(y)), { resamples, rng: rng(seed) });
  return ci ? [ci.lo, ci.hi] : [Number.NaN, Number.NaN];
}

/** Round for reports: 3 significant decimals below 10, fewer above. */
export function round(v: number, digits = 3): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

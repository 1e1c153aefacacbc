// Theil–Sen slope: the median of all pairwise slopes. Robust to the odd batch where the host hiccuped,
// which an OLS fit over five batch sizes is not. The interval is Sen's (1968) rank-based one, which needs
// no resampling and is honest (wide) when there are only a few batch sizes.
//
// The slopes are never sorted: the median and the interval's two ranks are found by selection
// (stats/pairwise-slopes.ts), the same order statistics in O(pairs) instead of O(pairs·log pairs).
import { probit } from 'simple-statistics';
import type { Interval } from './bootstrap.ts';
import { slopeCount, slopeOrderStatistics, type Columns } from './pairwise-slopes.ts';
import { medianInPlace } from './select.ts';

export { MAX_PAIRS } from './pairwise-slopes.ts';

export interface Point {
  x: number;
  y: number;
}

export interface TheilSenFit {
  slope: number;
  /** Median of y − slope·x (Conover's intercept). */
  intercept: number;
  /** Rank-based interval of the slope; null with fewer than 3 points of distinct x. */
  ci: Interval | null;
  points: number;
  /** Pairwise slopes used; fewer than all pairs when the pair cap subsampled them. */
  pairs: number;
}

/** Kendall's S variance with ties in x grouped, as in Sen (1968). */
function varianceOfS(n: number, xCounts: ReadonlyMap<number, number>): number {
  let v = (n * (n - 1) * (2 * n + 5)) / 18;
  for (const t of xCounts.values()) if (t > 1) v -= (t * (t - 1) * (2 * t + 5)) / 18;
  return v;
}

function finiteColumns(length: number, x: (i: number) => number, y: (i: number) => number): Columns {
  const xs = new Float64Array(length);
  const ys = new Float64Array(length);
  let n = 0;
  for (let i = 0; i < length; i++) {
    const xi = x(i);
    const yi = y(i);
    if (Number.isFinite(xi) && Number.isFinite(yi)) {
      xs[n] = xi;
      ys[n] = yi;
      n++;
    }
  }
  return { xs, ys, n };
}

interface Prepared {
  cols: Columns;
  xCounts: Map<number, number>;
  definedPairs: number;
}

function prepare(cols: Columns): Prepared | null {
  const xCounts = new Map<number, number>();
  for (let i = 0; i < cols.n; i++) {
    const x = cols.xs[i] as number;
    xCounts.set(x, (xCounts.get(x) ?? 0) + 1);
  }
  if (xCounts.size < 2) return null;
  // Pairs with equal x define no slope; they are neither enumerated nor counted.
  let definedPairs = (cols.n * (cols.n - 1)) / 2;
  for (const t of xCounts.values()) definedPairs -= (t * (t - 1)) / 2;
  return { cols, xCounts, definedPairs };
}

export interface TheilSenOptions {
  /** Confidence level of the interval. Default 0.95. */
  level?: number;
  /** Compute Sen's interval (default true); without it `ci` is null and the fit is a little cheaper. */
  interval?: boolean;
}

/** The median (type-7 quantile at 0.5) of m slopes, from its two middle order statistics. */
function medianRanks(m: number): { idx: number; lower: number; upper: number } {
  const idx = (m - 1) * 0.5;
  return { idx, lower: Math.floor(idx), upper: Math.ceil(idx) };
}

function medianFrom({ idx, lower }: { idx: number; lower: number }, lo: number, hi: number): number {
  // simple-statistics' quantileSorted arithmetic, so the slope is what median() of all slopes gives.
  return idx % 1 === 0 ? lo : lo + (idx - lower) * (hi - lo);
}

function fitPrepared({ cols, xCounts, definedPairs }: Prepared, { level = 0.95, interval = true }: TheilSenOptions): TheilSenFit {
  const { xs, ys, n } = cols;
  const m = slopeCount(definedPairs);
  const mid = medianRanks(m);
  const ranks = [mid.lower, mid.upper];
  const withCi = interval && xCounts.size >= 3;
  if (withCi) {
    // C is in units of "pairs"; when pairs were subsampled, ranks shrink in proportion.
    const c = probit(1 - (1 - level) / 2) * Math.sqrt(varianceOfS(n, xCounts)) * (m / definedPairs);
    // Sen: the lower limit is the M1-th smallest slope, the upper the (M2+1)-th (1-based), M1,2 = (m ∓ C)/2.
    ranks.push(Math.max(0, Math.floor((m - c) / 2) - 1), Math.min(m - 1, Math.ceil((m + c) / 2)));
  }
  const [midLo, midHi, ciLo, ciHi] = slopeOrderStatistics(cols, definedPairs, ranks) as [number, number, number?, number?];
  const slope = medianFrom(mid, midLo, midHi);
  const residuals = new Float64Array(n);
  for (let i = 0; i < n; i++) residuals[i] = (ys[i] as number) - slope * (xs[i] as number);
  const intercept = medianInPlace(residuals);
  const ci: Interval | null = withCi ? { lo: ciLo as number, hi: ciHi as number, level } : null;
  return { slope, intercept, ci, points: n, pairs: m };
}

export function theilSen(points: readonly Point[], level = 0.95): TheilSenFit | null {
  return theilSenXY(
    points.length,
    (i) => (points[i] as Point).x,
    (i) => (points[i] as Point).y,
    { level },
  );
}

/**
 * Theil–Sen over `length` points given as accessors (no Point objects needed): e.g. launch index and ΔT read
 * straight from boot records. Points with a non-finite coordinate are left out.
 */
export function theilSenXY(length: number, x: (i: number) => number, y: (i: number) => number, options: TheilSenOptions = {}): TheilSenFit | null {
  const prepared = prepare(finiteColumns(length, x, y));
  return prepared ? fitPrepared(prepared, options) : null;
}

/** Only the slope (median pairwise slope), for callers that use nothing else; null without two distinct x. */
export function theilSenSlope(length: number, x: (i: number) => number, y: (i: number) => number): number | null {
  const prepared = prepare(finiteColumns(length, x, y));
  if (!prepared) return null;
  const mid = medianRanks(slopeCount(prepared.definedPairs));
  const [lo, hi] = slopeOrderStatistics(prepared.cols, prepared.definedPairs, [mid.lower, mid.upper]) as [number, number];
  return medianFrom(mid, lo, hi);
}

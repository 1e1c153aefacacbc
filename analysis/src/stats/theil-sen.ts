// Theil–Sen slope: the median of all pairwise slopes. Robust to the odd batch where the host hiccuped,
// which an OLS fit over five batch sizes is not. The interval is Sen's (1968) rank-based one, which needs
// no resampling and is honest (wide) when there are only a few batch sizes.
import { median, medianSorted, probit } from 'simple-statistics';
import { hashSeed, mulberry32 } from './random.ts';
import type { Interval } from './bootstrap.ts';

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

/** Above this many pairs the slopes are drawn at random (seeded) instead of enumerated: O(n²) is too slow. */
export const MAX_PAIRS = 2_000_000;

/** Kendall's S variance with ties in x grouped, as in Sen (1968). */
function varianceOfS(n: number, xCounts: ReadonlyMap<number, number>): number {
  let v = (n * (n - 1) * (2 * n + 5)) / 18;
  for (const t of xCounts.values()) if (t > 1) v -= (t * (t - 1) * (2 * t + 5)) / 18;
  return v;
}

export function theilSen(points: readonly Point[], level = 0.95): TheilSenFit | null {
  const pts = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const n = pts.length;
  const xCounts = new Map<number, number>();
  for (const p of pts) xCounts.set(p.x, (xCounts.get(p.x) ?? 0) + 1);
  if (xCounts.size < 2) return null;
  // Pairs with equal x define no slope; they are neither enumerated nor counted.
  let definedPairs = (n * (n - 1)) / 2;
  for (const t of xCounts.values()) definedPairs -= (t * (t - 1)) / 2;
  const slopes: number[] = [];
  if (definedPairs <= MAX_PAIRS) {
    for (let i = 0; i < n; i++) {
      const pi = pts[i] as Point;
      for (let j = i + 1; j < n; j++) {
        const pj = pts[j] as Point;
        if (pj.x !== pi.x) slopes.push((pj.y - pi.y) / (pj.x - pi.x));
      }
    }
  } else {
    const rng = mulberry32(hashSeed('theil-sen', n));
    while (slopes.length < MAX_PAIRS) {
      const pi = pts[Math.floor(rng() * n)] as Point;
      const pj = pts[Math.floor(rng() * n)] as Point;
      if (pj.x !== pi.x) slopes.push((pj.y - pi.y) / (pj.x - pi.x));
    }
  }
  slopes.sort((a, b) => a - b);
  const slope = medianSorted(slopes);
  const intercept = median(pts.map((p) => p.y - slope * p.x));

  let ci: Interval | null = null;
  if (xCounts.size >= 3) {
    const m = slopes.length;
    // C is in units of "pairs"; when pairs were subsampled, ranks shrink in proportion.
    const c = probit(1 - (1 - level) / 2) * Math.sqrt(varianceOfS(n, xCounts)) * (m / definedPairs);
    // Sen: the lower limit is the M1-th smallest slope, the upper the (M2+1)-th (1-based), M1,2 = (m ∓ C)/2.
    const lo = Math.max(0, Math.floor((m - c) / 2) - 1);
    const hi = Math.min(m - 1, Math.ceil((m + c) / 2));
    ci = { lo: slopes[lo] as number, hi: slopes[hi] as number, level };
  }
  return { slope, intercept, ci, points: n, pairs: slopes.length };
}


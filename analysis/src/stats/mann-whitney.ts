// Mann–Whitney U with the normal approximation, tie correction and continuity correction: enough for the
// sample sizes a boot benchmark has (tens to thousands), and what benchstat reports as its p-value.
import { errorFunction, wilcoxonRankSum } from 'simple-statistics';

export interface MannWhitneyResult {
  /** U of the first sample. */
  u: number;
  z: number;
  /** Two-sided p-value. */
  p: number;
}

/** Two-sided p-value of a standard normal statistic. */
export function twoSidedP(z: number): number {
  return Math.min(1, Math.max(0, 1 - errorFunction(Math.abs(z) / Math.SQRT2)));
}

export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult | null {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return null;
  const u = wilcoxonRankSum([...a], [...b]) - (n1 * (n1 + 1)) / 2;
  const counts = new Map<number, number>();
  for (const v of [...a, ...b]) counts.set(v, (counts.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of counts.values()) tieTerm += t ** 3 - t;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1) || 1));
  if (variance <= 0) return { u, z: 0, p: 1 };
  const diff = u - (n1 * n2) / 2;
  const z = (diff - Math.sign(diff) * 0.5) / Math.sqrt(variance);
  return { u, z, p: twoSidedP(z) };
}

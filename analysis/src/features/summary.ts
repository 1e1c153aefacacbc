// A small robust summary shared by the secondary features (launch lag, CPU, memory).
// simple-statistics' min/max loop; Math.max(...xs) overflows the stack on ~10⁵ values (long sample series).
import { max, mean, median, quantile } from 'simple-statistics';

export interface Summary {
  n: number;
  median: number;
  mean: number;
  p95: number;
  max: number;
}

export function summarise(values: readonly number[]): Summary | null {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) return null;
  return { n: xs.length, median: median(xs), mean: mean(xs), p95: quantile(xs, 0.95), max: max(xs) };
}

/** ΔT of a boot when it is usable: status ok and a recorded ΔT. */
export function okDt(boot: { status: string; dt_ms: number | null }): number | null {
  return boot.status === 'ok' && boot.dt_ms !== null ? boot.dt_ms : null;
}

export function okDts(boots: readonly { status: string; dt_ms: number | null }[]): number[] {
  const out: number[] = [];
  for (const b of boots) {
    const dt = okDt(b);
    if (dt !== null) out.push(dt);
  }
  return out;
}

// Feature vectors for clustering. ΔT spans decades across classes (hundreds of ms to seconds), so it enters
// as log10; the slope spans 20 to ~900 ms/instance and may be ≤ 0 for noisy fast guests, so it enters as
// asinh(slope / 10 ms): logarithmic for large slopes, linear and sign-preserving near zero.
// Both are then standardised so neither dimension dominates by units alone.
import type { GuestSummary } from '../features/guest-inputs.ts';

/** The slope where asinh turns from linear to logarithmic, ms per instance. */
export const SLOPE_SCALE_MS = 10;

export const DIMENSIONS = ['log10 single-instance median ΔT', 'asinh(scaling slope / 10 ms)'] as const;

export function dtComponent(medianMs: number): number {
  return Math.log10(Math.max(medianMs, 1e-3));
}

export function slopeComponent(slope: number): number {
  return Math.asinh(slope / SLOPE_SCALE_MS);
}

export function slopeFromComponent(c: number): number {
  return Math.sinh(c) * SLOPE_SCALE_MS;
}

/** [ΔT component, slope component or null]; null when there is no single-instance ΔT at all. */
export function rawVector(s: Pick<GuestSummary, 'singleMedianMs' | 'scalingSlope'>): [number, number | null] | null {
  if (s.singleMedianMs === null) return null;
  return [dtComponent(s.singleMedianMs), s.scalingSlope === null ? null : slopeComponent(s.scalingSlope)];
}

export interface Standardiser {
  mean: number[];
  sd: number[];
}

export function fitStandardiser(rows: readonly (readonly number[])[]): Standardiser {
  const dims = rows[0]?.length ?? 0;
  const mean: number[] = [];
  const sd: number[] = [];
  for (let d = 0; d < dims; d++) {
    const col = rows.map((r) => r[d] as number);
    const m = col.reduce((a, b) => a + b, 0) / col.length;
    const v = col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length;
    mean.push(m);
    // A constant column carries no information; scale 1 keeps it from dividing by zero.
    sd.push(v > 0 ? Math.sqrt(v) : 1);
  }
  return { mean, sd };
}

export function standardise(row: readonly number[], s: Standardiser): number[] {
  return row.map((x, d) => (x - (s.mean[d] as number)) / (s.sd[d] as number));
}

export function unstandardise(row: readonly number[], s: Standardiser): number[] {
  return row.map((z, d) => z * (s.sd[d] as number) + (s.mean[d] as number));
}

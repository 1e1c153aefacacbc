// Feature vectors for clustering: [single-instance time, scaling slope].
// The time is TK — the guest's own boot, Te − its `kernel` marker — when every guest has that marker, and
// ΔT otherwise. TK is preferred because ΔT also holds the VMM's and the firmware's start-up, the same for
// every guest on one VMM: under TCG that shared ~60 ms is most of a small guest's ΔT and would make a minimal
// kernel and a library OS look alike, while TK compares what the guests themselves do. Either time spans
// decades across classes, so it enters as log10 (TK floored at the console's read granularity). The slope
// spans 20 to ~900 ms/instance and may be ≤ 0 for noisy fast guests, so it enters as asinh(slope / 10 ms):
// logarithmic for large slopes, linear and sign-preserving near zero. Both are then standardised so neither
// dimension dominates by units alone.
import type { GuestSummary } from '../features/guest-inputs.ts';

/** The slope where asinh turns from linear to logarithmic, ms per instance. */
export const SLOPE_SCALE_MS = 10;

/** Which single-instance time the first component holds. */
export type TimeBasis = 'tk' | 'dt';

/** TK below this is under the console's read granularity (both lines often arrive in one read). */
export const TK_FLOOR_MS = 0.1;

export function dimensionNames(basis: TimeBasis): [string, string] {
  const time = basis === 'tk' ? 'log10 single-instance median TK (Te − kernel marker)' : 'log10 single-instance median ΔT';
  return [time, 'asinh(scaling slope / 10 ms)'];
}

export function dtComponent(medianMs: number): number {
  return Math.log10(Math.max(medianMs, 1e-3));
}

/** Use TK when every guest that has a time also has a TK. */
export function chooseTimeBasis(summaries: readonly Pick<GuestSummary, 'singleMedianMs' | 'singleTkMedianMs'>[]): TimeBasis {
  const timed = summaries.filter((s) => s.singleMedianMs !== null);
  return timed.length > 0 && timed.every((s) => s.singleTkMedianMs !== null) ? 'tk' : 'dt';
}

export function slopeComponent(slope: number): number {
  return Math.asinh(slope / SLOPE_SCALE_MS);
}

export function slopeFromComponent(c: number): number {
  return Math.sinh(c) * SLOPE_SCALE_MS;
}

/** [time component, slope component or null]; null when there is no single-instance time at all. */
export function rawVector(
  s: Pick<GuestSummary, 'singleMedianMs' | 'singleTkMedianMs' | 'scalingSlope'>,
  basis: TimeBasis = 'dt',
): [number, number | null] | null {
  const time = basis === 'tk' ? (s.singleTkMedianMs === null ? null : Math.max(s.singleTkMedianMs, TK_FLOOR_MS)) : s.singleMedianMs;
  if (time === null) return null;
  return [dtComponent(time), s.scalingSlope === null ? null : slopeComponent(s.scalingSlope)];
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

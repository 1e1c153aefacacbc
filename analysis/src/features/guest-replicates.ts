// Bootstrap replicates of what classification reads from a guest: its single-instance time and scaling slope.
// `summariseGuest(resampleGuest(input, rng))` gives the same numbers, but builds every resampled batch and
// sorts every pair of sweep points for each of hundreds of replicates: 220 of the 754 s the 1,000,000-boot
// benchmark took (300 sweep batches, 55,000 boots per guest). Here each sample is ranked once, a replicate's medians come from draw
// counts (stats/resampled-median.ts), and the slope skips the interval nobody reads. Same rng draws in the
// same order as resampleGuest, so the replicates — and the class confidences — are identical.
import { medianOfResample } from '../stats/resampled-median.ts';
import type { Rng } from '../stats/random.ts';
import { theilSenXY } from '../stats/theil-sen.ts';
import type { GuestInput, GuestSummary } from './guest-inputs.ts';

/** The part of a GuestSummary that places a guest in a class (classify/vectors.ts: rawVector). */
export type ClassInputs = Pick<GuestSummary, 'singleMedianMs' | 'singleTkMedianMs' | 'scalingSlope'>;

/** Draws median(resample(values, rng)), or nothing (no draws) for an empty sample, as resample() would. */
function resampledMedianOrNull(values: readonly number[]): (rng: Rng) => number | null {
  if (values.length === 0) return () => null;
  return medianOfResample(values);
}

/**
 * A function drawing one bootstrap replicate of `input` (boots resampled within the single sample, the TK
 * sample and each sweep batch, the sweep's N kept) and returning its class inputs: the same values as
 * summariseGuest(resampleGuest(input, rng)).
 */
export function guestReplicator(input: GuestInput): (rng: Rng) => ClassInputs {
  const single = resampledMedianOrNull(input.single);
  const singleTk = resampledMedianOrNull(input.singleTk);
  const batches = (input.sweep?.batches ?? []).map((b) => ({ launched: b.launched, median: resampledMedianOrNull(b.dts) }));
  const xs = new Float64Array(batches.length);
  const ys = new Float64Array(batches.length);
  return (rng) => {
    // Draw order is resampleGuest's: single, TK, then every batch in order (empty ones draw nothing).
    const singleMedian = single(rng);
    const singleTkMedianMs = singleTk(rng);
    let n = 0;
    for (const b of batches) {
      const y = b.median(rng);
      if (y === null) continue;
      xs[n] = b.launched;
      ys[n] = y;
      n++;
    }
    const fit = input.sweep ? theilSenXY(n, (i) => xs[i] as number, (i) => ys[i] as number, { interval: false }) : null;
    return {
      singleMedianMs: singleMedian ?? (fit ? fit.intercept + fit.slope : null),
      singleTkMedianMs,
      scalingSlope: fit?.slope ?? null,
    };
  };
}

// Outliers by modified z-score (Iglewicz & Hoaglin; hyperfine's rule): |0.6745·(x − median)/MAD| > 3.5.
// They are reported, never dropped: a boot that took 10× longer is a finding about the host or the guest.
import { mean, median, medianAbsoluteDeviation } from 'simple-statistics';

export const MODIFIED_Z_THRESHOLD = 3.5;

/** 0.6745 = Φ⁻¹(0.75): makes MAD comparable to a standard deviation under normality. */
const MAD_CONSISTENCY = 0.6745;
/** When MAD is 0 (over half the values equal) Iglewicz & Hoaglin fall back to the mean absolute deviation. */
const MEAN_AD_CONSISTENCY = 1.253314;

export function modifiedZScores(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const xs = [...values];
  const med = median(xs);
  const mad = medianAbsoluteDeviation(xs);
  if (mad > 0) return xs.map((x) => (MAD_CONSISTENCY * (x - med)) / mad);
  const meanAd = mean(xs.map((x) => Math.abs(x - med)));
  if (meanAd === 0) return xs.map(() => 0);
  return xs.map((x) => (x - med) / (MEAN_AD_CONSISTENCY * meanAd));
}

export interface Outlier {
  /** Position in the input array. */
  index: number;
  value: number;
  z: number;
}

export function findOutliers(values: readonly number[], threshold = MODIFIED_Z_THRESHOLD): Outlier[] {
  const zs = modifiedZScores(values);
  const out: Outlier[] = [];
  for (let index = 0; index < zs.length; index++) {
    const z = zs[index] as number;
    if (Math.abs(z) > threshold) out.push({ index, value: values[index] as number, z });
  }
  return out;
}

// Order statistics by selection instead of sorting: O(n) expected time, in place, on Float64Array so large
// inputs (millions of pairwise slopes, bootstrap statistics) are neither boxed nor copied. The quantile
// arithmetic is simple-statistics' (type 7, as numpy's default), so a median found here is bit-for-bit the
// `median()` the rest of the analysis uses.
//
// NaN is ordered after every number (as Float64Array.prototype.sort orders it): callers that might hold NaN
// move it out of the way with `partitionNaN` first; `selectInPlace` itself assumes a NaN-free range.

/** Numeric arrays the selection works on in place. */
export type Floats = Float64Array | number[];

function swap(xs: Floats, i: number, j: number): void {
  const t = xs[i] as number;
  xs[i] = xs[j] as number;
  xs[j] = t;
}

/**
 * Rearrange xs[left..right] so that xs[k] holds the value it would have if that range were sorted ascending,
 * everything before it is ≤ and everything after it is ≥. Floyd–Rivest selection (as in simple-statistics'
 * quickselect): expected ~1.5 n comparisons, fine with ties. The range must hold no NaN.
 */
export function selectInPlace(xs: Floats, k: number, left = 0, right = xs.length - 1): void {
  while (right > left) {
    // Floyd & Rivest: on a large range, first select within a small sample around k, so the pivot lands
    // close to the k-th value and each pass discards most of the range.
    if (right - left > 600) {
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      const newLeft = Math.max(left, Math.floor(k - (m * s) / n + sd));
      const newRight = Math.min(right, Math.floor(k + ((n - m) * s) / n + sd));
      selectInPlace(xs, k, newLeft, newRight);
    }
    const t = xs[k] as number;
    let i = left;
    let j = right;
    swap(xs, left, k);
    if ((xs[right] as number) > t) swap(xs, left, right);
    while (i < j) {
      swap(xs, i, j);
      i++;
      j--;
      while ((xs[i] as number) < t) i++;
      while ((xs[j] as number) > t) j--;
    }
    if (xs[left] === t) swap(xs, left, j);
    else {
      j++;
      swap(xs, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

/** Move every NaN in xs[0..n) to the end; returns how many values are not NaN (they come first). */
export function partitionNaN(xs: Floats, n = xs.length): number {
  let end = n;
  let i = 0;
  while (i < end) {
    if (Number.isNaN(xs[i])) swap(xs, i, --end);
    else i++;
  }
  return end;
}

/** The smallest value of xs[left..right] (NaN-free). */
function minOf(xs: Floats, left: number, right: number): number {
  let lo = xs[left] as number;
  for (let i = left + 1; i <= right; i++) if ((xs[i] as number) < lo) lo = xs[i] as number;
  return lo;
}

/**
 * The p-quantile (type 7, simple-statistics' `quantileSorted` arithmetic) of xs[0..n), found by selection.
 * Reorders xs[0..n). With NaN present, NaN counts as the largest value (a quantile reaching it is NaN).
 * Throws on an empty range, as simple-statistics does.
 */
export function quantileInPlace(xs: Floats, p: number, n = xs.length): number {
  if (n === 0) throw new Error('quantile requires at least one data point.');
  if (p < 0 || p > 1) throw new Error('quantiles must be between 0 and 1');
  const finite = partitionNaN(xs, n);
  const idx = p === 1 ? n - 1 : p === 0 ? 0 : (n - 1) * p;
  const lower = Math.floor(idx);
  if (lower >= finite) return NaN;
  selectInPlace(xs, lower, 0, finite - 1);
  const lo = xs[lower] as number;
  if (idx % 1 === 0) return lo;
  const upper = Math.ceil(idx);
  if (upper >= finite) return NaN;
  // After selecting `lower`, the next order statistic is the smallest value to its right.
  const hi = minOf(xs, lower + 1, finite - 1);
  return lo + (idx - lower) * (hi - lo);
}

/** Median of xs[0..n) by selection (reorders xs); equal to simple-statistics' `median`. */
export function medianInPlace(xs: Floats, n = xs.length): number {
  return quantileInPlace(xs, 0.5, n);
}

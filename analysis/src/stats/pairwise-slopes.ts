// Order statistics of the pairwise slopes (yj − yi)/(xj − xi) over pairs of distinct x: what Theil–Sen's
// slope and Sen's interval are read from. Which slopes: every pair up to MAX_PAIRS of them, else MAX_PAIRS
// random pairs. They are never sorted, and past a few tens of thousands not even stored: a small random sample
// of slopes brackets the wanted ranks, one pass over the slopes counts those below the bracket and keeps
// those inside it, and selection inside the bracket gives the exact order statistics: the numbers sorting
// every slope gives, for a few nanoseconds a slope and no array of millions of them.
import { drawIndices, hashSeed, mulberry32, type Rng } from './random.ts';
import { partitionNaN, selectInPlace } from './select.ts';

/**
 * Up to this many pairs every slope is used: the estimate is exact. Beyond it, this many pairs drawn at
 * random (seeded by n) stand in for all of them: the median of m random slopes sits within about 1/(2√m) of
 * the ranks (0.035 %) of the median of all, far inside Sen's interval, which spans ±0.65/√n of the ranks
 * (±1.5 % at n = 2,000 points, where subsampling starts; ±0.3 % at 55,000).
 */
export const MAX_PAIRS = 2_000_000;

/** Below this many slopes, storing and selecting them all is as quick as bracketing. */
const BRACKET_MIN_SLOPES = 20_000;

/** Coordinates beyond this could overflow a difference (∞/∞ = NaN): such data takes the plain route. */
const SAFE_MAGNITUDE = 1e300;

/** Random pairs are drawn this many at a time (two indices each). */
const DRAW_BLOCK = 4096;

/** Points as two columns; only the first n entries count. */
export interface Columns {
  xs: Float64Array;
  ys: Float64Array;
  n: number;
}

/** How many slopes the estimate is taken over: every defined pair, or MAX_PAIRS random ones. */
export function slopeCount(definedPairs: number): number {
  return Math.min(definedPairs, MAX_PAIRS);
}

/** The random-pair stream of a fit: seeded by n alone, so a fit is reproducible. */
function pairStream(n: number): Rng {
  return mulberry32(hashSeed('theil-sen', n));
}

/**
 * The values at 0-based `ranks` among the slopeCount(definedPairs) slopes in ascending order (NaN, from
 * overflowing differences, ordered last), in the order the ranks were given. `definedPairs` is the number of
 * pairs with distinct x.
 */
export function slopeOrderStatistics(cols: Columns, definedPairs: number, ranks: readonly number[]): number[] {
  const m = slopeCount(definedPairs);
  const enumerated = definedPairs <= MAX_PAIRS;
  // The bracket is sampled from random pairs, redrawn while their x are equal: only worth it while most differ.
  const mostPairsDefined = 4 * definedPairs >= cols.n * cols.n;
  if (m >= BRACKET_MIN_SLOPES && mostPairsDefined && withinSafeMagnitude(cols)) {
    const found = bracketedOrderStatistics(cols, m, enumerated, ranks);
    if (found) return found;
  }
  return orderStatistics(enumerated ? allSlopes(cols, m) : randomSlopes(cols, m, pairStream(cols.n)), ranks);
}

/** Values at `ranks` of xs (reordered), NaN last; `offset` is subtracted from every rank first. */
function orderStatistics(xs: Float64Array, ranks: readonly number[], offset = 0): number[] {
  const finite = partitionNaN(xs);
  const order = ranks.map((r, i) => ({ r: r - offset, i })).sort((a, b) => a.r - b.r);
  const out = new Array<number>(ranks.length);
  // Ascending ranks: once rank r is in place everything after it is ≥ it, so each later search starts there.
  let left = 0;
  for (const { r, i } of order) {
    if (r >= finite) {
      out[i] = NaN;
      continue;
    }
    selectInPlace(xs, r, left, finite - 1);
    out[i] = xs[r] as number;
    left = r;
  }
  return out;
}

function allSlopes({ xs, ys, n }: Columns, count: number): Float64Array {
  const slopes = new Float64Array(count);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const xi = xs[i] as number;
    const yi = ys[i] as number;
    for (let j = i + 1; j < n; j++) {
      const xj = xs[j] as number;
      if (xj !== xi) slopes[m++] = ((ys[j] as number) - yi) / (xj - xi);
    }
  }
  return slopes;
}

/** The slopes of the first `count` pairs of distinct x drawn from rng: i then j, each uniform over the points. */
function randomSlopes({ xs, ys, n }: Columns, count: number, rng: Rng): Float64Array {
  const slopes = new Float64Array(count);
  let m = 0;
  while (m < count) {
    const i = Math.floor(rng() * n);
    const j = Math.floor(rng() * n);
    const xi = xs[i] as number;
    const xj = xs[j] as number;
    if (xj !== xi) slopes[m++] = ((ys[j] as number) - (ys[i] as number)) / (xj - xi);
  }
  return slopes;
}

function withinSafeMagnitude({ xs, ys, n }: Columns): boolean {
  for (let i = 0; i < n; i++) if (Math.abs(xs[i] as number) > SAFE_MAGNITUDE || Math.abs(ys[i] as number) > SAFE_MAGNITUDE) return false;
  return true;
}

/** Where one pass keeps the slopes inside [low, high]. */
class Bracket {
  #inside: Float64Array;
  readonly #limit: number;

  constructor(
    readonly low: number,
    readonly high: number,
    capacity: number,
    limit: number,
  ) {
    this.#inside = new Float64Array(capacity);
    this.#limit = limit;
  }

  /** The buffer, with room for `more` slopes after the `kept` ones (a pass writes each before deciding). */
  room(kept: number, more: number): Float64Array {
    if (kept + more > this.#inside.length) {
      const grown = new Float64Array(Math.min(this.#limit + more, Math.max(this.#inside.length * 2, kept + more)));
      grown.set(this.#inside.subarray(0, kept));
      this.#inside = grown;
    }
    return this.#inside;
  }

  /** The slopes a pass kept. */
  collected(kept: number): Float64Array {
    return this.#inside.subarray(0, kept);
  }
}

/** What a pass found: the first `kept` entries of the bracket's buffer are the slopes inside it. */
interface PassResult {
  kept: number;
  below: number;
}

/** Every pair's slope through the bracket. */
function enumeratedPass({ xs, ys, n }: Columns, bracket: Bracket): PassResult {
  const { low, high } = bracket;
  let kept = 0;
  let below = 0;
  for (let i = 0; i < n; i++) {
    const inside = bracket.room(kept, n);
    const xi = xs[i] as number;
    const yi = ys[i] as number;
    for (let j = i + 1; j < n; j++) {
      const xj = xs[j] as number;
      if (xj === xi) continue;
      const s = ((ys[j] as number) - yi) / (xj - xi);
      // Without branches: a slope is below the bracket about half the time, at random.
      inside[kept] = s;
      kept += +(s >= low && s <= high);
      below += +(s < low);
    }
  }
  return { kept, below };
}

/** The random path's `count` slopes through the bracket: the same pairs, in the same order, as randomSlopes. */
function randomPass({ xs, ys, n }: Columns, count: number, bracket: Bracket): PassResult {
  const { low, high } = bracket;
  const rng = pairStream(n);
  const draws = new Int32Array(2 * DRAW_BLOCK);
  let kept = 0;
  let below = 0;
  let m = 0;
  while (m < count) {
    drawIndices(rng, n, draws);
    const inside = bracket.room(kept, DRAW_BLOCK);
    for (let d = 0; d < draws.length && m < count; d += 2) {
      const i = draws[d] as number;
      const j = draws[d + 1] as number;
      const xi = xs[i] as number;
      const xj = xs[j] as number;
      if (xj === xi) continue;
      const s = ((ys[j] as number) - (ys[i] as number)) / (xj - xi);
      inside[kept] = s;
      kept += +(s >= low && s <= high);
      below += +(s < low);
      m++;
    }
  }
  return { kept, below };
}

/**
 * Exact order statistics of the m slopes without storing them all: null when the sampled bracket turns out to
 * miss a wanted rank (then the caller stores them all), which a four-standard-deviation margin makes rare.
 */
function bracketedOrderStatistics(cols: Columns, m: number, enumerated: boolean, ranks: readonly number[]): number[] | null {
  // Where the wanted ranks fall in a random sample of slopes, widened by four binomial standard deviations
  // (and two places) on each side. The sample only steers the search: the result is exact either way.
  const size = Math.min(8192, Math.max(256, Math.round(4 * Math.sqrt(m))));
  const sample = randomSlopes(cols, size, mulberry32(hashSeed('theil-sen-bracket', cols.n, m)));
  const first = Math.min(...ranks);
  const last = Math.max(...ranks);
  const position = (rank: number, side: -1 | 1) => {
    const q = rank / (m - 1);
    return Math.round(q * (size - 1) + side * (4 * Math.sqrt(size * q * (1 - q)) + 2));
  };
  const lowPos = position(first, -1);
  const highPos = position(last, 1);
  if (lowPos < 0 && highPos >= size) return null;
  let low = -Infinity;
  let high = Infinity;
  if (lowPos >= 0) {
    selectInPlace(sample, lowPos);
    low = sample[lowPos] as number;
  }
  if (highPos < size) {
    selectInPlace(sample, highPos, Math.max(0, lowPos));
    high = sample[highPos] as number;
  }
  const expected = Math.ceil(((Math.min(highPos, size) - Math.max(lowPos, 0)) / size) * m * 1.25);
  const bracket = new Bracket(low, high, Math.min(m, expected) + 1024, m);
  const { kept, below } = enumerated ? enumeratedPass(cols, bracket) : randomPass(cols, m, bracket);
  if (below > first || below + kept <= last) return null;
  return orderStatistics(bracket.collected(kept), ranks, below);
}

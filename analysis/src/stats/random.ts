// Seeded randomness. Every resampling in bootlab draws from a stream seeded by (user seed, a stable key such
// as the guest name), never by position in an array, so results do not depend on guest or file order.

/** A function returning uniform floats in [0, 1). */
export interface Rng {
  (): number;
  /**
   * Optional block form of the stream, for hot loops: out[i] = Math.floor(rng() · n) for every i, advancing
   * the stream exactly as out.length calls would. See `drawIndices`.
   */
  indices?: (n: number, out: Int32Array) => void;
}

/** mulberry32: tiny, fast, and good enough for bootstrap resampling (not for cryptography). */
export function mulberry32(seed: number): Rng {
  // The state is kept as a signed 32-bit integer (`| 0`), not unsigned (`>>> 0`): the same 32 bits, so the same
  // stream, but one V8 can keep unboxed (an unsigned state above 2³¹ is a heap number), which matters at the
  // billions of draws a bootstrap of a large trace makes.
  let a = seed | 0;
  const rng: Rng = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // The same arithmetic with the state in a local for a whole block: cheaper per draw than a call that loads
  // and stores it in the closure each time, and the draws are most of the cost of a bootstrap.
  rng.indices = (n, out) => {
    let s = a;
    for (let i = 0; i < out.length; i++) {
      s = (s + 0x6d2b79f5) | 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    }
    a = s;
  };
  return rng;
}

/**
 * out[i] = Math.floor(rng() · n) for every i: through the stream's block form when it has one. n is an array
 * length, so below 2³¹ and the indices fit an Int32Array.
 */
export function drawIndices(rng: Rng, n: number, out: Int32Array): void {
  if (n > 0x7fffffff) throw new RangeError(`cannot draw indices below ${n}: over 2^31`);
  if (rng.indices) return rng.indices(n, out);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rng() * n);
}

/** FNV-1a over the parts, so a stream's seed follows from names, not from iteration order. */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = `${String(part)}\u0000`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

export function rngFor(seed: number, ...key: readonly (string | number)[]): Rng {
  return mulberry32(hashSeed(seed, ...key));
}

/** Draw values.length items with replacement. */
export function resample<T>(values: readonly T[], rng: Rng): T[] {
  const n = values.length;
  const picks = new Int32Array(n);
  drawIndices(rng, n, picks);
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = values[picks[i] as number] as T;
  return out;
}

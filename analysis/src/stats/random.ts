// Seeded randomness. Every resampling in bootlab draws from a stream seeded by (user seed, a stable key such
// as the guest name), never by position in an array, so results do not depend on guest or file order.

/** A function returning uniform floats in [0, 1). */
export type Rng = () => number;

/** mulberry32: tiny, fast, and good enough for bootstrap resampling (not for cryptography). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = values[Math.floor(rng() * n)] as T;
  return out;
}

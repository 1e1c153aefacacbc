// The fast paths of the statistics (selection instead of sorting, bracketed pairwise slopes, bootstrap medians
// from draw counts, classification replicates without resampled arrays) must give exactly the numbers the plain
// definitions give: every report, class and CI rests on them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, probit, quantile } from 'simple-statistics';
import { guestReplicator } from '../src/features/guest-replicates.ts';
import { resampleGuest, summariseGuest, type GuestInput } from '../src/features/guest-inputs.ts';
import { bootstrapCi, bootstrapMedianCi } from '../src/stats/bootstrap.ts';
import { MAX_PAIRS } from '../src/stats/pairwise-slopes.ts';
import { drawIndices, hashSeed, mulberry32, rngFor, type Rng } from '../src/stats/random.ts';
import { medianInPlace, partitionNaN, quantileInPlace, selectInPlace } from '../src/stats/select.ts';
import { theilSen, theilSenSlope, theilSenXY, type Point } from '../src/stats/theil-sen.ts';

/** Samples with the shapes boot times have: smooth, heavily tied, constant, tiny, with outliers. */
function samples(rng: Rng): number[][] {
  const out: number[][] = [[7], [3, 1], [2, 2], [5, 5, 5, 5, 5], [0, -0, 0]];
  for (const n of [3, 4, 10, 11, 100, 101, 601, 602, 5000, 5001]) {
    out.push(Array.from({ length: n }, () => 500 * Math.exp(0.2 * (rng() + rng() - 1))));
    out.push(Array.from({ length: n }, () => Math.floor(rng() * 4)));
    out.push(Array.from({ length: n }, (_, i) => (i % 17 === 0 ? 1e6 : 100 + (i % 5))));
  }
  return out;
}

test('selection finds the order statistics a sort does, ties included', () => {
  const rng = mulberry32(7);
  for (const xs of samples(rng)) {
    const sorted = Float64Array.from(xs).sort();
    for (const k of new Set([0, xs.length >> 1, xs.length - 1, Math.floor(rng() * xs.length)])) {
      const a = Float64Array.from(xs);
      selectInPlace(a, k);
      assert.equal(a[k], sorted[k]);
      for (let i = 0; i < k; i++) assert.ok(a[i]! <= a[k]!);
      for (let i = k + 1; i < a.length; i++) assert.ok(a[i]! >= a[k]!);
    }
  }
});

test('medianInPlace and quantileInPlace equal simple-statistics to the bit', () => {
  const rng = mulberry32(8);
  for (const xs of samples(rng)) {
    assert.equal(medianInPlace(Float64Array.from(xs)), median(xs));
    assert.equal(medianInPlace([...xs]), median(xs));
    for (const p of [0, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1]) assert.equal(quantileInPlace(Float64Array.from(xs), p), quantile(xs, p), `p=${p} n=${xs.length}`);
  }
  assert.throws(() => medianInPlace(new Float64Array(0)), /at least one/);
});

test('NaN is ordered after every number, as Float64Array sort orders it', () => {
  const xs = Float64Array.from([3, NaN, 1, NaN, 2]);
  assert.equal(partitionNaN(xs), 3);
  assert.deepEqual([...xs.subarray(0, 3)].sort(), [1, 2, 3]);
  assert.ok(Number.isNaN(xs[3]!) && Number.isNaN(xs[4]!));
  assert.equal(quantileInPlace(Float64Array.from([3, NaN, 1, NaN, 2]), 0), 1);
  assert.equal(medianInPlace(Float64Array.from([3, NaN, 1, NaN, 2])), 3); // sorted: 1 2 3 NaN NaN
  assert.ok(Number.isNaN(quantileInPlace(Float64Array.from([3, NaN, 1, NaN, 2]), 0.9)));
  assert.ok(Number.isNaN(medianInPlace(Float64Array.from([NaN, NaN]))));
});

/**
 * Theil–Sen by its definition, as bootlab computed it before selection: every slope (or, past MAX_PAIRS,
 * MAX_PAIRS seeded random ones; `all` forces every slope), sorted.
 */
function referenceTheilSen(points: readonly Point[], { level = 0.95, all = false } = {}) {
  const pts = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const n = pts.length;
  const slopes: number[] = [];
  const xCounts = new Map<number, number>();
  for (const p of pts) xCounts.set(p.x, (xCounts.get(p.x) ?? 0) + 1);
  let definedPairs = (n * (n - 1)) / 2;
  for (const t of xCounts.values()) definedPairs -= (t * (t - 1)) / 2;
  if (all || definedPairs <= MAX_PAIRS) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (pts[j]!.x !== pts[i]!.x) slopes.push((pts[j]!.y - pts[i]!.y) / (pts[j]!.x - pts[i]!.x));
  } else {
    const rng = mulberry32(hashSeed('theil-sen', n));
    while (slopes.length < MAX_PAIRS) {
      const pi = pts[Math.floor(rng() * n)]!;
      const pj = pts[Math.floor(rng() * n)]!;
      if (pj.x !== pi.x) slopes.push((pj.y - pi.y) / (pj.x - pi.x));
    }
  }
  if (xCounts.size < 2) return null;
  slopes.sort((a, b) => a - b);
  const slope = quantile(slopes, 0.5);
  const intercept = median(pts.map((p) => p.y - slope * p.x));
  let ci = null;
  if (xCounts.size >= 3) {
    const m = slopes.length;
    let v = (n * (n - 1) * (2 * n + 5)) / 18;
    for (const t of xCounts.values()) if (t > 1) v -= (t * (t - 1) * (2 * t + 5)) / 18;
    const c = probit(1 - (1 - level) / 2) * Math.sqrt(v) * (m / definedPairs);
    ci = { lo: slopes[Math.max(0, Math.floor((m - c) / 2) - 1)], hi: slopes[Math.min(m - 1, Math.ceil((m + c) / 2))], level };
  }
  return { slope, intercept, ci, points: n, pairs: slopes.length };
}

/**
 * -0 and 0 are equal slopes, and selection (unlike a stable sort) may pick either where both occur; JSON and
 * every later computation read them alike, so the comparison does too.
 */
function zeroSignless<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

test('Theil–Sen by selection equals Theil–Sen by sorting every slope, exactly, below the pair cap', () => {
  const rng = mulberry32(11);
  // Sizes on both sides of the bracketing threshold (20,000 pairs ≈ 200 points); distinct x, tied x
  // (batch sizes), and tied slopes (integer y on few x).
  for (const n of [2, 3, 7, 40, 199, 201, 350, 1200]) {
    const lines: Point[][] = [
      Array.from({ length: n }, (_, i) => ({ x: i, y: 600 + 5 * i + 80 * (rng() - 0.5) })),
      Array.from({ length: n }, () => ({ x: [1, 2, 5, 10, 20, 50][Math.floor(rng() * 6)]!, y: 4000 + 40 * Math.exp(rng()) })),
      Array.from({ length: n }, () => ({ x: Math.floor(rng() * 4) * 3, y: Math.floor(rng() * 3) })),
    ];
    for (const points of lines) {
      const expected = zeroSignless(referenceTheilSen(points));
      assert.deepEqual(zeroSignless(theilSen(points)), expected, `n=${n}`);
      assert.deepEqual(zeroSignless(theilSenSlope(points.length, (i) => points[i]!.x, (i) => points[i]!.y)), expected?.slope ?? null);
      const noCi = theilSenXY(points.length, (i) => points[i]!.x, (i) => points[i]!.y, { interval: false });
      assert.deepEqual(zeroSignless(noCi), expected && { ...expected, ci: null });
    }
  }
});

test('Theil–Sen skips non-finite points and answers null without two distinct x', () => {
  const points = [{ x: 1, y: 2 }, { x: NaN, y: 1 }, { x: 2, y: Infinity }, { x: 3, y: 6 }, { x: 4, y: 8 }];
  assert.deepEqual(zeroSignless(theilSen(points)), zeroSignless(referenceTheilSen(points)));
  assert.equal(theilSen([{ x: 1, y: 1 }, { x: 1, y: 5 }]), null);
  assert.equal(theilSenSlope(0, () => 0, () => 0), null);
});

test('above the pair cap: the same seeded random pairs as before, and close to the exact slope', () => {
  // 2,100 points: 2.2 million pairs, past MAX_PAIRS, so the fit uses MAX_PAIRS random ones.
  const rng = mulberry32(12);
  const n = 2100;
  const points = Array.from({ length: n }, (_, i) => ({ x: i % 700, y: 900 + 7 * (i % 700) + 300 * (rng() + rng() + rng() - 1.5) }));
  assert.ok((n * (n - 1)) / 2 > MAX_PAIRS);
  const fit = theilSen(points)!;
  assert.equal(fit.pairs, MAX_PAIRS);
  assert.deepEqual(zeroSignless(fit), zeroSignless(referenceTheilSen(points)));
  const exact = referenceTheilSen(points, { all: true })!;
  const halfWidth = (exact.ci!.hi as number) - exact.slope;
  assert.ok(Math.abs(fit.slope - exact.slope) < 0.1 * halfWidth, `sampled ${fit.slope} vs exact ${exact.slope} (CI half-width ${halfWidth})`);
});

test('the bootstrap median CI from draw counts is bootstrapCi(values, median), bit for bit', () => {
  const rng = mulberry32(13);
  for (const xs of samples(rng)) {
    for (const seed of [1, 2]) {
      const options = { resamples: xs.length > 1000 ? 60 : 400, rng: rngFor(seed, 'ci', xs.length) };
      const expected = bootstrapCi(xs, median, { ...options, rng: rngFor(seed, 'ci', xs.length) });
      assert.deepEqual(bootstrapMedianCi(xs, options), expected, `n=${xs.length}`);
    }
  }
  assert.equal(bootstrapMedianCi([], { resamples: 10, rng: mulberry32(1) }), null);
  assert.equal(bootstrapMedianCi([1, 2], { resamples: 0, rng: mulberry32(1) }), null);
});

test('classification replicates equal summariseGuest(resampleGuest(…)) draw for draw', () => {
  const rng = mulberry32(14);
  const dts = (n: number, base: number) => Array.from({ length: n }, () => Math.round(base * Math.exp(0.1 * (rng() - 0.5)) * 10) / 10);
  const sweep = (sizes: number[], reps: number) => ({
    intervalMs: 3,
    batches: sizes.flatMap((launched) => Array.from({ length: reps }, () => ({ launched, dts: rng() < 0.1 ? [] : dts(launched, 600 + 5 * launched) }))),
  });
  const inputs: GuestInput[] = [
    { guest: 'a', host: 'h', accel: 'tcg', vmm: 'pc', single: dts(30, 70), singleTk: dts(30, 9), singleCpuMs: [], singleRssKb: [], singleGuestRamKb: [], singleVmmKb: [], singleConsoleLines: [], singleInitShare: [], singleSource: 'single', sweep: sweep([1, 2, 5, 10], 3) },
    { guest: 'b', host: 'h', accel: 'tcg', vmm: 'pc', single: [], singleTk: [], singleCpuMs: [], singleRssKb: [], singleGuestRamKb: [], singleVmmKb: [], singleConsoleLines: [], singleInitShare: [], singleSource: null, sweep: sweep([2, 5, 10, 20, 50], 4) },
    { guest: 'c', host: 'h', accel: 'tcg', vmm: 'pc', single: dts(5, 4000), singleTk: [], singleCpuMs: [], singleRssKb: [], singleGuestRamKb: [], singleVmmKb: [], singleConsoleLines: [], singleInitShare: [], singleSource: 'single', sweep: null },
    { guest: 'd', host: 'h', accel: 'tcg', vmm: 'pc', single: [], singleTk: [], singleCpuMs: [], singleRssKb: [], singleGuestRamKb: [], singleVmmKb: [], singleConsoleLines: [], singleInitShare: [], singleSource: null, sweep: sweep([100, 200], 30) },
  ];
  for (const input of inputs) {
    const draw = guestReplicator(input);
    const fast = rngFor(1, 'class-confidence', input.guest);
    const plain = rngFor(1, 'class-confidence', input.guest);
    for (let b = 0; b < 50; b++) {
      const s = summariseGuest(resampleGuest(input, plain));
      assert.deepEqual(draw(fast), { singleMedianMs: s.singleMedianMs, singleTkMedianMs: s.singleTkMedianMs, scalingSlope: s.scalingSlope }, `${input.guest} replicate ${b}`);
    }
  }
});

test('the seeded random stream is the one bootlab has always drawn', () => {
  // Reports are reproducible bit for bit across versions only if mulberry32 never changes its stream.
  const first = (seed: number) => {
    const r = mulberry32(seed);
    const out = [r(), r(), r()];
    for (let i = 0; i < 1e6 - 4; i++) r();
    return [...out, r()];
  };
  assert.deepEqual(first(1), [0.6270739405881613, 0.002735721180215478, 0.5274470399599522, 0.11441123276017606]);
  assert.deepEqual(first(0xdeadbeef), [0.9413696140982211, 0.26719574979506433, 0.772033357527107, 0.5846643601544201]);
});

test('a block of draws is the same draws, and leaves the stream where the calls would', () => {
  for (const n of [1, 7, 55_000]) {
    const calls = mulberry32(99);
    const block = mulberry32(99);
    const expected = Array.from({ length: 1000 }, () => Math.floor(calls() * n));
    const out = new Int32Array(1000);
    drawIndices(block, n, out);
    assert.deepEqual([...out], expected);
    assert.equal(block(), calls());
  }
  // A plain function works too (no block form).
  const plain = mulberry32(5);
  const out = new Int32Array(3);
  drawIndices(() => plain(), 10, out);
  const again = mulberry32(5);
  assert.deepEqual([...out], [0, 0, 0].map(() => Math.floor(again() * 10)));
});


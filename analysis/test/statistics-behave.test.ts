import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linearRegression, median } from 'simple-statistics';
import { dtStats } from '../src/features/dt-stats.ts';
import { findOutliers, modifiedZScores } from '../src/features/outliers.ts';
import { bootstrapCi } from '../src/stats/bootstrap.ts';
import { mannWhitneyU } from '../src/stats/mann-whitney.ts';
import { mulberry32, rngFor } from '../src/stats/random.ts';
import { theilSen } from '../src/stats/theil-sen.ts';

function lognormalSample(n: number, centre: number, seed: number): number[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => centre * Math.exp(0.1 * (rng() + rng() + rng() - 1.5)));
}

test('the bootstrap CI of the median contains the sample median and narrows with n', () => {
  for (const seed of [1, 2, 3]) {
    const xs = lognormalSample(40, 500, seed);
    const ci = bootstrapCi(xs, median, { resamples: 500, rng: rngFor(seed, 'ci') })!;
    assert.ok(ci.lo <= median(xs) && median(xs) <= ci.hi, `${ci.lo} ≤ ${median(xs)} ≤ ${ci.hi}`);
    assert.ok(ci.lo < ci.hi);
  }
  const width = (n: number) => {
    const ci = bootstrapCi(lognormalSample(n, 500, 9), median, { resamples: 500, rng: rngFor(9, n) })!;
    return ci.hi - ci.lo;
  };
  assert.ok(width(400) < width(20));
});

test('the same seed gives the same interval; dtStats reports it with the other statistics', () => {
  const xs = lognormalSample(30, 800, 4);
  const a = dtStats(xs, { resamples: 300, rng: rngFor(1, 'k') })!;
  const b = dtStats(xs, { resamples: 300, rng: rngFor(1, 'k') })!;
  assert.deepEqual(a.medianCi, b.medianCi);
  assert.equal(a.n, 30);
  assert.ok(a.p5 <= a.median && a.median <= a.p95 && a.p95 <= a.p99);
  assert.ok(Math.abs(a.cv - a.sd / a.mean) < 1e-12);
});

test('the modified z-score flags an injected outlier and nothing else', () => {
  const xs = lognormalSample(50, 300, 11);
  xs[17] = 3000;
  const outliers = findOutliers(xs);
  assert.deepEqual(outliers.map((o) => o.index), [17]);
  assert.ok((outliers[0]?.z ?? 0) > 3.5);
});

test('modified z-scores fall back to the mean absolute deviation when MAD is 0', () => {
  const xs = [100, 100, 100, 100, 100, 100, 150];
  const z = modifiedZScores(xs);
  assert.ok(Number.isFinite(z[6]!) && z[6]! > 3.5);
  assert.deepEqual(findOutliers([5, 5, 5]), []);
});

test('Theil–Sen recovers a known slope despite a wild point; OLS would not', () => {
  const rng = mulberry32(21);
  const points = [1, 2, 5, 10, 20, 1, 2, 5, 10, 20].map((x) => ({ x, y: 4000 + 869 * x + (rng() - 0.5) * 100 }));
  points.push({ x: 2, y: 60_000 });
  const fit = theilSen(points)!;
  assert.ok(Math.abs(fit.slope - 869) < 15, `slope ${fit.slope}`);
  const ols = linearRegression(points.map((p) => [p.x, p.y])).m;
  assert.ok(Math.abs(ols - 869) > 100, `OLS is pulled by the wild point: ${ols}`);
  assert.ok(fit.ci && fit.ci.lo <= fit.slope && fit.slope <= fit.ci.hi);
});

test('Theil–Sen needs two distinct x; its CI needs three', () => {
  assert.equal(theilSen([{ x: 1, y: 1 }, { x: 1, y: 2 }]), null);
  assert.equal(theilSen([{ x: 1, y: 1 }, { x: 2, y: 3 }])?.ci, null);
  assert.equal(theilSen([{ x: 1, y: 1 }, { x: 2, y: 3 }])?.slope, 2);
});

test('Mann–Whitney U separates shifted samples and not identical ones', () => {
  const a = lognormalSample(30, 500, 1);
  const b = lognormalSample(30, 560, 2);
  assert.ok(mannWhitneyU(a, b)!.p < 0.001);
  const same = mannWhitneyU(a, [...a])!;
  assert.ok(same.p > 0.9);
  // Tied values (all equal) must not divide by zero.
  assert.equal(mannWhitneyU([1, 1, 1], [1, 1, 1])!.p, 1);
});

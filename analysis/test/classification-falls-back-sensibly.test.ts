import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from '../src/classify/classify.ts';
import { computeFeatures } from '../src/features/compute.ts';
import { PAPER_GUESTS, syntheticTrace } from './fixtures/synthetic.ts';
import { traceSetOf } from './helpers.ts';

const guest = (name: string) => PAPER_GUESTS.find((g) => g.name === name)!;

function featuresOf(single: string[], sweep: string[]) {
  const files = [];
  if (single.length) files.push({ name: 'single.jsonl', text: syntheticTrace({ runId: 's', seed: 1, mode: 'single', guests: single.map(guest) }) });
  if (sweep.length) files.push({ name: 'sweep.jsonl', text: syntheticTrace({ runId: 'm', seed: 2, mode: 'multi', guests: sweep.map(guest) }) });
  return computeFeatures(traceSetOf(files).traces, { resamples: 50 });
}

test('two guests with k=3 fall back to k=2, named fast/slow, and say so', () => {
  const c = classify(featuresOf(['minkernel', 'debian'], ['minkernel', 'debian']), { k: 3, resamples: 10 });
  assert.equal(c.k, 2);
  assert.deepEqual(c.classes, ['fast', 'slow']);
  assert.equal(c.guests.find((g) => g.guest === 'minkernel')?.class, 'fast');
  assert.equal(c.guests.find((g) => g.guest === 'debian')?.class, 'slow');
  assert.ok(c.warnings.some((w) => w.kind === 'k-fallback' && /k=3 needs at least 3/.test(w.message)));
});

test('a guest without a sweep is placed by ΔT alone and flagged', () => {
  const all = PAPER_GUESTS.map((g) => g.name);
  const withSweep = all.filter((n) => n !== 'osv' && n !== 'alpine');
  const c = classify(featuresOf(all, withSweep), { k: 3, resamples: 10 });
  const osv = c.guests.find((g) => g.guest === 'osv')!;
  const alpine = c.guests.find((g) => g.guest === 'alpine')!;
  assert.equal(osv.basis, 'dt');
  assert.equal(osv.features.scalingSlope, null);
  assert.equal(osv.class, 'LibOS');
  assert.equal(alpine.class, 'general-purpose OS');
  assert.ok(c.warnings.some((w) => w.kind === 'no-sweep' && w.guest === 'osv'));
});

test('guests measured only in multi mode take single-instance ΔT from batches of one', () => {
  const f = featuresOf([], ['minkernel', 'unikraft', 'debian']);
  for (const g of f.guests) assert.equal(g.singleSource, 'multi n=1');
  const c = classify(f, { k: 3, resamples: 0 });
  assert.deepEqual(c.guests.map((g) => g.class), ['general-purpose OS', 'baseline', 'LibOS']);
});

test('one guest is not clustered against nothing', () => {
  const c = classify(featuresOf(['minkernel'], ['minkernel']), { k: 3, resamples: 0 });
  assert.equal(c.k, 0);
  assert.equal(c.guests[0]?.class, null);
  assert.ok(c.warnings.some((w) => w.kind === 'not-classified'));
});

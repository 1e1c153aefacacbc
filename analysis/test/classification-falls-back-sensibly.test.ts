import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from '../src/classify/classify.ts';
import { UNLIKE } from '../src/classify/references.ts';
import { computeFeatures } from '../src/features/compute.ts';
import { EXPECTED_CLASS, PAPER_GUESTS, SYNTHETIC_REFERENCES, syntheticTrace } from './fixtures/synthetic.ts';
import { traceSetOf } from './helpers.ts';

const guest = (name: string) => PAPER_GUESTS.find((g) => g.name === name)!;

function classesOf(single: string[], sweep: string[], references: Record<string, 'baseline' | 'LibOS' | 'general-purpose OS'> = SYNTHETIC_REFERENCES) {
  const files = [];
  if (single.length) files.push({ name: 'single.jsonl', text: syntheticTrace({ runId: 's', seed: 1, mode: 'single', guests: single.map(guest) }) });
  if (sweep.length) files.push({ name: 'sweep.jsonl', text: syntheticTrace({ runId: 'm', seed: 2, mode: 'multi', guests: sweep.map(guest) }) });
  return classify(computeFeatures(traceSetOf(files).traces, { resamples: 20 }), { resamples: 0, references });
}

test('without any reference nothing is classified, and the warning says how to get references', () => {
  const names = ['tinykern', 'solo5-hvt', 'alpine'];
  const c = classesOf(names, names, {});
  for (const g of c.guests) assert.equal(g.class, null, g.guest);
  assert.ok(c.warnings.some((w) => w.kind === 'no-references' && /bootlab classify/.test(w.message)));
  assert.ok(c.warnings.some((w) => w.kind === 'not-classified' && w.guest === 'alpine' && /no baseline reference/.test(w.message)));
});

test('without a general-purpose reference, a guest doing more than the baseline is unlike any reference, not forced', () => {
  const names = ['minkernel', 'unikraft', 'alpine', 'tinykern'];
  const c = classesOf(names, names, { unikraft: 'LibOS' });
  assert.equal(c.guests.find((g) => g.guest === 'tinykern')!.class, 'baseline');
  assert.equal(c.guests.find((g) => g.guest === 'alpine')!.class, UNLIKE);
  assert.ok(c.warnings.some((w) => w.kind === 'no-references' && /general-purpose OS/.test(w.message)));
});

test('a guest without a sweep is still placed, on the evidence it has', () => {
  const all = PAPER_GUESTS.map((g) => g.name);
  const c = classesOf(all, all.filter((n) => n !== 'osv' && n !== 'alpine'));
  for (const name of ['osv', 'alpine']) {
    const g = c.guests.find((x) => x.guest === name)!;
    assert.equal(g.features.scalingSlope, null);
    assert.equal(g.coords.slope, undefined, `${name} has no slope coordinate`);
    assert.equal(g.class, EXPECTED_CLASS[name], `${name}: ${g.reason}`);
  }
});

test('guests measured only in multi mode take single-instance measures from batches of one', () => {
  const c = classesOf([], ['minkernel', 'unikraft', 'osv', 'debian']);
  for (const g of c.guests) {
    assert.equal(g.features.singleSource, 'multi n=1');
    assert.equal(g.class, EXPECTED_CLASS[g.guest], g.guest);
  }
});

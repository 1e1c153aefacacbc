// The uncertainty rule (classify/uncertainty.ts) on hand-made per-axis terms: close classes and a split between
// the definition and the work axes give "A or B (uncertain)"; a clear answer, non-adjacent classes and a threshold
// of 0.5 (uncertainty off) give one class.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeUncertainty, uncertainText, type Axis } from '@bootlab/analysis';

type Terms = Map<Axis, { w: number; d2: number }>;
const terms = (o: Partial<Record<Axis, number>>, w: Partial<Record<Axis, number>> = {}): Terms =>
  new Map(Object.entries(o).map(([a, d]) => [a as Axis, { w: w[a as Axis] ?? 1, d2: d * d }]));
const rms = (t: Terms) => Math.sqrt([...t.values()].reduce((s, x) => s + x.w * x.d2, 0) / [...t.values()].reduce((s, x) => s + x.w, 0));

test('definition axes for LibOS, work axes for a general-purpose OS: uncertain, with both candidates and distances', () => {
  // Like unikernel-heavy: small guest memory and console (near the LibOS), much CPU, slope and VMM memory (near Linux).
  const toLinux = terms({ guestMemory: 0.65, console: 0.8, cpu: 0.05, slope: 0.05, vmmMemory: 0.1 });
  const toUnikernel = terms({ guestMemory: 0.3, console: 0.05, cpu: 0.6, slope: 0.75, vmmMemory: 0.85 });
  const u = judgeUncertainty({ cls: 'general-purpose OS', d: rms(toLinux), t: toLinux }, { cls: 'LibOS', d: rms(toUnikernel), t: toUnikernel }, 0.61);
  assert.ok(u);
  assert.equal(u.why, 'split');
  assert.deepEqual(u.candidates, ['LibOS', 'general-purpose OS']);
  assert.equal(u.distances[0], rms(toUnikernel));
  assert.equal(u.distances[1], rms(toLinux));
  assert.equal(u.definition.prefers, 'LibOS');
  assert.equal(u.work.prefers, 'general-purpose OS');
  assert.equal(uncertainText(u.candidates), 'LibOS or general-purpose OS (uncertain)');
});

test('two adjacent classes about equally near: uncertain (close); clearly nearer one: not', () => {
  const a = terms({ cpu: 0.3, console: 0.3 });
  const b = terms({ cpu: 0.32, console: 0.33 });
  assert.equal(judgeUncertainty({ cls: 'baseline', d: rms(a), t: a }, { cls: 'LibOS', d: rms(b), t: b }, 0.61)?.why, 'close');
  const far = terms({ cpu: 0.9, console: 0.9 });
  assert.equal(judgeUncertainty({ cls: 'LibOS', d: rms(a), t: a }, { cls: 'general-purpose OS', d: rms(far), t: far }, 0.61), null);
});

test('baseline and general-purpose OS are not adjacent, and 0.5 turns uncertainty off', () => {
  const a = terms({ cpu: 0.3 });
  const b = terms({ cpu: 0.31 });
  assert.equal(judgeUncertainty({ cls: 'baseline', d: rms(a), t: a }, { cls: 'general-purpose OS', d: rms(b), t: b }, 0.61), null);
  assert.equal(judgeUncertainty({ cls: 'LibOS', d: rms(a), t: a }, { cls: 'general-purpose OS', d: rms(b), t: b }, 0.5), null);
});

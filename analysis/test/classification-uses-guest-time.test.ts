// With `kernel` markers on every guest, classes come from TK (the guest's own boot), not from ΔT, whose
// shared VMM + firmware start-up makes a minimal kernel and a small library OS look alike under TCG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleTraceSet, classify, computeFeatures, parseTraceText } from '../src/core.ts';
import { syntheticTrace, type SyntheticGuest } from './fixtures/synthetic.ts';

// The built-in guests as measured under TCG: ~60 ms of QEMU + SeaBIOS before every kernel.
const BUILT_INS: SyntheticGuest[] = [
  { name: 'minkernel', dtMs: 68, slope: 22, markers: { kernel: 0.999 } },
  { name: 'unikernel', dtMs: 170, slope: 60, markers: { kernel: 0.4 } },
  { name: 'linux', dtMs: 1900, slope: 869, markers: { kernel: 0.3, init: 0.95 } },
  { name: 'debian', dtMs: 7500, slope: 3500, markers: { kernel: 0.09, init: 0.4 } },
];

function classesOf(guests: SyntheticGuest[]) {
  const runs = [
    parseTraceText(syntheticTrace({ runId: 's', seed: 11, mode: 'single', guests, singleBoots: 20 }), 'single.jsonl'),
    parseTraceText(syntheticTrace({ runId: 'm', seed: 12, mode: 'multi', guests, sizes: [1, 2, 5, 10, 20], intervalsMs: [3] }), 'sweep.jsonl'),
  ];
  const features = computeFeatures(assembleTraceSet(runs).traces, { resamples: 50 });
  const c = classify(features, { resamples: 50 });
  return { basis: c.timeBasis, of: (g: string) => c.guests.find((x) => x.guest === g)?.class };
}

test('every guest has a kernel marker: TK is the time basis and the three classes come out', () => {
  const { basis, of } = classesOf(BUILT_INS);
  assert.equal(basis, 'tk');
  assert.equal(of('minkernel'), 'baseline');
  assert.equal(of('unikernel'), 'LibOS');
  assert.equal(of('linux'), 'general-purpose OS');
  assert.equal(of('debian'), 'general-purpose OS');
});

test('one guest without a kernel marker: ΔT is the time basis for all', () => {
  const { basis } = classesOf(BUILT_INS.map((g) => (g.name === 'linux' ? { ...g, markers: {} } : g)));
  assert.equal(basis, 'dt');
});

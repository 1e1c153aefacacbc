// Under KVM the same guests boot several times faster, but the VMM's own start-up barely changes: classes built
// on ratios to references recorded beside the guest must not move. kvmLike rewrites recorded traces that way.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AXIS_WEIGHTS } from '../src/classify/anchored.ts';
import { classify } from '../src/classify/classify.ts';
import { computeFeatures } from '../src/features/compute.ts';
import { loadTraces } from '../src/load/files.ts';
import type { TraceSet } from '../src/types.ts';
import { kvmLike } from '../src/validation/kvm-like.ts';
import { paperRuns, SYNTHETIC_REFERENCES } from './fixtures/synthetic.ts';
import { traceSetOf } from './helpers.ts';

const VALIDATION = fileURLToPath(new URL('../../datasets/classification/', import.meta.url));

// The nearest-class rule itself (uncertainty off, threshold 0.5): "A or B (uncertain)" follows from margins that a
// 15× faster guest shifts, so the invariants below are about the class each guest is nearest.
function classesOf(traces: TraceSet, references = {}, weights = AXIS_WEIGHTS, uncertaintyThreshold = 0.5) {
  const c = classify(computeFeatures(traces, { resamples: 0 }), { resamples: 0, references, weights, uncertaintyThreshold });
  return Object.fromEntries(c.guests.map((g) => [g.guest, g.class]));
}

test('kvmLike shortens the guest part far more than the VMM part, and keeps console lines', () => {
  const { traces } = traceSetOf(paperRuns());
  const fast = kvmLike(traces, { guestSpeedup: 20, vmmSpeedup: 1.5 });
  const median = (set: TraceSet, guest: string) => {
    const xs = set.boots.filter((b) => b.guest === guest && b.mode === 'single' && b.dt_ms !== null).map((b) => b.dt_ms!).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)]!;
  };
  assert.ok(Math.abs(median(fast, 'minkernel') - median(traces, 'minkernel') / 1.5) < 15, 'the baseline is VMM start-up: 1.5× faster');
  const ratio = median(traces, 'linux-virt') / median(fast, 'linux-virt');
  assert.ok(ratio > 8 && ratio < 20, `a Linux boot gets ~${ratio.toFixed(1)}× faster`);
  assert.deepEqual(fast.boots.map((b) => b.console_lines_at_te), traces.boots.map((b) => b.console_lines_at_te));
});

for (const speedup of [5, 15, 40]) {
  test(`synthetic guests keep their classes when guest code runs ${speedup}× faster`, () => {
    const { traces } = traceSetOf(paperRuns());
    assert.deepEqual(classesOf(kvmLike(traces, { guestSpeedup: speedup }), SYNTHETIC_REFERENCES), classesOf(traces, SYNTHETIC_REFERENCES));
  });
}

// Under KVM there is no translation cache, so the VMM's own memory — the TCG-only evidence of how much code a guest
// ran — says nothing: the recorded set rewritten as KVM would run it must get exactly the classes the TCG recording
// gets without that axis (no ratio feature may move a class), and no baseline or general-purpose OS may move at all.
test('the recorded validation set under KVM keeps every class except what rested on the translation cache', async (t) => {
  const files = existsSync(VALIDATION) ? readdirSync(VALIDATION).filter((f) => f.endsWith('.jsonl.gz')).map((f) => VALIDATION + f) : [];
  if (!files.length) return t.skip('no validation recordings in datasets/classification');
  const { traces } = await loadTraces(files);
  const tcg = classesOf(traces);
  assert.ok(Object.keys(tcg).length >= 10, 'the stress set is there');
  const kvm = classesOf(kvmLike(traces));
  const ablated = classesOf(traces, {}, { ...AXIS_WEIGHTS, vmmMemory: 0 });
  // Intended change (issue 19): a guest the calibrated rule calls uncertain in either view sits on the line between
  // two classes (unikernel-work: 54 % one way under KVM, 53 % the other without the axis); for those the nearest
  // class of each view must be one of the candidates. Every confident answer must be the same.
  const honest = (set: TraceSet, weights = AXIS_WEIGHTS) =>
    new Map(classify(computeFeatures(set, { resamples: 0 }), { resamples: 0, weights }).guests.map((g) => [g.guest, g.candidates] as const));
  const kvmHonest = honest(kvmLike(traces));
  const ablatedHonest = honest(traces, { ...AXIS_WEIGHTS, vmmMemory: 0 });
  const onTheLine = Object.keys(kvm).filter((g) => kvmHonest.get(g) || ablatedHonest.get(g));
  const drop = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).filter(([g]) => !onTheLine.includes(g)));
  assert.deepEqual(drop(kvm), drop(ablated));
  for (const g of onTheLine) {
    const candidates: string[] = [...(kvmHonest.get(g) ?? []), ...(ablatedHonest.get(g) ?? [])];
    assert.ok(candidates.includes(String(kvm[g])) && candidates.includes(String(ablated[g])), `${g}: ${kvm[g]} / ${ablated[g]} among ${candidates.join(', ')}`);
  }
  // (A guest the calibrated rule calls uncertain under TCG — unikernel-heavy, nearest a Linux only by its
  // translation cache — is not a confident general-purpose OS to keep.)
  const tcgHonest = honest(traces);
  for (const [guest, cls] of Object.entries(tcg)) {
    if ((cls === 'baseline' || cls === 'general-purpose OS') && !tcgHonest.get(guest)) assert.equal(kvm[guest], cls, `${guest} keeps its class under KVM`);
  }
});

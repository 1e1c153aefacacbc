// When the honest answer is "A or B": a guest between two adjacent classes (baseline–LibOS, LibOS–general-
// purpose OS) is reported as uncertain, with both candidates and both distances, instead of one class with a
// low percentage beside it (shared/CLASSES.md). Two ways to get there:
//
// 1. Close: the two nearest classes are about equally near — confidence d₂/(d₁+d₂) under the threshold.
// 2. Split: the axes that follow from what the classes *are* (definition axes: a user space after the kernel,
//    console output from many subsystems, the guest memory a full kernel touches) point at one class, and
//    the axes that measure *how much work* was done (own CPU, scaling slope, idle share, and the VMM's own
//    memory) point at the other, each clearly (its own partial confidence at or above the threshold).
//
// Where the VMM's memory belongs: with the work axes. Under TCG it is mostly the translation cache, which
// grows with how much distinct code the guest ran — a LibOS that loads a big application, mounts a file
// system and parses ACPI runs much code too — and under KVM it does not exist at all: it measures an amount
// of work on one accelerator, not what the guest is. (Unsplit memory, where the guest RAM was not recorded
// apart, is mostly guest RAM and counts with the definition axes.)
//
// The threshold is calibrated on the validation set by leave-one-out (datasets/classification/calibrate.ts,
// which writes calibrated.ts); it is not chosen by hand.
import type { Axis, Coordinates } from './evidence.ts';
import { UNCERTAINTY_THRESHOLD } from './calibrated.ts';
import type { PaperClass } from './references.ts';

export const DEFINITION_AXES: readonly Axis[] = Object.freeze(['init', 'console', 'guestMemory', 'memory']);
export const WORK_AXES: readonly Axis[] = Object.freeze(['cpu', 'slope', 'idle', 'vmmMemory']);

export { UNCERTAINTY_THRESHOLD };

/** What the partial distances say for one kind of axes: the class they point at and how clearly. */
export interface KindVerdict {
  kind: 'definition' | 'work';
  axes: Axis[];
  prefers: PaperClass | null;
  /** d_other / (d_prefers + d_other) on these axes only; null without axes in common. */
  confidence: number | null;
}

export interface Uncertainty {
  candidates: [PaperClass, PaperClass];
  /** Distance of each candidate's nearest reference (full weighted RMS), in the order of `candidates`. */
  distances: [number, number];
  why: 'close' | 'split';
  definition: KindVerdict;
  work: KindVerdict;
  reason: string;
}

const ORDER: readonly PaperClass[] = ['baseline', 'LibOS', 'general-purpose OS'];
export const adjacent = (a: PaperClass, b: PaperClass) => Math.abs(ORDER.indexOf(a) - ORDER.indexOf(b)) === 1;

/** Weighted squared differences by axis, as anchored.ts computes them. */
export type Terms = Map<Axis, { w: number; d2: number }>;

function partial(t: Terms, axes: readonly Axis[]): number | null {
  let w = 0;
  let s = 0;
  for (const a of axes) {
    const x = t.get(a);
    if (!x || x.w === 0) continue;
    w += x.w;
    s += x.w * x.d2;
  }
  return w > 0 ? Math.sqrt(s / w) : null;
}

function verdict(kind: KindVerdict['kind'], axes: readonly Axis[], a: { cls: PaperClass; t: Terms }, b: { cls: PaperClass; t: Terms }): KindVerdict {
  const used = axes.filter((x) => (a.t.get(x)?.w ?? 0) > 0 && (b.t.get(x)?.w ?? 0) > 0);
  const da = partial(a.t, used);
  const db = partial(b.t, used);
  if (da === null || db === null || da === db) return { kind, axes: [...used], prefers: null, confidence: null };
  const [near, dn, df] = da < db ? [a.cls, da, db] : [b.cls, db, da];
  return { kind, axes: [...used], prefers: near, confidence: dn + df === 0 ? 0.5 : df / (dn + df) };
}

/**
 * Is the placement between `first` (the nearest class) and `second` (the runner-up) uncertain? null when the
 * answer is one class. `firstTerms`/`secondTerms` are the per-axis terms against each class's nearest reference.
 */
export function judgeUncertainty(
  first: { cls: PaperClass; d: number; t: Terms },
  second: { cls: PaperClass; d: number; t: Terms } | undefined,
  threshold = UNCERTAINTY_THRESHOLD,
): Uncertainty | null {
  // A threshold of 0.5 or less turns uncertainty off (every confidence is at least 0.5): the answer of old.
  if (threshold <= 0.5 || !second || !Number.isFinite(second.d) || !adjacent(first.cls, second.cls)) return null;
  const confidence = first.d + second.d === 0 ? 0.5 : second.d / (first.d + second.d);
  const definition = verdict('definition', DEFINITION_AXES, first, second);
  const work = verdict('work', WORK_AXES, first, second);
  const clear = (v: KindVerdict) => v.prefers !== null && v.confidence !== null && v.confidence >= threshold;
  const split = clear(definition) && clear(work) && definition.prefers !== work.prefers;
  const close = confidence < threshold;
  if (!split && !close) return null;
  const pair = [first, second].sort((p, q) => ORDER.indexOf(p.cls) - ORDER.indexOf(q.cls));
  const reason = split
    ? `the definition axes point at ${definition.prefers} (${pct(definition.confidence)}), the work axes at ${work.prefers} (${pct(work.confidence)})`
    : `${first.cls} at ${first.d.toFixed(2)} and ${second.cls} at ${second.d.toFixed(2)} are about equally near (confidence ${pct(confidence)} < ${pct(threshold)})`;
  return {
    candidates: [pair[0]!.cls, pair[1]!.cls],
    distances: [pair[0]!.d, pair[1]!.d],
    why: split ? 'split' : 'close',
    definition,
    work,
    reason,
  };
}

function pct(v: number | null): string {
  return v === null ? '?' : `${Math.round(v * 100)} %`;
}

/** "LibOS or general-purpose OS (uncertain)". */
export function uncertainText(candidates: readonly [string, string]): string {
  return `${candidates[0]} or ${candidates[1]} (uncertain)`;
}

// Placing one guest among the references recorded beside it: an interpretable nearest-reference rule.
//
// 1. Baseline: a guest whose own time is within the baseline's noise of zero (and which burns no CPU, touches
//    no memory and prints no more than the baseline beyond it) does nothing but announce itself.
// 2. Otherwise the nearest LibOS or general-purpose reference in the coordinates of evidence.ts, by a weighted
//    root-mean-square distance over the axes both have. Weights follow what the classes are (CLASSES.md):
//    memory touched, console volume and the user-space share are what a full OS has and a LibOS has not;
//    CPU and the scaling slope measure how much work was done, which a LibOS may also do, so they count less.
//    Idle time counts only against a general-purpose reference (its kernel phase is CPU-bound; a LibOS may wait).
// 3. A guest farther than UNLIKE_DISTANCE from every reference resembles none: it is reported as such, with the
//    distances, instead of being forced into a class.
// Confidence is the margin between the nearest class and the runner-up: d₂ / (d₁ + d₂), 0.5 = a tie, 1 = on
// the reference. It says how clearly the evidence points one way, not how stable a clustering was.
import { AXES, BASELINE_CONSOLE_TOLERANCE_LINES, CPU_FLOOR_MS, MEMORY_FLOOR_MB, type Axis, type Coordinates, type Excess } from './evidence.ts';
import { UNCERTAIN, UNLIKE, type ClassLabel, type PaperClass } from './references.ts';
import { judgeUncertainty, UNCERTAINTY_THRESHOLD, type Uncertainty } from './uncertainty.ts';

// Memory, where the guest RAM is recorded apart, is two axes: the VMM's own memory (under TCG the code the guest
// ran: what it *is*) weighs as memory did, the guest's RAM (what its application wrote: work) as CPU does.
export const AXIS_WEIGHTS: Readonly<Record<Axis, number>> = Object.freeze({
  cpu: 1,
  memory: 1.5,
  guestMemory: 1,
  vmmMemory: 1.5,
  console: 0.5,
  slope: 0.5,
  init: 1,
  idle: 0.5,
});
/** RMS distance (in units of the baseline→general-purpose span) beyond which a guest resembles no reference. */
export const UNLIKE_DISTANCE = 0.6;

export interface ReferencePoint {
  guest: string;
  class: PaperClass;
  coords: Coordinates;
}

export interface ClassDistance {
  class: PaperClass;
  /** The nearest reference of that class. */
  reference: string;
  distance: number;
}

export interface AxisContribution {
  axis: Axis;
  /** Positive: this axis pulls towards the chosen class rather than the runner-up (squared-distance units). */
  weight: number;
}

export interface Placement {
  class: ClassLabel;
  nearest: ClassDistance | null;
  /** Per class, the nearest reference of it; baseline is the origin of the coordinates. */
  distances: ClassDistance[];
  confidence: number | null;
  /** Axes that decided between the chosen (or nearest) class and the runner-up, strongest first. */
  decidedBy: AxisContribution[];
  /** Why the rule ended where it did, in one sentence. */
  reason: string;
  /** Set when the class is UNCERTAIN: the two adjacent candidates, their distances and why (uncertainty.ts). */
  uncertainty: Uncertainty | null;
}

/** Per-axis squared differences to a reference, weighted; idle is one-sided and only against a general-purpose OS. */
function terms(x: Coordinates, ref: ReferencePoint | null, weights: Readonly<Record<Axis, number>>): Map<Axis, { w: number; d2: number }> {
  const out = new Map<Axis, { w: number; d2: number }>();
  for (const axis of AXES) {
    const v = x[axis];
    if (v === undefined) continue;
    if (axis === 'idle') {
      if (ref?.class !== 'general-purpose OS') continue;
      const r = ref.coords.idle ?? 0;
      out.set(axis, { w: weights.idle, d2: Math.max(0, v - r) ** 2 });
      continue;
    }
    // The baseline is the origin on every axis but init, which it has no marker for.
    const r = ref === null ? (axis === 'init' ? undefined : 0) : ref.coords[axis];
    if (r === undefined) continue;
    out.set(axis, { w: weights[axis], d2: (v - r) ** 2 });
  }
  return out;
}

function rms(t: Map<Axis, { w: number; d2: number }>): number {
  let w = 0;
  let s = 0;
  for (const { w: wi, d2 } of t.values()) {
    w += wi;
    s += wi * d2;
  }
  return w > 0 ? Math.sqrt(s / w) : Number.POSITIVE_INFINITY;
}

/** Does the guest print and touch no more than the baseline (the quantities a host's speed does not blur)? */
export function showsNothingMore(e: Excess): boolean {
  if (e.memoryMb !== null && e.memoryMb > 2 * MEMORY_FLOOR_MB) return false;
  if (e.guestMemoryMb !== null && e.guestMemoryMb > MEMORY_FLOOR_MB) return false;
  if (e.consoleLines !== null && e.consoleLines > BASELINE_CONSOLE_TOLERANCE_LINES) return false;
  return true;
}

/** Is the guest's own work within the baseline's noise on every measured quantity? */
export function doesNothingMore(e: Excess): boolean {
  if (e.ownTimeMs === null || e.ownTimeToleranceMs === null || e.ownTimeMs > e.ownTimeToleranceMs) return false;
  if (e.ownCpuMs !== null && e.ownCpuMs > CPU_FLOOR_MS) return false;
  return showsNothingMore(e);
}

function contributions(x: Coordinates, chosen: ReferencePoint | null, other: ReferencePoint | null, weights: Readonly<Record<Axis, number>>): AxisContribution[] {
  const a = terms(x, chosen, weights);
  const b = terms(x, other, weights);
  const axes = AXES.filter((axis) => a.has(axis) || b.has(axis));
  return axes
    .map((axis) => ({ axis, weight: (b.get(axis)?.w ?? 0) * (b.get(axis)?.d2 ?? 0) - (a.get(axis)?.w ?? 0) * (a.get(axis)?.d2 ?? 0) }))
    .filter((c) => Math.abs(c.weight) > 1e-9)
    .sort((p, q) => Math.abs(q.weight) - Math.abs(p.weight));
}

/** Place one guest, given its excess over the baseline, its coordinates and the references at its place. */
export function place(
  excess: Excess,
  x: Coordinates,
  references: readonly ReferencePoint[],
  baselineName = 'baseline',
  weights: Readonly<Record<Axis, number>> = AXIS_WEIGHTS,
  uncertaintyThreshold: number = UNCERTAINTY_THRESHOLD,
): Placement {
  const nothingMore = doesNothingMore(excess);
  const toBaseline = rms(terms(x, null, weights));
  const candidates: { ref: ReferencePoint | null; cls: PaperClass; guest: string; d: number }[] = [
    // With no coordinates (no general-purpose anchor), the own-time test alone says how far the baseline is.
    { ref: null, cls: 'baseline', guest: baselineName, d: Number.isFinite(toBaseline) ? toBaseline : nothingMore ? 0 : Number.POSITIVE_INFINITY },
    ...references.filter((r) => r.class !== 'baseline').map((ref) => ({ ref, cls: ref.class, guest: ref.guest, d: rms(terms(x, ref, weights)) })),
  ];
  const perClass = new Map<PaperClass, (typeof candidates)[number]>();
  for (const c of candidates) {
    const best = perClass.get(c.cls);
    if (!best || c.d < best.d || (c.d === best.d && c.guest < best.guest)) perClass.set(c.cls, c);
  }
  const distances: ClassDistance[] = [...perClass.values()].map((c) => ({ class: c.cls, reference: c.guest, distance: c.d }));
  const baseline = perClass.get('baseline')!;
  const others = [...perClass.values()].filter((c) => c.cls !== 'baseline').sort((p, q) => p.d - q.d);
  const margin = (d1: number, d2: number | undefined) => (d2 === undefined || !Number.isFinite(d2) ? null : d1 + d2 === 0 ? 0.5 : d2 / (d1 + d2));

  // Own time and CPU are noise-limited (a loaded host, the 10 ms CPU tick): a guest that prints and touches no more
  // than the baseline and whose weighted distance is still nearest the baseline is one, however its own time
  // came out in this run. A banner, a heap or a kernel's memory keeps a guest out of this case.
  const nearestBaseline = !nothingMore && showsNothingMore(excess) && Number.isFinite(baseline.d) && baseline.d < (others[0]?.d ?? Number.POSITIVE_INFINITY);
  if (nothingMore || nearestBaseline) {
    const runnerUp = others[0];
    // Own time within the baseline's noise is the definition of a baseline: only a weighted-distance call can be close.
    const unsure = nothingMore
      ? null
      : judgeUncertainty(
          { cls: 'baseline', d: baseline.d, t: terms(x, null, weights) },
          runnerUp && { cls: runnerUp.cls, d: runnerUp.d, t: terms(x, runnerUp.ref, weights) },
          uncertaintyThreshold,
        );
    if (unsure) {
      return {
        class: UNCERTAIN,
        nearest: { class: 'baseline', reference: baseline.guest, distance: baseline.d },
        distances,
        confidence: margin(baseline.d, runnerUp?.d),
        decidedBy: contributions(x, null, runnerUp?.ref ?? null, weights),
        reason: `${unsure.candidates.join(' or ')}: ${unsure.reason}`,
        uncertainty: unsure,
      };
    }
    return {
      class: 'baseline',
      nearest: { class: 'baseline', reference: baseline.guest, distance: baseline.d },
      distances,
      confidence: margin(baseline.d, runnerUp?.d),
      decidedBy: contributions(x, null, runnerUp?.ref ?? null, weights),
      reason: nothingMore
        ? `own time ${fmt(excess.ownTimeMs)} ms is within the baseline's tolerance (${fmt(excess.ownTimeToleranceMs)} ms), with no CPU, memory or console beyond it`
        : `nearest the baseline (${baseline.d.toFixed(2)}), with no memory or console beyond it; its own time ${fmt(excess.ownTimeMs)} ms and CPU ${fmt(excess.ownCpuMs)} ms are past the baseline's noise only by chance`,
      uncertainty: null,
    };
  }
  const nearest = others[0];
  if (!nearest) {
    return {
      class: UNLIKE,
      nearest: null,
      distances,
      confidence: null,
      decidedBy: [],
      reason: 'it does more than the baseline, and no LibOS or general-purpose reference was recorded beside it',
      uncertainty: null,
    };
  }
  // The runner-up may be the baseline: a guest that does little more than it.
  const runnerUp = [...others.slice(1), baseline].sort((p, q) => p.d - q.d)[0];
  const nearestDistance: ClassDistance = { class: nearest.cls, reference: nearest.guest, distance: nearest.d };
  const decidedBy = contributions(x, nearest.ref, runnerUp?.ref ?? null, weights);
  if (nearest.d > UNLIKE_DISTANCE) {
    return {
      class: UNLIKE,
      nearest: nearestDistance,
      distances,
      confidence: null,
      decidedBy,
      reason: `its nearest reference, ${nearest.guest} (${nearest.cls}), is ${nearest.d.toFixed(2)} away; beyond ${UNLIKE_DISTANCE} it resembles none`,
      uncertainty: null,
    };
  }
  const unsure = judgeUncertainty(
    { cls: nearest.cls, d: nearest.d, t: terms(x, nearest.ref, weights) },
    runnerUp && { cls: runnerUp.cls, d: runnerUp.d, t: terms(x, runnerUp.ref, weights) },
    uncertaintyThreshold,
  );
  if (unsure) {
    return {
      class: UNCERTAIN,
      nearest: nearestDistance,
      distances,
      confidence: margin(nearest.d, runnerUp?.d),
      decidedBy,
      reason: `${unsure.candidates.join(' or ')}: ${unsure.reason}`,
      uncertainty: unsure,
    };
  }
  return {
    class: nearest.cls,
    nearest: nearestDistance,
    distances,
    confidence: margin(nearest.d, runnerUp?.d),
    decidedBy,
    reason: `nearest reference ${nearest.guest} at ${nearest.d.toFixed(2)}${runnerUp ? `; next ${runnerUp.guest} (${runnerUp.cls}) at ${runnerUp.d.toFixed(2)}` : ''}`,
    uncertainty: null,
  };
}

function fmt(v: number | null): string {
  return v === null ? '?' : v.toFixed(1);
}

// Validation of the classifier on a labelled set of recorded guests (guests/stress/labels.json and the
// recordings in datasets/classification/): the answer `bootlab classify` gives against the built-in references,
// leave-one-out over the whole labelled pool, what each axis contributes (ablation), the same guests rewritten
// as KVM would have run them, and that no guest's class depends on which other guests were recorded.
import { AXIS_WEIGHTS } from '../classify/anchored.ts';
import { classify, type GuestClass } from '../classify/classify.ts';
import { AXES, type Axis } from '../classify/evidence.ts';
import { BUILTIN_REFERENCES, UNCERTAIN, UNLIKE, type ClassLabel, type PaperClass } from '../classify/references.ts';
import { PAPER_CLASSES } from '../classify/names.ts';
import { computeFeatures, type Features } from '../features/compute.ts';
import type { TraceSet } from '../types.ts';
import { kvmLike } from './kvm-like.ts';

export type Labels = Readonly<Record<string, PaperClass>>;
/** uncertain: "A or B (uncertain)" with the truth among A and B; an uncertain answer without it is wrong. */
export type Verdict = 'right' | 'uncertain' | 'unlike' | 'wrong';

export interface ValidationRow {
  guest: string;
  truth: PaperClass;
  predicted: ClassLabel | null;
  verdict: Verdict;
  placement: GuestClass;
}

export interface Tally {
  right: number;
  uncertain: number;
  unlike: number;
  wrong: number;
}

export interface Validation {
  /** Guests that are not built-in references, placed against the built-in references: what `bootlab classify` says. */
  production: ValidationRow[];
  /** Every labelled guest, placed against all the other labelled guests as references. */
  leaveOneOut: ValidationRow[];
  /** Production tallies with one axis left out at a time. */
  ablation: { axis: Axis; tally: Tally; changed: string[] }[];
  /** Production on the same traces rewritten as KVM would have run them. */
  kvm: ValidationRow[];
  /** Guests whose class changed when classified alone with the references instead of with every other guest. */
  subsetChanges: string[];
}

export function verdictOf(truth: PaperClass, predicted: ClassLabel | null, candidates: readonly PaperClass[] | null = null): Verdict {
  if (predicted === UNCERTAIN) return candidates?.includes(truth) ? 'uncertain' : 'wrong';
  return predicted === truth ? 'right' : predicted === UNLIKE ? 'unlike' : 'wrong';
}

export function tally(rows: readonly ValidationRow[]): Tally {
  return {
    right: rows.filter((r) => r.verdict === 'right').length,
    uncertain: rows.filter((r) => r.verdict === 'uncertain').length,
    unlike: rows.filter((r) => r.verdict === 'unlike').length,
    wrong: rows.filter((r) => r.verdict === 'wrong').length,
  };
}

/** Rows: truth; columns: predicted (the three classes, uncertain, unlike, not classified). */
export function confusion(rows: readonly ValidationRow[]): { columns: string[]; rows: { truth: PaperClass; counts: number[] }[] } {
  const columns = [...PAPER_CLASSES, UNCERTAIN, UNLIKE, 'not classified'];
  return {
    columns,
    rows: PAPER_CLASSES.map((truth) => ({
      truth,
      counts: columns.map((col) => rows.filter((r) => r.truth === truth && (r.predicted ?? 'not classified') === col).length),
    })),
  };
}

export interface ValidateOptions {
  /** Uncertainty threshold other than the calibrated one (calibrate.ts tries a grid). */
  uncertaintyThreshold?: number;
}

function rowsOf(placed: readonly GuestClass[], labels: Labels, keep: (g: string) => boolean): ValidationRow[] {
  return placed
    .filter((g) => keep(g.guest) && labels[g.guest] !== undefined)
    .map((g) => ({ guest: g.guest, truth: labels[g.guest]!, predicted: g.class, verdict: verdictOf(labels[g.guest]!, g.class, g.candidates), placement: g }));
}

/**
 * What `bootlab classify` says for the labelled guests that are not built-in references, and each labelled guest
 * held out and placed against all the others as references: the two views calibration (calibrate.ts) needs.
 */
export function productionAndLeaveOneOut(features: Features, labels: Labels, options: ValidateOptions = {}): { production: ValidationRow[]; leaveOneOut: ValidationRow[] } {
  const OPTS = { resamples: 0, ...(options.uncertaintyThreshold !== undefined ? { uncertaintyThreshold: options.uncertaintyThreshold } : {}) };
  const isBuiltin = (g: string) => g in BUILTIN_REFERENCES;
  const production = rowsOf(classify(features, OPTS).guests, labels, (g) => !isBuiltin(g));
  const leaveOneOut = Object.keys(labels)
    .filter((held) => features.bootsByGuest.has(held))
    .sort()
    .flatMap((held) => {
      const references = Object.fromEntries(Object.entries(labels).filter(([g]) => g !== held));
      const placed = classify(features, { ...OPTS, builtinReferences: false, references }).guests;
      return rowsOf(placed, labels, (g) => g === held);
    });
  return { production, leaveOneOut };
}

export function validate(traces: TraceSet, labels: Labels, options: ValidateOptions = {}): Validation {
  const OPTS = { resamples: 0, ...(options.uncertaintyThreshold !== undefined ? { uncertaintyThreshold: options.uncertaintyThreshold } : {}) };
  const features = computeFeatures(traces, { resamples: 0 });
  const isBuiltin = (g: string) => g in BUILTIN_REFERENCES;
  const { production, leaveOneOut } = productionAndLeaveOneOut(features, labels, options);

  const ablation = AXES.map((axis) => {
    const weights = { ...AXIS_WEIGHTS, [axis]: 0 } as Record<Axis, number>;
    const rows = rowsOf(classify(features, { ...OPTS, weights }).guests, labels, (g) => !isBuiltin(g));
    const changed = rows.filter((r) => r.predicted !== production.find((p) => p.guest === r.guest)?.predicted).map((r) => r.guest);
    return { axis, tally: tally(rows), changed };
  });

  const kvm = rowsOf(classify(computeFeatures(kvmLike(traces), { resamples: 0 }), OPTS).guests, labels, (g) => !isBuiltin(g));

  const subsetChanges = production
    .filter((row) => {
      const keep = new Set([row.guest, ...Object.keys(BUILTIN_REFERENCES)]);
      const boots = traces.boots.filter((b) => keep.has(b.guest));
      const alone = classify(computeFeatures({ runs: traces.runs, boots }, { resamples: 0 }), OPTS).guests.find((g) => g.guest === row.guest);
      return alone?.class !== row.predicted || alone?.confidence !== row.placement.confidence;
    })
    .map((r) => r.guest);

  return { production, leaveOneOut, ablation, kvm, subsetChanges };
}

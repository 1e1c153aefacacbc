// Calibrating the uncertainty threshold (classify/uncertainty.ts) on the labelled validation set, not by hand.
// For each threshold of a grid: what `bootlab classify` says for the stress guests (production) and each
// labelled guest held out and placed against all the others (leave-one-out). A threshold is admissible when it
// keeps what is right today: every reference held out that is right without uncertainty stays confident, and
// of the stress guests right today at most MAX_NEWLY_UNCERTAIN become uncertain (a guard against hedging
// everything). Among admissible thresholds the one with the fewest confident wrong answers (production plus
// leave-one-out) wins; then the fewest uncertain answers; then the lowest threshold.
import { BUILTIN_REFERENCES } from '../classify/references.ts';
import { computeFeatures } from '../features/compute.ts';
import type { TraceSet } from '../types.ts';
import { productionAndLeaveOneOut, tally, type Labels, type Tally, type ValidationRow } from './validate.ts';

export const MAX_NEWLY_UNCERTAIN = 2;
/** 0.5 = uncertainty off (today's answers); then every hundredth up to 0.85. */
export const THRESHOLD_GRID: readonly number[] = Object.freeze(Array.from({ length: 36 }, (_, i) => Math.round((0.5 + i / 100) * 100) / 100));

export interface CalibrationRow {
  threshold: number;
  production: Tally;
  leaveOneOut: Tally;
  /** Wrong answers given as one class (not uncertain), production and leave-one-out together. */
  confidentWrong: number;
  /** Stress guests right with uncertainty off that this threshold makes uncertain (or otherwise not right). */
  rightMadeUnsure: string[];
  /** References (held out) right with uncertainty off that this threshold makes not right. */
  referencesMadeUnsure: string[];
  admissible: boolean;
}

export interface Calibration {
  rows: CalibrationRow[];
  chosen: CalibrationRow;
}

const rightSet = (rows: readonly ValidationRow[]) => new Set(rows.filter((r) => r.verdict === 'right').map((r) => r.guest));
const confidentWrong = (rows: readonly ValidationRow[]) => rows.filter((r) => r.verdict === 'wrong' && r.predicted !== 'uncertain').length;

export function calibrate(traces: TraceSet, labels: Labels, grid: readonly number[] = THRESHOLD_GRID): Calibration {
  const features = computeFeatures(traces, { resamples: 0 });
  const off = productionAndLeaveOneOut(features, labels, { uncertaintyThreshold: 0.5 });
  const rightToday = rightSet(off.production);
  const referencesRightToday = new Set(off.leaveOneOut.filter((r) => r.guest in BUILTIN_REFERENCES && r.verdict === 'right').map((r) => r.guest));
  const rows = grid.map((threshold): CalibrationRow => {
    const v = productionAndLeaveOneOut(features, labels, { uncertaintyThreshold: threshold });
    const right = rightSet(v.production);
    const looRight = rightSet(v.leaveOneOut);
    const rightMadeUnsure = [...rightToday].filter((g) => !right.has(g)).sort();
    const referencesMadeUnsure = [...referencesRightToday].filter((g) => !looRight.has(g)).sort();
    return {
      threshold,
      production: tally(v.production),
      leaveOneOut: tally(v.leaveOneOut),
      confidentWrong: confidentWrong(v.production) + confidentWrong(v.leaveOneOut),
      rightMadeUnsure,
      referencesMadeUnsure,
      admissible: rightMadeUnsure.length <= MAX_NEWLY_UNCERTAIN && referencesMadeUnsure.length === 0,
    };
  });
  const admissible = rows.filter((r) => r.admissible);
  const unsure = (r: CalibrationRow) => r.production.uncertain + r.leaveOneOut.uncertain;
  const chosen = [...admissible].sort((a, b) => a.confidentWrong - b.confidentWrong || unsure(a) - unsure(b) || a.threshold - b.threshold)[0] ?? rows[0]!;
  return { rows, chosen };
}

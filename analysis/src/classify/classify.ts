// Guest classes anchored on references: each guest is compared with the reference guests (minkernel =
// baseline, unikernel = LibOS, linux and debian = general-purpose OS, plus any the user names) recorded at
// the same place — host, accelerator and VMM variant — on quantities relative to the baseline recorded there
// (evidence.ts), and placed by an interpretable nearest-reference rule (anchored.ts). A guest's class depends
// on itself and the references only: adding or removing other guests cannot change it. The k-means view of
// how the guests group among themselves is kept as `exploratory` and names no classes.
import type { Features, GuestFeatures } from '../features/compute.ts';
import { bootsAt, choosePlace, inputAt, placeLabel, type GuestInput, type Place } from '../features/guest-inputs.ts';
import type { Boot } from '../types.ts';
import { cmp, type Warning } from '../warnings.ts';
import { AXIS_WEIGHTS, place, type AxisContribution, type ClassDistance, type Placement, type ReferencePoint } from './anchored.ts';
import { coordinates, excessOver, measuresOf, memorySplits, type Axis, type Coordinates, type Excess, type Measures } from './evidence.ts';
import { explore, type Exploratory, type KOption } from './exploratory.ts';
import { PAPER_CLASSES } from './names.ts';
import { BUILTIN_REFERENCES, classRank, UNCERTAIN, UNLIKE, type ClassLabel, type PaperClass } from './references.ts';
import { uncertainText, type Uncertainty } from './uncertainty.ts';

export { DEFAULT_K, type KOption } from './exploratory.ts';

export interface ClassifyOptions {
  /** k of the exploratory k-means view (3, or "auto" by silhouette). */
  k?: KOption;
  seed?: number;
  /** Bootstrap replicates of the exploratory view's stability; 0 skips it. */
  resamples?: number;
  /** References beyond the built-ins (guest name → class); a built-in name given here is relabelled. */
  references?: Readonly<Record<string, PaperClass>>;
  /** Below this confidence a class is listed under caveats. */
  lowConfidence?: number;
  /** Use the built-in references (default); off for leave-one-out validation, where `references` says all. */
  builtinReferences?: boolean;
  /** Axis weights other than AXIS_WEIGHTS (validation: what each axis contributes). */
  weights?: Readonly<Record<Axis, number>>;
  /** Uncertainty threshold other than the calibrated one (calibration tries several). */
  uncertaintyThreshold?: number;
}

/** Confidence d₂/(d₁+d₂) below which a class is called uncertain: the runner-up is less than 1.5× as far. */
export const LOW_CONFIDENCE = 0.6;

export interface GuestClass {
  guest: string;
  /**
   * The class, UNLIKE when no reference is close, UNCERTAIN between two adjacent classes (then `candidates`), null
   * when the guest could not be placed at all.
   */
  class: ClassLabel | null;
  /** The two adjacent classes of an uncertain answer (lower rank first), else null. */
  candidates: [PaperClass, PaperClass] | null;
  /** Why it is uncertain: the candidates' distances and what the definition and work axes each say. */
  uncertainty: Uncertainty | null;
  /** 1 baseline, 2 LibOS, 3 general-purpose OS, 4 unlike; null when not placed. */
  rank: number | null;
  /** The class this guest is a reference for (its class by definition), or null. */
  reference: PaperClass | null;
  /** Margin between the nearest class and the runner-up, 0.5 (tie) … 1 (on the reference); null if unlike. */
  confidence: number | null;
  nearest: ClassDistance | null;
  /** Distance to the nearest reference of each class. */
  distances: ClassDistance[];
  decidedBy: AxisContribution[];
  reason: string;
  /** Where the guest's class inputs come from, and where the baseline it is measured against ran. */
  place: Place | null;
  baselinePlace: Place | null;
  measures: Measures | null;
  excess: Excess | null;
  coords: Coordinates;
  /** A reference placed as if it were not one (itself left out of the references): the leave-one-out check. */
  leftOut: Placement | null;
  features: GuestFeatures;
}

export interface Classification {
  method: 'reference-anchored';
  classes: PaperClass[];
  /** The references the run had, with the class each stands for and whether it was recorded. */
  references: { guest: string; class: PaperClass; recorded: boolean }[];
  guests: GuestClass[];
  exploratory: Exploratory;
  warnings: Warning[];
  seed: number;
}

interface RefAt {
  guest: string;
  class: PaperClass;
  place: Place;
  measures: Measures;
  exact: boolean;
  /** Runs the measures come from: the baseline a reference is measured against comes from the same runs. */
  runs: Set<string>;
}

const runsOf = (boots: readonly Boot[]) => new Set(boots.map((b) => b.run_id));

/**
 * A reference's measures at `where`: from the runs in `preferRuns` when it was recorded there (same run = same
 * host load), else from every run at exactly that place, else from its own best place on the same host and
 * accelerator; null when it has no successful single-instance boot on that host and accelerator.
 */
function referenceAt(guest: string, cls: PaperClass, boots: readonly Boot[], where: Place, preferRuns?: ReadonlySet<string>): RefAt | null {
  const usable = (input: GuestInput) => input.single.length > 0;
  const here = bootsAt(boots, where);
  if (preferRuns) {
    const sameRuns = here.filter((b) => preferRuns.has(b.run_id));
    const input = inputAt(guest, where, sameRuns);
    if (usable(input)) return { guest, class: cls, place: where, measures: measuresOf(input), exact: true, runs: runsOf(sameRuns) };
  }
  const exact = inputAt(guest, where, here);
  if (usable(exact)) return { guest, class: cls, place: where, measures: measuresOf(exact), exact: true, runs: runsOf(here) };
  const sameHost = boots.filter((b) => b.host === where.host && b.accel === where.accel);
  if (!sameHost.some((b) => b.status === 'ok')) return null;
  const { place: own } = choosePlace(sameHost);
  const atOwn = bootsAt(sameHost, own);
  const input = inputAt(guest, own, atOwn);
  return usable(input) ? { guest, class: cls, place: own, measures: measuresOf(input), exact: false, runs: runsOf(atOwn) } : null;
}

function unplaced(guest: string, features: GuestFeatures, reference: PaperClass | null, reason: string, where: Place | null): GuestClass {
  return {
    guest,
    class: null,
    candidates: null,
    uncertainty: null,
    rank: null,
    reference,
    confidence: null,
    nearest: null,
    distances: [],
    decidedBy: [],
    reason,
    place: where,
    baselinePlace: null,
    measures: null,
    excess: null,
    coords: {},
    leftOut: null,
    features,
  };
}

export function classify(features: Features, options: ClassifyOptions = {}): Classification {
  const seed = options.seed ?? features.seed;
  const lowConfidence = options.lowConfidence ?? LOW_CONFIDENCE;
  const referenceClass: Record<string, PaperClass> = { ...(options.builtinReferences === false ? {} : BUILTIN_REFERENCES), ...(options.references ?? {}) };
  const weights = options.weights ?? AXIS_WEIGHTS;
  const warnings: Warning[] = [];
  const inputs = [...features.inputs].sort((a, b) => cmp(a.guest, b.guest));
  const featureOf = new Map(features.guests.map((g) => [g.guest, g]));
  const referenceNames = Object.keys(referenceClass).sort(cmp);
  const recorded = referenceNames.filter((name) => features.bootsByGuest.has(name));

  const guests = inputs.map((input): GuestClass => {
    const guest = input.guest;
    const own = featureOf.get(guest)!;
    const selfClass = referenceClass[guest] ?? null;
    const where: Place = { host: input.host, accel: input.accel, vmm: input.vmm };
    if (input.single.length === 0 && !input.sweep) return unplaced(guest, own, selfClass, 'no successful boot, so nothing to compare', where);

    const guestRuns = runsOf(bootsAt(features.bootsByGuest.get(guest) ?? [], where));
    const baselineNames = recorded.filter((n) => referenceClass[n] === 'baseline');
    // The baseline a guest is measured against: recorded in the guest's own runs when it was (same host load), else at its place.
    const baselineFor = (runs: ReadonlySet<string>, at: Place): RefAt | undefined =>
      baselineNames
        .map((n) => referenceAt(n, 'baseline', features.bootsByGuest.get(n)!, at, runs))
        .filter((r): r is RefAt => r !== null)
        .sort((a, b) => Number(b.exact) - Number(a.exact) || cmp(a.guest, b.guest))[0];
    const baseline = baselineFor(guestRuns, where);
    if (!baseline) {
      return unplaced(guest, own, selfClass, `no baseline reference (${referenceNames.filter((n) => referenceClass[n] === 'baseline').join(', ')}) recorded on ${where.accel}@${where.host}`, where);
    }
    const refs = recorded
      .filter((name) => referenceClass[name] !== 'baseline')
      .map((name) => referenceAt(name, referenceClass[name]!, features.bootsByGuest.get(name)!, where))
      .filter((r): r is RefAt => r !== null)
      // A reference that was not recorded on the guest's VMM variant is measured against the baseline of its own.
      .map((r) => ({ r, e: excessOver(r.measures, (baselineFor(r.runs, r.place) ?? baseline).measures) }));
    const guestMeasures = measuresOf(input);
    const excess = excessOver(guestMeasures, baseline.measures);
    // The anchor of the coordinates: the lightest general-purpose reference (least own CPU) — where the class begins.
    const gpos = refs
      .filter(({ r }) => r.class === 'general-purpose OS')
      .sort((a, b) => (a.e.ownCpuMs ?? Infinity) - (b.e.ownCpuMs ?? Infinity) || cmp(a.r.guest, b.r.guest));
    const anchor = gpos[0]?.e ?? null;
    // Memory as two axes only when the guest and every reference it is compared with have the guest RAM apart.
    const split = memorySplits([excess, anchor, ...refs.map(({ e }) => e)]);
    const coords = coordinates(excess, anchor, split);
    const points: ReferencePoint[] = refs.map(({ r, e }) => ({ guest: r.guest, class: r.class, coords: coordinates(e, anchor, split) }));
    const placement = place(excess, coords, points, baseline.guest, weights, options.uncertaintyThreshold);
    const leftOut = selfClass ? place(excess, coords, points.filter((p) => p.guest !== guest), baseline.guest, weights, options.uncertaintyThreshold) : null;
    const result: Placement = selfClass
      ? { ...placement, class: selfClass, confidence: 1, nearest: { class: selfClass, reference: guest, distance: 0 }, reason: `reference for ${selfClass}`, uncertainty: null }
      : placement;
    if (!anchor && !selfClass) {
      warnings.push({ kind: 'not-classified', guest, message: `${guest}: no general-purpose reference recorded on ${placeLabel(where)}, so LibOS and general-purpose OS cannot be told apart` });
    }
    if (!baseline.exact) {
      warnings.push({
        kind: 'mixed-conditions',
        guest,
        message: `${guest}: measured on ${placeLabel(where)} but the baseline reference only on ${baseline.place.vmm}: its own time includes the VMM variants' difference`,
      });
    }
    if (!selfClass && result.class === UNCERTAIN && result.uncertainty) {
      warnings.push({ kind: 'uncertain', guest, message: `${guest}: ${uncertainText(result.uncertainty.candidates)} — ${result.uncertainty.reason}` });
    } else if (!selfClass && result.class === UNLIKE) {
      warnings.push({ kind: 'unlike', guest, message: `${guest}: resembles no reference — ${result.reason}` });
    } else if (!selfClass && result.confidence !== null && result.confidence < lowConfidence) {
      warnings.push({ kind: 'low-confidence', guest, message: `${guest}: "${result.class}" is uncertain (confidence ${(result.confidence * 100).toFixed(0)}%) — ${result.reason}` });
    }
    return {
      guest,
      class: result.class,
      candidates: result.uncertainty?.candidates ?? null,
      uncertainty: result.uncertainty,
      rank: classRank(result.class, result.uncertainty?.candidates),
      reference: selfClass,
      confidence: result.confidence,
      nearest: result.nearest,
      distances: result.distances,
      decidedBy: result.decidedBy,
      reason: result.reason,
      place: where,
      baselinePlace: baseline.place,
      measures: guestMeasures,
      excess,
      coords,
      leftOut,
      features: own,
    };
  });

  const missing = (['baseline', 'LibOS', 'general-purpose OS'] as const).filter((cls) => !recorded.some((n) => referenceClass[n] === cls));
  if (missing.length) {
    warnings.push({
      kind: 'no-references',
      message: `no reference recorded for ${missing.join(', ')}: classes are anchored on references recorded beside the guests (bootlab classify records them); guests are placed only among the classes that have one`,
    });
  }
  for (const g of guests) if (g.class === null && g.reference === null) warnings.push({ kind: 'not-classified', guest: g.guest, message: `${g.guest}: not classified — ${g.reason}` });

  return {
    method: 'reference-anchored',
    classes: [...PAPER_CLASSES],
    references: referenceNames.map((guest) => ({ guest, class: referenceClass[guest]!, recorded: recorded.includes(guest) })),
    guests,
    exploratory: explore(features, { k: options.k, seed, resamples: options.resamples }),
    warnings,
    seed,
  };
}

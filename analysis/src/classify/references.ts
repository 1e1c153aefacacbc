// Reference guests: the labelled examples classes are defined by. A class is not "the fastest third of
// whatever was recorded" but "resembles the guest we know to be a LibOS, measured beside it". The built-in
// guests are the references (guests/*/README.md says what each one is); a user may name more.
import { UserError } from '../errors.ts';
import { PAPER_CLASSES } from './names.ts';

export type PaperClass = (typeof PAPER_CLASSES)[number];

/** What a guest is reported as when it resembles no reference closely enough. */
export const UNLIKE = 'unlike any reference';

/** What a guest between two adjacent classes is reported as (uncertainty.ts): `candidates` name the two. */
export const UNCERTAIN = 'uncertain';

export type ClassLabel = PaperClass | typeof UNLIKE | typeof UNCERTAIN;

/** Built-in guests and the class each one is, by construction (shared/CLASSES.md). */
export const BUILTIN_REFERENCES: Readonly<Record<string, PaperClass>> = Object.freeze({
  minkernel: 'baseline',
  unikernel: 'LibOS',
  linux: 'general-purpose OS',
  debian: 'general-purpose OS',
});

export function isPaperClass(value: string): value is PaperClass {
  return (PAPER_CLASSES as readonly string[]).includes(value);
}

/**
 * Rank of a class label for sorting: baseline 1, LibOS 2, general-purpose OS 3, unlike 4; uncertain sits between
 * its candidates (1.5 or 2.5).
 */
export function classRank(label: ClassLabel, candidates?: readonly PaperClass[] | null): number {
  if (label === UNLIKE) return PAPER_CLASSES.length + 1;
  if (label === UNCERTAIN) return candidates?.length ? candidates.reduce((s, c) => s + PAPER_CLASSES.indexOf(c) + 1, 0) / candidates.length : PAPER_CLASSES.length + 0.5;
  return PAPER_CLASSES.indexOf(label) + 1;
}

/**
 * Parse "name=class" pairs (CLI --reference) into a reference map added to the built-ins. Class names are
 * matched case-insensitively, with "gpos" and "libos" as short forms.
 */
export function parseReferenceSpec(spec: string): [string, PaperClass] {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UserError(`--reference ${spec}: expected NAME=CLASS (class: baseline, LibOS or general-purpose OS)`);
  const name = spec.slice(0, eq);
  const raw = spec.slice(eq + 1).trim().toLowerCase();
  const cls = raw === 'gpos' || raw === 'general-purpose' ? 'general-purpose OS' : PAPER_CLASSES.find((c) => c.toLowerCase() === raw);
  if (!cls) throw new UserError(`--reference ${spec}: unknown class '${spec.slice(eq + 1)}' (baseline, LibOS, general-purpose OS)`);
  return [name, cls];
}

// Short texts of a guest's placement for tables, the terminal and captions: the same words everywhere.
import type { GuestClass } from './classify.ts';
import type { Axis } from './evidence.ts';
import { uncertainText } from './uncertainty.ts';

export const AXIS_LABELS: Readonly<Record<Axis, string>> = Object.freeze({
  cpu: 'own CPU',
  memory: 'memory',
  guestMemory: 'guest memory',
  vmmMemory: 'VMM memory',
  console: 'console volume',
  slope: 'scaling slope',
  init: 'user-space share',
  idle: 'idle share',
});

/** The class as people read it: "LibOS or general-purpose OS (uncertain)" for an uncertain answer, "unclassified" for none. */
export function classText(g: Pick<GuestClass, 'class' | 'candidates'>): string {
  if (g.class === 'uncertain' && g.candidates) return uncertainText(g.candidates);
  return g.class ?? 'unclassified';
}

/** "linux (0.12)", the reference itself for a reference, or "—". */
export function nearestText(g: GuestClass): string {
  if (g.reference) return 'reference';
  if (!g.nearest) return '—';
  return Number.isFinite(g.nearest.distance) ? `${g.nearest.reference} (${g.nearest.distance.toFixed(2)})` : g.nearest.reference;
}

/** The axes that pulled towards the chosen class, strongest first: "memory, console volume". */
export function decidedByText(g: GuestClass, most = 3): string {
  if (g.reference) return '—';
  const pulls = g.decidedBy.filter((c) => c.weight > 0).slice(0, most);
  return pulls.length ? pulls.map((c) => AXIS_LABELS[c.axis]).join(', ') : '—';
}

/** The axes the guest was measured on. */
export function axesText(g: GuestClass): string {
  const axes = Object.keys(g.coords) as Axis[];
  return axes.length ? axes.map((a) => AXIS_LABELS[a]).join(', ') : '—';
}

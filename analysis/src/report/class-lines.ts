// The class table as aligned terminal lines: what `bootlab analyze` and `bootlab classify` print.
import type { Classification, GuestClass } from '../classify/classify.ts';
import { classText, decidedByText, nearestText } from '../classify/describe.ts';
import { byClass } from './tables.ts';

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(0)}%`);

export function classLines(c: Classification, only?: ReadonlySet<string>): string[] {
  const guests: GuestClass[] = [...c.guests].filter((g) => !only || only.has(g.guest)).sort(byClass);
  const rows = guests.map((g) => [g.guest, classText(g), pct(g.confidence), nearestText(g), decidedByText(g)]);
  const head = ['guest', 'class', 'confidence', 'nearest reference (distance)', 'decided by'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] as number))).join('  ')}`.trimEnd();
  return [line(head), ...rows.map(line)];
}

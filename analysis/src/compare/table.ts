// The benchstat-style text table compare prints: aligned columns, "~" where the change is not significant.
import { fmtMs } from '../export/format.ts';
import type { ComparisonRow } from './compare.ts';

function pad(rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => {
          const fill = ' '.repeat((widths[i] as number) - [...cell].length);
          return rightAligned.has(i) ? fill + cell : cell + fill;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const pct = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`;

/** Control characters from trace strings must not reach a terminal. */
const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

export function formatComparison(rows: readonly ComparisonRow[], labels: { a: string; b: string }, alpha = 0.05): string {
  const header = ['guest', 'condition', `${labels.a} median ΔT`, `${labels.b} median ΔT`, 'delta', '95% CI', 'p', 'n'];
  const body = rows.map((r) => {
    const significant = r.p !== null && r.p < alpha;
    return [
      clean(r.guest),
      r.mode === 'single' ? 'single' : `multi ${r.intervalMs} ms`,
      r.medianA === null ? '—' : `${fmtMs(r.medianA)} ms`,
      r.medianB === null ? '—' : `${fmtMs(r.medianB)} ms`,
      r.change === null ? '—' : significant ? pct(r.change) : '~',
      r.changeCi ? `[${pct(r.changeCi.lo)}, ${pct(r.changeCi.hi)}]` : '—',
      r.p === null ? '—' : r.p < 0.001 ? '<0.001' : r.p.toFixed(3),
      `${r.nA}+${r.nB}`,
    ];
  });
  const side = (get: (r: ComparisonRow) => string) =>
    [...new Set(rows.flatMap((r) => get(r).split('+')).filter((w) => w !== '—'))].sort().join(', ') || '—';
  const places = [`${labels.a} ran on ${side((r) => r.whereA)}`, `${labels.b} ran on ${side((r) => r.whereB)}`];
  const note = `~: no significant change (Mann–Whitney U, p ≥ ${alpha}); delta = B/A − 1 of medians, CI by bootstrap.`;
  return `${pad([header, ...body], new Set([2, 3, 4, 6, 7]))}\n\n${clean(places.join('; '))}\n${note}\n`;
}

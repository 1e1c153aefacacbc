// report.md: the report for a repository or a notebook. Charts are linked as charts/<name>.svg next to it.
import { allTables, classTable, runTable, type Table } from '../report/tables.ts';
import { caveats, CAVEAT_WARNING_KINDS } from '../report/caveats.ts';
import { methods } from '../report/methods.ts';
import { groupWarnings } from '../warnings.ts';
import { escapeMarkdownCell, escapeMarkdownText } from './escape.ts';
import type { Exporter, ReportModel } from './exporter.ts';

function table(t: Table): string {
  const numeric = new Set(t.numeric ?? []);
  const head = `| ${t.headers.map(escapeMarkdownCell).join(' | ')} |`;
  const rule = `|${t.headers.map((_, i) => (numeric.has(i) ? ' ---: ' : ' --- ')).join('|')}|`;
  const rows = t.rows.map((r) => `| ${r.map(escapeMarkdownCell).join(' | ')} |`);
  return [`*${escapeMarkdownText(t.caption)}*`, '', head, rule, ...rows].join('\n');
}

export function summaryLine({ analysis: a }: ReportModel): string {
  const guests = a.classification.guests.length;
  const places = [...new Set(a.traces.runs.map((r) => `${r.header.host.accel}@${r.header.host.hostname}`))].sort();
  return `${a.traces.runs.length} run(s), ${guests} guest(s), ${a.traces.boots.length} boot(s) on ${places.join(', ')}`;
}

export const markdownExporter: Exporter = {
  format: 'markdown',
  file: 'report.md',
  serialize(model: ReportModel): string {
    const a = model.analysis;
    const out: string[] = ['# bootlab analysis', '', escapeMarkdownText(summaryLine(model)), ''];
    out.push('## Classes', '', table(classTable(a)), '');
    out.push('## Caveats', '');
    for (const c of caveats(a)) {
      out.push(`- **${c.flagged ? '⚠ applies' : '✓ clear'} — ${escapeMarkdownText(c.title)}.** ${escapeMarkdownText(c.summary)}`);
      for (const d of c.details) out.push(`  - ${escapeMarkdownText(d.trim())}`);
    }
    out.push('');
    const groups = groupWarnings(a.warnings.filter((w) => !CAVEAT_WARNING_KINDS.has(w.kind)));
    if (groups.length) {
      out.push('### Other warnings', '');
      for (const g of groups) {
        out.push(`#### ${g.title}`, '', ...g.messages.map((m) => `- ${escapeMarkdownText(m)}`), '');
      }
    }
    if (model.charts.length) {
      out.push('## Charts', '');
      for (const c of model.charts) out.push(`### ${escapeMarkdownText(c.title)}`, '', `![${escapeMarkdownText(c.title)}](charts/${c.name}.svg)`, '');
    }
    out.push('## Features', '');
    for (const t of allTables(a).slice(1)) out.push(table(t), '');
    out.push('## Runs', '', table(runTable(a)), '');
    out.push('## Methods', '');
    for (const s of methods(a)) out.push(`### ${s.heading}`, '', ...s.paragraphs.flatMap((p) => [escapeMarkdownText(p), '']));
    return `${out.join('\n').trimEnd()}\n`;
  },
};

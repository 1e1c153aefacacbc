// report.html: one self-contained file (inline CSS and SVG, no scripts, no external requests) that can be
// mailed or attached to a paper review. Every string from a trace goes through escapeHtml.
import { allTables, classTable, runTable, type Table } from '../report/tables.ts';
import { caveats, CAVEAT_WARNING_KINDS } from '../report/caveats.ts';
import { methods } from '../report/methods.ts';
import { groupWarnings } from '../warnings.ts';
import { escapeHtml } from './escape.ts';
import type { Exporter, ReportModel } from './exporter.ts';
import { summaryLine } from './markdown.ts';

const CSS = `
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; } h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: .6rem 0 1.4rem; font-size: .85rem; }
caption { text-align: left; font-style: italic; padding-bottom: .3rem; color: #444; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; vertical-align: top; }
th { background: #f4f4f4; text-align: left; }
td { white-space: nowrap; } td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 5rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; max-width: 100%; }
figure { margin: 1rem 0 2rem; } figcaption { font-weight: bold; margin-bottom: .4rem; }
figure svg { max-width: 100%; height: auto; }
.caveats li { margin: .15rem 0; } .summary { color: #555; }
ul.caveat-list { list-style: none; padding-left: 0; }
li.caveat { margin: .5rem 0; padding: .4rem .7rem; border-left: 4px solid #4a9a5b; background: #f3f8f4; }
li.caveat.flagged { border-left-color: #c77700; background: #fdf6ec; }
li.caveat .mark { display: inline-block; min-width: 4.6rem; font-size: .75rem; font-weight: bold; text-transform: uppercase; color: #2f6b3d; }
li.caveat.flagged .mark { color: #9a5a00; }
li.caveat ul { margin: .3rem 0 0; padding-left: 1.2rem; font-size: .85rem; color: #444; }
h4 { font-size: .95rem; margin: 1rem 0 .3rem; color: #444; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  .scroll { overflow: visible; } table { font-size: 7pt; } th, td { padding: 1px 3px; } td, td.wrap { white-space: normal; min-width: 0; }
  figure, li.caveat, tr { break-inside: avoid; } h2, h3 { break-after: avoid; }
}
`;

function table(t: Table, id?: string): string {
  const numeric = new Set(t.numeric ?? []);
  const wrap = new Set(t.wrap ?? []);
  const cls = (i: number) => (numeric.has(i) ? ' class="num"' : wrap.has(i) ? ' class="wrap"' : '');
  const head = `<tr>${t.headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr>`;
  const rows = t.rows.map((r) => `<tr>${r.map((cell, i) => `<td${cls(i)}>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table${id ? ` id="${id}"` : ''}><caption>${escapeHtml(t.caption)}</caption>\n<thead>${head}</thead>\n<tbody>\n${rows}\n</tbody></table></div>`;
}

export const htmlExporter: Exporter = {
  format: 'html',
  file: 'report.html',
  serialize(model: ReportModel): string {
    const a = model.analysis;
    const parts: string[] = [];
    parts.push(`<h1>bootlab analysis</h1>`, `<p class="summary">${escapeHtml(summaryLine(model))}</p>`);
    parts.push('<h2 id="classes">Classes</h2>', table(classTable(a), 'class-table'));
    // The five standing caveats, each stated whether it applies or not; then every other warning.
    parts.push('<h2 id="caveats">Caveats</h2>', '<ul class="caveat-list">');
    for (const c of caveats(a)) {
      const details = c.details.length ? `<ul>${c.details.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>` : '';
      parts.push(
        `<li class="caveat${c.flagged ? ' flagged' : ''}" id="caveat-${c.id}"><span class="mark">${c.flagged ? 'applies' : 'clear'}</span> <strong>${escapeHtml(c.title)}.</strong> ${escapeHtml(c.summary)}${details}</li>`,
      );
    }
    parts.push('</ul>');
    const groups = groupWarnings(a.warnings.filter((w) => !CAVEAT_WARNING_KINDS.has(w.kind)));
    if (groups.length) {
      parts.push('<h3 id="warnings">Other warnings</h3>');
      for (const g of groups) {
        parts.push(`<h4>${escapeHtml(g.title)}</h4>`, `<ul class="caveats">${g.messages.map((m) => `<li>${escapeHtml(m)}</li>`).join('')}</ul>`);
      }
    }
    if (model.charts.length) {
      parts.push('<h2 id="charts">Charts</h2>');
      // Vega's SVG renderer escapes the text it draws; the SVG is inlined as produced.
      for (const c of model.charts) parts.push(`<figure id="chart-${escapeHtml(c.name)}"><figcaption>${escapeHtml(c.title)}</figcaption>\n${c.svg}\n</figure>`);
    }
    parts.push('<h2 id="features">Features</h2>');
    for (const t of allTables(a).slice(1)) parts.push(table(t));
    parts.push('<h2 id="runs">Runs</h2>', table(runTable(a)));
    parts.push('<h2 id="methods">Methods</h2>');
    for (const s of methods(a)) parts.push(`<h3>${escapeHtml(s.heading)}</h3>`, ...s.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`));
    return [
      '<!DOCTYPE html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      // No scripts and no remote loads: the report is data, even if a trace was hostile.
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
      '<title>bootlab analysis</title>',
      `<style>${CSS}</style>`,
      '</head>',
      '<body>',
      ...parts,
      '</body>',
      '</html>',
      '',
    ].join('\n');
  },
};

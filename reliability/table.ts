// The campaign's figures table: rendered from a results file and written between the generated-figures
// markers of docs/reliability.md (the main campaign's block, or a comparison's own block).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CampaignResults } from './results.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DOC_PATH = join(HERE, '..', 'docs', 'reliability.md');
export const TABLE_BEGIN = '<!-- BEGIN GENERATED FIGURES: reliability/campaign.ts writes this table from reliability/results.json; do not edit -->';
export const TABLE_END = '<!-- END GENERATED FIGURES -->';

const cell = (s: string | number) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderTable(results: CampaignResults): string {
  const lines = [
    `Generated ${results.generated_at.slice(0, 16).replace('T', ' ')} UTC by \`${results.command}\` in ${Math.round(results.runtime_s / 60)} min ` +
      `(${results.host.cores} cores, ${results.host.cpu}, QEMU ${results.host.qemu} under TCG, Node ${results.host.node}; ` +
      `load average ${results.host.load1_at_start} at start, ${results.host.load1_at_end} at end). Per-run details: \`reliability/results.json\`.`,
    '',
    '| fault | runs | survived | instances leaked | lines lost | notes |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...results.table.map((r) => `| ${cell(r.fault)} | ${r.runs} | ${r.survived} | ${r.leaked} | ${r.lines_lost} | ${cell(r.notes)} |`),
  ];
  return lines.join('\n');
}

/** Markers of a second generated block, for a campaign written to another results file (e.g. the engine's). */
export function blockMarkers(resultsFile: string): { begin: string; end: string } {
  return {
    begin: `<!-- BEGIN GENERATED FIGURES FROM ${resultsFile}: reliability/campaign.ts --doc-block writes this table; do not edit -->`,
    end: `<!-- END GENERATED FIGURES FROM ${resultsFile} -->`,
  };
}

/** Replace the generated block of docs/reliability.md (between the markers) with the table of `results`. */
export function updateDoc(results: CampaignResults, docPath = DOC_PATH, markers = { begin: TABLE_BEGIN, end: TABLE_END }): void {
  const doc = readFileSync(docPath, 'utf8');
  const begin = doc.indexOf(markers.begin);
  const end = doc.indexOf(markers.end);
  if (begin < 0 || end < begin) throw new Error(`${docPath}: the generated-figures markers are missing (${markers.begin})`);
  const next = `${doc.slice(0, begin + markers.begin.length)}\n${renderTable(results)}\n${doc.slice(end)}`;
  writeFileSync(docPath, next);
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvExporter } from '../src/export/csv.ts';
import { jsonExporter } from '../src/export/json.ts';
import { analyze } from '../src/report/analyze.ts';
import { mulberry32 } from '../src/stats/random.ts';
import { PAPER_GUESTS, paperRuns } from './fixtures/synthetic.ts';
import { FAST, traceSetOf } from './helpers.ts';

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Keep the header first; every other record in random order. */
function shuffleRecords(text: string, seed: number): string {
  const [header, ...rest] = text.trimEnd().split('\n');
  return `${[header, ...shuffled(rest, seed)].join('\n')}\n`;
}

function outputs(files: { name: string; text: string }[]) {
  const { traces, warnings } = traceSetOf(files);
  const analysis = analyze(traces, warnings, { ...FAST, k: 3 });
  const model = { analysis, charts: [] };
  return { json: jsonExporter.serialize(model), csv: csvExporter.serialize(model) };
}

test('shuffling guests, records and file order leaves classes.json and features.csv byte-identical', () => {
  const reference = outputs(paperRuns());
  const reordered = paperRuns(shuffled(PAPER_GUESTS, 3))
    .map((f, i) => ({ ...f, text: shuffleRecords(f.text, 10 + i) }))
    .reverse();
  const again = outputs(reordered);
  assert.equal(again.json, reference.json);
  assert.equal(again.csv, reference.csv);
});

test('the same input analysed twice gives the same bytes (seeded bootstrap)', () => {
  assert.equal(outputs(paperRuns()).json, outputs(paperRuns()).json);
});

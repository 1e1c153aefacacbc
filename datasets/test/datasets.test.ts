// The committed datasets: every file parses, and the README's results table still comes out of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findDatasets, loadTraces } from '@bootlab/analysis';
import { datasetAnalysis, parseResultsTable, resultRows } from '../readme.ts';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

test('every committed dataset loads without a single bad line', async () => {
  const files = await findDatasets();
  assert.ok(files.length > 0, 'datasets/ holds traces');
  for (const file of files) {
    const { traces, warnings } = await loadTraces([file]);
    assert.ok(traces.boots.length > 0, `${file} has boots`);
    const damaged = warnings.filter((w) => /truncated|skipped|malformed/i.test(w.message));
    assert.deepEqual(damaged, [], `${file} is intact`);
  }
});

test('the README results table is what the analysis of the datasets gives', async () => {
  const { analysis } = await datasetAnalysis();
  const fresh = resultRows(analysis);
  const committed = parseResultsTable(readFileSync(README, 'utf8'));
  assert.ok(committed.length > 0, 'README has a results table');
  assert.deepEqual(committed, fresh, 'regenerate with: node --import tsx datasets/readme.ts');
});

test('the built-in guests fall into the paper\'s three classes', async () => {
  const { analysis } = await datasetAnalysis();
  const cls = (guest: string) => analysis.classification.guests.find((g) => g.guest === guest)?.class;
  assert.equal(cls('minkernel'), 'baseline');
  assert.equal(cls('unikernel'), 'LibOS');
  assert.equal(cls('debian'), 'general-purpose OS');
});

test('docs/classification.md is what the validation recordings give', async () => {
  const { validationDoc, DOC } = await import('../classification/validation.ts');
  assert.equal(readFileSync(DOC, 'utf8'), await validationDoc(), 'regenerate with: node --import tsx datasets/classification/validation.ts');
});

test('every stress guest gets its labelled class or an honest "unlike any reference", but for the documented misses', async () => {
  const { readLabels, validationTraces } = await import('../classification/validation.ts');
  const { KNOWN_MISSES } = await import('../classification/render.ts');
  const { validate } = await import('@bootlab/analysis');
  const { traces } = await loadTraces(validationTraces());
  const v = validate(traces, readLabels());
  assert.ok(v.production.length >= 13, 'the whole stress set was recorded');
  const wrong = v.production.filter((r) => r.verdict === 'wrong').map((r) => r.guest);
  assert.deepEqual(wrong.filter((g) => !(g in KNOWN_MISSES)), [], 'a wrong class nobody has explained (KNOWN_MISSES in datasets/classification/render.ts)');
  assert.deepEqual(Object.keys(KNOWN_MISSES).filter((g) => !wrong.includes(g)), [], 'a documented miss is right now: delete it from KNOWN_MISSES');
  assert.deepEqual(v.subsetChanges, [], 'no class depends on the other guests recorded');
});

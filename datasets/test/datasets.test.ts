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

test('uncertain answers: the heavy LibOS is "LibOS or general-purpose OS (uncertain)"; no stress guest is confidently wrong; the threshold is the calibrated one', async () => {
  const { readLabels, validationTraces } = await import('../classification/validation.ts');
  const { classText, productionAndLeaveOneOut, computeFeatures, tally, UNCERTAINTY_THRESHOLD } = await import('@bootlab/analysis');
  const { traces } = await loadTraces(validationTraces());
  const features = computeFeatures(traces, { resamples: 0 });
  const { production, leaveOneOut } = productionAndLeaveOneOut(features, readLabels());
  const heavy = production.find((r) => r.guest === 'unikernel-heavy');
  assert.equal(heavy?.predicted, 'uncertain');
  assert.deepEqual(heavy?.placement.candidates, ['LibOS', 'general-purpose OS']);
  assert.equal(classText(heavy!.placement), 'LibOS or general-purpose OS (uncertain)');
  assert.equal(heavy?.placement.uncertainty?.definition.prefers, 'LibOS', 'guest memory, console and no init say LibOS');
  assert.equal(heavy?.placement.uncertainty?.work.prefers, 'general-purpose OS', 'own CPU, slope and the VMM memory say general-purpose OS');
  assert.ok(heavy!.placement.uncertainty!.distances.every((d) => Number.isFinite(d)));
  assert.deepEqual(production.filter((r) => r.verdict === 'wrong').map((r) => r.guest), [], 'no confident wrong answer');
  // With uncertainty off, the same guest is the general-purpose OS of old (the miss this fixes).
  const off = productionAndLeaveOneOut(features, readLabels(), { uncertaintyThreshold: 0.5 });
  assert.equal(off.production.find((r) => r.guest === 'unikernel-heavy')?.predicted, 'general-purpose OS');
  // calibrated.ts is what calibrate.ts chose, and its row in calibration.json is what the data give now.
  const calibration = JSON.parse(readFileSync(new URL('../classification/calibration.json', import.meta.url), 'utf8')) as {
    chosen: number;
    rows: { threshold: number; production: unknown; leaveOneOut: unknown }[];
  };
  assert.equal(UNCERTAINTY_THRESHOLD, calibration.chosen, 'rerun datasets/classification/calibrate.ts');
  const row = calibration.rows.find((r) => r.threshold === calibration.chosen);
  assert.deepEqual(row?.production, tally(production));
  assert.deepEqual(row?.leaveOneOut, tally(leaveOneOut));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootsFrame, classesFrame, featuresFrame } from '../src/frames.ts';
import { paperAnalysis } from './helpers.ts';

test('boots, features and classes are danfo DataFrames with one row per item', () => {
  const a = paperAnalysis();
  const boots = bootsFrame(a.traces.boots);
  assert.deepEqual(boots.shape, [a.traces.boots.length, boots.columns.length]);
  for (const col of ['run_id', 'host', 'accel', 'guest', 'dt_ms', 'marker_kernel_ms']) assert.ok(boots.columns.includes(col), col);
  assert.equal(featuresFrame(a.features.conditions).shape[0], a.features.conditions.length);
  const classes = classesFrame(a.classification.guests);
  assert.deepEqual(classes.column('class').values.slice(0, 2), ['general-purpose OS', 'baseline']);
});

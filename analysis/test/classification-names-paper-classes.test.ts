import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from '../src/classify/classify.ts';
import { EXPECTED_CLASS } from './fixtures/synthetic.ts';
import { paperAnalysis } from './helpers.ts';

test('baseline-, LibOS- and Linux-like guests get the paper class names', () => {
  const { classification } = paperAnalysis();
  assert.equal(classification.k, 3);
  assert.deepEqual(classification.classes, ['baseline', 'LibOS', 'general-purpose OS']);
  for (const g of classification.guests) {
    assert.equal(g.class, EXPECTED_CLASS[g.guest], `${g.guest}`);
    assert.equal(g.basis, 'dt+slope');
  }
});

test('well separated guests keep their class in (nearly) every bootstrap replicate', () => {
  for (const g of paperAnalysis().classification.guests) assert.ok((g.confidence ?? 0) >= 0.9, `${g.guest}: ${g.confidence}`);
});

test('class centroids are ordered: baseline fastest and flattest, general-purpose OS slowest and steepest', () => {
  const [base, lib, gp] = paperAnalysis().classification.centroids;
  assert.ok(base && lib && gp);
  assert.ok(base.singleMedianMs < lib.singleMedianMs && lib.singleMedianMs < gp.singleMedianMs);
  assert.ok((base.scalingSlope as number) < (lib.scalingSlope as number));
  assert.ok((lib.scalingSlope as number) < (gp.scalingSlope as number));
});

test('k=auto picks three classes for three well separated groups', () => {
  const a = paperAnalysis();
  const auto = classify(a.features, { k: 'auto', resamples: 0 });
  assert.equal(auto.k, 3);
  assert.ok(auto.kScores && auto.kScores.length === 5, 'silhouette for k = 2..6');
  for (const g of auto.guests) assert.equal(g.class, EXPECTED_CLASS[g.guest]);
});

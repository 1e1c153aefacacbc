import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCountList, parseIntervalList, planBatches } from '../../src/record/plan.ts';

test('multi mode makes one batch per interval, size and guest, guests innermost', () => {
  const plan = planBatches({ mode: 'multi', guests: ['a', 'b'], n: [1, 5], intervalsMs: [3, 7], repeat: 1 });
  assert.equal(plan.length, 8);
  assert.deepEqual(plan.slice(0, 4).map((b) => [b.intervalMs, b.n, b.guest]), [[3, 1, 'a'], [3, 1, 'b'], [3, 5, 'a'], [3, 5, 'b']]);
  assert.deepEqual(plan.map((b) => b.batch), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('repetitions are the outer loop', () => {
  const plan = planBatches({ mode: 'single', guests: ['a', 'b'], n: [3], intervalsMs: [], repeat: 2 });
  assert.deepEqual(plan.map((b) => `${b.repetition}${b.guest}`), ['0a', '0b', '1a', '1b']);
  assert.ok(plan.every((b) => b.intervalMs === null && b.n === 3));
});

test('lists are parsed strictly and errors name the option', () => {
  assert.deepEqual(parseCountList('1,2, 5', '-n'), [1, 2, 5]);
  assert.throws(() => parseCountList('1,x', '-n'), /^Error: -n: expected positive whole numbers/);
  assert.throws(() => parseCountList('0', '-n'));
  assert.deepEqual(parseIntervalList('3,5,7.5', '--interval'), [3, 5, 7.5]);
  assert.throws(() => parseIntervalList('-1', '--interval'), /--interval/);
});

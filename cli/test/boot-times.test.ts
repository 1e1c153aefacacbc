// The closing time lines of `bootlab classify`: single boots add up, a sweep batch counts from its first launch
// to its last end, timeouts are counted, references come first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootTimeLines, bootTimes } from '../boot-times.ts';

const s = 1e9;
const boots = [
  { guest: 'mine', run_id: 'g', batch: 0, ts_ns: 0, end_ns: 2 * s, status: 'ok' },
  { guest: 'mine', run_id: 'g', batch: 1, ts_ns: 3 * s, end_ns: 4 * s, status: 'timeout' },
  { guest: 'linux', run_id: 'r', batch: 0, ts_ns: 0, end_ns: 5 * s, status: 'ok' },
  // a sweep batch of two overlapping boots: 1 s to 4 s, not 3 + 2 s
  { guest: 'linux', run_id: 'r', batch: 1, ts_ns: 1 * s, end_ns: 4 * s, status: 'ok' },
  { guest: 'linux', run_id: 'r', batch: 1, ts_ns: 2 * s, end_ns: 4 * s, status: 'ok' },
];

test('boot times per reference and guest', () => {
  const t = bootTimes(boots, ['minkernel', 'linux']);
  assert.deepEqual(t.map((g) => [g.guest, g.reference, g.seconds, g.boots, g.timeouts]), [
    ['linux', true, 8, 3, 0],
    ['mine', false, 3, 2, 1],
  ]);
  assert.deepEqual(bootTimeLines(boots, ['minkernel', 'linux']), ['time: linux (reference) 8.0 s in 3 boots, 0 timeouts', 'time: mine 3.0 s in 2 boots, 1 timeout']);
});

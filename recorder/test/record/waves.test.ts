import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextWave, WAVE_WAIT_NS } from '../../src/record/waves.ts';

test('a wave starts whole, or waits for the memory of the last one to be merged or freed', () => {
  assert.equal(nextWave(100, 100, null), 'start');
  assert.equal(nextWave(250, 100, 5_000_000_000n), 'start', 'room for more than the wave');
  // Room for 3 of 100: starting them would only trip the guard; look again in a second.
  assert.equal(nextWave(3, 100, null), 'wait');
  assert.equal(nextWave(0, 100, 60_000_000_000n), 'wait');
  // The last wave of a batch may be smaller than --waves: it needs room for what is left, not a whole wave.
  assert.equal(nextWave(20, 20, null), 'start');
});

test('after the hold the guard decides with what fits', () => {
  assert.equal(nextWave(3, 100, WAVE_WAIT_NS), 'as-far-as-it-fits');
  assert.equal(nextWave(3, 100, 2_000_000_000n, 1_000_000_000n), 'as-far-as-it-fits');
  assert.ok(WAVE_WAIT_NS >= 120_000_000_000n, 'ksmd needs minutes to merge thousands of VMMs');
});

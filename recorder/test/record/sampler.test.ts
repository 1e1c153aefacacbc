// The sampler driven by the launch engine's ticks: a sample carries the engine's stamp, MemAvailable and VMM
// count, says so, and samples leave in time order (a late or repeated tick is dropped, as is one outside the run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SampleRecord } from '@bootlab/trace';
import { Sampler } from '../../src/record/sampler.ts';

function engineSampler() {
  const samples: SampleRecord[] = [];
  let now = 1_000_000_000n;
  const sampler = new Sampler({ intervalMs: 1000, engineTicks: true, instances: () => [], clock: () => now, origin: 0n, emit: (s) => samples.push(s) });
  return { sampler, samples, advance: (ns: bigint) => (now += ns), now: () => now };
}

test('an engine tick becomes a sample at its own stamp, with its MemAvailable and VMM count', () => {
  const { sampler, samples, advance, now } = engineSampler();
  sampler.start();
  assert.equal(samples.length, 1, 'start() takes the first sample itself');
  assert.equal(samples[0]!.stamped_by, undefined);
  const t = now() + 1_000_000_000n;
  advance(3_500_000_000n); // the recorder gets to the tick 2.5 s after its stamp
  sampler.onEngineTick({ t, memAvailableKb: 1234, running: 3 });
  const s = samples[1]!;
  assert.equal(s.t_ns, Number(t));
  assert.equal(s.mem_available_kb, 1234);
  assert.equal(s.running, 3);
  assert.equal(s.booting, 0);
  assert.equal(s.stamped_by, 'engine');
  assert.equal(s.collected_late_ms, 2500);
});

test('ticks older than the last sample, without MemAvailable, or outside start/stop are dropped', () => {
  const { sampler, samples, now } = engineSampler();
  sampler.onEngineTick({ t: now() + 1n, memAvailableKb: 1, running: 0 });
  assert.equal(samples.length, 0, 'before start()');
  sampler.start();
  sampler.onEngineTick({ t: now() - 1n, memAvailableKb: 1, running: 0 });
  sampler.onEngineTick({ t: now() + 5n, memAvailableKb: null, running: 0 });
  assert.equal(samples.length, 1, 'older than the first sample, or unreadable');
  sampler.onEngineTick({ t: now() + 10n, memAvailableKb: 1, running: 0 });
  sampler.onEngineTick({ t: now() + 10n, memAvailableKb: 1, running: 0 });
  assert.equal(samples.length, 2, 'the same stamp twice');
  sampler.stop();
  sampler.onEngineTick({ t: now() + 20n, memAvailableKb: 1, running: 0 });
  assert.equal(samples.length, 2, 'after stop()');
});

// stopGuestAfterFailedFirstBoot (what `bootlab classify` runs with): a guest whose first boot in a run fails gets
// no more boots in it, a warning event says so, and the other guests are recorded as planned.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { record } from '../../src/record/record.ts';
import { boots, ensureBuilt, privateGuest, readTrace, runOptions, tempDir } from '../helpers.ts';

before(async () => {
  await ensureBuilt('minkernel');
});

test('a guest whose first boot fails is not booted again in the run; the others are', async () => {
  const bad = privateGuest('minkernel', { name: 'cannot-boot', qemu_args: ['-device', 'no-such-device-model'] });
  const good = privateGuest('minkernel', { name: 'boots' });
  const output = join(tempDir('give-up'), 'run.jsonl');
  const result = await record(runOptions({ guests: [bad.path, good.path], output, n: [1], repeat: 3, stopGuestAfterFailedFirstBoot: true }));
  const records = readTrace(output);
  const bs = boots(records);
  assert.deepEqual(bs.filter((b) => b.guest === 'cannot-boot').map((b) => b.status), ['vmm_error']);
  assert.deepEqual(bs.filter((b) => b.guest === 'boots').map((b) => b.status), ['ok', 'ok', 'ok']);
  assert.deepEqual(result.gaveUp, [{ guest: 'cannot-boot', status: 'vmm_error', skippedBoots: 2 }]);
  const events = records.flatMap((r) => (r.type === 'event' && r.kind === 'warning' ? [r.message] : []));
  assert.ok(events.some((m) => /^cannot-boot: first boot ended vmm_error; its remaining boots in this run are skipped$/.test(m)), events.join('\n'));
});

test('without the option every planned boot runs (record as before)', async () => {
  const bad = privateGuest('minkernel', { name: 'cannot-boot-2', qemu_args: ['-device', 'no-such-device-model'] });
  const output = join(tempDir('give-up-off'), 'run.jsonl');
  const result = await record(runOptions({ guests: [bad.path], output, n: [1], repeat: 2 }));
  assert.equal(boots(readTrace(output)).length, 2);
  assert.deepEqual(result.gaveUp, []);
});

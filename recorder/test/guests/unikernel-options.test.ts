// The unikernel's stress options (guests/unikernel: wait=, work=, heap=, log=, calibrate=), booted for
// real under TCG: what the stress set (guests/stress/) relies on each variant to do.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execa } from 'execa';
import { record } from '../../src/record/record.ts';
import { GUESTS_DIR } from '../../src/guests/guests.ts';
import { boots, ensureBuilt, privateGuest, readTrace, runOptions, tempDir } from '../helpers.ts';

const KERNEL = join(GUESTS_DIR, 'unikernel', 'build', 'unikernel.elf');

before(async () => {
  await ensureBuilt('unikernel');
});

/** One boot told to leave through isa-debug-exit after the ready line (or an error): its console lines. */
async function boot(append: string, machine: 'pc' | 'q35' | 'microvm' = 'pc'): Promise<string[]> {
  const bus = machine === 'microvm' ? 'device' : 'pci';
  const r = await execa('qemu-system-x86_64', [
    '-nographic', '-M', machine, '-accel', 'tcg', '-cpu', 'max', '-m', '50',
    '-netdev', 'user,id=un0,restrict=on', '-device', `virtio-net-${bus},netdev=un0`, '-device', `virtio-rng-${bus}`,
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-kernel', KERNEL, '-append', `exit ${append}`,
  ], { reject: false, timeout: 30_000, stdin: 'ignore' });
  return r.stdout.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.startsWith('unikernel: '));
}

const index = (lines: string[], re: RegExp) => lines.findIndex((l) => re.test(l));

test('unikernel: heap, work and log lines come before the ready line; work is deterministic', async () => {
  const lines = await boot('heap=8 work=20 log=7 calibrate=10');
  assert.equal(lines.filter((l) => /^unikernel: debug: paging: pd\[0\]\[00\d\] va=/.test(l)).length, 7, lines.join('\n'));
  assert.ok(index(lines, /debug: paging: pd\[0\]\[006\]/) < index(lines, /platform up/));
  assert.ok(index(lines, /^unikernel: app heap 8 MiB touched/) > index(lines, /devices up/));
  const work = lines.find((l) => l.startsWith('unikernel: app work 20 rounds'))?.match(/fnv1a=([0-9a-f]{16})/)?.[1];
  assert.ok(work, lines.join('\n'));
  assert.ok(index(lines, /app work/) < index(lines, /^unikernel: ready mac=/));
  const again = (await boot('work=20')).find((l) => l.includes('app work'))?.match(/fnv1a=([0-9a-f]{16})/)?.[1];
  assert.equal(again, work, 'a fixed amount of work gives the same digest on every boot');
});

test('unikernel: no option, no stress lines; a bad value is a one-line error', async () => {
  const plain = await boot('');
  assert.ok(plain.some((l) => l.startsWith('unikernel: ready mac=')));
  assert.ok(!plain.some((l) => /^unikernel: (app|debug)/.test(l)), plain.join('\n'));
  assert.ok((await boot('calibrate=0')).includes('unikernel: error: clock: calibrate=0 is outside 1-1000 ms'));
  assert.ok((await boot('wait=1s')).includes('unikernel: error: cmdline: wait=1s is not a decimal number'));
});

test('unikernel: wait=MS waits on the APIC timer on pc, q35 and microvm', async () => {
  for (const machine of ['pc', 'q35', 'microvm'] as const) {
    const lines = await boot('wait=200', machine);
    const waited = Number(lines.find((l) => l.startsWith('unikernel: app waited'))?.match(/waited (\d+) ms/)?.[1]);
    assert.ok(waited >= 200 && waited < 400, `${machine}: ${lines.join('\n')}`);
    assert.ok(index(lines, /app waited/) < index(lines, /^unikernel: ready mac=/), machine);
  }
});

test('unikernel: wait=MS is idle — the VMM uses little CPU while the guest waits', async () => {
  const { path } = privateGuest('unikernel', { name: 'unikernel-wait-test', append: 'wait=600', markers: {} });
  const output = join(tempDir('uk-wait'), 'wait.jsonl');
  await record(runOptions({ guests: [path], output, n: [1] }));
  const [b] = boots(readTrace(output));
  assert.equal(b?.status, 'ok');
  assert.ok(b?.dt_ms != null && b.cpu_ms_at_te != null);
  // A busy wait would cost the 600 ms in CPU too; halted, the VMM sleeps through most of it.
  assert.ok(b.dt_ms - b.cpu_ms_at_te > 400, `dt ${b.dt_ms} ms, CPU ${b.cpu_ms_at_te} ms`);
});

test('unikernel: with the bare profile (no virtio devices) it is ready and its ready line says none was found', async () => {
  // The built-in descriptor, as classify records the reference on a bare guest's variant: no NIC, no rng.
  const { path } = privateGuest('unikernel', { name: 'unikernel-bare-test' });
  const output = join(tempDir('uk-bare'), 'bare.jsonl');
  await record(runOptions({ guests: [path], output, n: [1], profile: 'bare', timeoutS: 60 }));
  const [b] = boots(readTrace(output));
  assert.equal(b?.status, 'ok', b?.error ?? '');
  assert.equal(b?.ready_match, 'unikernel: ready mac=none rng=none');
  assert.ok(!b?.argv.some((a) => /virtio/.test(a)), b?.argv.join(' '));
  // On the paper profile the same descriptor still needs a real MAC and random bytes (record.test.ts checks them).
  for (const machine of ['pc', 'microvm'] as const) {
    const lines = await boot('', machine);
    assert.match(lines.find((l) => l.startsWith('unikernel: ready')) ?? '', /^unikernel: ready mac=([0-9a-f]{2}:){5}[0-9a-f]{2} rng=[0-9a-f]{16}$/, machine);
    assert.ok(!lines.some((l) => l.startsWith('unikernel: devices: no')), lines.join('\n'));
  }
});

// End-to-end recordings with real QEMU under TCG.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { record } from '../../src/record/record.ts';
import { boots, ensureBuilt, privateGuest, readTrace, runOptions, tempDir } from '../helpers.ts';

const out = tempDir('record');

before(async () => {
  await ensureBuilt('minkernel');
});

test('minkernel, single mode, 3 boots: all ok, with ΔT, markers and provenance', async () => {
  const output = join(out, 'single.jsonl');
  const result = await record(runOptions({ guests: ['minkernel'], output, n: [3] }));
  assert.equal(result.status, 'complete');
  const records = readTrace(output);
  const header = records[0];
  assert.equal(header?.type, 'header');
  if (header?.type !== 'header') return;
  assert.equal(header.host.accel, 'tcg');
  // Read before our first VM: other work only (the report's "started on a busy host" caveat).
  assert.ok(typeof header.host.procs_running_at_start === 'number' && header.host.procs_running_at_start >= 0);
  assert.match(header.host.qemu_version, /^\d+\.\d+/);
  assert.equal(header.guests[0]?.images[0]?.sha256.length, 64);
  // Every VMM was started by the launch engine (which checks this process is its parent), with no prefix.
  assert.match(header.plan.engine?.binary ?? '', /\/bootlab-engine-[0-9a-f]{16}$/);
  assert.deepEqual(header.plan.launcher, []);
  assert.ok(!records.some((r) => r.type === 'event' && r.kind === 'warning' && /launcher|engine/.test(r.message)), 'no launcher warning');
  const bs = boots(records);
  assert.deepEqual(bs.map((b) => b.status), ['ok', 'ok', 'ok']);
  for (const b of bs) {
    assert.ok(b.dt_ms !== null && b.dt_ms > 0);
    assert.equal(b.dt_ms, (b.te_ns! - b.ts_ns) / 1e6);
    assert.ok(b.markers.kernel !== undefined && b.markers.kernel <= b.te_ns!, 'kernel marker precedes ready');
    assert.ok(b.first_output_ns !== null && b.first_output_ns <= b.markers.kernel!);
    assert.equal(b.ready_match, 'minkernel: ready');
    assert.ok(b.argv.includes('restrict=on') || b.argv.some((a) => a.includes('restrict=on')));
    assert.equal(b.running_at_launch, 0, 'single mode boots one instance at a time');
    assert.ok(b.cpu_ms_at_te !== null && b.rss_kb_at_te !== null && b.rss_kb_at_te > 0);
    // SeaBIOS's banner lines, minkernel's entry line and its ready line: a handful, never zero.
    assert.ok(b.console_lines_at_te !== null && b.console_lines_at_te >= 2 && b.console_lines_at_te < 20, `lines ${b.console_lines_at_te}`);
    assert.ok(b.console_chars_at_te !== null && b.console_chars_at_te > 'minkernel: ready'.length);
    // The guest's RAM (-m 50) is part of the RSS: SeaBIOS and the option ROMs touch a few MiB of it, never all.
    assert.ok(b.guest_ram_kb_at_te !== null && b.guest_ram_kb_at_te > 512 && b.guest_ram_kb_at_te < 50 * 1024, `guest RAM ${b.guest_ram_kb_at_te}`);
    assert.ok(b.guest_ram_kb_at_te < b.rss_kb_at_te!, 'the VMM has memory of its own beside the guest RAM');
  }
  assert.equal(records.at(-1)?.type, 'end');
});

test('minkernel, multi mode, 10 instances 3 ms apart: all ok and launched on schedule', async () => {
  const output = join(out, 'multi.jsonl');
  const result = await record(runOptions({ guests: ['minkernel'], output, mode: 'multi', n: [10], intervalsMs: [3] }));
  assert.equal(result.counts.ok, 10);
  const records = readTrace(output);
  const bs = boots(records).sort((a, b) => a.index - b.index);
  assert.deepEqual(bs.map((b) => b.index), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const first = bs[0]!.scheduled_ns;
  bs.forEach((b, i) => assert.equal(b.scheduled_ns - first, i * 3_000_000, 'scheduled times are exactly 3 ms apart'));
  assert.ok(bs.every((b) => b.launch_lag_ms >= 0 && b.interval_ms === 3 && b.n === 10));
  assert.ok(bs.some((b) => b.running_at_launch > 0), 'later instances start while earlier ones run');
  const batch = records.find((r) => r.type === 'batch');
  assert.ok(batch?.type === 'batch' && batch.launched === 10 && batch.stopped_by === null);
  const samples = records.filter((r) => r.type === 'sample');
  assert.ok(samples.length >= 2);
  // The first sample is the recorder's own (taken as the run starts); the engine stamps the ones after it.
  assert.ok(samples.some((s) => s.type === 'sample' && s.stamped_by === 'engine'), 'engine-stamped samples');
  assert.ok(samples.slice(1, -1).every((s) => s.type === 'sample' && s.stamped_by === 'engine' && s.collected_late_ms !== undefined));
  assert.ok(samples.every((s, i) => i === 0 || s.t_ns >= samples[i - 1]!.t_ns), 'samples in time order');
  assert.ok(bs.every((b) => b.guest_ram_kb_at_te === null), 'smaps is read for single-instance boots only');
});

test('a guest whose ready line never comes ends as timeout, within the timeout', async () => {
  const guest = privateGuest('minkernel', { name: 'never-ready', ready: '^this line is never printed' });
  const output = join(out, 'timeout.jsonl');
  const started = Date.now();
  await record(runOptions({ guests: [guest.path], output, n: [1], timeoutS: 3 }));
  const elapsed = Date.now() - started;
  const [b] = boots(readTrace(output));
  assert.equal(b?.status, 'timeout');
  assert.equal(b?.dt_ms, null);
  const watched = (b!.end_ns - b!.ts_ns) / 1e6;
  assert.ok(watched >= 3000 && watched < 3000 + 2000, `watched ${watched} ms`);
  assert.ok(elapsed < 15_000);
  assert.match(b!.console_tail ?? '', /minkernel: ready/, 'the console tail shows what the guest did print');
});

test('a guest that exits before its ready line is recorded as exited with its exit code', async () => {
  const guest = privateGuest('minkernel', {
    name: 'exits-early',
    append: 'exit',
    qemu_args: ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'],
    ready: '^never',
  });
  const output = join(out, 'exited.jsonl');
  await record(runOptions({ guests: [guest.path], output, n: [1], timeoutS: 30 }));
  const [b] = boots(readTrace(output));
  assert.equal(b?.status, 'exited');
  assert.equal(b?.exit_code, 3);
});

test('a fatal VMM error is recorded as vmm_error at once, not after the timeout', async () => {
  const guest = privateGuest('minkernel', { name: 'bad-device', qemu_args: ['-device', 'no-such-device-model'] });
  const output = join(out, 'vmm.jsonl');
  await record(runOptions({ guests: [guest.path], output, n: [1], timeoutS: 30 }));
  const [b] = boots(readTrace(output));
  assert.equal(b?.status, 'vmm_error');
  assert.match(b?.error ?? '', /no-such-device-model/);
  assert.ok((b!.end_ns - b!.ts_ns) / 1e6 < 10_000);
});

test('a missing QEMU binary fails before anything is written', async () => {
  const output = join(out, 'noqemu.jsonl');
  await assert.rejects(
    record(runOptions({ guests: ['minkernel'], output, qemu: 'qemu-system-nonexistent' })),
    (e: Error) => e.name === 'HostError' && /qemu-system-nonexistent' not found/.test(e.message),
  );
  assert.equal(existsSync(output), false);
});

test('the ready match keeps the line a guest printed (unikernel MAC and random bytes)', async () => {
  await ensureBuilt('unikernel');
  const guest = privateGuest('unikernel', { name: 'uk-mac', qemu_args: ['-global', 'virtio-net-pci.mac=52:54:00:ab:cd:ef'] });
  const output = join(out, 'unikernel.jsonl');
  await record(runOptions({ guests: [guest.path], output, n: [2] }));
  const bs = boots(readTrace(output));
  assert.deepEqual(bs.map((b) => b.status), ['ok', 'ok']);
  for (const b of bs) assert.match(b.ready_match ?? '', /^unikernel: ready mac=52:54:00:ab:cd:ef rng=[0-9a-f]{16}$/);
  assert.notEqual(bs[0]!.ready_match, bs[1]!.ready_match, 'random bytes differ between boots');
  for (const b of bs) {
    const m = b.markers;
    assert.ok(m.platform !== undefined && m.devices !== undefined, 'platform and devices markers seen');
    assert.ok(m.platform <= m.devices && m.devices <= b.te_ns!, 'markers seen in boot order');
    const times = Object.values(m);
    assert.deepEqual(times, [...times].sort((x, y) => x - y), 'markers are written in time order');
  }
});

test('linux (Debian cloud kernel + busybox init), single mode, 2 boots: ok, markers in boot order', async () => {
  await ensureBuilt('linux');
  const output = join(out, 'linux.jsonl');
  await record(runOptions({ guests: ['linux'], output, n: [2], timeoutS: 120 }));
  const bs = boots(readTrace(output));
  assert.deepEqual(bs.map((b) => b.status), ['ok', 'ok']);
  for (const b of bs) {
    const m = b.markers;
    assert.ok(m.kernel! < m.init! && m.init! <= b.te_ns!, `kernel < init ≤ ready: ${JSON.stringify(m)}`);
    assert.ok(b.argv.includes('-initrd') && b.argv.includes('128'), 'initrd and 128 MB from the descriptor');
  }
});

test('debian (systemd from a read-only shared disk), single mode: ok, firmware → kernel → initramfs → init → ready', async () => {
  await ensureBuilt('debian');
  const output = join(out, 'debian.jsonl');
  await record(runOptions({ guests: ['debian'], output, n: [1], timeoutS: 300 }));
  const [b] = boots(readTrace(output));
  assert.equal(b?.status, 'ok', b?.console_tail ?? '');
  assert.deepEqual(Object.keys(b!.markers), ['firmware', 'kernel', 'initramfs', 'init'], 'markers seen, in this order');
  assert.ok(b!.markers.init! < b!.te_ns!);
  assert.ok(b!.argv.some((a) => a.includes('readonly=on')), 'the root disk is attached read-only');
});

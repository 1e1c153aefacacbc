// Faults a long unattended run meets: floods, full disks, memory pressure, a second recorder.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMemInfo } from '../../src/host/proc.ts';
import { record } from '../../src/record/record.ts';
import { boots, ensureBuilt, privateGuest, processesWith, readTrace, runOptions, tempDir } from '../helpers.ts';

const BIN = fileURLToPath(new URL('../../../bin/bootlab.mjs', import.meta.url));
const FAKE_VMM = fileURLToPath(new URL('../fixtures/fake-vmm.sh', import.meta.url));
const out = tempDir('faults');

function fakeGuest(name: string): string {
  const path = join(out, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, kernel: FAKE_VMM, ready: '^ready$' }));
  return path;
}

function runCli(args: string[], env: Record<string, string> = {}, shellPrefix = '') {
  const command = `${shellPrefix} exec "${process.execPath}" "${BIN}" ${args.map((a) => `'${a}'`).join(' ')}`;
  const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stderr: string; pid: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr, pid: child.pid! })),
  );
}

before(async () => {
  await ensureBuilt('minkernel');
});

test('a guest flooding 100 MB without a newline: ready still found, recorder memory bounded', async () => {
  const output = join(out, 'flood.jsonl');
  process.env.BOOTLAB_FAKE = 'flood';
  const rssBefore = process.memoryUsage().rss;
  try {
    await record(runOptions({ guests: [fakeGuest('flood')], output, qemu: FAKE_VMM, n: [1], timeoutS: 120 }));
  } finally {
    delete process.env.BOOTLAB_FAKE;
  }
  const growthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  const [b] = boots(readTrace(output));
  assert.equal(b?.status, 'ok');
  assert.ok(growthMb < 64, `recorder RSS grew ${growthMb.toFixed(1)} MB while reading a 100 MB flood`);
});

test('a trace that cannot be written mid-run (file size limit): clear error, instances killed, prefix kept', async () => {
  const guest = privateGuest('minkernel', { name: 'disk-full' });
  const output = join(out, 'full.jsonl');
  // bash ignores SIGXFSZ and caps files at 24 KiB for the recorder: writes past it fail with EFBIG, as a full disk would.
  const r = await runCli(
    ['record', guest.path, '--mode', 'multi', '-n', '60', '--interval', '20', '--keep-alive', '--accel', 'tcg', '-o', output],
    {},
    'trap "" XFSZ; ulimit -f 24;',
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr.trim().split('\n').at(-1)!, /^bootlab: error: .*full\.jsonl: write failed \(EFBIG\)$/);
  assert.deepEqual(processesWith(guest.kernel), [], 'no QEMU left behind');
  const text = readFileSync(output, 'utf8');
  assert.ok(text.endsWith('\n'), 'the partial line was cut off');
  const records = readTrace(output); // every line on disk parses
  assert.equal(records[0]?.type, 'header');
  assert.ok(records.length > 3);
});

test('the memory guard stops launching mid-run, and the trace says so', async () => {
  const guest = privateGuest('minkernel', { name: 'guarded' });
  const output = join(out, 'guard.jsonl');
  // 1.5 GiB under what is available now: room for a few booting instances (each may take its RAM + 64 MiB),
  // and for other processes moving MemAvailable, but far from 200.
  const floorMb = Math.floor(readMemInfo().availableKb / 1024) - 1536;
  const result = await record(
    runOptions({ guests: [guest.path], output, mode: 'multi', n: [200], intervalsMs: [5], keepAlive: true, memoryFloorMb: floorMb }),
  );
  assert.equal(result.status, 'guarded');
  const records = readTrace(output);
  const batch = records.find((r) => r.type === 'batch');
  assert.ok(batch?.type === 'batch' && batch.stopped_by === 'memory_guard' && batch.launched < 200 && batch.launched > 0);
  const event = records.find((r) => r.type === 'event' && r.kind === 'memory_guard');
  assert.match(event?.type === 'event' ? event.message : '', /would fall under the \d+ MiB floor/);
  assert.deepEqual(processesWith(guest.kernel), []);
});

test('two recorders at once keep their own instances, counts and traces apart', async () => {
  const a = privateGuest('minkernel', { name: 'rec-a' });
  const b = privateGuest('minkernel', { name: 'rec-b' });
  const cli = (path: string, i: number) =>
    runCli(['record', path, '--mode', 'multi', '-n', '6', '--interval', '10', '--accel', 'tcg', '-o', join(out, `two-${i}.jsonl`)]);
  const [ra, rb] = await Promise.all([cli(a.path, 0), cli(b.path, 1)]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  const ta = readTrace(join(out, 'two-0.jsonl'));
  const tb = readTrace(join(out, 'two-1.jsonl'));
  assert.notEqual(ta[0]?.type === 'header' && ta[0].run_id, tb[0]?.type === 'header' && tb[0].run_id);
  for (const [trace, name] of [[ta, 'rec-a'], [tb, 'rec-b']] as const) {
    const bs = boots(trace);
    assert.equal(bs.length, 6);
    assert.ok(bs.every((x) => x.guest === name && x.status === 'ok' && x.running_at_launch < 6));
  }
});

test('launches that fall behind schedule still let console reads through: Te is not stamped after the last launch', async () => {
  const output = join(out, 'behind.jsonl');
  // 40 guests that print their ready line at once, launched back to back: every spawn is late, and the
  // launch loop must still yield to stdout between launches. This is the Node-spawn path (no engine); the
  // engine reads on a thread of its own and launches 40 in a few milliseconds (engine.test.ts).
  await record(runOptions({ guests: [fakeGuest('instant')], output, qemu: FAKE_VMM, mode: 'multi', n: [40], intervalsMs: [0], keepAlive: true, engine: false }));
  const bs = boots(readTrace(output));
  assert.equal(bs.filter((b) => b.status === 'ok').length, 40);
  const lastTs = Math.max(...bs.map((b) => b.ts_ns));
  const earlyTe = bs.filter((b) => b.te_ns! < lastTs).length;
  assert.ok(earlyTe >= 10, `only ${earlyTe} of 40 ready lines were read before the last launch`);
});

// The recorder as a user runs it (the CLI, in its own process), stopped by signals mid-run.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boots, ensureBuilt, privateGuest, processesWith, readTrace, tempDir, waitFor } from '../helpers.ts';

const BIN = fileURLToPath(new URL('../../../bin/bootlab.mjs', import.meta.url));
const out = tempDir('signals');

before(async () => {
  await ensureBuilt('minkernel');
});

/** Start a keep-alive multi run of a private minkernel copy; resolves once `minBoots` booted. */
async function startKeepAliveRun(name: string, minBoots: number) {
  const guest = privateGuest('minkernel', { name });
  const output = join(out, `${name}.jsonl`);
  const child = spawn(
    process.execPath,
    [BIN, 'record', guest.path, '--mode', 'multi', '-n', '40', '--interval', '200', '--keep-alive', '--accel', 'tcg', '--timeout', '60', '-o', output],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const booted = () => existsSync(output) && (readFileSync(output, 'utf8').match(/"type":"boot"/g)?.length ?? 0) >= minBoots;
  assert.ok(await waitFor(booted, 60_000), `run did not reach ${minBoots} boots: ${stderr}`);
  assert.ok(processesWith(guest.kernel).length >= minBoots, 'keep-alive instances are running');
  return { child, exited, output, kernel: guest.kernel, stderr: () => stderr };
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} during a keep-alive multi run leaves no QEMU and a complete, parseable trace`, async () => {
    const run = await startKeepAliveRun(`sig-${signal.toLowerCase()}`, 5);
    run.child.kill(signal);
    const { code } = await run.exited;
    assert.equal(code, 130, run.stderr());
    assert.deepEqual(processesWith(run.kernel), [], 'no QEMU process outlives the recorder');
    const records = readTrace(run.output);
    const end = records.at(-1);
    assert.equal(end?.type, 'end');
    assert.equal(end?.type === 'end' && end.status, 'interrupted');
    const bs = boots(records);
    assert.ok(bs.filter((b) => b.status === 'ok').length >= 5);
    // Instances that were still booting when the signal came are recorded as interrupted, not lost.
    assert.ok(bs.every((b) => b.status === 'ok' || b.status === 'interrupted'));
    const batch = records.find((r) => r.type === 'batch');
    assert.equal(batch?.type === 'batch' && batch.stopped_by, 'interrupted');
  });
}

/** The recorder's launch engine, found among its children. */
function enginePidOf(recorder: number): number | null {
  for (const pid of readFileSync(`/proc/${recorder}/task/${recorder}/children`, 'latin1').trim().split(' ').filter(Boolean)) {
    if (readFileSync(`/proc/${pid}/comm`, 'latin1').startsWith('bootlab-engine')) return Number(pid);
  }
  return null;
}

test('SIGTERM to the recorder and its launch engine at once (as scancel sends it) is an interruption, not a failure', async () => {
  const run = await startKeepAliveRun('sig-both', 3);
  const engine = enginePidOf(run.child.pid!);
  assert.ok(engine !== null, 'the recorder runs a launch engine');
  // The engine first: the worse order, its death reaches the recorder before the recorder's own signal.
  process.kill(engine, 'SIGTERM');
  run.child.kill('SIGTERM');
  const { code } = await run.exited;
  assert.equal(code, 130, run.stderr());
  assert.deepEqual(processesWith(run.kernel), [], 'no QEMU process outlives the recorder');
  const end = readTrace(run.output).at(-1);
  assert.equal(end?.type === 'end' && end.status, 'interrupted', run.stderr());
});

test('SIGKILL of the recorder: no QEMU outlives it by more than 5 s, and every written line parses', async () => {
  const run = await startKeepAliveRun('sigkill', 3);
  run.child.kill('SIGKILL');
  await run.exited;
  const gone = await waitFor(() => processesWith(run.kernel).length === 0, 5000, 50);
  assert.ok(gone, `QEMU still running 5 s after SIGKILL: ${processesWith(run.kernel).join(',')}`);
  const records = readTrace(run.output);
  assert.equal(records[0]?.type, 'header');
  assert.ok(boots(records).length >= 3);
});

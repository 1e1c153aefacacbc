// --ksm: settings applied for the run and written back at its end, also when the run is stopped by
// SIGTERM; every VMM marked merge-any before exec (the kernel's own /proc/PID/ksm_stat says so).
// The KSM knobs are a copy in a temporary folder (BOOTLAB_KSM_ROOT): switching the real ksmd on would merge
// the pages of every other QEMU on this shared machine and cost their benchmarks CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KSM_SETTINGS, KsmSession } from '../../src/host/ksm.ts';
import { boots, readTrace, tempDir, waitFor } from '../helpers.ts';

const BIN = fileURLToPath(new URL('../../../bin/bootlab.mjs', import.meta.url));
const FAKE_VMM = fileURLToPath(new URL('../fixtures/fake-vmm.sh', import.meta.url));

const BEFORE: Record<string, string> = { run: '0', pages_to_scan: '100', sleep_millisecs: '20' };

function fakeKsm(): string {
  const root = join(tempDir('ksm'), 'ksm');
  mkdirSync(root);
  for (const [name, value] of Object.entries(BEFORE)) writeFileSync(join(root, name), `${value}\n`);
  writeFileSync(join(root, 'pages_shared'), '7\n');
  writeFileSync(join(root, 'pages_sharing'), '42\n');
  return root;
}

const read = (root: string, name: string) => readFileSync(join(root, name), 'utf8').trim();

test('a session sets the run\'s values and restores the previous ones once', () => {
  const root = fakeKsm();
  const session = KsmSession.enable(root);
  for (const [name, value] of Object.entries(KSM_SETTINGS)) assert.equal(read(root, name), value);
  assert.deepEqual(session.previous, BEFORE);
  assert.deepEqual(session.atStart, { pages_shared: 7, pages_sharing: 42 });
  session.restore();
  for (const [name, value] of Object.entries(BEFORE)) assert.equal(read(root, name), value);
  writeFileSync(join(root, 'run'), '1');
  session.restore();
  assert.equal(read(root, 'run'), '1', 'a second restore does nothing');
});

test('a kernel without KSM is a one-line error naming the file', () => {
  assert.throws(() => KsmSession.enable(join(tempDir('noksm'), 'missing')), /--ksm: .*missing\/run: ENOENT/);
});

test('bootlab record --ksm stopped by SIGTERM mid-burst: settings restored, header and samples say KSM, VMMs merge-any', async () => {
  const root = fakeKsm();
  const dir = tempDir('ksm-run');
  const guest = join(dir, 'guest.json');
  writeFileSync(guest, JSON.stringify({ name: 'fake', kernel: FAKE_VMM, ready: '^ready$' }));
  const output = join(dir, 'trace.jsonl');
  const child = spawn(
    process.execPath,
    [BIN, 'record', guest, '--qemu', FAKE_VMM, '--mode', 'multi', '-n', '30', '--interval', '200', '--keep-alive', '--accel', 'tcg', '--sample-ms', '50', '--ksm', '-o', output],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BOOTLAB_KSM_ROOT: root } },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const booted = () => existsSync(output) && (readFileSync(output, 'utf8').match(/"type":"boot"/g)?.length ?? 0) >= 3;
  assert.ok(await waitFor(booted, 30_000, 50), `3 boots: ${stderr}`);
  assert.equal(read(root, 'run'), '1', 'KSM on during the run');
  // The fake VMM execs `sleep 3600`: its pid is the one in the boot record.
  const pid = boots(readTrace(output))[0]!.pid!;
  assert.match(readFileSync(`/proc/${pid}/ksm_stat`, 'utf8'), /ksm_merge_any: yes/);
  child.kill('SIGTERM');
  assert.equal(await exited, 130, stderr);
  for (const [name, value] of Object.entries(BEFORE)) assert.equal(read(root, name), value, `${name} restored`);
  const records = readTrace(output);
  const header = records[0]!;
  assert.ok(header.type === 'header');
  assert.deepEqual(header.plan.ksm?.previous, BEFORE);
  assert.equal(header.plan.ksm?.merge_any, true);
  assert.equal(header.plan.ksm?.pages_sharing_at_start, 42);
  const samples = records.filter((r) => r.type === 'sample');
  assert.ok(samples.length > 0 && samples.every((s) => s.type === 'sample' && s.ksm_pages_sharing === 42));
  const end = records.at(-1);
  assert.equal(end?.type === 'end' && end.status, 'interrupted');
  assert.ok(await waitFor(() => !existsSync(`/proc/${pid}`), 5000, 50), 'no VMM left');
});

// `bootlab record --slurm` against a real, throw-away single-node Slurm cluster (slurm-cluster.ts): a
// two-shard minkernel campaign end to end, the merged analysis, doctor --slurm, Ctrl-C cancellation with
// valid traces, --resume, and a failing task reported with its Slurm state and log. Needs root; where Slurm
// cannot start, the test says why — and fails under CI, where it must run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HeaderRecord } from '@bootlab/trace';
import { boots, ensureBuilt, privateGuest, processesWith, readTrace, tempDir, waitFor } from '../helpers.ts';
import { startTestCluster, whySlurmCannotStart, type TestCluster } from './cluster.ts';

const BIN = fileURLToPath(new URL('../../../bin/bootlab.mjs', import.meta.url));
const why = whySlurmCannotStart();
const inCi = process.env.CI === 'true';
let cluster: TestCluster | null = null;
const out = tempDir('campaign');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bootlab(args: string[], env: NodeJS.ProcessEnv, onStart?: (child: ReturnType<typeof spawn>) => void): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    onStart?.(child);
  });
}

const header = (file: string) => readTrace(file)[0] as HeaderRecord;
const traces = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();

test('Slurm can start here (root, slurm-wlm and munge installed)', { skip: !why || inCi ? false : `skipped: ${why}` }, () => {
  // Outside CI a machine without root or Slurm skips (the reason is printed); under CI=true this fails instead.
  assert.equal(why, null, `the Slurm campaign tests cannot run: ${why}`);
});

const skip = why ? `Slurm cannot start: ${why}` : false;

before(async () => {
  if (why) return;
  await ensureBuilt('minkernel');
  cluster = await startTestCluster();
});

after(async () => {
  await cluster?.stop();
});

test('a two-shard minkernel campaign through --slurm: two traces, one campaign, merged analysis', { skip }, async () => {
  const env = cluster!.env;
  const dir = join(out, 'campaign');
  const run = await bootlab(['record', 'minkernel', '--mode', 'multi', '-n', '1,2', '--accel', 'tcg', '--slurm', '--shards', '2', '-o', dir, '--poll-ms', '300'], env);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}\n${cluster!.logs()}`);
  assert.match(run.stdout, /job array \d+: complete, 3 boots/);
  assert.match(run.stdout, new RegExp(`analyse it with: bootlab analyze ${dir}`));
  assert.match(run.stderr, /\d+ pending, \d+ running, \d+ done · \d+\/3 boots/, 'progress shows task states and boots from the traces');
  assert.deepEqual(traces(dir), ['shard-000.jsonl', 'shard-001.jsonl']);

  const heads = traces(dir).map((f) => header(join(dir, f)));
  const ids = new Set(heads.map((h) => h.campaign?.id));
  assert.equal(ids.size, 1, 'both shards carry one campaign id');
  assert.deepEqual(heads.map((h) => h.campaign?.shard), [0, 1]);
  // Whole batches, disjoint, together the plan once, in plan order.
  assert.deepEqual(heads.flatMap((h) => h.campaign?.batches ?? []), [0, 1]);
  for (const h of heads) {
    assert.equal(h.campaign?.node, cluster!.node);
    assert.match(h.campaign?.slurm_job_id ?? '', /^\d+$/);
    assert.ok(h.host.ksm === null || typeof h.host.ksm?.run === 'number', 'KSM state recorded');
    assert.ok(h.host.cpu_model && h.host.kernel && h.host.qemu_version && h.host.accel);
  }
  const perShard = traces(dir).map((f) => boots(readTrace(join(dir, f))));
  assert.deepEqual(perShard.map((bs) => bs.map((b) => [b.batch, b.n, b.status])), [[[0, 1, 'ok']], [[1, 2, 'ok'], [1, 2, 'ok']]]);
  const manifest = JSON.parse(readFileSync(join(dir, 'campaign.json'), 'utf8')) as { id: string; shards: unknown[] };
  assert.equal(manifest.id, [...ids][0]);

  const report = join(out, 'report');
  const analysed = await bootlab(['analyze', dir, '-o', report, '--no-png', '--resamples', '100', '--class-resamples', '20'], env);
  assert.equal(analysed.code, 0, analysed.stderr);
  assert.match(analysed.stdout, /^2 trace file\(s\), 3 boots/m);
  assert.match(analysed.stdout, new RegExp(`campaign ${manifest.id}: 2/2 shard\\(s\\)`));
  assert.match(analysed.stdout, new RegExp(`^\\s+guest\\s+condition\\s+tcg@${cluster!.node}`, 'm'), 'per-host ΔT table with the host as a column');
  assert.ok(existsSync(join(report, 'charts', 'host-comparison.vl.json')), 'host-comparison chart written');
  assert.match(readFileSync(join(report, 'report.md'), 'utf8'), /Hosts \(host is a condition/);
});

test('doctor --slurm runs doctor on the node through srun and prints one table', { skip }, async () => {
  const run = await bootlab(['doctor', '--slurm'], cluster!.env);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const [head, row] = run.stdout.split('\n');
  assert.match(head ?? '', /^node\s+CPU\s+kernel\s+QEMU\s+accel\s+KSM\s+free MiB\s+guests\s+bootlab/);
  assert.match(row ?? '', new RegExp(`^${cluster!.node}\\s.*\\s(tcg|kvm)\\s.*minkernel`));
});

test('Ctrl-C cancels the array with scancel; traces stay valid, --resume records only what is missing', { skip }, async () => {
  const env = cluster!.env;
  const guest = privateGuest('minkernel', { name: 'slurmcancel' });
  const dir = join(out, 'cancel');
  // Single boots with a pause between batches: shard 0 runs for a few seconds, long enough to interrupt.
  const args = ['record', guest.path, '-n', '2', '--repeat', '6', '--cooldown', '250', '--accel', 'tcg', '--slurm', '--shards', '2', '-o', dir, '--poll-ms', '200'];
  const shard0 = join(dir, 'shard-000.jsonl');
  const run = await bootlab(args, env, (child) => {
    void waitFor(() => existsSync(shard0) && /"type":"boot"/.test(readFileSync(shard0, 'utf8')), 60_000, 50).then(() => child.kill('SIGINT'));
  });
  assert.equal(run.code, 130, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stderr, /cancelling job array \d+ \(scancel\)/);
  assert.match(run.stdout, /: cancelled, \d+ boots/);
  assert.match(run.stdout, /record the missing shards with: bootlab record --slurm --resume/);
  const records = readTrace(shard0);
  const end = records.at(-1);
  assert.equal(end?.type === 'end' && end.status, 'interrupted', 'the cancelled shard ended its trace');
  assert.ok(boots(records).length >= 1 && boots(records).filter((b) => b.status === 'ok').length < 6, 'stopped part-way');
  assert.deepEqual(processesWith(guest.kernel), [], 'no QEMU outlives the cancelled task');

  const resumed = await bootlab(['record', '--slurm', '--resume', '-o', dir, '--poll-ms', '200'], env);
  assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
  assert.match(resumed.stdout, /complete, 12 boots/);
  assert.deepEqual(traces(dir), ['shard-000.jsonl', 'shard-001.jsonl']);
  for (const f of traces(dir)) {
    const r = readTrace(join(dir, f));
    assert.equal(r.at(-1)?.type === 'end' && (r.at(-1) as { status: string }).status, 'complete');
    assert.equal(boots(r).filter((b) => b.status === 'ok').length, 6);
  }
  assert.ok(readdirSync(dir).some((f) => f.startsWith('shard-000.jsonl.incomplete-')), 'the interrupted attempt is kept, out of analyze\'s way');
  const again = await bootlab(['record', '--slurm', '--resume', '-o', dir], env);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /all 2 shard\(s\) already complete/);
});

test('a failing task is reported with its Slurm state and the last lines of its log', { skip }, async () => {
  const dir = join(out, 'failing');
  const run = await bootlab(['record', 'minkernel', '-n', '1', '--repeat', '2', '--qemu', '/nonexistent/qemu', '--slurm', '--shards', '2', '-o', dir, '--poll-ms', '200'], cluster!.env);
  assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /shard 0 did not complete \(FAILED, exit 2:0, reason NonZeroExitCode\)/);
  assert.match(run.stdout, /QEMU binary '\/nonexistent\/qemu' not found/);
});

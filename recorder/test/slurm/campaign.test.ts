// The pure parts of Slurm campaigns (no cluster needed): how a plan is split into shards, how Slurm's
// answers are read, the batch script and sbatch arguments, the version check, and the trace tail.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { test } from 'node:test';
import { planBatches } from '../../src/record/plan.ts';
import { CAMPAIGN_SCHEMA, readManifest, splitPlan, writeManifest, type CampaignManifest } from '../../src/slurm/campaign.ts';
import { checkSameBootlab } from '../../src/slurm/shard.ts';
import { ShardTraceTail } from '../../src/slurm/shard-trace.ts';
import { expandTaskIds, parseScontrolLine } from '../../src/slurm/slurm.ts';
import { batchScript, sbatchArgs } from '../../src/slurm/submit.ts';
import { tempDir } from '../helpers.ts';

const multi = (guests: string[], n: number[], repeat = 1, intervalsMs = [3]) => planBatches({ mode: 'multi', guests, n, intervalsMs, repeat });

test('shards are whole, consecutive batches covering the plan once, balanced by boots', () => {
  const plan = multi(['minkernel', 'unikernel'], [1, 2, 5]);
  const shards = splitPlan(plan, 2);
  assert.deepEqual(shards.flatMap((s) => s.batches), plan.map((b) => b.batch), 'every batch once, in plan order');
  // 16 boots: n=1,2 of both guests (6) | n=5 of both (10) — each shard measures every guest under the same N.
  assert.deepEqual(shards.map((s) => s.batches), [[0, 1, 2, 3], [4, 5]]);
  assert.deepEqual(shards.map((s) => s.boots), [6, 10]);
  for (const s of shards) assert.deepEqual(new Set(s.batches.map((b) => plan[b]!.guest)), new Set(['minkernel', 'unikernel']));
});

test('with repetitions a multiple of the shard count, every shard is whole repetitions', () => {
  const plan = planBatches({ mode: 'single', guests: ['a', 'b'], n: [10], intervalsMs: [], repeat: 4 });
  const shards = splitPlan(plan, 2);
  assert.deepEqual(shards.map((s) => s.batches.map((b) => plan[b]!.repetition)), [[0, 0, 1, 1], [2, 2, 3, 3]]);
});

test('every shard gets at least one batch; more shards than batches is refused', () => {
  const plan = multi(['g'], [1, 1000]);
  assert.deepEqual(splitPlan(plan, 2).map((s) => s.batches), [[0], [1]]);
  assert.deepEqual(splitPlan(multi(['g'], [1000, 1, 1]), 3).map((s) => s.batches), [[0], [1], [2]]);
  assert.throws(() => splitPlan(plan, 3), /--shards 3: the plan has only 2 batch\(es\), and a batch is never split across hosts/);
});

test('Slurm answers: array task ranges and scontrol lines', () => {
  assert.deepEqual(expandTaskIds('0-3'), [0, 1, 2, 3]);
  assert.deepEqual(expandTaskIds('1,3,5-6%2'), [1, 3, 5, 6]);
  assert.deepEqual(expandTaskIds('0-6:3'), [0, 3, 6]);
  const f = parseScontrolLine('JobId=12 ArrayJobId=11 ArrayTaskId=1 JobState=FAILED Reason=NonZeroExitCode ExitCode=2:0 NodeList=n1');
  assert.equal(f.get('JobState'), 'FAILED');
  assert.equal(f.get('ExitCode'), '2:0');
  assert.equal(f.get('ArrayTaskId'), '1');
});

function manifest(over: Partial<CampaignManifest> = {}): CampaignManifest {
  return {
    schema: CAMPAIGN_SCHEMA,
    id: '20261202T000000Z-abcdef12',
    created_at: '2026-12-02T00:00:00Z',
    bootlab: { version: '0.1.0', commit: 'a'.repeat(40) },
    repo: "/shared/boot lab's",
    record: {
      guests: ['minkernel'], mode: 'multi', n: [1, 2], intervals_ms: [3], repeat: 1, timeout_s: 60, keep_alive: false, sample_ms: 100,
      accel: 'auto', profile: 'paper', qemu: 'qemu-system-x86_64', memory_floor_mb: null, booting_mb: null, machine: null, firmware: null,
      cooldown_ms: 200, launcher: 'bootlab-launch', engine: true, priority: true, ksm: false, dense: false,
    },
    shards: [{ index: 0, batches: [0], boots: 1 }, { index: 1, batches: [1], boots: 2 }],
    slurm: { partition: 'fast', time: '01:00:00', max_nodes: 1, sbatch_args: ['--account=lab'], submissions: [] },
    ...over,
  };
}

test('one sbatch job array: --exclusive, throttle from --nodes, partition, time and pass-through arguments', () => {
  const args = sbatchArgs(manifest(), '/shared/c', [0, 1]);
  assert.ok(args.includes('--array=0,1%1'));
  assert.ok(args.includes('--exclusive'));
  assert.ok(args.includes('--nodes=1'));
  assert.ok(args.includes('--partition=fast'));
  assert.ok(args.includes('--time=01:00:00'));
  assert.equal(args.at(-1), '--account=lab');
  assert.ok(args.includes('--output=/shared/c/logs/shard-%a.job-%A.out'));
  const script = batchScript(manifest(), '/shared/c');
  assert.match(script, /^#!\/bin\/bash\n/);
  assert.match(script, /exec node '\/shared\/boot lab'\\''s\/bin\/bootlab\.mjs' campaign-shard '\/shared\/c' "\$SLURM_ARRAY_TASK_ID"/);
});

test('a shard refuses a different bootlab version or commit, accepts the same', () => {
  assert.doesNotThrow(() => checkSameBootlab(manifest(), { version: '0.1.0', commit: 'a'.repeat(40) }));
  assert.doesNotThrow(() => checkSameBootlab(manifest(), { version: '0.1.0', commit: null }), 'an unknown commit is not a mismatch');
  assert.throws(() => checkSameBootlab(manifest(), { version: '0.2.0', commit: 'a'.repeat(40) }), /planned by bootlab 0\.1\.0 .* runs bootlab 0\.2\.0/);
  assert.throws(() => checkSameBootlab(manifest(), { version: '0.1.0', commit: 'b'.repeat(40) }), /commit aaaaaaaaaaaa.*commit bbbbbbbbbbbb/);
});

test('the trace tail counts boots as they are appended and sees the end record, across a cut line', () => {
  const file = join(tempDir('tail'), 'shard-000.jsonl');
  const tail = new ShardTraceTail(file);
  assert.deepEqual(tail.read(), { exists: false, boots: 0, end: null });
  writeFileSync(file, '{"type":"header"}\n{"type":"boot","n":1}\n{"type":"bo');
  assert.deepEqual(tail.read(), { exists: true, boots: 1, end: null });
  appendFileSync(file, 'ot","n":2}\n{"type":"sample"}\n{"type":"end","status":"interrupted"}\n');
  assert.deepEqual(tail.read(), { exists: true, boots: 2, end: 'interrupted' });
  writeFileSync(file, '{"type":"header"}\n');
  assert.deepEqual(tail.read(), { exists: true, boots: 0, end: null }, 'a replaced trace is counted afresh');
});

test('`bootlab campaign-shard` (what each array task runs) refuses a campaign planned by another version, recording nothing', async () => {
  const dir = tempDir('other-version');
  writeManifest(dir, manifest({ bootlab: { version: '0.0.0-other', commit: null } }));
  const bin = fileURLToPath(new URL('../../../bin/bootlab.mjs', import.meta.url));
  const res = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [bin, 'campaign-shard', dir, '0'], (err, _out, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stderr }));
    child.stdin?.end();
  });
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /campaign 20261202T000000Z-abcdef12 was planned by bootlab 0\.0\.0-other but node \S+ runs bootlab /);
  assert.equal(existsSync(join(dir, 'shard-000.jsonl')), false, 'nothing recorded');
});

test('a campaign planned before the launch engine loads with the engine on, its priority, and KSM off', () => {
  const dir = tempDir('before-engine');
  const old = manifest();
  const { engine: _e, priority: _p, ksm: _k, ...before } = old.record;
  writeFileSync(join(dir, 'campaign.json'), JSON.stringify({ ...old, record: before }));
  const read = readManifest(dir);
  assert.equal(read.record.engine, true);
  assert.equal(read.record.priority, true);
  assert.equal(read.record.ksm, false);
});

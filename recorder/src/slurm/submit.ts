// `bootlab record … --slurm`: plan the campaign (or pick up an unfinished one with --resume), hand the shards
// to Slurm as one job array, and watch it (watch.ts) until every task has ended.
import { resolve } from 'node:path';
import { descriptorPathFor, REPO_ROOT, resolveGuest } from '../guests/guests.ts';
import { findExecutable } from '../host/host.ts';
import { planBatches } from '../record/plan.ts';
import { bootlabProvenance } from '../record/record.ts';
import {
  campaignExists,
  CampaignError,
  logPattern,
  newCampaignId,
  readManifest,
  splitPlan,
  shardTracePath,
  writeManifest,
  CAMPAIGN_SCHEMA,
  type CampaignManifest,
  type CampaignRecordOptions,
} from './campaign.ts';
import { shardTraceStatus } from './shard-trace.ts';
import { sbatch } from './slurm.ts';
import { watchCampaign, type CampaignOutcome, type WatchIo } from './watch.ts';

export interface SlurmCampaignOptions {
  /** Campaign folder (on the file system every node shares). */
  dir: string;
  resume: boolean;
  /** Shards to split the plan into; default: --nodes, else 2. */
  shards?: number | undefined;
  /** At most this many nodes (shards) at once. */
  nodes?: number | undefined;
  partition?: string | undefined;
  time?: string | undefined;
  sbatchArgs: string[];
  /** The plan (ignored with resume: the manifest's plan is the campaign's). */
  record: CampaignRecordOptions;
  pollMs?: number;
  handleSignals?: boolean;
  io?: WatchIo;
}

/**
 * Every guest becomes the absolute path of its descriptor, as record() itself would find it from here (a
 * built-in, a set member or a user's guest.json): the tasks run in the campaign folder, on other nodes.
 */
function shareableGuest(spec: string): string {
  return descriptorPathFor(spec);
}

function planCampaign(options: SlurmCampaignOptions, dir: string): CampaignManifest {
  const record = { ...options.record, guests: options.record.guests.map(shareableGuest) };
  // Fail here, on the login node, for a guest no node could resolve either.
  for (const g of record.guests) resolveGuest(g);
  const plan = planBatches({
    mode: record.mode,
    guests: record.guests,
    n: record.n,
    intervalsMs: record.mode === 'multi' ? record.intervals_ms : [],
    repeat: record.repeat,
  });
  // Without --shards: one shard per allowed node (default 2), never more shards than batches.
  const shards = splitPlan(plan, options.shards ?? Math.min(options.nodes ?? 2, plan.length));
  return {
    schema: CAMPAIGN_SCHEMA,
    id: newCampaignId(),
    created_at: new Date().toISOString(),
    bootlab: bootlabProvenance(),
    repo: REPO_ROOT.replace(/\/$/, ''),
    record,
    shards,
    slurm: {
      partition: options.partition ?? null,
      time: options.time ?? null,
      max_nodes: options.nodes ?? null,
      sbatch_args: options.sbatchArgs,
      submissions: [],
    },
  };
}

/** The batch script every array task runs: the same bootlab, on its shard (= array task id). */
export function batchScript(manifest: CampaignManifest, dir: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    '#!/bin/bash',
    `# bootlab campaign ${manifest.id}: array task K records shard K into ${dir} (docs/cluster.md)`,
    `exec node ${q(`${manifest.repo}/bin/bootlab.mjs`)} campaign-shard ${q(dir)} "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
}

export function sbatchArgs(manifest: CampaignManifest, dir: string, shards: readonly number[]): string[] {
  const s = manifest.slurm;
  const throttle = s.max_nodes !== null && s.max_nodes < shards.length ? `%${s.max_nodes}` : '';
  return [
    `--array=${shards.join(',')}${throttle}`,
    `--job-name=bootlab-${manifest.id.slice(-8)}`,
    // One recorder per node, alone: another job's (or another shard's) VMs on the same CPUs would change ΔT.
    '--nodes=1',
    '--ntasks=1',
    '--exclusive',
    `--output=${logPattern(dir)}`,
    `--chdir=${dir}`,
    ...(s.partition ? [`--partition=${s.partition}`] : []),
    ...(s.time ? [`--time=${s.time}`] : []),
    ...s.sbatch_args,
  ];
}

export async function runSlurmCampaign(options: SlurmCampaignOptions): Promise<CampaignOutcome> {
  const dir = resolve(options.dir);
  // Before anything is written: a campaign folder without a submission would only confuse a later --resume.
  for (const tool of ['sbatch', 'scontrol', 'scancel']) {
    if (!findExecutable(tool)) throw new CampaignError(`${tool} not found: run this on a Slurm login node with the Slurm client installed (Debian: apt-get install slurm-client)`);
  }
  let manifest: CampaignManifest;
  if (options.resume) {
    manifest = readManifest(dir);
    const own = bootlabProvenance();
    if (own.version !== manifest.bootlab.version) {
      throw new CampaignError(`campaign ${manifest.id} was planned by bootlab ${manifest.bootlab.version}; this is ${own.version}`);
    }
  } else {
    if (campaignExists(dir)) {
      throw new CampaignError(`${dir} already holds campaign ${readManifest(dir).id}: finish it with --resume, or choose another -o folder`);
    }
    manifest = planCampaign(options, dir);
  }
  const todo = manifest.shards.filter((s) => shardTraceStatus(shardTracePath(dir, s.index)).end !== 'complete').map((s) => s.index);
  const io = options.io;
  const say = io?.out ?? ((t: string) => process.stdout.write(t));
  if (todo.length === 0) {
    say(`campaign ${manifest.id}: all ${manifest.shards.length} shard(s) already complete\n`);
    say(`analyse it with: bootlab analyze ${options.dir} -o ${options.dir}/report\n`);
    return { manifest, jobId: null, shards: [], ok: true, interrupted: false };
  }
  // The manifest is on the shared folder before any task can start and read it.
  writeManifest(dir, manifest);
  const jobId = await sbatch(sbatchArgs(manifest, dir, todo), batchScript(manifest, dir));
  manifest.slurm.submissions.push({ job_id: jobId, shards: todo, submitted_at: new Date().toISOString() });
  writeManifest(dir, manifest);
  const total = manifest.shards.reduce((s, sh) => s + sh.boots, 0);
  say(
    `campaign ${manifest.id}: ${manifest.shards.length} shard(s), ${total} boots planned; ` +
      `submitted ${todo.length} shard(s) as Slurm job array ${jobId} (--exclusive, one recorder per node)\n`,
  );
  for (const s of manifest.shards) {
    say(`  shard ${s.index}: batches ${s.batches.join(',')} (${s.boots} boots)${todo.includes(s.index) ? '' : ' — complete, not resubmitted'}\n`);
  }
  return watchCampaign({ dir, displayDir: options.dir, manifest, jobId, shards: todo, pollMs: options.pollMs ?? 1000, handleSignals: options.handleSignals ?? false, io });
}

// One array task of a campaign: read the manifest, refuse to record with a different bootlab than the one
// that planned the campaign, and record this shard's batches into the campaign folder with the campaign's
// identity in the trace header. Everything about timing is the ordinary recorder's (record.ts).
import { existsSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import type { CampaignInfo } from '@bootlab/trace';
import { createProgress } from '../record/progress.ts';
import type { ProfileName } from '../launch/qemu-args.ts';
import { bootlabProvenance, record, type RecordResult } from '../record/record.ts';
import { CampaignError, readManifest, shardTracePath, type CampaignManifest } from './campaign.ts';
import { shardTraceStatus } from './shard-trace.ts';

/** Same version and, where both know it, the same commit: anything else may record differently. */
export function checkSameBootlab(manifest: CampaignManifest, own = bootlabProvenance()): void {
  const planned = manifest.bootlab;
  const sameCommit = planned.commit === null || own.commit === null || planned.commit === own.commit;
  if (planned.version !== own.version || !sameCommit) {
    const show = (b: { version: string; commit: string | null }) => `bootlab ${b.version}${b.commit ? ` (commit ${b.commit.slice(0, 12)})` : ''}`;
    throw new CampaignError(
      `campaign ${manifest.id} was planned by ${show(planned)} but node ${hostname()} runs ${show(own)}: install the same bootlab on every node (docs/cluster.md)`,
    );
  }
}

export interface ShardRunOptions {
  dir: string;
  shard: number;
  /** Slurm's environment (SLURM_JOB_ID, SLURM_ARRAY_JOB_ID, SLURM_ARRAY_TASK_ID, SLURMD_NODENAME). */
  env?: NodeJS.ProcessEnv;
  handleSignals?: boolean;
  progress?: boolean;
}

export async function runShard(options: ShardRunOptions): Promise<RecordResult> {
  const env = options.env ?? process.env;
  const manifest = readManifest(options.dir);
  checkSameBootlab(manifest);
  const plan = manifest.shards.find((s) => s.index === options.shard);
  if (!plan) throw new CampaignError(`campaign ${manifest.id} has no shard ${options.shard} (it has ${manifest.shards.length})`);
  const output = shardTracePath(options.dir, options.shard);
  if (existsSync(output)) {
    const status = shardTraceStatus(output);
    if (status.end === 'complete') throw new CampaignError(`${output} is already complete; not recording shard ${options.shard} again`);
    // An earlier attempt (cancelled, failed, requeued): keep what it wrote, under a name analyze does not pick up.
    renameSync(output, `${output}.incomplete-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  }
  const r = manifest.record;
  const taskId = env.SLURM_ARRAY_TASK_ID !== undefined ? Number(env.SLURM_ARRAY_TASK_ID) : null;
  const campaign: CampaignInfo = {
    id: manifest.id,
    shard: plan.index,
    shards: manifest.shards.length,
    batches: plan.batches,
    node: env.SLURMD_NODENAME ?? null,
    slurm_job_id: env.SLURM_ARRAY_JOB_ID ?? env.SLURM_JOB_ID ?? null,
    slurm_array_task_id: taskId !== null && Number.isInteger(taskId) && taskId >= 0 ? taskId : null,
  };
  return record({
    guests: r.guests,
    mode: r.mode,
    n: r.n,
    intervalsMs: r.intervals_ms,
    repeat: r.repeat,
    timeoutS: r.timeout_s,
    keepAlive: r.keep_alive,
    sampleMs: r.sample_ms,
    accel: r.accel,
    profile: r.profile as ProfileName,
    output,
    force: false,
    qemu: r.qemu,
    memoryFloorMb: r.memory_floor_mb ?? undefined,
    bootingMb: r.booting_mb ?? undefined,
    machine: r.machine ?? undefined,
    firmware: r.firmware ?? undefined,
    cooldownMs: r.cooldown_ms,
    launcher: r.launcher,
    engine: r.engine ? undefined : false,
    priority: r.priority,
    ksm: r.ksm,
    dense: r.dense,
    batches: plan.batches,
    campaign,
    ...(options.progress ? { progress: createProgress() } : {}),
    handleSignals: options.handleSignals ?? false,
    argv: process.argv.slice(1),
  });
}

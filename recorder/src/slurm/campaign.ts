// A campaign: one recording plan split into shards that run on different hosts, tied together by a
// manifest (campaign.json) in one folder on the shared file system. This file is the manifest, the split
// and the folder layout; Slurm itself is driven from slurm.ts, and nothing here runs a VM.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { BatchPlan } from '../record/plan.ts';

export const CAMPAIGN_SCHEMA = 'bootlab.campaign/1';
export const MANIFEST_FILE = 'campaign.json';

export class CampaignError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CampaignError';
  }
}

/** The recording options every shard runs with (the `bootlab record` options, minus output and progress). */
export const CampaignRecordOptions = z.object({
  /** Built-in guest names or absolute descriptor paths (resolved at submission, valid on the shared folder). */
  guests: z.array(z.string()).min(1),
  mode: z.enum(['single', 'multi']),
  n: z.array(z.number().int().positive()).min(1),
  intervals_ms: z.array(z.number().nonnegative()),
  repeat: z.number().int().positive(),
  timeout_s: z.number().positive(),
  keep_alive: z.boolean(),
  sample_ms: z.number().positive(),
  accel: z.enum(['auto', 'kvm', 'tcg']),
  profile: z.string(),
  qemu: z.string(),
  memory_floor_mb: z.number().positive().nullable(),
  booting_mb: z.number().positive().nullable(),
  machine: z.enum(['pc', 'q35', 'microvm']).nullable(),
  firmware: z.string().nullable(),
  cooldown_ms: z.number().nonnegative(),
  launcher: z.enum(['bootlab-launch', 'setpriv', 'none']),
  /** The launch engine (false: --no-engine), its priority, and --ksm; absent in campaigns from before the engine. */
  engine: z.boolean().default(true),
  priority: z.boolean().default(true),
  ksm: z.boolean().default(false),
  /** --dense in every shard (THP and ASLR off on each node's VMMs); absent in older campaigns. */
  dense: z.boolean().default(false),
});
export type CampaignRecordOptions = z.infer<typeof CampaignRecordOptions>;

export const ShardPlan = z.object({
  index: z.number().int().nonnegative(),
  /** Global batch numbers in the order the shard runs them. */
  batches: z.array(z.number().int().nonnegative()).min(1),
  boots: z.number().int().nonnegative(),
});
export type ShardPlan = z.infer<typeof ShardPlan>;

export const Submission = z.object({
  job_id: z.string(),
  shards: z.array(z.number().int().nonnegative()),
  submitted_at: z.string(),
});

export const CampaignManifest = z.object({
  schema: z.literal(CAMPAIGN_SCHEMA),
  id: z.string().min(1),
  created_at: z.string(),
  /** The bootlab that planned the campaign; a shard run by any other version refuses to record. */
  bootlab: z.object({ version: z.string(), commit: z.string().nullable() }),
  /** Where bootlab lives on the shared file system; every task runs <repo>/bin/bootlab.mjs. */
  repo: z.string(),
  record: CampaignRecordOptions,
  shards: z.array(ShardPlan).min(1),
  slurm: z.object({
    partition: z.string().nullable(),
    time: z.string().nullable(),
    /** At most this many shards run at once (the array's %N throttle); null: as many as Slurm allows. */
    max_nodes: z.number().int().positive().nullable(),
    sbatch_args: z.array(z.string()),
    submissions: z.array(Submission),
  }),
});
export type CampaignManifest = z.infer<typeof CampaignManifest>;

/**
 * Split the plan into `shards` runs of consecutive batches with about equal boot counts. Whole batches only:
 * a batch's instances are launched together, so splitting one across hosts would measure something else.
 * Consecutive, because the plan order puts every guest of one (interval, N) next to each other: each shard
 * then measures all guests under the same conditions on the same host, and a guest is never compared with
 * another guest measured only on a different host. With --repeat ≥ shards, shards are whole repetitions.
 */
export function splitPlan(plan: readonly BatchPlan[], shards: number): ShardPlan[] {
  if (!Number.isInteger(shards) || shards < 1) throw new CampaignError(`--shards must be a positive whole number, got ${shards}`);
  if (shards > plan.length) {
    throw new CampaignError(`--shards ${shards}: the plan has only ${plan.length} batch(es), and a batch is never split across hosts`);
  }
  const reps = new Set(plan.map((b) => b.repetition)).size;
  const byRepetition = reps >= shards && reps % shards === 0;
  const out: ShardPlan[] = [];
  let next = 0;
  let remaining = plan.reduce((s, b) => s + b.n, 0);
  for (let shard = 0; shard < shards; shard++) {
    const last = shard === shards - 1;
    const left = shards - shard;
    const target = remaining / left;
    const batches: number[] = [];
    let boots = 0;
    // Leave at least one batch for every later shard.
    while (next < plan.length - (left - 1)) {
      const b = plan[next] as BatchPlan;
      if (batches.length > 0 && !last) {
        if (byRepetition ? b.repetition >= ((shard + 1) * reps) / shards : Math.abs(boots + b.n - target) > Math.abs(boots - target)) break;
      }
      batches.push(b.batch);
      boots += b.n;
      next++;
    }
    remaining -= boots;
    out.push({ index: shard, batches, boots });
  }
  return out;
}

export const shardTraceName = (index: number) => `shard-${String(index).padStart(3, '0')}.jsonl`;
export const shardTracePath = (dir: string, index: number) => join(dir, shardTraceName(index));
export const logsDir = (dir: string) => join(dir, 'logs');
/** Slurm fills in %a (array task = shard index) and %A (job id): one log per shard and submission. */
export const logPattern = (dir: string) => join(logsDir(dir), 'shard-%a.job-%A.out');
export const logPath = (dir: string, index: number, jobId: string) => join(logsDir(dir), `shard-${index}.job-${jobId}.out`);

export function newCampaignId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomUUID().slice(0, 8)}`;
}

export function manifestPath(dir: string): string {
  return join(dir, MANIFEST_FILE);
}

export function readManifest(dir: string): CampaignManifest {
  const path = manifestPath(dir);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CampaignError(code === 'ENOENT' ? `${dir}: not a campaign folder (no ${MANIFEST_FILE})` : `${path}: ${(err as Error).message}`);
  }
  const parsed = CampaignManifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CampaignError(`${path}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid manifest'}`);
  }
  return parsed.data;
}

/** Written whole to a temporary name and renamed, so a reader on another node never sees half a manifest. */
export function writeManifest(dir: string, manifest: CampaignManifest): void {
  mkdirSync(logsDir(dir), { recursive: true });
  const path = manifestPath(dir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(CampaignManifest.parse(manifest), null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function campaignExists(dir: string): boolean {
  return existsSync(manifestPath(dir));
}

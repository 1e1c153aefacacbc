// The Slurm side of the command line: `record --slurm` options and action, `doctor --slurm`, and the two
// hidden commands the cluster runs (`campaign-shard` in each array task, `doctor-node` under srun).
import { Command, InvalidArgumentError, Option } from 'commander';
import { summarizeRecord } from '../record/summary.ts';
import { parseCountList, parseIntervalList } from '../record/plan.ts';
import { CampaignError, type CampaignRecordOptions } from './campaign.ts';
import { formatSlurmDoctor, nodeFacts, runSlurmDoctor } from './doctor.ts';
import { runShard } from './shard.ts';
import { runSlurmCampaign } from './submit.ts';

const positiveInt = (name: string) => (text: string) => {
  const v = Number(text);
  if (!Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return v;
};
const collect = (value: string, previous: string[]) => [...previous, value];

export interface SlurmCliOptions {
  slurm?: boolean;
  partition?: string;
  nodes?: number;
  shards?: number;
  time?: string;
  sbatchArg: string[];
  resume?: boolean;
  pollMs: number;
}

/** The `record` options that only mean something with --slurm. */
export function addSlurmRecordOptions(cmd: Command): Command {
  return cmd
    .option('--slurm', 'run the plan as a campaign on a Slurm cluster: shards of whole batches, one sbatch job array, -o names the campaign folder (docs/cluster.md)', false)
    .option('--partition <name>', '--slurm: Slurm partition')
    .option('--nodes <n>', '--slurm: at most this many nodes at once (and the default shard count)', positiveInt('--nodes'))
    .option('--shards <k>', '--slurm: split the plan into k shards (default: --nodes, else 2)', positiveInt('--shards'))
    .option('--time <limit>', '--slurm: time limit per shard, as sbatch --time takes it')
    .option('--sbatch-arg <arg>', '--slurm: extra sbatch argument, passed through (repeatable)', collect, [] as string[])
    .option('--resume', '--slurm: re-submit only the shards of the campaign in -o that have no complete trace')
    .addOption(new Option('--poll-ms <ms>', 'how often to ask Slurm for the task states').default(1000).argParser(positiveInt('--poll-ms')).hideHelp());
}

export function defaultCampaignDir(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
  return `out/campaigns/${stamp}`;
}

/** The `record` options a campaign takes over (the rest of RecordCliOptions in ../cli.ts). */
export interface RecordPlanCliOptions extends SlurmCliOptions {
  output?: string;
  mode: 'single' | 'multi';
  count: string;
  interval: string;
  repeat: number;
  accel: 'auto' | 'kvm' | 'tcg';
  profile: string;
  timeout: number;
  keepAlive: boolean;
  sampleMs: number;
  qemu: string;
  memoryFloor?: number;
  bootingMb?: number;
  machine?: 'pc' | 'q35' | 'microvm';
  firmware?: string;
  cooldown: number;
  launcher: 'bootlab-launch' | 'setpriv' | 'none';
  engine: boolean;
  priority: boolean;
  ksm: boolean;
  dense: boolean;
}

const SLURM_ONLY: ReadonlyArray<[keyof SlurmCliOptions, string]> = [
  ['partition', '--partition'],
  ['nodes', '--nodes'],
  ['shards', '--shards'],
  ['time', '--time'],
  ['resume', '--resume'],
];

/**
 * `record … --slurm`: run the campaign and set the exit code (0 complete, 130 cancelled, 1 otherwise).
 * Returns false when --slurm is not given (a local run), after refusing options that only mean something with it.
 */
export async function recordOnSlurm(guests: string[], opts: RecordPlanCliOptions): Promise<boolean> {
  if (!opts.slurm) {
    const stray = SLURM_ONLY.filter(([k]) => opts[k] !== undefined && opts[k] !== false).map(([, flag]) => flag);
    if (opts.sbatchArg.length) stray.push('--sbatch-arg');
    if (stray.length) throw new CampaignError(`${stray.join(', ')}: only with --slurm`);
    return false;
  }
  if (opts.resume && !opts.output) throw new CampaignError('--resume needs -o CAMPAIGN_DIR, the campaign folder to finish');
  if (opts.resume && guests.length) throw new CampaignError('--resume takes the plan from the campaign folder: give no guests');
  if (!opts.resume && guests.length === 0) throw new CampaignError("missing required argument 'guest'");
  const n = parseCountList(opts.count, '--count');
  if (opts.mode === 'single' && n.length !== 1) throw new CampaignError('--count: single mode takes one count');
  // Each shard sets --dense on its own node's engine; refused here, not in a shard after sbatch.
  if (opts.dense && opts.engine === false) throw new CampaignError('--dense needs the launch engine: drop --no-engine');
  const record: CampaignRecordOptions = {
    guests,
    mode: opts.mode,
    n,
    intervals_ms: parseIntervalList(opts.interval, '--interval'),
    repeat: opts.repeat,
    timeout_s: opts.timeout,
    keep_alive: opts.keepAlive,
    sample_ms: opts.sampleMs,
    accel: opts.accel,
    profile: opts.profile,
    qemu: opts.qemu,
    memory_floor_mb: opts.memoryFloor ?? null,
    booting_mb: opts.bootingMb ?? null,
    machine: opts.machine ?? null,
    firmware: opts.firmware ?? null,
    cooldown_ms: opts.cooldown,
    launcher: opts.launcher,
    engine: opts.engine,
    priority: opts.priority,
    ksm: opts.ksm,
    dense: opts.dense,
  };
  const outcome = await runSlurmCampaign({
    dir: opts.output ?? defaultCampaignDir(),
    resume: opts.resume ?? false,
    shards: opts.shards,
    nodes: opts.nodes,
    partition: opts.partition,
    time: opts.time,
    sbatchArgs: opts.sbatchArg,
    record,
    pollMs: opts.pollMs,
    handleSignals: true,
  });
  process.exitCode = outcome.ok ? 0 : outcome.interrupted ? 130 : 1;
  return true;
}

export function registerSlurmCommands(program: Command): void {
  program
    .command('campaign-shard', { hidden: true })
    .description('record one shard of a campaign (run by each Slurm array task)')
    .argument('<dir>', 'campaign folder')
    .argument('<shard>', 'shard index (the array task id)', (t) => {
      const v = Number(t);
      if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError('shard must be a whole number ≥ 0');
      return v;
    })
    .action(async (dir: string, shard: number) => {
      const result = await runShard({ dir, shard, handleSignals: true, progress: true });
      process.stdout.write(`${summarizeRecord(result)}\n`);
      if (result.status === 'interrupted') process.exitCode = 130;
    });
  program
    .command('doctor-node', { hidden: true })
    .description('one JSON line of this node\'s facts (run by `doctor --slurm` on each node)')
    .option('--qemu <path>', 'QEMU binary', 'qemu-system-x86_64')
    .action((opts: { qemu: string }) => {
      process.stdout.write(`${JSON.stringify(nodeFacts(opts.qemu))}\n`);
    });
}

/** `doctor --slurm`: exit code 1 when a node cannot record. */
export async function doctorOnSlurm(opts: { qemu: string; json: boolean; partition?: string; nodes?: number }): Promise<number> {
  const result = await runSlurmDoctor({ qemu: opts.qemu, partition: opts.partition, nodes: opts.nodes });
  process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatSlurmDoctor(result)}\n`);
  return result.ok ? 0 : 1;
}

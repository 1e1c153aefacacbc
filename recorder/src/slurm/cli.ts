// The Slurm side of the command line: `record --slurm` options and action, `doctor --slurm`, and the two
// hidden commands the cluster runs (`campaign-shard` in each array task, `doctor-node` under srun).
import { Command, InvalidArgumentError, Option } from 'commander';
import { summarizeRecord } from '../cli.ts';
import type { CampaignRecordOptions } from './campaign.ts';
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
    .option('--resume', '--slurm: re-submit only the shards of the campaign in -o that have no complete trace', false)
    .addOption(new Option('--poll-ms <ms>', 'how often to ask Slurm for the task states').default(1000).argParser(positiveInt('--poll-ms')).hideHelp());
}

export function defaultCampaignDir(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
  return `out/campaigns/${stamp}`;
}

/** `record --slurm`: returns the process exit code (0 complete, 130 cancelled, 1 otherwise). */
export async function recordOnSlurm(opts: SlurmCliOptions & { output?: string }, record: CampaignRecordOptions): Promise<number> {
  if (opts.resume && !opts.output) throw new InvalidArgumentError('--resume needs -o CAMPAIGN_DIR, the campaign folder to finish');
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
  return outcome.ok ? 0 : outcome.interrupted ? 130 : 1;
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

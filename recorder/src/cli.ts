// The recorder's commands: record, doctor, guests. Registered on the root `bootlab` program.
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatDoctor, runDoctor } from './host/doctor.ts';
import { buildGuests } from './guests/guest-build.ts';
import { builtinGuestNames, guestSetMembers } from './guests/guests.ts';
import { parseCountList, parseIntervalList } from './record/plan.ts';
import { createProgress } from './record/progress.ts';
import { probeImage, summarizeProbe } from './probe/probe.ts';
import { PROFILES, type ProfileName } from './launch/qemu-args.ts';
import { record } from './record/record.ts';
import { summarizeRecord } from './record/summary.ts';
import { addSlurmRecordOptions, doctorOnSlurm, recordOnSlurm, registerSlurmCommands, type SlurmCliOptions } from './slurm/cli.ts';
import type { AccelRequest } from './host/host.ts';
import type { LauncherKind } from './launch/launcher.ts';

const positiveNumber = (name: string) => (text: string) => {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return v;
};
const positiveInt = (name: string) => (text: string) => {
  const v = Number(text);
  if (!Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return v;
};

function defaultOutput(mode: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
  return `out/traces/${stamp}-${mode}.jsonl`;
}

interface RecordCliOptions extends SlurmCliOptions {
  mode: 'single' | 'multi';
  count: string;
  interval: string;
  repeat: number;
  accel: AccelRequest;
  profile: ProfileName;
  timeout: number;
  keepAlive: boolean;
  sampleMs: number;
  output?: string;
  force: boolean;
  qemu: string;
  memoryFloor?: number;
  bootingMb?: number;
  machine?: 'pc' | 'q35' | 'microvm';
  firmware?: string;
  cooldown: number;
  launcher: LauncherKind;
  engine: boolean;
  priority: boolean;
  ksm: boolean;
  dense: boolean;
  waves?: number;
  ksmPages?: number;
  hold?: number;
  dropCaches: boolean;
  json: boolean;
}

export function registerRecorderCommands(program: Command): void {
  const recordCommand = program
    .command('record')
    .description('boot guests under QEMU and write a bootlab.trace/1 JSONL trace')
    .argument('[guest...]', 'guest names (built-ins and set members such as stress/unikernel-wait: see `bootlab guests list`) or paths to guest.json descriptors')
    .addOption(new Option('--mode <mode>', 'single: one instance at a time; multi: n instances at a fixed interval').choices(['single', 'multi']).default('single'))
    .option('-n, --count <list>', 'single: boots per guest; multi: batch sizes, e.g. 1,2,5,10,20 (one batch each)', '10')
    .option('--interval <list>', 'multi: launch intervals in ms, e.g. 3,5,7 (one batch per value and size)', '3')
    .option('--repeat <k>', 'repeat the whole plan k times', positiveInt('--repeat'), 1)
    .addOption(new Option('--accel <accel>', 'accelerator; auto avoids a software-nested KVM').choices(['auto', 'kvm', 'tcg']).default('auto'))
    .addOption(new Option('--profile <profile>', 'VMM profile: paper (the seed paper\'s devices) or bare (console only)').choices([...PROFILES]).default('paper'))
    .option('--timeout <s>', 'seconds per boot before it counts as timeout', positiveNumber('--timeout'), 60)
    .option('--keep-alive', 'multi: keep instances running until the whole batch has booted (Figure 2)', false)
    .option('--sample-ms <ms>', 'sampling period of host/instance samples', positiveNumber('--sample-ms'), 100)
    .option('-o, --output <file>', 'trace file to write (default out/traces/<time>-<mode>.jsonl)')
    .option('--force', 'overwrite the output file if it exists', false)
    .option('--qemu <path>', 'QEMU binary', 'qemu-system-x86_64')
    .option('--memory-floor <MiB>', 'stop launching when MemAvailable would fall below this (default max(1 GiB, 5 %))', positiveNumber('--memory-floor'))
    .option('--booting-mb <MiB>', 'memory guard: what one booting instance may take (default: guest RAM + 64 MiB until seen at Te)', positiveNumber('--booting-mb'))
    .addOption(new Option('--machine <type>', 'override every guest\'s machine type').choices(['pc', 'q35', 'microvm']))
    .option('--firmware <fw>', 'override every guest\'s firmware: seabios, qboot or a path')
    .option('--cooldown <ms>', 'pause between batches', (t) => Number(t), 200)
    .addOption(
      new Option('--launcher <kind>', 'what VMMs run under; only bootlab-launch guarantees none outlives a SIGKILLed recorder')
        .choices(['bootlab-launch', 'setpriv', 'none'])
        .default('bootlab-launch'),
    )
    .option('--no-engine', 'spawn VMMs from Node instead of the C launch engine (slower; for comparisons)')
    .option('--no-priority', 'do not let the launch engine raise its priority (SCHED_FIFO or nice)')
    .option('--ksm', 'root: turn KSM on for the run and mark every VMM merge-any; settings restored at the end', false)
    .option('--dense', 'every VMM with transparent huge pages and ASLR off (launch engine only; for density runs on measurement hosts)', false)
    .option('--waves <n>', 'multi: launch each batch in waves of n (interval apart), each once the previous wave has booted and the memory guard has room for all of it', positiveInt('--waves'))
    .option('--hold <s>', 'keep-alive: keep every batch up this long after its last boot (steady state: VMM CPU and MemAvailable read at both ends)', positiveNumber('--hold'))
    .option('--ksm-pages <n>', '--ksm: pages ksmd scans every 20 ms (default 1000, ~200 MB/s)', positiveInt('--ksm-pages'))
    .option('--drop-caches', 'root: drop the page cache before the run and before each steady-state reading', false)
    .option('--json', 'print the run summary as JSON on stdout', false);
  addSlurmRecordOptions(recordCommand).action(async (guests: string[], opts: RecordCliOptions) => {
      // --slurm: the plan runs as a campaign of shards on the cluster instead of here (slurm/cli.ts).
      if (await recordOnSlurm(guests, opts)) return;
      if (guests.length === 0) recordCommand.error("error: missing required argument 'guest'");
      const n = parseCountList(opts.count, '--count');
      if (opts.mode === 'single' && n.length !== 1) throw new InvalidArgumentError('--count: single mode takes one count');
      const result = await record({
        guests,
        mode: opts.mode,
        n,
        intervalsMs: parseIntervalList(opts.interval, '--interval'),
        repeat: opts.repeat,
        timeoutS: opts.timeout,
        keepAlive: opts.keepAlive,
        sampleMs: opts.sampleMs,
        accel: opts.accel,
        profile: opts.profile,
        output: opts.output ?? defaultOutput(opts.mode),
        force: opts.force,
        qemu: opts.qemu,
        memoryFloorMb: opts.memoryFloor,
        bootingMb: opts.bootingMb,
        machine: opts.machine,
        firmware: opts.firmware,
        cooldownMs: opts.cooldown,
        launcher: opts.launcher,
        engine: opts.engine === false ? false : undefined,
        priority: opts.priority,
        ksm: opts.ksm,
        dense: opts.dense,
        waves: opts.waves,
        ksmPages: opts.ksmPages,
        holdS: opts.hold,
        dropCaches: opts.dropCaches,
        progress: createProgress(),
        handleSignals: true,
        argv: process.argv.slice(1),
      });
      process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${summarizeRecord(result)}\n`);
      if (result.status === 'interrupted') process.exitCode = 130;
    });

  program
    .command('doctor')
    .description('show QEMU, the accelerator verdict, and which tools and guests are present')
    .option('--qemu <path>', 'QEMU binary', 'qemu-system-x86_64')
    .option('--json', 'machine-readable output', false)
    .option('--slurm', 'run doctor on each node of a Slurm partition through srun and print one table', false)
    .option('--partition <name>', '--slurm: partition to check (default: the default partition)')
    .option('--nodes <n>', '--slurm: how many nodes to check (default: every usable node of the partition)', positiveInt('--nodes'))
    .action(async (opts: { qemu: string; json: boolean; slurm: boolean; partition?: string; nodes?: number }) => {
      if (opts.slurm) {
        process.exitCode = await doctorOnSlurm(opts);
        return;
      }
      const report = runDoctor(opts.qemu);
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctor(report)}\n`);
      if (!report.ok) process.exitCode = 1;
    });

  const guests = program.command('guests').description('built-in guests');
  guests
    .command('list')
    .description('list the built-in guests, then the members of guest sets (stress/…)')
    .action(() => {
      process.stdout.write(`${[...builtinGuestNames(), ...guestSetMembers()].join('\n')}\n`);
    });
  guests
    .command('build')
    .description('build guests: the built-ins (all when none named), a set such as "stress", or set/name; unchanged guests are skipped')
    .argument('[name...]', 'guests to build')
    .option('--force', 'rebuild even if up to date', false)
    .action(async (names: string[], opts: { force: boolean }) => {
      await buildGuests(names, { force: opts.force, log: (line) => process.stderr.write(`${line}\n`) });
    });
  registerSlurmCommands(program);
  guests
    .command('probe')
    .description('detect what an image is, boot it once, and write a descriptor proposing its ready line and markers')
    .argument('<image>', 'multiboot/PVH ELF, bzImage, raw or qcow2 disk, ISO, or EFI application')
    .option('-o, --output <file>', 'descriptor to write (default ./<name>.json)')
    .option('--name <name>', 'guest name (default from the file name)')
    .option('--initrd <file>', 'initrd for a kernel image')
    .option('--append <cmdline>', 'kernel command line (bzImage default: console=ttyS0 panic=-1)')
    .option('--drive <file>', 'disk attached read-only to a kernel image\'s guest (e.g. its root file system)')
    .option('--memory <MiB>', 'guest RAM', positiveInt('--memory'))
    .addOption(new Option('--accel <accel>', 'accelerator').choices(['auto', 'kvm', 'tcg']).default('auto'))
    .option('--qemu <path>', 'QEMU binary', 'qemu-system-x86_64')
    .option('--quiet <s>', 'console silence after which the guest counts as up', positiveNumber('--quiet'), 2)
    .option('--timeout <s>', 'time limit per boot attempt', positiveNumber('--timeout'), 60)
    .option('--force', 'overwrite the descriptor if it exists', false)
    .action(async (image: string, opts: { output?: string; name?: string; initrd?: string; append?: string; drive?: string; memory?: number; accel: AccelRequest; qemu: string; quiet: number; timeout: number; force: boolean }) => {
      const result = await probeImage({
        image,
        output: opts.output,
        name: opts.name,
        initrd: opts.initrd,
        append: opts.append,
        drive: opts.drive,
        memoryMb: opts.memory,
        accel: opts.accel,
        qemu: opts.qemu,
        quietMs: opts.quiet * 1000,
        limitMs: opts.timeout * 1000,
        force: opts.force,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${summarizeProbe(result, image)}\n`);
      if (!result.output) process.exitCode = 1;
    });
}

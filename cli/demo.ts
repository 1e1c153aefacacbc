// `bootlab demo`: the main job of the quick start — build the built-in guests, record them alone and
// many at once, classify them and write the report. Each step is the public command a user would run.
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { execa } from 'execa';
import { buildGuests, builtinGuestNames, createProgress, record, summarizeRecord, type RecordOptions } from '@bootlab/recorder';

interface DemoOptions {
  output: string;
  quick: boolean;
  accel: 'auto' | 'kvm' | 'tcg';
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('build the built-in guests, record single and multi runs, classify, and write the report')
    .option('-o, --output <dir>', 'where traces and the report go', 'out/demo')
    .option('--quick', 'fewer boots (a smoke run)', false)
    .option('--accel <accel>', 'auto, kvm or tcg', 'auto')
    .action(async (opts: DemoOptions) => {
      const dir = resolve(opts.output);
      const log = (line: string) => process.stderr.write(`${line}\n`);
      await buildGuests([], { log });
      // guests/grub holds boot-path test images (minkernel behind GRUB), not a guest class of its own.
      const guests = builtinGuestNames().filter((g) => g !== 'grub' && (g !== 'debian' || !opts.quick));
      const common: Omit<RecordOptions, 'mode' | 'n' | 'intervalsMs' | 'output' | 'keepAlive'> = {
        guests,
        repeat: 1,
        timeoutS: 120,
        sampleMs: 100,
        accel: opts.accel,
        profile: 'paper',
        force: true,
        qemu: 'qemu-system-x86_64',
        cooldownMs: 300,
        progress: createProgress(),
        handleSignals: true,
      };
      const traces = [join(dir, 'traces', 'single.jsonl'), join(dir, 'traces', 'sweep.jsonl')];
      log(`[demo] single-instance boots of ${guests.join(', ')}`);
      const single = await record({ ...common, mode: 'single', n: [opts.quick ? 3 : 10], intervalsMs: [], keepAlive: false, output: traces[0]! });
      log(`[demo] ${summarizeRecord(single)}`);
      if (single.status === 'interrupted') return void (process.exitCode = 130);
      log('[demo] scaling sweep: batches of 1, 2, 5, 10 instances launched 3 ms apart');
      const sweep = await record({
        ...common,
        mode: 'multi',
        n: opts.quick ? [1, 2, 4] : [1, 2, 5, 10],
        intervalsMs: [3],
        keepAlive: false,
        output: traces[1]!,
      });
      log(`[demo] ${summarizeRecord(sweep)}`);
      if (sweep.status === 'interrupted') return void (process.exitCode = 130);
      const reportDir = join(dir, 'report');
      log(`[demo] analysing into ${reportDir}`);
      const bin = new URL('../bin/bootlab.mjs', import.meta.url).pathname;
      await execa(process.execPath, [bin, 'analyze', ...traces, '-o', reportDir], { stdio: 'inherit' });
      log(`[demo] report: ${join(reportDir, 'report.html')}`);
    });
}

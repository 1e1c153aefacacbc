// The fault campaign: real QEMU (TCG), the recorder run as a user runs it (the CLI, its own process), hit
// by the faults an unattended overnight run meets. Writes reliability/results.json and regenerates the
// figures table of docs/reliability.md from it.
//
//   node --import tsx reliability/campaign.ts [--repeat N] [--seed S] [--only SIGKILL,flood,...] [--no-write]
//   node --import tsx reliability/campaign.ts --doc-only     (regenerate the doc's table from results.json)
//   node --import tsx reliability/campaign.ts --only SIGKILL,SIGKILL-burst --cpu-hogs 8 --launcher setpriv \
//        --results reliability/results-loaded-setpriv.json    (a comparison, kept beside the main results)
//
// Signal faults: for each of SIGINT, SIGTERM, SIGKILL, N keep-alive multi runs of a private minkernel copy,
// the recorder killed at a seeded random moment (before the first boot / mid-launch / after the first batch
// all booted). Then: no process of the run is alive 5 s after the signal, every trace line parses (a cut-off
// last line is counted as data lost), and for SIGINT/SIGTERM the trace ends with an `interrupted` end record
// and every instance that was launched has its boot record. Single-shot faults follow (see SINGLE_SHOTS).
//
// This file runs the campaign and is its CLI; the faults are signals.ts (signal and burst runs) and faults.ts
// (single shots), engine-kill.ts (the launch engine signalled), the results' shape results.ts, the doc's
// table table.ts, and the helpers they share lib.ts.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { arch, cpus, loadavg, release, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt, tempDir } from '@bootlab/recorder/test-support';
import { ENGINE_SIGNALS, engineKillRun, summariseEngineKill, type EngineKillRun } from './engine-kill.ts';
import { startCpuHogs, RECORD_EXTRAS, errorText } from './lib.ts';
import { SIGNALS, type BurstRun, type CampaignOptions, type CampaignResults, type CampaignSignal, type FaultResult, type SignalRun } from './results.ts';
import { burstRun, phaseSchedule, signalRun, summariseBurst, summariseSignal } from './signals.ts';
import { SINGLE_SHOT_NAMES, SINGLE_SHOTS, type ShotOutcome } from './faults.ts';
import { blockMarkers, DOC_PATH, renderTable, updateDoc } from './table.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const RESULTS_PATH = join(HERE, 'results.json');

function hostInfo(): Record<string, unknown> {
  let qemu = 'unknown';
  try {
    qemu = /version\s+(\S+)/.exec(execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  } catch {
    // reported as unknown
  }
  return {
    cpu: cpus()[0]?.model?.trim(),
    cores: cpus().length,
    mem_total_mb: Math.round(totalmem() / 2 ** 20),
    kernel: release(),
    arch: arch(),
    node: process.version,
    qemu,
    accel: 'tcg',
    load1_at_start: Number(loadavg()[0]!.toFixed(2)),
  };
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignResults> {
  const log = options.log ?? (() => {});
  const wanted = (name: string) => !options.only || options.only.includes(name);
  const started = performance.now();
  await ensureBuilt('minkernel');
  RECORD_EXTRAS.length = 0;
  if (options.launcher) RECORD_EXTRAS.push('--launcher', options.launcher);
  const hogs = startCpuHogs(options.cpuHogs ?? 0);
  try {
    return await campaignRuns(options, log, wanted, started);
  } finally {
    hogs.stop();
    RECORD_EXTRAS.length = 0;
  }
}

async function campaignRuns(
  options: CampaignOptions,
  log: (line: string) => void,
  wanted: (name: string) => boolean,
  started: number,
): Promise<CampaignResults> {
  const host = hostInfo();
  const work = tempDir('campaign');
  const signalRuns: SignalRun[] = [];
  const faults: FaultResult[] = [];
  for (const signal of SIGNALS) {
    if (!wanted(signal)) continue;
    const phases = phaseSchedule(options.repeat, options.seed, signal);
    const runs: SignalRun[] = [];
    for (let i = 0; i < options.repeat; i++) {
      const r = await signalRun(signal, i, options.seed, phases[i]!);
      runs.push(r);
      log(
        `${signal} ${i + 1}/${options.repeat} ${r.moment.phase} (${r.moment.plan}; ${r.moment.boots_written} boots, ${r.moment.qemu_alive} QEMU at the signal): ` +
          `${r.survived ? 'ok' : `FAILED: ${r.problems.join('; ')}`} [exit ${r.exit.code ?? r.exit.signal} after ${r.exit.ms_after_signal} ms, ${r.trace.lines} lines, end ${r.trace.end_status}, leaked ${r.leaked}, cut ${r.trace.cut_off_bytes} B]`,
      );
    }
    signalRuns.push(...runs);
    faults.push(summariseSignal(signal, runs));
  }
  const burstRuns: BurstRun[] = [];
  if (wanted('SIGKILL-burst')) {
    for (let i = 0; i < options.repeat; i++) {
      const r = await burstRun(i, options.seed);
      burstRuns.push(r);
      log(`SIGKILL-burst ${i + 1}/${options.repeat} (after ${r.kill_after_qemu} VMs + ${r.extra_delay_ms} ms; ${r.qemu_alive} up): ${r.survived ? 'ok' : `FAILED: leaked ${r.leftovers.map((l) => `${l.process} started ${l.started_ms_before_signal} ms before`).join('; ')}`}`);
    }
    faults.push(summariseBurst(burstRuns));
  }
  const engineRuns: EngineKillRun[] = [];
  for (const signal of ENGINE_SIGNALS) {
    if (!wanted(`engine-${signal}`)) continue;
    const runs: EngineKillRun[] = [];
    for (let i = 0; i < options.repeat; i++) {
      const r = await engineKillRun(signal, i, options.seed);
      runs.push(r);
      log(
        `engine-${signal} ${i + 1}/${options.repeat} (header + ${r.kill_after_ms} ms; ${r.qemu_alive} up): ${r.survived ? 'ok' : `FAILED: ${r.problems.join('; ')}`} ` +
          `[recorder exit ${r.recorder_exit.code ?? r.recorder_exit.signal} after ${r.recorder_exit.ms_after_signal} ms, ${r.lines} lines, end ${r.end_status}, ${r.boots} boots, leaked ${r.leaked}]`,
      );
    }
    engineRuns.push(...runs);
    faults.push(summariseEngineKill(signal, runs));
  }
  for (const shot of SINGLE_SHOTS) {
    if (!wanted(shot.name)) continue;
    const t0 = performance.now();
    let outcome: ShotOutcome;
    try {
      outcome = await shot.run(work);
    } catch (err) {
      outcome = { ok: false, leaked: 0, notes: [`FAILED: the campaign step threw ${errorText(err)}`], details: {} };
    }
    const seconds = (performance.now() - t0) / 1000;
    faults.push({
      fault: shot.title,
      runs: 1,
      survived: outcome.ok && outcome.leaked === 0 ? 1 : 0,
      leaked: outcome.leaked,
      lines_lost: outcome.linesLost ?? 0,
      bytes_lost: outcome.bytesLost ?? 0,
      notes: outcome.notes.join('; '),
      details: { name: shot.name, seconds: Number(seconds.toFixed(1)), ...outcome.details },
    });
    log(`${shot.name}: ${outcome.ok && outcome.leaked === 0 ? 'ok' : 'FAILED'} (${seconds.toFixed(1)} s) ${outcome.notes.join('; ')}`);
  }
  try {
    rmSync(work, { recursive: true, force: true });
  } catch {
    // a tmpfs that would not unmount keeps its folder
  }
  host.load1_at_end = Number(loadavg()[0]!.toFixed(2));
  return {
    schema: 'bootlab.reliability/1',
    generated_at: new Date().toISOString(),
    command:
      `node --import tsx reliability/campaign.ts --repeat ${options.repeat} --seed ${options.seed}${options.only ? ` --only ${options.only.join(',')}` : ''}` +
      `${options.launcher ? ` --launcher ${options.launcher}` : ''}${options.cpuHogs ? ` --cpu-hogs ${options.cpuHogs}` : ''}`,
    seed: options.seed,
    repeat: options.repeat,
    launcher: options.launcher ?? 'bootlab-launch',
    cpu_hogs: options.cpuHogs ?? 0,
    runtime_s: Math.round((performance.now() - started) / 1000),
    host,
    table: faults.map(({ fault, runs, survived, leaked, lines_lost, notes }) => ({ fault, runs, survived, leaked, lines_lost, notes })),
    signal_runs: signalRuns,
    burst_runs: burstRuns,
    engine_runs: engineRuns,
    faults,
  };
}

// ------------------------------------------------------------------------------------------------- main

interface CampaignArgs {
  repeat: number;
  seed: number;
  only?: string[] | undefined;
  launcher: CampaignOptions['launcher'];
  cpuHogs: number;
  resultsPath: string;
  /** With --results FILE: also write that campaign's table into its own block of docs/reliability.md. */
  docBlock: boolean;
  write: boolean;
  docOnly: boolean;
}

function parseArgs(argv: readonly string[]): CampaignArgs {
  let repeat = 20;
  let seed = Math.floor(Math.random() * 2 ** 31);
  let only: string[] | undefined;
  let launcher: CampaignOptions['launcher'];
  let cpuHogs = 0;
  let resultsPath = RESULTS_PATH;
  let docBlock = false;
  let write = true;
  let docOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--repeat') repeat = Number(value());
    else if (a === '--seed') seed = Number(value());
    else if (a === '--only') only = value().split(',');
    else if (a === '--launcher') {
      const v = value();
      if (v !== 'bootlab-launch' && v !== 'setpriv' && v !== 'none') throw new Error('--launcher must be bootlab-launch, setpriv or none');
      launcher = v;
    } else if (a === '--cpu-hogs') cpuHogs = Number(value());
    else if (a === '--results') resultsPath = value();
    else if (a === '--no-write') write = false;
    else if (a === '--doc-only') docOnly = true;
    else if (a === '--doc-block') docBlock = true;
    else throw new Error(`unknown option ${a} (use --repeat N, --seed S, --only a,b, --launcher K, --cpu-hogs N, --results FILE, --doc-block, --no-write, --doc-only)`);
  }
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat must be a positive integer');
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer');
  if (!Number.isInteger(cpuHogs) || cpuHogs < 0) throw new Error('--cpu-hogs must be a non-negative integer');
  const known = [...SIGNALS, 'SIGKILL-burst', ...ENGINE_SIGNALS.map((s) => `engine-${s}`), ...SINGLE_SHOT_NAMES] as string[];
  const unknown = only?.filter((o) => !known.includes(o));
  if (unknown?.length) throw new Error(`--only: unknown fault(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return { repeat, seed, only, launcher, cpuHogs, resultsPath, write, docOnly, docBlock };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.docOnly) {
    // Regenerate the table in docs/reliability.md from the committed results, without running anything.
    const saved = JSON.parse(readFileSync(RESULTS_PATH, 'utf8')) as CampaignResults;
    // Signal rows are summaries of the runs stored alongside: recompute them, so a change in how they are
    // summarised needs no new campaign. Single-shot rows are kept as measured.
    saved.faults = saved.faults.map((f) => {
      const signal = f.details.signal as CampaignSignal | undefined;
      if (signal) return summariseSignal(signal, saved.signal_runs.filter((r) => r.signal === signal));
      if (f.details.name === 'SIGKILL-burst') return summariseBurst(saved.burst_runs);
      return f;
    });
    saved.table = saved.faults.map(({ fault, runs, survived, leaked, lines_lost, notes }) => ({ fault, runs, survived, leaked, lines_lost, notes }));
    writeFileSync(RESULTS_PATH, `${JSON.stringify(saved, null, 2)}\n`);
    updateDoc(saved);
    process.stderr.write(`regenerated the table in ${DOC_PATH} from ${RESULTS_PATH}\n`);
    return;
  }
  const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  log(`campaign: repeat ${args.repeat}, seed ${args.seed}${args.only ? `, only ${args.only.join(',')}` : ''}`);
  const results = await runCampaign({ repeat: args.repeat, seed: args.seed, only: args.only, launcher: args.launcher, cpuHogs: args.cpuHogs, log });
  process.stdout.write(`${renderTable(results)}\n`);
  if (args.write) {
    writeFileSync(args.resultsPath, `${JSON.stringify(results, null, 2)}\n`);
    // The doc's table is the default campaign's; other result files (a comparison) are kept beside it.
    if (args.resultsPath === RESULTS_PATH) {
      updateDoc(results);
      log(`wrote ${RESULTS_PATH} and the table in ${DOC_PATH}`);
    } else if (args.docBlock) {
      updateDoc(results, DOC_PATH, blockMarkers(basename(args.resultsPath)));
      log(`wrote ${args.resultsPath} and its block in ${DOC_PATH}`);
    } else log(`wrote ${args.resultsPath}`);
  }
  const failed = results.faults.filter((f) => f.survived < f.runs || f.leaked > 0);
  if (failed.length) {
    log(`${failed.length} fault(s) not fully survived: ${failed.map((f) => f.fault).join('; ')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    process.stderr.write(`campaign: ${err.stack ?? err.message}\n`);
    process.exitCode = 2;
  });
}

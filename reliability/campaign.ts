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
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { arch, cpus, loadavg, release, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BatchRecord, BootRecord, EndRecord, TraceRecord } from '@bootlab/trace';
import { loadTraces } from '../analysis/src/load/files.ts';
import { readMemInfo } from '../recorder/src/host/proc.ts';
import { ensureBuilt, privateGuest, tempDir } from '../recorder/test/helpers.ts';
import { ENGINE_SIGNALS, engineKillRun, summariseEngineKill, type EngineKillRun } from './engine-kill.ts';
import {
  countBootLines,
  FAKE_VMM,
  hashSeed,
  hasHeader,
  inspectTrace,
  killAll,
  lastLine,
  leftovers,
  mulberry32,
  randInt,
  runCli,
  sleep,
  startCli,
  startCpuHogs,
  RECORD_EXTRAS,
  TAG_VAR,
  uniform,
  type TraceInspection,
} from './lib.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const RESULTS_PATH = join(HERE, 'results.json');
export const DOC_PATH = join(HERE, '..', 'docs', 'reliability.md');
export const TABLE_BEGIN = '<!-- BEGIN GENERATED FIGURES: reliability/campaign.ts writes this table from reliability/results.json; do not edit -->';
export const TABLE_END = '<!-- END GENERATED FIGURES -->';

export const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
export type CampaignSignal = (typeof SIGNALS)[number];
export const PHASES = ['before-first-boot', 'mid-launch', 'after-all-booted'] as const;
export type Phase = (typeof PHASES)[number];

/** The keep-alive multi run every signal fault interrupts: two batches of N, 40 ms apart, 0.5 s cooldown. */
export const SIGNAL_RUN = { n: 12, intervalMs: 40, repeat: 2, cooldownMs: 500 };
/** How long after the signal no process of the run may be alive. */
export const LEAK_DEADLINE_MS = 5000;

// ------------------------------------------------------------------------------------------------ types

export interface SignalRun {
  signal: CampaignSignal;
  run: number;
  seed: number;
  moment: {
    phase: Phase;
    /** How the moment was chosen, e.g. "2nd QEMU spawned", "batch 0 all booted + 312 ms". */
    plan: string;
    reached: boolean;
    ms_after_start: number;
    /** What the run looked like when the signal was sent. */
    header_written: boolean;
    boots_written: number;
    qemu_alive: number;
  };
  exit: { code: number | null; signal: string | null; ms_after_signal: number };
  /** Processes of the run alive LEAK_DEADLINE_MS after the signal (killed by the campaign afterwards). */
  leaked: number;
  leftovers: Leftover[];
  /** When the last process of the run was last seen, ms after the signal (null: none seen after it). */
  last_seen_ms: number | null;
  trace: {
    exists: boolean;
    bytes: number;
    lines: number;
    bad_lines: number;
    cut_off_bytes: number;
    boots: number;
    end_status: EndRecord['status'] | null;
    launched: number | null;
  };
  /** Instances seen running (by pid) that have no boot record: in-flight boots a SIGKILL cannot save. */
  unrecorded_instances: number;
  /** `bootlab analyze`'s loader on the trace: "ok", "ok with N warning(s)", or its error. */
  analysis: string;
  survived: boolean;
  problems: string[];
  stderr_tail: string;
}

export interface FaultResult {
  fault: string;
  runs: number;
  survived: number;
  leaked: number;
  lines_lost: number;
  bytes_lost: number;
  notes: string;
  details: Record<string, unknown>;
}

export interface TableRow {
  fault: string;
  runs: number;
  survived: number;
  leaked: number;
  lines_lost: number;
  notes: string;
}

export interface CampaignResults {
  schema: 'bootlab.reliability/1';
  generated_at: string;
  command: string;
  seed: number;
  repeat: number;
  /** What the VMMs ran under, and how many CPU hogs loaded the host (absent in results before 2026-11-30 17:00). */
  launcher?: string;
  cpu_hogs?: number;
  runtime_s: number;
  host: Record<string, unknown>;
  table: TableRow[];
  signal_runs: SignalRun[];
  burst_runs: BurstRun[];
  /** Runs in which the launch engine, not the recorder, was signalled (absent in results before 2026-12-02). */
  engine_runs?: EngineKillRun[];
  faults: FaultResult[];
}

export interface CampaignOptions {
  repeat: number;
  seed: number;
  /** Fault names to run (SIGINT, SIGTERM, SIGKILL, or a single-shot name); all when absent. */
  only?: readonly string[];
  /** `bootlab record --launcher` for every run (default: the recorder's default, bootlab-launch). */
  launcher?: 'bootlab-launch' | 'setpriv' | 'none';
  /** CPU-bound processes kept running throughout, to load the host (0: none). */
  cpuHogs?: number;
  log?: (line: string) => void;
}

// ------------------------------------------------------------------------------------------ signal runs

function ordinal(k: number): string {
  return `${k}${k % 10 === 1 && k !== 11 ? 'st' : k % 10 === 2 && k !== 12 ? 'nd' : k % 10 === 3 && k !== 13 ? 'rd' : 'th'}`;
}

/** Waits for `check` (polled every 5 ms) or the run's end; false if it never held. */
async function until(check: () => boolean, exited: () => boolean, limitMs = 90_000): Promise<boolean> {
  const end = performance.now() + limitMs;
  while (performance.now() < end) {
    if (check()) return true;
    if (exited()) return false;
    await sleep(5);
  }
  return false;
}

function errorText(err: unknown): string {
  const e = err as Error;
  return `${e.name}: ${e.message.split('\n')[0]}`;
}

async function analysisVerdict(path: string, inspection: TraceInspection): Promise<string> {
  if (!inspection.exists) return 'no trace';
  try {
    const { warnings } = await loadTraces([path]);
    const own = warnings.filter((w) => w.kind !== 'accelerator');
    return own.length ? `ok with ${own.length} warning(s): ${own.map((w) => w.kind).join(', ')}` : 'ok';
  } catch (err) {
    return errorText(err);
  }
}

function traceSummary(t: TraceInspection): SignalRun['trace'] {
  const end = t.records.findLast((r): r is EndRecord => r.type === 'end') ?? null;
  const batches = t.records.filter((r): r is BatchRecord => r.type === 'batch');
  return {
    exists: t.exists,
    bytes: t.bytes,
    lines: t.lines,
    bad_lines: t.bad.length,
    cut_off_bytes: t.cutOff?.bytes ?? 0,
    boots: t.records.filter((r) => r.type === 'boot').length,
    end_status: end?.status ?? null,
    launched: batches.length ? batches.reduce((s, b) => s + b.launched, 0) : null,
  };
}

/** Seconds since boot, as /proc/uptime says (10 ms resolution): the clock of /proc/PID/stat's start time. */
function uptimeS(): number {
  return Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
}

interface Leftover {
  /** Command, parent pid (1 = orphaned) and state. */
  process: string;
  /** How long before the signal the process started (from /proc/PID/stat); null if unreadable. */
  started_ms_before_signal: number | null;
}

function describeProcess(pid: number, signalUptimeS: number | null = null): Leftover {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').slice(0, 2).join(' ').replace(/^\S*\//, '');
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, ppid] = fields;
    const startedS = Number(fields[19]) / 100; // field 22, in clock ticks (100 per second)
    return {
      process: `${cmd} (ppid ${ppid}, state ${state})`,
      started_ms_before_signal: signalUptimeS === null ? null : Math.round((signalUptimeS - startedS) * 1000),
    };
  } catch {
    return { process: `pid ${pid} (gone)`, started_ms_before_signal: null };
  }
}

export async function signalRun(signal: CampaignSignal, run: number, campaignSeed: number, phase: Phase): Promise<SignalRun> {
  const seed = hashSeed(campaignSeed, signal, run);
  const rng = mulberry32(seed);
  const name = `campaign-${signal.toLowerCase()}-${run}`;
  const guest = privateGuest('minkernel', { name });
  const dir = dirname(guest.kernel);
  const output = join(dir, 'trace.jsonl');
  const tag = `${name}-${seed}`;
  const { n, intervalMs, repeat, cooldownMs } = SIGNAL_RUN;
  const cli = startCli(
    [
      'record', guest.path, '--mode', 'multi', '-n', String(n), '--interval', String(intervalMs), '--keep-alive',
      '--repeat', String(repeat), '--cooldown', String(cooldownMs), '--accel', 'tcg', '--timeout', '60', '-o', output,
    ],
    { env: { [TAG_VAR]: tag } },
  );
  let done = false;
  void cli.exited.then(() => (done = true));
  const exited = () => done;
  // Every VMM pid seen while the run goes on: checked against the boot records afterwards.
  const seen = new Set<number>();
  const qemu = () => {
    const pids = leftovers(null, [guest.kernel]);
    for (const p of pids) seen.add(p);
    return pids.length;
  };

  let plan: string;
  let reached: boolean;
  switch (phase) {
    case 'before-first-boot': {
      const sub = randInt(rng, 0, 2);
      if (sub === 0) {
        // While node starts up (tsx, commander, QEMU probe): often before the signal handlers exist.
        const delay = Math.round(uniform(rng, 0, 1200));
        plan = `${delay} ms after start`;
        reached = await until(() => performance.now() - cli.startedAt >= delay || countBootLines(output) > 0, exited);
      } else if (sub === 1) {
        const delay = Math.round(uniform(rng, 0, 60));
        plan = `header written + ${delay} ms`;
        reached = await until(() => hasHeader(output), exited);
        if (reached) await sleep(delay);
      } else {
        plan = '1st QEMU spawned, no boot record yet';
        reached = await until(() => qemu() >= 1 || countBootLines(output) > 0, exited);
      }
      break;
    }
    case 'mid-launch': {
      const k = randInt(rng, 1, n - 1);
      plan = `${ordinal(k)} of ${n} QEMU spawned`;
      reached = await until(() => qemu() >= k, exited);
      break;
    }
    case 'after-all-booted': {
      // Batch 0 all booted: its instances are being stopped, the cooldown runs, then batch 1 launches.
      const delay = Math.round(uniform(rng, 0, 900));
      plan = `batch 0 all ${n} booted + ${delay} ms`;
      reached = await until(() => (qemu(), countBootLines(output, 0) >= n), exited);
      if (reached) {
        const end = performance.now() + delay;
        while (performance.now() < end && !done) {
          qemu();
          await sleep(5);
        }
      }
      break;
    }
  }
  const before = {
    ms_after_start: Math.round(performance.now() - cli.startedAt),
    header_written: hasHeader(output),
    boots_written: countBootLines(output),
    qemu_alive: qemu(),
  };
  const signalledAt = performance.now();
  const signalUptime = uptimeS();
  if (!done) cli.kill(signal);
  const problems: string[] = [];
  if (!reached) problems.push('moment not reached before the run ended');
  const exitWait = await Promise.race([cli.exited, sleep(60_000).then(() => null)]);
  if (exitWait === null) {
    problems.push('recorder still running 60 s after the signal');
    cli.kill('SIGKILL');
  }
  const exit = await cli.exited;

  // No process of the run (VMM, launcher, anything carrying the run's tag) may be alive 5 s after the signal.
  let lastSeen: number | null = null;
  for (;;) {
    const now = performance.now();
    const alive = leftovers(tag, [dir]);
    if (alive.length) lastSeen = Math.round(now - signalledAt);
    if (now - signalledAt >= LEAK_DEADLINE_MS) break;
    await sleep(50);
  }
  const left = leftovers(tag, [dir]);
  const leftInfo = left.map((pid) => describeProcess(pid, signalUptime));
  if (left.length) {
    const what = leftInfo.map((l) => `${l.process}, started ${l.started_ms_before_signal ?? '?'} ms before the signal`).join('; ');
    problems.push(`${left.length} process(es) alive ${LEAK_DEADLINE_MS / 1000} s after ${signal}: ${what}`);
    killAll(left);
  }

  const t = inspectTrace(output);
  const summary = traceSummary(t);
  if (t.bad.length) problems.push(`${t.bad.length} unparseable line(s), first: ${t.bad[0]!.error}`);
  const recordedPids = new Set(t.records.flatMap((r) => (r.type === 'boot' && r.pid !== null ? [r.pid] : [])));
  const unrecorded = [...seen].filter((p) => !recordedPids.has(p)).length;
  const killedBeforeHandlers = exit.signal === signal;
  if (signal !== 'SIGKILL') {
    if (summary.exists && t.records[0]?.type === 'header') {
      if (summary.end_status !== 'interrupted') problems.push(`trace ends with ${summary.end_status ? `end "${summary.end_status}"` : 'no end record'}, not "interrupted"`);
      if (exit.code !== 130) problems.push(`exit code ${exit.code} (signal ${exit.signal}), expected 130`);
      // The recorder is a process of the run too: it must be gone by the deadline, not merely its VMs.
      if (exit.at - signalledAt > LEAK_DEADLINE_MS) problems.push(`recorder exited ${Math.round(exit.at - signalledAt)} ms after ${signal}`);
      if (t.cutOff) problems.push(`last line cut off (${t.cutOff.bytes} bytes)`);
      if (unrecorded) problems.push(`${unrecorded} launched instance(s) without a boot record`);
      const end = t.records.at(-1);
      if (end?.type === 'end' && end.boots !== summary.boots) problems.push(`end.boots ${end.boots} ≠ ${summary.boots} boot records`);
      if (summary.launched !== null && summary.launched !== summary.boots) problems.push(`batches launched ${summary.launched} ≠ ${summary.boots} boot records`);
    } else if (!killedBeforeHandlers) {
      problems.push(`no header in the trace, yet the recorder exited with code ${exit.code}`);
    } else if (before.qemu_alive > 0 || seen.size > 0) {
      problems.push('killed before its signal handlers while QEMU was running');
    }
  }
  const analysis = await analysisVerdict(output, t);
  if (t.records[0]?.type === 'header' && !analysis.startsWith('ok')) problems.push(`analysis cannot load the trace: ${analysis}`);
  rmSync(dir, { recursive: true, force: true });
  return {
    signal,
    run,
    seed,
    moment: { phase, plan, reached, ...before },
    exit: { code: exit.code, signal: exit.signal, ms_after_signal: Math.round(exit.at - signalledAt) },
    leaked: left.length,
    leftovers: leftInfo,
    last_seen_ms: lastSeen,
    trace: summary,
    unrecorded_instances: unrecorded,
    analysis,
    survived: problems.length === 0,
    problems,
    stderr_tail: problems.length ? cli.stderr().slice(-2000) : lastLine(cli.stderr()).slice(0, 300),
  };
}

/** Which phase each run of one signal hits: stratified (equal shares), in a seeded order. */
export function phaseSchedule(repeat: number, seed: number, signal: string): Phase[] {
  const phases = Array.from({ length: repeat }, (_, i) => PHASES[i % PHASES.length]!);
  const rng = mulberry32(hashSeed(seed, 'phases', signal));
  for (let i = phases.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [phases[i], phases[j]] = [phases[j]!, phases[i]!];
  }
  return phases;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): string {
  const m = new Map<string, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return [...m].map(([k, v]) => `${k} ${v}`).join(', ');
}

export function summariseSignal(signal: CampaignSignal, runs: readonly SignalRun[]): FaultResult {
  const cut = runs.filter((r) => r.trace.cut_off_bytes > 0);
  const bad = runs.reduce((s, r) => s + r.trace.bad_lines, 0);
  const noHeader = runs.filter((r) => !r.trace.exists || r.trace.lines === 0);
  const unrecorded = runs.reduce((s, r) => s + r.unrecorded_instances, 0);
  const interrupted = runs.filter((r) => r.trace.end_status === 'interrupted').length;
  const stopMs = runs.filter((r) => r.exit.code !== null || r.exit.signal !== null).map((r) => r.exit.ms_after_signal).sort((a, b) => a - b);
  const notes = [`moments: ${countBy(runs, (r) => r.moment.phase)}`];
  if (noHeader.length) notes.push(`${noHeader.length} killed before the header was written (no trace data to lose)`);
  if (signal === 'SIGKILL') {
    notes.push(`in-flight boots without a record: ${unrecorded} (SIGKILL allows no last write)`);
  } else {
    notes.push(`end "interrupted": ${interrupted}/${runs.length - noHeader.length} traces with a header; launched instances without a boot record: ${unrecorded}`);
    notes.push(`recorder exit after signal: median ${stopMs[Math.floor(stopMs.length / 2)] ?? '-'} ms, max ${stopMs.at(-1) ?? '-'} ms`);
  }
  if (cut.length) notes.push(`cut-off last line in ${cut.length} run(s): ${cut.map((r) => r.trace.cut_off_bytes).join(', ')} bytes`);
  if (bad) notes.push(`${bad} unparseable complete line(s)`);
  const failed = runs.filter((r) => !r.survived);
  // Every leftover is named with its start time relative to the signal: a VM spawned just before a SIGKILL
  // is the case bootlab-launch exists for (it refuses to start one whose recorder is already gone).
  if (failed.length) notes.push(`failed: ${failed.map((r) => `run ${r.run} (${r.moment.plan}): ${r.problems.join('; ').replace(/\/\S*\//g, '')}${leftoverStarts(r.leftovers)}`).join(' | ')}`);
  return {
    fault: `${signal} of the recorder, keep-alive multi run`,
    runs: runs.length,
    survived: runs.length - failed.length,
    leaked: runs.reduce((s, r) => s + r.leaked, 0),
    lines_lost: cut.length + bad,
    bytes_lost: cut.reduce((s, r) => s + r.trace.cut_off_bytes, 0),
    notes: notes.join('; '),
    details: { signal },
  };
}

function leftoverStarts(left: readonly Leftover[]): string {
  return left.length ? ` (started ${left.map((l) => l.started_ms_before_signal ?? '?').join(', ')} ms before the signal)` : '';
}

/** The launch burst a SIGKILL lands in: 150 instances back to back (interval 0), so a launch is always under way. */
export const BURST_RUN = { n: 150 };

export interface BurstRun {
  run: number;
  seed: number;
  kill_after_qemu: number;
  extra_delay_ms: number;
  qemu_alive: number;
  leaked: number;
  leftovers: Leftover[];
  bad_lines: number;
  cut_off_bytes: number;
  survived: boolean;
}

/**
 * SIGKILL in the middle of a launch burst: a launch is always under way, so some VMM is always between its
 * fork and its launcher's prctl(PR_SET_PDEATHSIG). With setpriv such a VMM was orphaned (5 of 40 runs);
 * bootlab-launch checks after the prctl that the recorder is still its parent and does not start it if not.
 */
export async function burstRun(run: number, campaignSeed: number): Promise<BurstRun> {
  const seed = hashSeed(campaignSeed, 'SIGKILL-burst', run);
  const rng = mulberry32(seed);
  const guest = privateGuest('minkernel', { name: `campaign-burst-${run}` });
  const dir = dirname(guest.kernel);
  const tag = `campaign-burst-${run}-${seed}`;
  const cli = startCli(
    ['record', guest.path, '--mode', 'multi', '-n', String(BURST_RUN.n), '--interval', '0', '--keep-alive', '--accel', 'tcg', '--timeout', '60', '-o', join(dir, 'trace.jsonl')],
    { env: { [TAG_VAR]: tag } },
  );
  let done = false;
  void cli.exited.then(() => (done = true));
  const k = randInt(rng, 5, 60);
  const delay = uniform(rng, 0, 4);
  await until(() => leftovers(null, [guest.kernel]).length >= k, () => done);
  await sleep(delay);
  const alive = leftovers(null, [guest.kernel]).length;
  const signalledAt = performance.now();
  const signalUptime = uptimeS();
  cli.kill('SIGKILL');
  await cli.exited;
  await sleep(Math.max(0, LEAK_DEADLINE_MS - (performance.now() - signalledAt)));
  const left = leftovers(tag, [dir]);
  const leftInfo = left.map((pid) => describeProcess(pid, signalUptime));
  killAll(left);
  const t = inspectTrace(join(dir, 'trace.jsonl'));
  rmSync(dir, { recursive: true, force: true });
  return {
    run,
    seed,
    kill_after_qemu: k,
    extra_delay_ms: Number(delay.toFixed(2)),
    qemu_alive: alive,
    leaked: left.length,
    leftovers: leftInfo,
    bad_lines: t.bad.length,
    cut_off_bytes: t.cutOff?.bytes ?? 0,
    survived: left.length === 0 && t.bad.length === 0,
  };
}

export function summariseBurst(runs: readonly BurstRun[]): FaultResult {
  const leaky = runs.filter((r) => r.leaked > 0);
  const cut = runs.filter((r) => r.cut_off_bytes > 0);
  const notes = [`killed with ${Math.min(...runs.map((r) => r.qemu_alive))}–${Math.max(...runs.map((r) => r.qemu_alive))} VMs up`];
  if (leaky.length) notes.push(`in ${leaky.length} run(s) VMs outlived the recorder${leaky.map((r) => leftoverStarts(r.leftovers)).join('')}`);
  else notes.push('no VM outlived the recorder');
  if (cut.length) notes.push(`cut-off last line in ${cut.length} run(s): ${cut.map((r) => r.cut_off_bytes).join(', ')} bytes`);
  return {
    fault: `SIGKILL of the recorder during a launch burst (-n ${BURST_RUN.n} --interval 0)`,
    runs: runs.length,
    survived: runs.filter((r) => r.survived).length,
    leaked: runs.reduce((s, r) => s + r.leaked, 0),
    lines_lost: cut.length + runs.reduce((s, r) => s + r.bad_lines, 0),
    bytes_lost: cut.reduce((s, r) => s + r.cut_off_bytes, 0),
    notes: notes.join('; '),
    details: { name: 'SIGKILL-burst' },
  };
}

// ------------------------------------------------------------------------------------ single-shot faults

interface ShotOutcome {
  ok: boolean;
  leaked: number;
  linesLost?: number;
  bytesLost?: number;
  notes: string[];
  details: Record<string, unknown>;
}

type Shot = { name: string; title: string; run: (work: string) => Promise<ShotOutcome> };

function bootsOf(records: readonly TraceRecord[]): BootRecord[] {
  return records.filter((r): r is BootRecord => r.type === 'boot');
}

/** After a finished run: nothing of it alive; kill and count anything that is. */
async function reap(tag: string, needles: readonly string[]): Promise<number> {
  // A finished recorder has already killed and reaped its instances; allow the kernel a moment anyway.
  const end = performance.now() + 2000;
  let left = leftovers(tag, needles);
  while (left.length && performance.now() < end) {
    await sleep(50);
    left = leftovers(tag, needles);
  }
  killAll(left);
  return left.length;
}

function check(notes: string[], cond: boolean, problem: string): boolean {
  if (!cond) notes.push(`FAILED: ${problem}`);
  return cond;
}

/** A one-line `bootlab: error: …` on stderr, exit code 2. */
function oneLineError(r: { code: number | null; stderr: string }, pattern: RegExp, notes: string[]): boolean {
  const lines = r.stderr.trim().split('\n');
  const last = lines.at(-1) ?? '';
  const ok = r.code === 2 && pattern.test(last) && !/internal error|\n\s+at /.test(r.stderr);
  const shown = last.replace(/\/tmp\/bootlab-[^/ ]+\//g, '…/').replace(/^bootlab: error: /, '');
  if (ok) notes.push(`exit 2, "${shown.length > 90 ? `${shown.slice(0, 89)}…` : shown}"`);
  else notes.push(`FAILED: expected exit 2 and one line matching ${pattern}, got exit ${r.code}: ${last}`);
  return ok;
}

/** Every line on disk parses, nothing cut off. */
function allLinesParse(t: TraceInspection, notes: string[]): boolean {
  const ok = t.bad.length === 0 && t.cutOff === null;
  if (!ok) notes.push(`FAILED: ${t.bad.length} bad line(s), cut-off ${t.cutOff?.bytes ?? 0} bytes`);
  return ok;
}

function guestRun(name: string, overrides: Record<string, unknown> = {}) {
  const guest = privateGuest('minkernel', { name, ...overrides });
  return { guest, dir: dirname(guest.kernel), tag: `${name}-${process.pid}-${Date.now()}` };
}

/**
 * A keep-alive run whose trace file fills up mid-run: one-line error naming the errno, every complete line
 * parses, the partial line is cut back, instances are killed.
 */
async function diskFullRun(
  name: string,
  outputIn: (guestDir: string) => string,
  errno: 'EFBIG' | 'ENOSPC',
  prefix?: readonly string[],
): Promise<ShotOutcome> {
  const { guest, dir, tag } = guestRun(name);
  const out = outputIn(dir);
  const r = await runCli(
    ['record', guest.path, '--mode', 'multi', '-n', '60', '--interval', '20', '--keep-alive', '--accel', 'tcg', '-o', out],
    { env: { [TAG_VAR]: tag }, ...(prefix ? { prefix } : {}) },
  );
  const leaked = await reap(tag, [dir]);
  const t = inspectTrace(out);
  const notes: string[] = [];
  let ok = oneLineError(r, new RegExp(`^bootlab: error: .*t\\.jsonl: write failed \\(${errno}\\)$`), notes);
  ok = allLinesParse(t, notes) && ok;
  ok = check(notes, t.records[0]?.type === 'header' && t.lines > 3, `only ${t.lines} lines`) && ok;
  notes.push(`${t.lines} complete lines (${t.bytes} bytes) kept, partial line cut back; instances killed`);
  rmSync(dir, { recursive: true, force: true });
  return { ok, leaked, notes, details: { lines: t.lines, bytes: t.bytes, boots: bootsOf(t.records).length } };
}

const SINGLE_SHOTS: Shot[] = [
  {
    name: 'never-ready',
    title: 'guest never prints its ready line',
    run: async () => {
      const { guest, dir, tag } = guestRun('never-ready', { ready: '^this line is never printed' });
      const out = join(dir, 't.jsonl');
      const r = await runCli(['record', guest.path, '-n', '2', '--timeout', '3', '--accel', 'tcg', '-o', out], { env: { [TAG_VAR]: tag } });
      const leaked = await reap(tag, [dir]);
      const t = inspectTrace(out);
      const bs = bootsOf(t.records);
      const notes: string[] = [];
      let ok = check(notes, r.code === 0, `exit ${r.code}: ${lastLine(r.stderr)}`);
      ok = check(notes, bs.length === 2 && bs.every((b) => b.status === 'timeout' && b.dt_ms === null), `statuses ${bs.map((b) => b.status)}`) && ok;
      const watched = bs.map((b) => Math.round((b.end_ns - b.ts_ns) / 1e6));
      ok = check(notes, watched.every((w) => w >= 3000 && w < 8000), `watched ${watched} ms for a 3 s timeout`) && ok;
      ok = allLinesParse(t, notes) && ok;
      if (ok) notes.push(`2 boots → timeout after ${watched.join(', ')} ms (--timeout 3), console tail kept`);
      rmSync(dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { exit: r.code, statuses: bs.map((b) => b.status), watched_ms: watched } };
    },
  },
  {
    name: 'exits-early',
    title: 'guest exits before its ready line',
    run: async () => {
      const { guest, dir, tag } = guestRun('exits-early', {
        append: 'exit',
        qemu_args: ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'],
        ready: '^never',
      });
      const out = join(dir, 't.jsonl');
      const r = await runCli(['record', guest.path, '-n', '2', '--timeout', '60', '--accel', 'tcg', '-o', out], { env: { [TAG_VAR]: tag } });
      const leaked = await reap(tag, [dir]);
      const t = inspectTrace(out);
      const bs = bootsOf(t.records);
      const notes: string[] = [];
      let ok = check(notes, r.code === 0, `exit ${r.code}`);
      ok = check(notes, bs.length === 2 && bs.every((b) => b.status === 'exited' && b.exit_code === 3), `statuses ${bs.map((b) => `${b.status}/${b.exit_code}`)}`) && ok;
      const after = bs.map((b) => Math.round((b.end_ns - b.ts_ns) / 1e6));
      ok = check(notes, after.every((ms) => ms < 30_000), `took ${after} ms, not at once`) && ok;
      ok = allLinesParse(t, notes) && ok;
      if (ok) notes.push(`2 boots → exited, exit code 3, after ${after.join(', ')} ms (not the 60 s timeout)`);
      rmSync(dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { statuses: bs.map((b) => b.status), ms: after } };
    },
  },
  {
    name: 'flood',
    title: 'guest floods 100 MB without a newline',
    run: async (work) => {
      const descriptor = join(work, 'flood.json');
      writeFileSync(descriptor, JSON.stringify({ name: 'flood', kernel: FAKE_VMM, ready: '^ready$' }));
      const notes: string[] = [];
      const one = async (mode: string) => {
        const tag = `flood-${mode}-${process.pid}-${Date.now()}`;
        const out = join(work, `flood-${mode}.jsonl`);
        const r = await runCli(['record', descriptor, '--qemu', FAKE_VMM, '-n', '1', '--timeout', '240', '-o', out], {
          env: { [TAG_VAR]: tag, BOOTLAB_FAKE: mode },
        });
        // Found by the run's environment tag only: the fake VMM script's path is shared with other test runs.
        return { r, t: inspectTrace(out), leaked: await reap(tag, []) };
      };
      const base = await one('ready');
      const flood = await one('flood');
      const [b] = bootsOf(flood.t.records);
      const growthMb = ((flood.r.peakRssKb ?? 0) - (base.r.peakRssKb ?? 0)) / 1024;
      let ok = check(notes, flood.r.code === 0 && base.r.code === 0, `exit ${flood.r.code}/${base.r.code}: ${lastLine(flood.r.stderr)}`);
      ok = check(notes, b?.status === 'ok', `boot status ${b?.status}`) && ok;
      ok = check(notes, flood.r.peakRssKb !== null && growthMb < 64, `recorder peak RSS ${flood.r.peakRssKb} KiB, +${growthMb.toFixed(1)} MB over the baseline`) && ok;
      ok = allLinesParse(flood.t, notes) && ok;
      const tail = b?.console_tail?.length ?? 0;
      notes.push(
        `recorder peak RSS (VmHWM) ${((flood.r.peakRssKb ?? 0) / 1024).toFixed(0)} MB vs ${((base.r.peakRssKb ?? 0) / 1024).toFixed(0)} MB without the flood (+${growthMb.toFixed(1)} MB); ready still found${tail ? `; console tail ${tail} chars` : ''}`,
      );
      return {
        ok,
        leaked: base.leaked + flood.leaked,
        notes,
        details: { peak_rss_kb: flood.r.peakRssKb, baseline_peak_rss_kb: base.r.peakRssKb, growth_mb: Number(growthMb.toFixed(1)), status: b?.status, dt_ms: b?.dt_ms },
      };
    },
  },
  {
    name: 'vmm-error',
    title: 'fatal VMM error (unknown device)',
    run: async () => {
      const { guest, dir, tag } = guestRun('bad-device', { qemu_args: ['-device', 'no-such-device-model'] });
      const out = join(dir, 't.jsonl');
      const r = await runCli(['record', guest.path, '-n', '2', '--timeout', '60', '--accel', 'tcg', '-o', out], { env: { [TAG_VAR]: tag } });
      const leaked = await reap(tag, [dir]);
      const t = inspectTrace(out);
      const bs = bootsOf(t.records);
      const notes: string[] = [];
      let ok = check(notes, r.code === 0, `exit ${r.code}`);
      ok = check(notes, bs.length === 2 && bs.every((b) => b.status === 'vmm_error' && /no-such-device-model/.test(b.error ?? '')), `statuses ${bs.map((b) => b.status)}`) && ok;
      const after = bs.map((b) => Math.round((b.end_ns - b.ts_ns) / 1e6));
      ok = check(notes, after.every((ms) => ms < 10_000), `recorded after ${after} ms`) && ok;
      ok = allLinesParse(t, notes) && ok;
      if (ok) notes.push(`2 boots → vmm_error after ${after.join(', ')} ms, QEMU's message kept: "${bs[0]?.error?.replace(/^qemu-system-x86_64: /, '')}"`);
      rmSync(dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { statuses: bs.map((b) => b.status), ms: after, error: bs[0]?.error } };
    },
  },
  {
    name: 'qemu-missing',
    title: 'QEMU binary missing',
    run: async (work) => {
      const notes: string[] = [];
      let ok = true;
      for (const qemu of ['qemu-system-nonexistent', '/nonexistent/qemu-system-x86_64']) {
        const out = join(work, `noqemu-${qemu.length}.jsonl`);
        const r = await runCli(['record', 'minkernel', '--qemu', qemu, '--accel', 'tcg', '-o', out]);
        ok = oneLineError(r, /^bootlab: error: QEMU binary '.*' not found/, notes) && ok;
        ok = check(notes, !existsSync(out), `${out} was created`) && ok;
      }
      if (ok) notes.push('no trace file created');
      return { ok, leaked: 0, notes, details: {} };
    },
  },
  {
    name: 'unwritable-output',
    title: 'output file unwritable',
    run: async (work) => {
      const notes: string[] = [];
      const { guest, dir, tag } = guestRun('unwritable');
      const blocker = join(work, 'a-file');
      writeFileSync(blocker, 'not a directory\n');
      const cases: [string, string, RegExp][] = [
        ['parent is a file', join(blocker, 't.jsonl'), /cannot create trace file \(ENOTDIR\)$/],
        ['read-only /sys', '/sys/bootlab-campaign.jsonl', /cannot create trace file \((EROFS|EACCES|EPERM|ENOENT)\)$/],
        ['under /proc', '/proc/bootlab-campaign/t.jsonl', /cannot create trace file \(E[A-Z]+\)$/],
      ];
      let ok = true;
      const rows: Record<string, unknown>[] = [];
      for (const [what, out, pattern] of cases) {
        const r = await runCli(['record', guest.path, '-n', '1', '--accel', 'tcg', '-o', out], { env: { [TAG_VAR]: tag }, limitMs: 60_000 });
        ok = check(notes, !r.hung, `${what}: the recorder hung`) && ok;
        ok = oneLineError(r, pattern, notes) && ok;
        rows.push({ what, code: r.code, error: lastLine(r.stderr) });
      }
      const leaked = await reap(tag, [dir]);
      rmSync(dir, { recursive: true, force: true });
      notes.push('no VM started');
      return { ok, leaked, notes, details: { cases: rows } };
    },
  },
  {
    name: 'disk-full-efbig',
    title: 'disk full mid-run (EFBIG, ulimit -f 24 KiB)',
    // bash sets the limit and ignores SIGXFSZ, then execs the CLI with its arguments untouched ("$@").
    run: () => diskFullRun('disk-full', (dir) => join(dir, 't.jsonl'), 'EFBIG', ['bash', '-c', 'trap "" XFSZ; ulimit -f 24; exec "$@"', 'bash']),
  },
  {
    name: 'disk-full-tmpfs',
    title: 'disk full mid-run (ENOSPC, 16 KiB tmpfs)',
    run: async (work) => {
      const mnt = join(work, 'small-fs');
      mkdirSync(mnt, { recursive: true });
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'bootlab-campaign', mnt], { stdio: 'ignore' });
      } catch {
        return { ok: true, leaked: 0, notes: ['skipped: mounting a tmpfs is not permitted here'], details: { skipped: true } };
      }
      try {
        return await diskFullRun('tmpfs-full', () => join(mnt, 't.jsonl'), 'ENOSPC');
      } finally {
        try {
          execFileSync('umount', [mnt], { stdio: 'ignore' });
        } catch {
          // left mounted; the work dir removal below then fails harmlessly
        }
      }
    },
  },
  {
    name: 'dev-full',
    title: 'disk full at the first write (-o /dev/full --force)',
    run: async () => {
      const { guest, dir, tag } = guestRun('dev-full');
      const r = await runCli(['record', guest.path, '-n', '2', '--accel', 'tcg', '-o', '/dev/full', '--force'], { env: { [TAG_VAR]: tag } });
      const leaked = await reap(tag, [dir]);
      const notes: string[] = [];
      const ok = oneLineError(r, /^bootlab: error: \/dev\/full: write failed \(ENOSPC\)$/, notes);
      notes.push('no VM started');
      rmSync(dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { code: r.code } };
    },
  },
  {
    name: 'memory-guard',
    title: 'memory guard trips mid-run',
    run: async () => {
      const { guest, dir, tag } = guestRun('guarded');
      const out = join(dir, 't.jsonl');
      // A floor 1.5 GiB under what is available now: room for a dozen instances at the guard's up-front
      // estimate (guest RAM + VMM overhead each until one has booted), and for other tenants' memory to come
      // and go, yet the guard must stop well before 200 keep-alive instances.
      const floor = Math.floor(readMemInfo().availableKb / 1024) - 1536;
      const r = await runCli(
        ['record', guest.path, '--mode', 'multi', '-n', '200', '--interval', '5', '--keep-alive', '--memory-floor', String(floor), '--accel', 'tcg', '-o', out],
        { env: { [TAG_VAR]: tag } },
      );
      const leaked = await reap(tag, [dir]);
      const t = inspectTrace(out);
      const notes: string[] = [];
      const batch = t.records.find((x): x is BatchRecord => x.type === 'batch');
      const end = t.records.find((x): x is EndRecord => x.type === 'end');
      const event = t.records.find((x) => x.type === 'event' && x.kind === 'memory_guard');
      let ok = check(notes, r.code === 0, `exit ${r.code}: ${lastLine(r.stderr)}`);
      ok = check(notes, end?.status === 'guarded', `end status ${end?.status}`) && ok;
      ok = check(notes, batch?.stopped_by === 'memory_guard' && batch.launched > 0 && batch.launched < 200, `batch ${JSON.stringify(batch && { stopped_by: batch.stopped_by, launched: batch.launched })}`) && ok;
      ok = check(notes, event !== undefined, 'no memory_guard event') && ok;
      ok = check(notes, bootsOf(t.records).length === batch?.launched, 'a launched instance has no boot record') && ok;
      ok = allLinesParse(t, notes) && ok;
      notes.push(`stopped after ${batch?.launched} of 200 launches, end "guarded", every launched instance recorded`);
      rmSync(dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { launched: batch?.launched, floor_mb: floor } };
    },
  },
  {
    name: 'two-recorders',
    title: 'two recorders at once',
    run: async (work) => {
      const a = guestRun('rec-a');
      const b = guestRun('rec-b');
      const notes: string[] = [];
      const args = (g: typeof a, out: string) => ['record', g.guest.path, '--mode', 'multi', '-n', '6', '--interval', '10', '--keep-alive', '--accel', 'tcg', '-o', out];
      const [ra, rb] = await Promise.all([
        runCli(args(a, join(work, 'two-a.jsonl')), { env: { [TAG_VAR]: a.tag } }),
        runCli(args(b, join(work, 'two-b.jsonl')), { env: { [TAG_VAR]: b.tag } }),
      ]);
      let leaked = (await reap(a.tag, [a.dir])) + (await reap(b.tag, [b.dir]));
      const ta = inspectTrace(join(work, 'two-a.jsonl'));
      const tb = inspectTrace(join(work, 'two-b.jsonl'));
      let ok = check(notes, ra.code === 0 && rb.code === 0, `exit ${ra.code}/${rb.code}`);
      for (const [t, name] of [[ta, 'rec-a'], [tb, 'rec-b']] as const) {
        const bs = bootsOf(t.records);
        ok = check(notes, bs.length === 6 && bs.every((x) => x.guest === name && x.status === 'ok' && x.running_at_launch < 6), `${name}: ${bs.map((x) => `${x.guest}/${x.status}/${x.running_at_launch}`)}`) && ok;
        ok = allLinesParse(t, notes) && ok;
      }
      const idA = ta.records[0]?.type === 'header' ? ta.records[0].run_id : 'a';
      const idB = tb.records[0]?.type === 'header' ? tb.records[0].run_id : 'a';
      ok = check(notes, idA !== idB, 'same run id') && ok;
      // The same -o for both: exactly one may write it; the other refuses at once and starts nothing.
      const same = join(work, 'two-same.jsonl');
      const [sa, sb] = await Promise.all([
        runCli(args(a, same), { env: { [TAG_VAR]: a.tag } }),
        runCli(args(b, same), { env: { [TAG_VAR]: b.tag } }),
      ]);
      leaked += (await reap(a.tag, [a.dir])) + (await reap(b.tag, [b.dir]));
      const winners = [sa, sb].filter((x) => x.code === 0).length;
      const loser = [sa, sb].find((x) => x.code !== 0);
      ok = check(notes, winners === 1 && loser !== undefined && /already exists; choose another -o or pass --force/.test(lastLine(loser.stderr)), `same -o: exits ${sa.code}/${sb.code}`) && ok;
      const ts = inspectTrace(same);
      ok = allLinesParse(ts, notes) && ok;
      ok = check(notes, bootsOf(ts.records).length === 6 && new Set(bootsOf(ts.records).map((x) => x.guest)).size === 1, 'the shared file mixes runs') && ok;
      notes.push('separate -o: each trace holds only its own 6 boots, run ids differ; same -o: one records, the other refuses ("already exists")');
      rmSync(a.dir, { recursive: true, force: true });
      rmSync(b.dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { exits: [ra.code, rb.code], same_output_exits: [sa.code, sb.code] } };
    },
  },
];

export const SINGLE_SHOT_NAMES = SINGLE_SHOTS.map((s) => s.name);

// ---------------------------------------------------------------------------------------------- campaign

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

// -------------------------------------------------------------------------------------------- the table

const cell = (s: string | number) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderTable(results: CampaignResults): string {
  const lines = [
    `Generated ${results.generated_at.slice(0, 16).replace('T', ' ')} UTC by \`${results.command}\` in ${Math.round(results.runtime_s / 60)} min ` +
      `(${results.host.cores} cores, ${results.host.cpu}, QEMU ${results.host.qemu} under TCG, Node ${results.host.node}; ` +
      `load average ${results.host.load1_at_start} at start, ${results.host.load1_at_end} at end). Per-run details: \`reliability/results.json\`.`,
    '',
    '| fault | runs | survived | instances leaked | lines lost | notes |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...results.table.map((r) => `| ${cell(r.fault)} | ${r.runs} | ${r.survived} | ${r.leaked} | ${r.lines_lost} | ${cell(r.notes)} |`),
  ];
  return lines.join('\n');
}

/** Markers of a second generated block, for a campaign written to another results file (e.g. the engine's). */
export function blockMarkers(resultsFile: string): { begin: string; end: string } {
  return {
    begin: `<!-- BEGIN GENERATED FIGURES FROM ${resultsFile}: reliability/campaign.ts --doc-block writes this table; do not edit -->`,
    end: `<!-- END GENERATED FIGURES FROM ${resultsFile} -->`,
  };
}

/** Replace the generated block of docs/reliability.md (between the markers) with the table of `results`. */
export function updateDoc(results: CampaignResults, docPath = DOC_PATH, markers = { begin: TABLE_BEGIN, end: TABLE_END }): void {
  const doc = readFileSync(docPath, 'utf8');
  const begin = doc.indexOf(markers.begin);
  const end = doc.indexOf(markers.end);
  if (begin < 0 || end < begin) throw new Error(`${docPath}: the generated-figures markers are missing (${markers.begin})`);
  const next = `${doc.slice(0, begin + markers.begin.length)}\n${renderTable(results)}\n${doc.slice(end)}`;
  writeFileSync(docPath, next);
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

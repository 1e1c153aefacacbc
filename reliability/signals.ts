// Signal faults: SIGINT, SIGTERM, SIGKILL of the recorder at a seeded random moment of a keep-alive multi run
// (before the first boot / mid-launch / after a batch booted), and SIGKILL in the middle of a launch burst.
// Each run checks what is left 5 s after the signal and what the trace kept; summarise* turns runs into rows.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BatchRecord, EndRecord } from '@bootlab/trace';
import { loadTraces } from '@bootlab/analysis';
import { privateGuest } from '@bootlab/recorder/test-support';
import { countBootLines, hashSeed, hasHeader, inspectTrace, killAll, lastLine, leftovers, mulberry32, randInt, sleep, startCli, TAG_VAR, uniform, until, errorText, type TraceInspection } from './lib.ts';
import { LEAK_DEADLINE_MS, PHASES, SIGNAL_RUN, type BurstRun, type CampaignSignal, type FaultResult, type Leftover, type Phase, type SignalRun } from './results.ts';

function ordinal(k: number): string {
  return `${k}${k % 10 === 1 && k !== 11 ? 'st' : k % 10 === 2 && k !== 12 ? 'nd' : k % 10 === 3 && k !== 13 ? 'rd' : 'th'}`;
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

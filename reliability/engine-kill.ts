// Killing the launch engine (recorder/engine/bootlab-engine.c) instead of the recorder, in the middle of a
// keep-alive launch burst: every VMM asked the kernel for SIGKILL when the engine dies (PR_SET_PDEATHSIG,
// checked against its parent before exec), so none may outlive it; the recorder must notice, stop, write a
// record for every instance it had and an `end` record, and exit by itself, every line parsing. The end is
// "interrupted" for SIGINT/SIGTERM (somebody asked to stop: scancel signals every process of the job) and
// "failed" for SIGKILL (the OOM killer, a crash).
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { privateGuest } from '@bootlab/recorder/test-support';
import { hashSeed, hasHeader, inspectTrace, killAll, leftovers, mulberry32, sleep, startCli, TAG_VAR, uniform } from './lib.ts';

export const ENGINE_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
export type EngineSignal = (typeof ENGINE_SIGNALS)[number];
const EXPECTED_END: Readonly<Record<EngineSignal, string>> = { SIGINT: 'interrupted', SIGTERM: 'interrupted', SIGKILL: 'failed' };
// 20 ms apart: the launches span 3 s, so the kill lands while the engine is still launching (at 3 ms the
// whole burst is over before a /proc scan has counted the VMs).
export const ENGINE_RUN = { n: 150, intervalMs: 20 };
const DEADLINE_MS = 5000;

export interface EngineKillRun {
  signal: EngineSignal;
  run: number;
  seed: number;
  /** ms after the header was written. */
  kill_after_ms: number;
  qemu_alive: number;
  recorder_exit: { code: number | null; signal: string | null; ms_after_signal: number };
  leaked: number;
  leftovers: string[];
  lines: number;
  bad_lines: number;
  cut_off_bytes: number;
  end_status: string | null;
  boots: number;
  survived: boolean;
  problems: string[];
}

/** The launch engine among the recorder's children, or null. */
function enginePid(recorderPid: number): number | null {
  try {
    for (const task of readFileSync(`/proc/${recorderPid}/task/${recorderPid}/children`, 'latin1').trim().split(' ')) {
      if (task && readFileSync(`/proc/${task}/comm`, 'latin1').startsWith('bootlab-engine')) return Number(task);
    }
  } catch {
    // gone
  }
  return null;
}

export async function engineKillRun(signal: EngineSignal, run: number, campaignSeed: number): Promise<EngineKillRun> {
  const seed = hashSeed(campaignSeed, `engine-${signal}`, run);
  const rng = mulberry32(seed);
  const guest = privateGuest('minkernel', { name: `campaign-engine-${signal.toLowerCase()}-${run}` });
  const dir = dirname(guest.kernel);
  const output = join(dir, 'trace.jsonl');
  const tag = `campaign-engine-${run}-${seed}`;
  const cli = startCli(
    ['record', guest.path, '--mode', 'multi', '-n', String(ENGINE_RUN.n), '--interval', String(ENGINE_RUN.intervalMs), '--keep-alive', '--accel', 'tcg', '--timeout', '60', '-o', output],
    { env: { [TAG_VAR]: tag } },
  );
  let done = false;
  void cli.exited.then(() => (done = true));
  // A moment inside the launch span, timed from the header: counting VMs in /proc is too slow while 100+
  // of them boot under TCG on two cores (the burst would be over before the count).
  const k = Math.round(uniform(rng, 0.05, 0.9) * ENGINE_RUN.n * ENGINE_RUN.intervalMs);
  const problems: string[] = [];
  const limit = performance.now() + 90_000;
  while (!done && performance.now() < limit && !hasHeader(output)) await sleep(2);
  await sleep(k);
  const alive = leftovers(null, [guest.kernel]).length;
  const engine = enginePid(cli.pid);
  const signalledAt = performance.now();
  if (engine === null) problems.push('no launch engine found under the recorder');
  else process.kill(engine, signal);
  const exit = await Promise.race([cli.exited, sleep(60_000).then(() => null)]);
  if (exit === null) {
    problems.push(`recorder still running 60 s after the engine's ${signal}`);
    cli.kill('SIGKILL');
  }
  const ended = await cli.exited;
  await sleep(Math.max(0, DEADLINE_MS - (performance.now() - signalledAt)));
  const left = leftovers(tag, [dir]);
  const leftInfo = left.map((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').slice(0, 120);
    } catch {
      return String(pid);
    }
  });
  killAll(left);
  if (left.length) problems.push(`${left.length} process(es) alive ${DEADLINE_MS / 1000} s after the engine's ${signal}`);
  const t = inspectTrace(output);
  if (t.bad.length) problems.push(`${t.bad.length} unparseable line(s)`);
  if (t.cutOff) problems.push(`last line cut off (${t.cutOff.bytes} bytes)`);
  const end = t.records.at(-1);
  const endStatus = end?.type === 'end' ? end.status : null;
  if (endStatus !== EXPECTED_END[signal]) problems.push(`trace ends with ${endStatus ?? 'no end record'}, not "${EXPECTED_END[signal]}"`);
  const boots = t.records.filter((r) => r.type === 'boot').length;
  if (end?.type === 'end' && end.boots !== boots) problems.push(`end.boots ${end.boots} ≠ ${boots} boot records`);
  rmSync(dir, { recursive: true, force: true });
  return {
    signal,
    run,
    seed,
    kill_after_ms: k,
    qemu_alive: alive,
    recorder_exit: { code: ended.code, signal: ended.signal, ms_after_signal: Math.round(ended.at - signalledAt) },
    leaked: left.length,
    leftovers: leftInfo,
    lines: t.lines,
    bad_lines: t.bad.length,
    cut_off_bytes: t.cutOff?.bytes ?? 0,
    end_status: endStatus,
    boots,
    survived: problems.length === 0,
    problems,
  };
}

export function summariseEngineKill(signal: EngineSignal, runs: readonly EngineKillRun[]) {
  const failed = runs.filter((r) => !r.survived);
  const notes = [
    `engine killed with ${Math.min(...runs.map((r) => r.qemu_alive))}–${Math.max(...runs.map((r) => r.qemu_alive))} VMs up`,
    `recorder exited by itself ${Math.min(...runs.map((r) => r.recorder_exit.ms_after_signal))}–${Math.max(...runs.map((r) => r.recorder_exit.ms_after_signal))} ms later, trace ending "${EXPECTED_END[signal]}"`,
    failed.length ? `problems: ${failed.map((r) => r.problems.join(', ')).join('; ')}` : 'no VM outlived the engine',
  ];
  return {
    fault: `${signal} of the launch engine during a launch burst (-n ${ENGINE_RUN.n} --interval ${ENGINE_RUN.intervalMs})`,
    runs: runs.length,
    survived: runs.length - failed.length,
    leaked: runs.reduce((s, r) => s + r.leaked, 0),
    lines_lost: runs.reduce((s, r) => s + r.bad_lines + (r.cut_off_bytes > 0 ? 1 : 0), 0),
    bytes_lost: runs.reduce((s, r) => s + r.cut_off_bytes, 0),
    notes: notes.join('; '),
    details: { name: `engine-${signal}` },
  };
}

// One instance's outcome as the trace's boot record: every stamp relative to the run's origin, ΔT, launch lag
// and spawn time derived here, once.
import type { BootRecord } from '@bootlab/trace';
import { lastMeaningfulLines } from '../console/failure-lines.ts';
import type { BootOutcome } from '../launch/launch.ts';
import type { BatchPlan } from './plan.ts';

export const ns = (t: bigint, origin: bigint) => Number(t - origin);
const msBetween = (a: bigint, b: bigint) => Number(b - a) / 1e6;

export function toBootRecord(
  state: { runId: string; origin: bigint; keepAlive: boolean },
  plan: BatchPlan,
  index: number,
  scheduled: bigint,
  runningAtLaunch: number,
  argv: readonly string[],
  o: BootOutcome,
  readySignal: 'console' | 'tcp' | 'http' | 'exit' = 'console',
): BootRecord {
  const { origin } = state;
  const markers: Record<string, number> = {};
  for (const [name, t] of [...o.markers].sort((a, b) => (a[1] < b[1] ? -1 : 1))) markers[name] = ns(t, origin);
  return {
    type: 'boot',
    run_id: state.runId,
    guest: plan.guest,
    mode: plan.mode,
    batch: plan.batch,
    repetition: plan.repetition,
    interval_ms: plan.intervalMs,
    n: plan.n,
    index,
    keep_alive: plan.mode === 'multi' && state.keepAlive,
    scheduled_ns: ns(scheduled, origin),
    ts_ns: ns(o.ts, origin),
    spawned_ns: ns(o.spawned, origin),
    first_output_ns: o.firstOutput === null ? null : ns(o.firstOutput, origin),
    te_ns: o.te === null ? null : ns(o.te, origin),
    ready_match: o.readyMatch,
    markers,
    end_ns: ns(o.end, origin),
    dt_ms: o.status === 'ok' && o.te !== null ? msBetween(o.ts, o.te) : null,
    launch_lag_ms: msBetween(scheduled, o.ts),
    spawn_ms: msBetween(o.ts, o.spawned),
    status: o.status,
    exit_code: o.exitCode,
    signal: o.signal,
    error: o.error,
    console_tail: o.consoleTail,
    ...(o.status !== 'ok' ? { last_lines: lastMeaningfulLines(o.consoleTail) } : {}),
    ...(o.failMatch !== null ? { fail_match: o.failMatch } : {}),
    ...(o.status === 'ok' && readySignal !== 'console' ? { ready_signal: readySignal } : {}),
    running_at_launch: runningAtLaunch,
    pid: o.pid,
    argv: [...argv],
    cpu_ms_at_te: o.cpuMsAtTe,
    rss_kb_at_te: o.rssKbAtTe,
    guest_ram_kb_at_te: o.guestRamKbAtTe,
    console_lines_at_te: o.consoleAtTe?.lines ?? null,
    console_chars_at_te: o.consoleAtTe?.chars ?? null,
    cpu_ms_end: o.cpuMsEnd,
    rss_kb_end: o.rssKbEnd,
  };
}

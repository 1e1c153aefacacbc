// Runs one planned batch: a single-mode series of back-to-back boots, or a multi-mode launch of n
// instances at a fixed interval. Turns each instance's outcome into a boot record as soon as it is known.
import type { BatchRecord, BootRecord } from '@bootlab/trace';
import { signalKind, type ResolvedGuest } from './descriptor.ts';
import { lastMeaningfulLines } from './failure-lines.ts';
import { launch, type BootOutcome, type Clock, type Instance } from './launch.ts';
import { bootingCostKb, type MemoryGuard } from './memory-guard.ts';
import { freePorts, splitSignals } from './ready-signals.ts';
import type { BatchPlan } from './plan.ts';

export interface RunState {
  runId: string;
  origin: bigint;
  clock: Clock;
  launcher: readonly string[];
  timeoutMs: number;
  keepAlive: boolean;
  guard: MemoryGuard;
  /** Every instance of the run not yet closed. */
  live: Set<Instance>;
  /** The user's estimate of what one booting instance takes (--booting-mb), overriding the guard's own. */
  bootingKb: number | null;
  /** Largest RSS at Te seen per guest: what the memory guard expects a booting instance to reach. */
  largestRssAtTe: Map<string, number>;
  /** Set when the run must stop launching (signal or fatal error). */
  stopRequested: string | null;
  write: (record: BootRecord | BatchRecord) => void;
  onGuard: (batch: BatchPlan, reason: string, data: Record<string, unknown>) => void;
  onBoot: (outcome: BootOutcome, guest: string) => void;
  /** A record could not be written (disk full, …): stop the run, keeping what is already on disk. */
  fail: (error: Error) => void;
}

export interface PreparedGuest {
  guest: ResolvedGuest;
  argv: string[];
  /** Guest ports that tcp/http signals need forwarded; each instance gets its own host ports. */
  ports?: number[] | undefined;
  /** The argv with those ports forwarded (host port per guest port). */
  argvWithPorts?: ((hostfwd: Array<{ host: number; guest: number }>) => string[]) | undefined;
}

const ns = (t: bigint, origin: bigint) => Number(t - origin);
const msBetween = (a: bigint, b: bigint) => Number(b - a) / 1e6;

export function toBootRecord(
  state: Pick<RunState, 'runId' | 'origin' | 'keepAlive'>,
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
    ...(o.status === 'ok' && readySignal !== 'console' ? { ready_signal: readySignal } : {}),
    running_at_launch: runningAtLaunch,
    pid: o.pid,
    argv: [...argv],
    cpu_ms_at_te: o.cpuMsAtTe,
    rss_kb_at_te: o.rssKbAtTe,
    console_lines_at_te: o.consoleAtTe?.lines ?? null,
    console_chars_at_te: o.consoleAtTe?.chars ?? null,
    cpu_ms_end: o.cpuMsEnd,
    rss_kb_end: o.rssKbEnd,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Wait until `target` on the monotonic clock. Coarse sleeps first, then a setImmediate loop for the
 * last ~2 ms: it keeps sub-millisecond precision without busy-blocking, so console output of the
 * instances already running is still read (and timestamped) while we wait for the next launch.
 */
export async function waitUntil(clock: Clock, target: bigint): Promise<void> {
  // Always let the event loop's I/O phase run at least once: when launches fall behind schedule (spawn
  // takes longer than the interval), returning at once would chain every launch of the batch without a
  // single console read in between, and the instances' Te would be stamped only after the last launch.
  await nextTurn();
  for (;;) {
    const remainingMs = Number(target - clock()) / 1e6;
    if (remainingMs <= 0) return;
    if (remainingMs > 2.5) await sleep(remainingMs - 2);
    else await nextTurn();
  }
}

export interface BatchResult {
  launched: number;
  stoppedBy: BatchRecord['stopped_by'];
}

export async function runBatch(state: RunState, plan: BatchPlan, prepared: PreparedGuest): Promise<BatchResult> {
  const { clock } = state;
  const { guest } = prepared;
  const signals = splitSignals(guest.descriptor.ready, guest.descriptor.markers);
  const keepAlive = plan.mode === 'multi' && state.keepAlive;
  const instances: Instance[] = [];
  const written: Promise<void>[] = [];
  let stoppedBy: BatchRecord['stopped_by'] = null;
  const start = clock();
  const intervalNs = BigInt(Math.round((plan.intervalMs ?? 0) * 1e6));

  for (let index = 0; index < plan.n; index++) {
    if (state.stopRequested) {
      stoppedBy = 'interrupted';
      break;
    }
    // The guard reads /proc/meminfo: do it before waiting, so it does not add to the launch lag.
    const booting = [...state.live].filter((i) => i.isBooting).length;
    const perBooting =
      state.bootingKb ?? bootingCostKb(guest.descriptor.memory_mb, state.largestRssAtTe.get(plan.guest) ?? null);
    const verdict = state.guard.check(booting, perBooting);
    if (!verdict.ok) {
      stoppedBy = 'memory_guard';
      state.onGuard(plan, verdict.reason, {
        launched: index,
        available_kb: verdict.availableKb,
        estimate_kb: verdict.estimateKb,
      });
      break;
    }
    // Host ports for tcp/http signals are chosen before the launch's schedule point, off the timed path.
    let argv = prepared.argv;
    let ports = new Map<number, number>();
    if (prepared.ports?.length && prepared.argvWithPorts) {
      const host = await freePorts(prepared.ports.length);
      const hostfwd = prepared.ports.map((g, i) => ({ guest: g, host: host[i] as number }));
      ports = new Map(hostfwd.map((f) => [f.guest, f.host]));
      argv = prepared.argvWithPorts(hostfwd);
    }
    const scheduled = plan.mode === 'multi' ? start + intervalNs * BigInt(index) : clock();
    if (plan.mode === 'multi') await waitUntil(clock, scheduled);
    if (state.stopRequested) {
      stoppedBy = 'interrupted';
      break;
    }
    const runningAtLaunch = state.live.size;
    const inst = launch({
      argv,
      launcher: state.launcher,
      ready: signals.consoleReady,
      markers: signals.consoleMarkers,
      signals: signals.other.size ? { signals: signals.other, ports } : undefined,
      timeoutMs: state.timeoutMs,
      keepAlive,
      clock,
    });
    instances.push(inst);
    state.live.add(inst);
    void inst.closed.then(() => state.live.delete(inst));
    written.push(
      inst.concluded
        .then((outcome) => {
          if (outcome.rssKbAtTe !== null) {
            const largest = state.largestRssAtTe.get(plan.guest) ?? 0;
            state.largestRssAtTe.set(plan.guest, Math.max(largest, outcome.rssKbAtTe));
          }
          state.onBoot(outcome, plan.guest);
          state.write(toBootRecord(state, plan, index, scheduled, runningAtLaunch, argv, outcome, signalKind(guest.descriptor.ready)));
        })
        .catch((err: Error) => state.fail(err)),
    );
    if (plan.mode === 'single') {
      // One at a time: the next boot starts only once this instance is gone.
      await inst.concluded;
      await inst.closed;
    }
  }

  await Promise.all(written);
  // A stop that arrives after the last launch still cut the batch short: its boots were interrupted.
  if (stoppedBy === null && state.stopRequested) stoppedBy = 'interrupted';
  // Keep-alive instances (and any still running) are stopped only once the whole batch has booted.
  for (const inst of instances) inst.stop('interrupted', 'stopped at end of batch');
  await Promise.all(instances.map((i) => i.closed));
  if (state.stopRequested?.startsWith('fatal')) return { launched: instances.length, stoppedBy };
  state.write({
    type: 'batch',
    batch: plan.batch,
    guest: plan.guest,
    mode: plan.mode,
    interval_ms: plan.intervalMs,
    n: plan.n,
    repetition: plan.repetition,
    keep_alive: keepAlive,
    start_ns: ns(start, state.origin),
    end_ns: ns(clock(), state.origin),
    launched: instances.length,
    stopped_by: stoppedBy,
  });
  return { launched: instances.length, stoppedBy };
}

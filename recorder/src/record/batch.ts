// Runs one planned batch: a single-mode series of back-to-back boots, or a multi-mode launch of n
// instances at a fixed interval. Turns each instance's outcome into a boot record as soon as it is known.
import type { BatchRecord, BootRecord } from '@bootlab/trace';
import { launchFail, signalKind, type ResolvedGuest } from '../guests/descriptor.ts';
import type { Engine } from '../launch/engine.ts';
import { Instance, launch, type BootOutcome, type Clock, type LaunchSpec } from '../launch/launch.ts';
import { guestRamKbOf } from '../host/proc.ts';
import { bootingCostKb, type LiveMemoryCost, type MemoryGuard } from '../host/memory-guard.ts';
import { freePorts, splitSignals } from '../console/ready-signals.ts';
import type { BatchPlan } from './plan.ts';
import { nextWave, WAVE_WAIT_NS } from './waves.ts';
import { ns, toBootRecord } from './boot-record.ts';

export interface RunState {
  runId: string;
  origin: bigint;
  clock: Clock;
  launcher: readonly string[];
  timeoutMs: number;
  keepAlive: boolean;
  guard: MemoryGuard;
  /** The launch engine, or null when Node spawns the VMMs itself (no compiler, or another launcher asked). */
  engine: Engine | null;
  /** Ask each VMM to be merge-any for KSM (prctl(PR_SET_MEMORY_MERGE)) before exec (--ksm, engine only). */
  mergeAny: boolean;
  /** What one running instance really costs, learned from MemAvailable while the run goes. */
  liveCost: LiveMemoryCost;
  /** Every instance of the run not yet closed. */
  live: Set<Instance>;
  /** The user's estimate of what one booting instance takes (--booting-mb), overriding the guard's own. */
  bootingKb: number | null;
  /** Largest RSS at Te seen per guest: what the memory guard expects a booting instance to reach. */
  largestRssAtTe: Map<string, number>;
  /** --waves: launch multi batches in waves of this many, each once the previous wave has booted; null: one wave. */
  waves: number | null;
  /** --hold: how long a keep-alive batch stays up after its last boot (steady state), ms; 0: not at all. */
  holdMs: number;
  /** Called at the start and end of the steady state with the instances then alive. */
  onSteadyState?: (phase: 'start' | 'end', alive: readonly Instance[]) => void;
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

/** What the memory guard allows per booting instance: the user's figure, the learned one, or the default. */
function perBootingKb(state: RunState, plan: BatchPlan, guest: ResolvedGuest): number {
  return (
    state.bootingKb ??
    state.liveCost.perInstanceKb() ??
    bootingCostKb(guest.descriptor.memory_mb, state.largestRssAtTe.get(plan.guest) ?? null)
  );
}

/** Check the memory guard for one more launch; on a stop, report it and return false. */
function guardAllows(state: RunState, plan: BatchPlan, guest: ResolvedGuest, launched: number): boolean {
  let booting = 0;
  for (const i of state.live) if (i.isBooting) booting++;
  const verdict = state.guard.check(booting, perBootingKb(state, plan, guest));
  if (verdict.ok) return true;
  state.onGuard(plan, verdict.reason, { launched, available_kb: verdict.availableKb, estimate_kb: verdict.estimateKb });
  return false;
}

interface BatchTracker {
  guest: ResolvedGuest;
  instances: Instance[];
  written: Promise<void>[];
}

/** Follow one started instance: keep it in the run's live set and write its record once concluded. */
function track(state: RunState, plan: BatchPlan, argv: readonly string[], t: BatchTracker, inst: Instance, index: number, scheduled: bigint, runningAtLaunch: number): void {
  t.instances.push(inst);
  state.live.add(inst);
  void inst.closed.then(() => state.live.delete(inst));
  t.written.push(
    inst.concluded
      .then((outcome) => {
        if (outcome.rssKbAtTe !== null) {
          const largest = state.largestRssAtTe.get(plan.guest) ?? 0;
          state.largestRssAtTe.set(plan.guest, Math.max(largest, outcome.rssKbAtTe));
        }
        state.onBoot(outcome, plan.guest);
        state.write(toBootRecord(state, plan, index, scheduled, runningAtLaunch, argv, outcome, signalKind(t.guest.descriptor.ready)));
      })
      .catch((err: Error) => state.fail(err)),
  );
}

/** The instance's side of the engine: its reads, stamped by the engine, go to the instance. */
function startWithEngine(
  engine: Engine,
  argvId: number,
  at: bigint | null,
  merge: boolean,
  spec: ConstructorParameters<typeof Instance>[0],
  onStart: (inst: Instance, runningAtLaunch: number) => void,
  onCancel: () => void,
): void {
  const id = engine.launch(
    argvId,
    at,
    merge,
    (s) => {
      const inst = new Instance(spec, s, { kill: () => engine.kill(id) });
      onStart(inst, s.running);
      return {
        stdout: (chunk, t) => inst.console(chunk, t),
        stderr: (chunk, t) => inst.stderr(chunk, t),
        exit: (how, t) => {
          if (how.execError) inst.spawnFailed(how.execError);
          inst.exited(how.code, how.signal, t);
        },
      };
    },
    onCancel,
  );
}

/**
 * How long before the first planned launch the plan is sent, so the engine has it in time even when the
 * recorder (Node, not prioritized) is descheduled for a while on a loaded host.
 */
const ENGINE_LEAD_NS = 20_000_000n;
/** A launch whose planned instant is this far past when Node could send it is late (see topUp). */
const LATE_NS = 5_000_000n;

/** One instance's command line and its tcp/http/exit signals (with the host ports forwarded for it). */
interface InstanceLaunch {
  argv: readonly string[];
  /** The argv's id in the engine (-1 without one). */
  argvId: number;
  signals: LaunchSpec['signals'];
}

/**
 * The command line of each instance of the batch. A guest whose ready signal or markers are tcp/http needs
 * host ports of its own per instance: they are chosen here, for the whole batch, before the first launch, so
 * that nothing asynchronous sits between two scheduled launches (each such argv is defined in the engine once).
 */
async function instanceLaunches(state: RunState, plan: BatchPlan, prepared: PreparedGuest, other: NonNullable<LaunchSpec['signals']>['signals']): Promise<(index: number) => InstanceLaunch> {
  const define = (argv: readonly string[]) => (state.engine ? state.engine.defineArgv(argv) : -1);
  const { ports: guestPorts, argvWithPorts } = prepared;
  if (!guestPorts?.length || !argvWithPorts) {
    const shared: InstanceLaunch = { argv: prepared.argv, argvId: define(prepared.argv), signals: other.size ? { signals: other, ports: new Map() } : undefined };
    return () => shared;
  }
  const host = await freePorts(guestPorts.length * plan.n);
  const launches = Array.from({ length: plan.n }, (_, index): InstanceLaunch => {
    const hostfwd = guestPorts.map((g, i) => ({ guest: g, host: host[index * guestPorts.length + i] as number }));
    const argv = argvWithPorts(hostfwd);
    return { argv, argvId: define(argv), signals: { signals: other, ports: new Map(hostfwd.map((f) => [f.guest, f.host])) } };
  });
  return (index) => launches[index] as InstanceLaunch;
}

export async function runBatch(state: RunState, plan: BatchPlan, prepared: PreparedGuest): Promise<BatchResult> {
  const { clock } = state;
  const { guest } = prepared;
  const signals = splitSignals(guest.descriptor.ready, guest.descriptor.markers);
  const keepAlive = plan.mode === 'multi' && state.keepAlive;
  const tracker: BatchTracker = { guest, instances: [], written: [] };
  let stoppedBy: BatchRecord['stopped_by'] = null;
  const start = clock();
  const intervalNs = BigInt(Math.round((plan.intervalMs ?? 0) * 1e6));
  // The guest-RAM part of the RSS at Te is read for single-instance boots only, what the classes are made of:
  // smaps costs ~1 ms, which a 1500-instance batch need not pay.
  const guestRamKb = plan.mode === 'single' || plan.n === 1 ? guestRamKbOf(prepared.argv) : null;
  const spec = {
    guestRamKb,
    ready: signals.consoleReady,
    markers: signals.consoleMarkers,
    fail: launchFail(guest.descriptor.fail),
    timeoutMs: state.timeoutMs,
    keepAlive,
    clock,
  };

  const launchOf = await instanceLaunches(state, plan, prepared, signals.other);
  if (state.engine && plan.mode === 'multi') {
    // The schedule goes to the engine in absolute times and it launches on its own clock. How far ahead it
    // is given launches is what the memory guard allows now (its headroom), re-evaluated as each spawn is
    // reported and each boot concludes: with room to spare the whole batch is sent at once and the engine
    // never waits for Node; near the floor, launching waits for Node's next look at MemAvailable — that is
    // the guard doing its job.
    const engine = state.engine;
    // Waves: the schedule restarts at each wave, which is sent only once every instance of the previous
    // wave has booted (or failed): a host that cannot boot thousands at once still keeps thousands alive.
    const waveSize = state.waves ?? plan.n;
    let waveStart = clock() + ENGINE_LEAD_NS; // from now: working out the launches above may take a while
    let waveBase = 0;
    let sent = 0;
    let accounted = 0;
    let cancelled = 0;
    let concluded = 0;
    /** Since when the guard has held the next wave (waves only), or null. */
    let heldSince: bigint | null = null;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const settle = () => {
      if (accounted === sent && (sent === plan.n || stoppedBy !== null)) finished();
    };
    const topUp = () => {
      if (stoppedBy !== null || sent === plan.n) return settle();
      if (state.stopRequested) {
        stoppedBy = 'interrupted';
        return settle();
      }
      if (sent === waveBase + waveSize) {
        // This wave is all sent: the next one starts once it has all booted.
        if (accounted < sent || concluded + cancelled < sent) return;
        waveBase = sent;
        waveStart = clock() + ENGINE_LEAD_NS;
      }
      let booting = sent - accounted;
      for (const i of state.live) if (i.isBooting) booting++;
      const headroom = state.guard.headroom(booting, perBootingKb(state, plan, guest));
      if (headroom < 0 && sent > accounted) {
        // MemAvailable fell faster than allowed for: launches not made yet are cancelled.
        if (!guardAllows(state, plan, guest, tracker.instances.length)) {
          stoppedBy = 'memory_guard';
          engine.cancelPending();
          return settle();
        }
      }
      const allowed = Math.max(0, Math.min(Math.min(plan.n, waveBase + waveSize) - sent, headroom));
      if (state.waves && sent === waveBase && sent > 0) {
        const now = clock();
        if (nextWave(allowed, Math.min(waveSize, plan.n - sent), heldSince === null ? null : now - heldSince) === 'wait') {
          heldSince ??= now;
          setTimeout(topUp, 1000);
          return;
        }
      }
      if (allowed > 0 && sent > waveBase && waveStart + intervalNs * BigInt(sent - waveBase) < clock() - LATE_NS) {
        // The guard held launching (or Node, starved by booting guests, looked again too late) and the
        // schedule has moved on: launches sent now would start at once, seconds late, as a burst — not
        // the planned interval. Figure 2 1500 at 3 ms: 185 launches went out 30 s late that way. A wave
        // resumes on a fresh schedule; a plain batch ends here, stopped by the guard.
        if (state.waves) {
          waveBase = sent;
          waveStart = clock() + ENGINE_LEAD_NS;
        } else {
          stoppedBy = 'memory_guard';
          state.onGuard(plan, `launching was held past its schedule (${sent} of ${plan.n} launched): the rest would start late`, { launched: sent });
          return settle();
        }
      }
      if (allowed === 0) {
        if (sent > accounted) return; // launches in flight: look again when the next one is reported
        if (state.waves && (heldSince ??= clock()) > clock() - WAVE_WAIT_NS) {
          // Between waves the memory the last wave took is still being merged (KSM) or freed: wait for it
          // a while, looking again every second, before the guard ends the batch.
          setTimeout(topUp, 1000);
          return;
        }
        if (!guardAllows(state, plan, guest, tracker.instances.length)) {
          stoppedBy = 'memory_guard';
          return settle();
        }
      }
      // After a hold at a wave's start its schedule starts now (mid-wave the lateness check above rebases it).
      if (heldSince !== null && sent === waveBase) waveStart = clock() + ENGINE_LEAD_NS;
      heldSince = null;
      for (const end = sent + Math.max(1, allowed); sent < end; sent++) {
        const index = sent;
        const scheduled = waveStart + intervalNs * BigInt(index - waveBase);
        const one = launchOf(index);
        startWithEngine(
          engine,
          one.argvId,
          scheduled,
          state.mergeAny,
          { ...spec, signals: one.signals },
          (inst, running) => {
            track(state, plan, one.argv, tracker, inst, index, scheduled, running);
            accounted++;
            void inst.concluded.then(() => {
              concluded++;
              topUp();
            });
            topUp();
          },
          () => {
            cancelled++;
            accounted++;
            topUp();
          },
        );
      }
    };
    topUp();
    // A stop request (signal, fatal error) cancels pending launches through record.ts.
    await done;
    if (stoppedBy === null && cancelled > 0) stoppedBy = 'interrupted';
  } else {
    let waveStart = start;
    for (let index = 0; index < plan.n; index++) {
      if (state.stopRequested) {
        stoppedBy = 'interrupted';
        break;
      }
      if (plan.mode === 'multi' && state.waves && index > 0 && index % state.waves === 0) {
        // The next wave once this one has booted (see the engine path above).
        await Promise.all(tracker.instances.map((i) => i.concluded));
        waveStart = clock();
      }
      // The guard reads /proc/meminfo: do it before waiting, so it does not add to the launch lag.
      if (!guardAllows(state, plan, guest, index)) {
        stoppedBy = 'memory_guard';
        break;
      }
      const scheduled = plan.mode === 'multi' ? waveStart + intervalNs * BigInt(state.waves ? index % state.waves : index) : clock();
      if (plan.mode === 'multi') await waitUntil(clock, scheduled);
      if (state.stopRequested) {
        stoppedBy = 'interrupted';
        break;
      }
      const one = launchOf(index);
      const specOfOne = { ...spec, signals: one.signals };
      let inst: Instance;
      if (state.engine) {
        const started = await new Promise<{ inst: Instance; running: number } | null>((resolve) =>
          startWithEngine(state.engine!, one.argvId, null, state.mergeAny, specOfOne, (i, running) => resolve({ inst: i, running }), () => resolve(null)),
        );
        if (!started) {
          stoppedBy = 'interrupted';
          break;
        }
        inst = started.inst;
        track(state, plan, one.argv, tracker, inst, index, scheduled, started.running);
      } else {
        const runningAtLaunch = state.live.size;
        inst = launch({ ...specOfOne, argv: one.argv, launcher: state.launcher });
        track(state, plan, one.argv, tracker, inst, index, scheduled, runningAtLaunch);
      }
      if (plan.mode === 'single') {
        // One at a time: the next boot starts only once this instance is gone.
        await inst.concluded;
        await inst.closed;
      }
    }
  }

  const { instances, written } = tracker;
  await Promise.all(written);
  // Steady state (--hold): everything that booted stays up a while longer, with the VMMs' CPU and the host's
  // memory read at both ends. A stop request ends it early.
  if (keepAlive && state.holdMs > 0 && !state.stopRequested) {
    const alive = () => instances.filter((i) => i.isAlive);
    state.onSteadyState?.('start', alive());
    const until = clock() + BigInt(state.holdMs) * 1_000_000n;
    while (!state.stopRequested && clock() < until) await sleep(Math.min(250, Number(until - clock()) / 1e6));
    state.onSteadyState?.('end', alive());
  }
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

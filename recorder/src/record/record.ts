// One recording run: check everything that can be checked before the first VM starts (guests, images,
// QEMU, accelerator, output file), write the header, run the planned batches, and always finish with
// every instance killed and an end record — on success, on a guard stop, on SIGINT/SIGTERM.
import { randomUUID } from 'node:crypto';
import { BOOT_STATUSES, type BootStatus, type EndRecord, type TraceRecord } from '@bootlab/trace';
import { runBatch, type PreparedGuest, type RunState } from './batch.ts';
import { collectHostInfo, decideAccel, probeQemu } from '../host/host.ts';
import { buildEngine, Engine, type EngineSampleTick } from '../launch/engine.ts';
import { KSM_SETTINGS, KsmSession, readKsm, readKsmCounters } from '../host/ksm.ts';
import { prepareLauncher } from '../launch/launcher.ts';
import type { Instance } from '../launch/launch.ts';
import { defaultMemoryFloorKb, LiveMemoryCost, MemoryGuard } from '../host/memory-guard.ts';
import { planBatches } from './plan.ts';
import { backgroundRunnable, readMemInfo } from '../host/proc.ts';
import { dropPageCache, steadyStateEvent } from '../host/steady-state.ts';
import { silentProgress } from './progress.ts';
import { buildQemuArgv } from '../launch/qemu-args.ts';
import { describeGuest, resolveGuest } from '../guests/guests.ts';
import { forwardedPorts } from '../guests/descriptor.ts';
import { lastMeaningfulLines } from '../console/failure-lines.ts';
import { Sampler } from './sampler.ts';
import { TraceWriter } from './trace-writer.ts';
import type { GuestFailures, RecordOptions, RecordResult } from './options.ts';
import { bootlabProvenance } from './provenance.ts';

export type { GuestFailures, RecordOptions, RecordResult } from './options.ts';
export { bootlabProvenance } from './provenance.ts';

const QBOOT = '/usr/share/qemu/qboot.rom';

function firmwareOverride(firmware: string | undefined): string | null | undefined {
  if (firmware === undefined) return undefined;
  if (firmware === 'seabios') return null;
  if (firmware === 'qboot') return QBOOT;
  return firmware;
}

/**
 * Run a recording. Throws (before any VM starts) for bad guests, QEMU, accelerator or output path;
 * once the header is written, the run always ends with an end record and no instance left alive.
 */
export async function record(options: RecordOptions): Promise<RecordResult> {
  const progress = options.progress ?? silentProgress;
  const clock = process.hrtime.bigint;

  // --- everything that can fail fails here, before the first VM ---
  const guests = new Map<string, PreparedGuest>();
  const qemu = probeQemu(options.qemu);
  const verdict = decideAccel(options.accel);
  const firmware = firmwareOverride(options.firmware);
  for (const spec of options.guests) {
    const guest = resolveGuest(spec);
    if (guests.has(guest.descriptor.name)) throw new Error(`guest '${guest.descriptor.name}' given twice`);
    const argvFor = (hostfwd: Array<{ host: number; guest: number }>) =>
      buildQemuArgv({ qemu: qemu.binary, guest, accel: verdict.accel, profile: options.profile, machine: options.machine, firmware, hostfwd });
    const ports = forwardedPorts(guest.descriptor);
    // Built once with placeholder ports so a descriptor error (no NIC for a tcp signal) fails before any VM.
    const argv = argvFor(ports.map((p) => ({ host: p, guest: p })));
    guests.set(guest.descriptor.name, { guest, argv, ports, argvWithPorts: argvFor });
  }
  const guestNames = [...guests.keys()];
  // Every VMM is started by the launch engine or runs under a launcher that has the kernel kill it when
  // the recorder dies, even by SIGKILL.
  const useEngine = options.engine ?? (options.launcher === undefined || options.launcher === 'bootlab-launch');
  let engineBinary: string | null = null;
  let engineNote: string | null = null;
  if (useEngine) {
    try {
      engineBinary = buildEngine();
    } catch (err) {
      engineNote = `launch engine unavailable (${(err as Error).message}); Node spawns each VMM, which adds milliseconds to ΔT and launch lag`;
      process.stderr.write(`[bootlab] warning: ${engineNote}\n`);
    }
  }
  if (options.waves !== undefined && options.mode !== 'multi') throw new Error('--waves: only in multi mode');
  if (options.holdS && !options.keepAlive) throw new Error('--hold: only with --keep-alive');
  if (options.ksmPages !== undefined && !options.ksm) throw new Error('--ksm-pages: only with --ksm');
  if (options.dense && !engineBinary) {
    // Node's spawn has no hook between fork and exec to set them, and a setarch wrapper would leave THP on:
    // a half-dense run would be recorded as dense. Refuse before any VM.
    throw new Error(`--dense needs the launch engine (${useEngine ? (engineNote ?? 'unavailable') : '--no-engine or another --launcher was given'})`);
  }
  const chosenLauncher = engineBinary ? { kind: 'bootlab-launch' as const, prefix: [], note: null } : prepareLauncher({ prefer: options.launcher });
  const launcher = chosenLauncher.prefix;
  if (options.dropCaches) dropPageCache();
  const mem = readMemInfo();
  const floorKb = options.memoryFloorMb !== undefined ? Math.round(options.memoryFloorMb * 1024) : defaultMemoryFloorKb(mem.totalKb);
  const fullPlan = planBatches({
    mode: options.mode,
    guests: guestNames,
    n: options.n,
    intervalsMs: options.mode === 'multi' ? options.intervalsMs : [],
    repeat: options.repeat,
  });
  const selected = options.batches ? new Set(options.batches) : null;
  const plan = selected ? fullPlan.filter((b) => selected.has(b.batch)) : fullPlan;
  const guestInfos = [...guests.values()].map((g) => describeGuest(g.guest));
  const writer = new TraceWriter(options.output, { force: options.force });
  let ksm: KsmSession | null = null;
  if (options.ksm) {
    try {
      ksm = KsmSession.enable(undefined, options.ksmPages ? { ...KSM_SETTINGS, pages_to_scan: String(options.ksmPages) } : KSM_SETTINGS);
    } catch (err) {
      writer.close();
      throw err;
    }
  }
  // Measured before any VM of ours exists, so it is other work only (the caveat "started on a busy host"); KSM as
  // the run has it, after --ksm turned it on.
  const host = { ...collectHostInfo(qemu, verdict), procs_running_at_start: await backgroundRunnable(), ksm: readKsm() };
  let engine: Engine | null = null;
  let engineDied: ((reason: string, signal: NodeJS.Signals | null) => void) | null = null;
  let engineWarned: ((message: string) => void) | null = null;
  let engineSampled: ((tick: EngineSampleTick) => void) | null = null;
  if (engineBinary) {
    try {
      engine = await Engine.start(engineBinary, {
        priority: options.priority ?? true,
        onDeath: (reason, signal) => engineDied?.(reason, signal),
        memoryFloorKb: Math.round(floorKb / 2),
        dense: options.dense === true,
        mergeAny: ksm !== null,
        onWarning: (message) => engineWarned?.(message),
        sampleMs: options.sampleMs,
        onSample: (tick) => engineSampled?.(tick),
      });
    } catch (err) {
      ksm?.restore();
      writer.close();
      throw err;
    }
  }

  // --- the run ---
  const runId = randomUUID();
  const origin = clock();
  const startedAt = new Date().toISOString();
  const counts = Object.fromEntries(BOOT_STATUSES.map((s) => [s, 0])) as Record<BootStatus, number>;
  let boots = 0;
  const failures = new Map<string, GuestFailures>();
  /** Status of each guest's first boot in this run, and the guests given up after a failed one. */
  const firstStatus = new Map<string, BootStatus>();
  const gaveUp = new Map<string, RecordResult['gaveUp'][number]>();
  let guarded = false;
  let fatal: Error | null = null;
  const write = (record: TraceRecord) => writer.write(record);
  const live = new Set<Instance>();
  const state: RunState = {
    runId,
    origin,
    clock,
    launcher,
    timeoutMs: options.timeoutS * 1000,
    keepAlive: options.keepAlive,
    guard: new MemoryGuard(floorKb),
    engine,
    mergeAny: ksm !== null && engine !== null,
    liveCost: new LiveMemoryCost(mem.availableKb),
    live,
    largestRssAtTe: new Map(),
    bootingKb: options.bootingMb !== undefined ? Math.round(options.bootingMb * 1024) : null,
    waves: options.waves ?? null,
    holdMs: Math.round((options.holdS ?? 0) * 1000),
    onSteadyState: (phase, alive) => {
      write(steadyStateEvent(phase, alive, Number(clock() - origin), mem.availableKb, options.dropCaches === true));
      progress.note(`steady state ${phase}: ${alive.length} VMM(s) alive`);
    },
    stopRequested: null,
    write,
    onGuard: (batch, reason, data) => {
      guarded = true;
      write({ type: 'event', t_ns: Number(clock() - origin), kind: 'memory_guard', message: reason, data: { batch: batch.batch, ...data } });
      progress.note(`memory guard: ${reason}`);
    },
    fail: (error) => requestStop(`fatal: ${error.message}`, error),
    onBoot: (outcome, guest) => {
      boots++;
      if (!firstStatus.has(guest)) firstStatus.set(guest, outcome.status);
      counts[outcome.status]++;
      if (outcome.status !== 'ok' && outcome.status !== 'interrupted') {
        const f = failures.get(guest) ?? { guest, failed: 0, statuses: {}, error: null, lastLines: [] };
        f.failed++;
        f.statuses[outcome.status] = (f.statuses[outcome.status] ?? 0) + 1;
        f.error = outcome.error ?? f.error;
        f.lastLines = lastMeaningfulLines(outcome.consoleTail);
        failures.set(guest, f);
      }
      progress.boot(outcome.status);
    },
  };
  const sampler = new Sampler({
    intervalMs: options.sampleMs,
    engineTicks: engine !== null,
    instances: () => [...live],
    clock,
    origin,
    extra: () => {
      const counters = ksm ? readKsmCounters(ksm.root) : null;
      return {
        ...(counters ? { ksm_pages_shared: counters.pages_shared, ksm_pages_sharing: counters.pages_sharing } : {}),
        ...(state.liveCost.learnedKb !== null ? { live_cost_kb: state.liveCost.learnedKb } : {}),
      };
    },
    emit: (sample) => {
      state.liveCost.observe(sample.mem_available_kb, sample.running, sample.booting);
      // The guard only decides launches; instances already running can still grow (booting guests touch
      // their memory, KSM not caught up yet). Under half the floor, stop the run before the host's OOM killer
      // picks a victim on a shared machine.
      if (sample.mem_available_kb < floorKb / 2 && !state.stopRequested && sample.running > 0) {
        const reason = `MemAvailable ${Math.round(sample.mem_available_kb / 1024)} MiB is under half the ${Math.round(floorKb / 1024)} MiB floor: every instance stopped`;
        guarded = true;
        try {
          write({ type: 'event', t_ns: Number(clock() - origin), kind: 'memory_guard', message: reason, data: { running: sample.running } });
        } catch {
          // the end record reports the stop anyway
        }
        progress.note(`memory guard: ${reason}`);
        requestStop(`memory guard: ${reason}`);
      }
      try {
        write(sample);
      } catch (err) {
        requestStop(`fatal: ${(err as Error).message}`, err as Error);
      }
      progress.sample(sample);
    },
  });

  function requestStop(reason: string, error: Error | null = null): void {
    if (error && !fatal) fatal = error;
    if (state.stopRequested) return;
    state.stopRequested = reason;
    engine?.cancelPending();
    for (const inst of live) inst.stop('interrupted', reason);
  }
  // A SIGINT/SIGTERM/SIGHUP of the engine is somebody asking the run to stop (scancel and a shell's job control
  // signal every process of the job): an interruption, as the recorder's own signal would be. Any other end of
  // the engine (SIGKILL from the OOM killer, a crash) is a failure.
  engineDied = (reason, signal) =>
    signal === 'SIGINT' || signal === 'SIGTERM' || signal === 'SIGHUP' ? requestStop(`interrupted: ${reason}`) : requestStop(`fatal: ${reason}`, new Error(reason));
  engineSampled = (tick) => sampler.onEngineTick(tick);
  engineWarned = (message) => {
    process.stderr.write(`[bootlab] ${message}\n`);
    if (!/memory emergency/.test(message)) return;
    // The engine's brake fired (it runs at raised priority; this process may have been starved): stop.
    guarded = true;
    try {
      write({ type: 'event', t_ns: Number(clock() - origin), kind: 'memory_guard', message });
    } catch {
      // the end record reports the stop anyway
    }
    requestStop(`memory guard: ${message}`);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      write({ type: 'event', t_ns: Number(clock() - origin), kind: 'signal', message: `received ${signal}; stopping` });
    } catch {
      // the end record below reports the interruption anyway
    }
    requestStop(`received ${signal}`);
  };
  if (options.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  try {
    write({
      type: 'header',
      schema: 'bootlab.trace/1',
      run_id: runId,
      started_at: startedAt,
      origin: origin.toString(),
      host,
      bootlab: bootlabProvenance(),
      guests: guestInfos,
      plan: {
        mode: options.mode,
        guests: guestNames,
        n: options.n,
        intervals_ms: options.mode === 'multi' ? options.intervalsMs : [],
        repeat: options.repeat,
        timeout_s: options.timeoutS,
        keep_alive: options.keepAlive,
        sample_ms: options.sampleMs,
        profile: options.profile,
        accel_requested: options.accel,
        memory_floor_kb: floorKb,
        launcher,
        engine: engine ? { binary: engine.binary, spawn: 'clone-vm', priority: options.priority === false ? 'off' : engine.priority } : null,
        dense: engine && options.dense ? { thp_disabled: true, aslr_disabled: true } : null,
        ...(options.waves !== undefined ? { waves: options.waves } : {}),
        ...(options.holdS ? { hold_s: options.holdS } : {}),
        ksm: ksm
          ? {
              previous: ksm.previous,
              used: ksm.used,
              merge_any: engine !== null,
              pages_shared_at_start: ksm.atStart?.pages_shared ?? null,
              pages_sharing_at_start: ksm.atStart?.pages_sharing ?? null,
            }
          : null,
        machine_override: options.machine ?? null,
        firmware_override: options.firmware ?? null,
      },
      argv: options.argv ?? process.argv,
      ...(options.campaign ? { campaign: options.campaign } : {}),
    });
    if (engineNote) write({ type: 'event', t_ns: Number(clock() - origin), kind: 'warning', message: engineNote });
    if (ksm && !engine) write({ type: 'event', t_ns: Number(clock() - origin), kind: 'warning', message: 'ksm: without the launch engine VMMs are not marked merge-any; only guest RAM merges' });
    if (chosenLauncher.note) {
      write({ type: 'event', t_ns: Number(clock() - origin), kind: 'warning', message: `launcher: ${chosenLauncher.note}` });
    }
    sampler.start();
    progress.start(plan.reduce((sum, b) => sum + b.n, 0), verdict);
    for (const batch of plan) {
      if (state.stopRequested) break;
      const first = firstStatus.get(batch.guest);
      if (options.stopGuestAfterFailedFirstBoot && first !== undefined && first !== 'ok' && first !== 'interrupted') {
        const given = gaveUp.get(batch.guest) ?? { guest: batch.guest, status: first, skippedBoots: 0 };
        if (given.skippedBoots === 0) {
          const message = `${batch.guest}: first boot ended ${first}; its remaining boots in this run are skipped`;
          write({ type: 'event', t_ns: Number(clock() - origin), kind: 'warning', message });
          progress.note(message);
        }
        given.skippedBoots += batch.n;
        gaveUp.set(batch.guest, given);
        continue;
      }
      progress.batch(batch);
      try {
        await runBatch(state, batch, guests.get(batch.guest)!);
      } catch (err) {
        requestStop(`fatal: ${(err as Error).message}`, err as Error);
        break;
      }
      if (options.cooldownMs > 0 && !state.stopRequested) await new Promise((r) => setTimeout(r, options.cooldownMs));
    }
  } finally {
    // Whatever happened, no VMM outlives the run.
    for (const inst of live) inst.stop('interrupted', state.stopRequested ?? 'run ended');
    // The 5 s cap's timer is cleared once everything closed: left pending, it kept every `bootlab record`
    // alive 5 s after its last record (also after SIGINT/SIGTERM).
    let cap: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...live].map((i) => i.closed)), new Promise((r) => (cap = setTimeout(r, 5000)))]);
    clearTimeout(cap);
    // The engine kills whatever still runs when its commands pipe closes, and exits.
    if (engine) await Promise.race([engine.close(), new Promise((r) => (cap = setTimeout(r, 5000)))]);
    clearTimeout(cap);
    sampler.stop();
    ksm?.restore();
    if (options.handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    progress.finish();
  }

  const status: EndRecord['status'] = fatal ? 'failed' : state.stopRequested ? 'interrupted' : guarded ? 'guarded' : 'complete';
  const cost = sampler.costSummary();
  try {
    sampler.tick();
    write({
      type: 'end',
      t_ns: Number(clock() - origin),
      ended_at: new Date().toISOString(),
      status,
      reason: state.stopRequested ?? (guarded ? 'memory guard stopped launching' : null),
      boots,
      counts,
      samples: cost.samples,
      sampler_cost_ms_mean: cost.mean,
      sampler_cost_ms_max: cost.max,
    });
  } catch (err) {
    // The end record is best effort after a fatal error (the disk may still be full); report the first error.
    fatal ??= err as Error;
  } finally {
    writer.close();
  }
  if (fatal) throw fatal;
  return { path: writer.path, runId, status, counts, boots, accel: verdict.accel, accelReason: verdict.reason, failures: [...failures.values()], gaveUp: [...gaveUp.values()] };
}

// Periodic host and instance samples for the timeline (the paper's Figure 2: instances running and
// memory over time). Sampling must not disturb what it measures: host-wide sources (/proc/meminfo,
// /proc/loadavg) are read every tick, but per-instance files are read round-robin under a fixed budget
// per tick, so a tick costs about the same with 10 instances or 1000. smaps_rollup (PSS) walks page
// tables and is the costly one, so its budget is small; each sample says how stale its PSS sum is.
// PSS is read only of instances that have booted: on a booting QEMU the walk cost ~3 ms of a 2-core host's
// CPU per tick, taken from the guest being measured (issue 20), and a booting guest's memory is still
// moving anyway. A single-mode run, whose only instance is always booting, therefore has no PSS.
// With the launch engine the engine's reader stamps each sample (see EngineSampleTick): at thousands of VMMs
// on 2 cores Node's own timer fired up to 3.5 s apart, and the reader, at raised priority, does not.
import type { SampleRecord } from '@bootlab/trace';
import type { EngineSampleTick } from '../launch/engine.ts';
import type { Instance } from '../launch/launch.ts';
import { readLoad1, readMemInfo, readProcStat, readPssKb } from '../host/proc.ts';

export interface SamplerOptions {
  intervalMs: number;
  /** Live instances of the run (the sampler never changes them). */
  instances: () => readonly Instance[];
  clock: () => bigint;
  origin: bigint;
  emit: (sample: SampleRecord) => void;
  /** Optional fields added to every sample (KSM counters, the guard's learned cost). */
  extra?: () => Partial<Pick<SampleRecord, 'ksm_pages_shared' | 'ksm_pages_sharing' | 'live_cost_kb'>>;
  /** /proc/PID/stat reads per tick (CPU time and RSS). */
  statBudget?: number;
  /** /proc/PID/smaps_rollup reads per tick (PSS). */
  pssBudget?: number;
  /** Per-instance reads stop once a tick has spent this long (ms), whatever the budgets say. */
  tickBudgetMs?: number;
  /** The launch engine sends the ticks (onEngineTick): no timer of Node's own. */
  engineTicks?: boolean;
}

interface Reading {
  rssKb: number | null;
  pssKb: number | null;
  pssAt: bigint | null;
}

export class Sampler {
  private readonly options: Required<SamplerOptions>;
  private readonly readings = new WeakMap<Instance, Reading>();
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  /** Stamp of the last sample taken: samples leave in time order. */
  private lastT: bigint | null = null;
  private statCursor = 0;
  private pssCursor = 0;
  private costSum = 0;
  private costMax = 0;
  private costCount = 0;

  constructor(options: SamplerOptions) {
    this.options = { statBudget: 256, pssBudget: 4, tickBudgetMs: 1.5, extra: () => ({}), engineTicks: false, ...options };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.tick();
    if (!this.options.engineTicks) this.timer = setInterval(() => this.tick(), this.options.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.started = false;
  }

  /**
   * A tick of the engine's: the sample is taken at its stamp, with its MemAvailable and VMM count; what only
   * Node knows (booting, RSS/PSS sums, load, KSM) is read now, `collected_late_ms` after the stamp. Ticks
   * before start() or after stop() are dropped, as are ticks older than the last sample (the one start() took).
   */
  onEngineTick(tick: EngineSampleTick): void {
    if (!this.started || tick.memAvailableKb === null) return;
    if (this.lastT !== null && tick.t <= this.lastT) return;
    this.tick(tick);
  }

  /** Mean and max of the per-sample collection cost in ms. */
  costSummary(): { mean: number | null; max: number | null; samples: number } {
    if (!this.costCount) return { mean: null, max: null, samples: 0 };
    return { mean: this.costSum / this.costCount, max: this.costMax, samples: this.costCount };
  }

  /** Take one sample now (also used for a final sample at the end of a run), or at an engine tick's stamp. */
  tick(engineTick?: EngineSampleTick): void {
    const { clock, origin } = this.options;
    const started = clock();
    const at = engineTick ? engineTick.t : started;
    this.lastT = at;
    const alive = this.options.instances().filter((i) => i.isAlive && i.pid !== null);
    this.readRoundRobin(alive, started);
    const mem = readMemInfo();
    let rssSum = 0;
    let pssSum = 0;
    let pssKnown = 0;
    let pssOldest: bigint | null = null;
    let booting = 0;
    for (const inst of alive) {
      if (inst.isBooting) booting++;
      const r = this.readings.get(inst);
      if (!r) continue;
      rssSum += r.rssKb ?? 0;
      if (r.pssKb !== null && r.pssAt !== null) {
        pssSum += r.pssKb;
        pssKnown++;
        if (pssOldest === null || r.pssAt < pssOldest) pssOldest = r.pssAt;
      }
    }
    const load1 = readLoad1();
    const extra = this.options.extra();
    const finished = clock();
    const costMs = Number(finished - started) / 1e6;
    this.costSum += costMs;
    this.costMax = Math.max(this.costMax, costMs);
    this.costCount++;
    const running = engineTick ? engineTick.running : alive.length;
    this.options.emit({
      type: 'sample',
      t_ns: Number(at - origin),
      running,
      booting: Math.min(booting, running),
      mem_total_kb: mem.totalKb,
      mem_available_kb: engineTick?.memAvailableKb ?? mem.availableKb,
      pss_kb_sum: pssKnown ? pssSum : null,
      pss_known: pssKnown,
      pss_oldest_ms: pssOldest === null ? null : Number(started - pssOldest) / 1e6,
      rss_kb_sum: rssSum,
      load1,
      sampler_cost_ms: costMs,
      ...(engineTick ? { stamped_by: 'engine' as const, collected_late_ms: Math.max(0, Number(started - at) / 1e6) } : {}),
      ...extra,
    });
  }

  private readRoundRobin(alive: readonly Instance[], now: bigint): void {
    const n = alive.length;
    if (!n) return;
    // On an oversubscribed host (many VMs, few cores) wall time stretches; the deadline keeps a tick
    // from holding the event loop (and so delaying Te timestamps) for longer than the budget.
    // Two thirds of the budget for the cheap reads; PSS always gets at least one read per tick.
    const budgetNs = this.options.tickBudgetMs * 1e6;
    const statDeadline = now + BigInt(Math.round((budgetNs * 2) / 3));
    const deadline = now + BigInt(Math.round(budgetNs));
    const overBudget = (limit: bigint) => this.options.clock() > limit;
    let statReads = 0;
    for (; statReads < Math.min(n, this.options.statBudget) && !overBudget(statDeadline); statReads++) {
      const k = statReads;
      const inst = alive[(this.statCursor + k) % n]!;
      const stat = readProcStat(inst.pid!);
      if (!stat) continue;
      inst.noteReading(stat.cpuMs, stat.rssKb);
      const r = this.readings.get(inst) ?? { rssKb: null, pssKb: null, pssAt: null };
      r.rssKb = stat.rssKb;
      this.readings.set(inst, r);
    }
    this.statCursor = (this.statCursor + statReads) % n;
    const booted = alive.filter((i) => !i.isBooting);
    const m = booted.length;
    let pssReads = 0;
    for (; pssReads < Math.min(m, this.options.pssBudget) && (pssReads === 0 || !overBudget(deadline)); pssReads++) {
      const k = pssReads;
      const inst = booted[(this.pssCursor + k) % m]!;
      const pss = readPssKb(inst.pid!);
      if (pss === null) continue;
      const r = this.readings.get(inst) ?? { rssKb: null, pssKb: null, pssAt: null };
      r.pssKb = pss;
      r.pssAt = now;
      this.readings.set(inst, r);
    }
    this.pssCursor = m ? (this.pssCursor + pssReads) % m : 0;
  }
}

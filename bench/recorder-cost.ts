// Recorder cost: what the recorder itself takes from the machine per boot — CPU time and wake-ups — while
// the guest it measures boots next to it. On a 2-core host every millisecond the recorder runs during a
// boot is a millisecond QEMU's TCG threads may wait for (issue 20: the guest booted ~5 % slower under
// bootlab than under the paper-method C recorder).
//
// Guest: minkernel under TCG, single mode (one boot after another). bootlab (Node + its launch engine,
// and any other helper process of its own; not the VMMs) is read from /proc thread by thread every 50 ms:
// on-CPU time from schedstat (ns), voluntary context switches (the thread slept and was woken: a wake-up)
// and involuntary ones (it was preempted). Its start-up (loading the CLI) is not a boot's cost: the cost
// per boot is the growth of those counters over a window of whole boots (from the second boot's Ts to the
// last boot's end) divided by the boots completed in that window. The C reference's own rusage (all its
// threads, the exited ones included) divided by its boots is the floor to compare with.
// The other side of the same coin: how often the VMM's own threads were preempted per boot (QEMU read
// from /proc the same way, under either recorder, over the same window of whole boots). A recorder thread
// woken on the VMM's core takes it from the guest; the paper's recorder sets the bar.
import { join } from 'node:path';
import { BOOTLAB, buildMinkernel, buildReference, mustRun, readJsonl, type Binaries } from './lib/exec.ts';
import { loadavg, TMP_DIR } from './lib/machine.ts';
import { info, runBenchmark, type BenchContext, type Result, type Row } from './lib/results.ts';
import { median, round } from './lib/stats.ts';
import { deltaByName, totals, watchTree, type CostTotals, type ThreadCounters, type TreeReading } from './lib/threads.ts';
import { readBootlabTrace } from './fidelity.ts';

interface CostRun {
  recorder: 'bootlab' | 'reference';
  round: number;
  load1: number;
  boots: number;
  dt_p50_ms: number;
  /** Whole boots in the measured window. */
  window_boots: number;
  cpu_ms_per_boot: number;
  wakeups_per_boot: number;
  preemptions_per_boot: number;
  /** bootlab only: per thread name ("process/thread"), the same three figures per boot. */
  by_thread?: Record<string, { cpu_ms: number; wakeups: number; preemptions: number; threads: number }>;
  /** bootlab only: what the engine's threads got (header plan.engine.priority). */
  priority?: string | null;
  /** The VMMs' threads per boot, read from /proc every 50 ms (a VMM's last <50 ms before its kill are missed alike under both recorders). */
  vmm_cpu_ms_per_boot: number;
  vmm_wakeups_per_boot: number;
  vmm_preemptions_per_boot: number;
}

interface BootSpan {
  ts: bigint;
  end: bigint;
}

/** Boots completed by `t`: whole cycles (Ts to the next boot's Ts) before it, plus the share of the current one. */
function completedAt(spans: readonly BootSpan[], t: bigint): number {
  let done = 0;
  spans.forEach((s, i) => {
    const cycleEnd = spans[i + 1]?.ts ?? s.end;
    if (t >= cycleEnd) done += 1;
    else if (t > s.ts) done += Number(t - s.ts) / Number(cycleEnd - s.ts);
  });
  return done;
}

const perBoot = (d: CostTotals, boots: number) => ({
  cpu_ms: d.cpu_ms / boots,
  wakeups: d.voluntary / boots,
  preemptions: d.involuntary / boots,
});

const isVmm = (comm: string) => comm.startsWith('qemu');
const vmmThread = (t: ThreadCounters) => isVmm(t.name);

/** Readings a and b bracketing whole boots: from the second boot's Ts to the last boot's end. */
function window(readings: readonly TreeReading[], spans: readonly BootSpan[], what: string): { a: TreeReading; b: TreeReading; boots: number } {
  if (spans.length < 3) throw new Error(`${what}: only ${spans.length} boots`);
  const from = spans[1]!.ts;
  const to = spans[spans.length - 1]!.end;
  const a = readings.find((r) => r.t >= from);
  const b = [...readings].reverse().find((r) => r.t <= to);
  if (!a || !b || b.t <= a.t) throw new Error(`${what}: no readings inside the boots (run too short?)`);
  return { a, b, boots: completedAt(spans, b.t) - completedAt(spans, a.t) };
}

function delta(a: TreeReading, b: TreeReading, pick: (t: ThreadCounters) => boolean): CostTotals {
  const x = totals(a, pick);
  const y = totals(b, pick);
  return { cpu_ms: y.cpu_ms - x.cpu_ms, voluntary: y.voluntary - x.voluntary, involuntary: y.involuntary - x.involuntary };
}

function vmmPerBoot(w: { a: TreeReading; b: TreeReading; boots: number }): Pick<CostRun, 'vmm_cpu_ms_per_boot' | 'vmm_wakeups_per_boot' | 'vmm_preemptions_per_boot'> {
  const v = perBoot(delta(w.a, w.b, vmmThread), w.boots);
  return { vmm_cpu_ms_per_boot: round(v.cpu_ms, 2), vmm_wakeups_per_boot: round(v.wakeups, 1), vmm_preemptions_per_boot: round(v.preemptions, 1) };
}

function spansOf(origin: bigint, boots: readonly { index: number; ts_ns: number; end_ns: number }[]): BootSpan[] {
  return [...boots].sort((a, b) => a.index - b.index).map((b) => ({ ts: origin + BigInt(b.ts_ns), end: origin + BigInt(b.end_ns) }));
}

async function runBootlab(n: number, round_: number): Promise<CostRun> {
  const out = join(TMP_DIR, `recorder-cost-bootlab-r${round_}.jsonl`);
  const load1 = loadavg()[0];
  let watch: ReturnType<typeof watchTree> | null = null;
  await mustRun(process.execPath, [BOOTLAB, 'record', 'minkernel', '--accel', 'tcg', '--mode', 'single', '-n', String(n), '-o', out, '--force'], {
    timeoutMs: 600_000,
    onStart: (pid) => (watch = watchTree(pid, () => false, 50)),
  });
  const readings = (watch as ReturnType<typeof watchTree> | null)?.stop() ?? [];
  const { header, boots } = readBootlabTrace(out);
  const w = window(readings, spansOf(BigInt(header.origin), boots), out);
  const { a, b, boots: windowBoots } = w;
  const d = delta(a, b, (t) => !vmmThread(t));
  const byThread: NonNullable<CostRun['by_thread']> = {};
  for (const [name, t] of deltaByName(a, b)) {
    if (isVmm(name)) continue;
    const p = perBoot(t, windowBoots);
    byThread[name] = { cpu_ms: round(p.cpu_ms, 3), wakeups: round(p.wakeups, 1), preemptions: round(p.preemptions, 1), threads: t.threads };
  }
  const p = perBoot(d, windowBoots);
  const ok = boots.filter((x) => x.status === 'ok' && x.dt_ms !== null).map((x) => x.dt_ms as number);
  return {
    recorder: 'bootlab',
    round: round_,
    load1,
    boots: boots.length,
    dt_p50_ms: round(median(ok), 3),
    window_boots: round(windowBoots, 2),
    cpu_ms_per_boot: round(p.cpu_ms, 3),
    wakeups_per_boot: round(p.wakeups, 1),
    preemptions_per_boot: round(p.preemptions, 1),
    by_thread: byThread,
    priority: header.plan.engine?.priority ?? null,
    ...vmmPerBoot(w),
  };
}

async function runReference(bin: Binaries, n: number, argv: readonly string[], round_: number): Promise<CostRun> {
  const out = join(TMP_DIR, `recorder-cost-reference-r${round_}.jsonl`);
  const load1 = loadavg()[0];
  let watch: ReturnType<typeof watchTree> | null = null;
  await mustRun(bin.recorder, ['--mode', 'single', '-n', String(n), '--ready', '^minkernel: ready', '--guest', 'minkernel', '--timeout', '60', '-o', out, '--', ...argv], {
    timeoutMs: 600_000,
    onStart: (pid) => (watch = watchTree(pid, () => false, 50)),
  });
  const readings = (watch as ReturnType<typeof watchTree> | null)?.stop() ?? [];
  const records = readJsonl(out);
  const header = records.find((r) => r.type === 'header') as { origin: string } | undefined;
  if (!header) throw new Error(`${out}: no header`);
  const end = records.find((r) => r.type === 'end') as { utime_ms: number; stime_ms: number; nvcsw?: number; nivcsw?: number } | undefined;
  if (!end || end.nvcsw === undefined) throw new Error(`${out}: no end record with rusage (rebuild bench/reference)`);
  const boots = records.filter((r) => r.type === 'boot');
  const ok = boots.filter((x) => x.status === 'ok' && typeof x.dt_ms === 'number').map((x) => x.dt_ms as number);
  return {
    recorder: 'reference',
    round: round_,
    load1,
    boots: boots.length,
    dt_p50_ms: round(median(ok), 3),
    window_boots: boots.length,
    cpu_ms_per_boot: round((end.utime_ms + end.stime_ms) / boots.length, 3),
    wakeups_per_boot: round(end.nvcsw / boots.length, 1),
    preemptions_per_boot: round((end.nivcsw ?? 0) / boots.length, 1),
    ...vmmPerBoot(window(readings, spansOf(BigInt(header.origin), boots as unknown as { index: number; ts_ns: number; end_ns: number }[]), out)),
  };
}

export async function recorderCost(ctx: BenchContext): Promise<Result> {
  return runBenchmark('recorder-cost', "Recorder cost: the recorder's own CPU and wake-ups per boot", ctx, async () => {
    const bin = await buildReference();
    await buildMinkernel();
    const n = ctx.full ? 40 : 20;
    const rounds = ctx.full ? 3 : 2;
    // Warm-up (discarded): page cache, the CLI's tsx cache, and the QEMU command line the reference replays.
    const warm = join(TMP_DIR, 'recorder-cost-warmup.jsonl');
    await mustRun(process.execPath, [BOOTLAB, 'record', 'minkernel', '--accel', 'tcg', '--mode', 'single', '-n', '2', '-o', warm, '--force'], { timeoutMs: 300_000 });
    const argv = readBootlabTrace(warm).boots[0]?.argv;
    if (!argv) throw new Error(`${warm}: no boot`);
    const runs: CostRun[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which recorder goes first, so drift of the shared machine falls on both alike.
      const order = r % 2 === 0 ? (['bootlab', 'reference'] as const) : (['reference', 'bootlab'] as const);
      for (const which of order) {
        const run = which === 'bootlab' ? await runBootlab(n, r) : await runReference(bin, n, argv, r);
        runs.push(run);
        ctx.log(
          `[recorder-cost] round ${r + 1}/${rounds} ${which}: ${run.cpu_ms_per_boot} ms CPU, ${run.wakeups_per_boot} wake-ups, ` +
            `${run.preemptions_per_boot} preemptions per boot; the VMM preempted ${run.vmm_preemptions_per_boot} times per boot; ΔT p50 ${run.dt_p50_ms} ms; load ${run.load1}`,
        );
      }
    }
    const of = (who: CostRun['recorder']) => runs.filter((x) => x.recorder === who);
    const med = (who: CostRun['recorder'], k: 'cpu_ms_per_boot' | 'wakeups_per_boot' | 'preemptions_per_boot' | 'dt_p50_ms' | 'vmm_preemptions_per_boot' | 'vmm_cpu_ms_per_boot') => round(median(of(who).map((x) => x[k])), 3);
    // Per thread name, the median over rounds.
    const names = new Set(of('bootlab').flatMap((x) => Object.keys(x.by_thread ?? {})));
    const byThread = Object.fromEntries(
      [...names].map((name) => {
        const xs = of('bootlab').map((x) => x.by_thread?.[name] ?? { cpu_ms: 0, wakeups: 0, preemptions: 0, threads: 0 });
        return [name, { cpu_ms: round(median(xs.map((x) => x.cpu_ms)), 3), wakeups: round(median(xs.map((x) => x.wakeups)), 1), preemptions: round(median(xs.map((x) => x.preemptions)), 1) }];
      }),
    );
    const top = Object.entries(byThread)
      .sort((x, y) => y[1].cpu_ms - x[1].cpu_ms)
      .slice(0, 4)
      .map(([name, v]) => `${name} ${v.cpu_ms} ms / ${v.wakeups} wake-ups`)
      .join('; ');
    const rows: Row[] = [
      info('bootlab CPU per boot — minkernel single', med('bootlab', 'cpu_ms_per_boot'), 'ms', `Node + launch engine, VMMs excluded; by thread (median): ${top}`),
      info('bootlab wake-ups per boot — minkernel single', med('bootlab', 'wakeups_per_boot'), '', `voluntary context switches of all its threads; preempted ${med('bootlab', 'preemptions_per_boot')} times per boot; engine priority ${of('bootlab')[0]?.priority ?? '—'}`),
      info('reference CPU per boot — minkernel single', med('reference', 'cpu_ms_per_boot'), 'ms', 'bench/reference/recorder.c, its own rusage (all threads) ÷ boots'),
      info('reference wake-ups per boot — minkernel single', med('reference', 'wakeups_per_boot'), '', `preempted ${med('reference', 'preemptions_per_boot')} times per boot`),
      info('VMM preempted per boot — bootlab', med('bootlab', 'vmm_preemptions_per_boot'), '', `QEMU's threads' involuntary context switches between Ts and the end of the boot; under the reference ${med('reference', 'vmm_preemptions_per_boot')}; QEMU CPU per boot ${med('bootlab', 'vmm_cpu_ms_per_boot')} vs ${med('reference', 'vmm_cpu_ms_per_boot')} ms`),
      info('ΔT p50 bootlab / reference — minkernel single', med('bootlab', 'dt_p50_ms'), 'ms', `reference ${med('reference', 'dt_p50_ms')} ms (few boots: a cost run, not a fidelity run)`),
    ];
    return {
      config: { guest: 'minkernel', mode: 'single', n, rounds, accel: 'tcg', poll_ms: 50, window: "second boot's Ts to the last boot's end" },
      rows,
      findings: [],
      details: { runs, bootlab_by_thread_median: byThread },
    };
  });
}

// Scale: the paper's 1500 instances at 3 ms, keep-alive.
//
// Part A: 1500 trivial process guests (no VM: what the recorder itself costs at the paper's count) —
// launch lag, recorder peak RSS (VmHWM read from /proc while it runs), recorder CPU. bootlab and the C
// reference run the same batch, one after the other.
// Part B: minkernel VMs under TCG, keep-alive, 3 ms (100 full, 30 quick): bootlab with its launch engine
// at raised priority, the same with --no-priority, then the reference with the number bootlab launched.
// bootlab's recorder cost counts Node and its launch engine (bootlab-engine) together.
import { join } from 'node:path';
import type { BootRecord, SampleRecord } from '@bootlab/trace';
import { parseTraceLine } from '@bootlab/trace';
import { readFileSync } from 'node:fs';
import { BOOTLAB, buildMinkernel, buildReference, launcherPrefix, mustRun, readJsonl, trivialDescriptor, type Binaries } from './lib/exec.ts';
import { loadavg, TMP_DIR } from './lib/machine.ts';
import { watchProcess, type ProcSummary } from './lib/proc.ts';
import { atMost, info, runBenchmark, type BenchContext, type Result, type Row } from './lib/results.ts';
import { round, summarize, type Summary } from './lib/stats.ts';

const INTERVAL_MS = 3;

interface ScaleRun {
  recorder: 'bootlab' | 'bootlab (no priority)' | 'reference' | 'reference (vfork)';
  /** What the launch engine's thread got (plan.engine.priority), for bootlab runs. */
  priority?: string | null;
  guest: string;
  planned: number;
  launched: number;
  ok: number;
  statuses: Record<string, number>;
  dt: Summary;
  lag: Summary;
  spawn: Summary;
  /** Lag of the last launch: how far behind schedule the recorder ended. */
  last_lag_ms: number | null;
  /** Share of Te stamps taken after the last launch (a starved event loop stamps Te late). */
  te_after_last_launch: number | null;
  wall_s: number;
  recorder_peak_hwm_mb: number;
  recorder_peak_rss_mb: number;
  recorder_cpu_ms: number;
  recorder_cpu_pct_of_core: number;
  max_threads: number;
  mem_available_min_mb: number | null;
  stopped_by: string | null;
  load_before: number;
  load_after: number;
}

function summarizeProc(p: ProcSummary): Pick<ScaleRun, 'recorder_peak_hwm_mb' | 'recorder_peak_rss_mb' | 'recorder_cpu_ms' | 'recorder_cpu_pct_of_core' | 'max_threads'> {
  const first = p.series[0];
  const last = p.series[p.series.length - 1];
  const wall = first && last ? last.t_ms - first.t_ms : 0;
  const cpu = last && first ? last.cpu_ms - first.cpu_ms : 0;
  return {
    recorder_peak_hwm_mb: round(p.peak_hwm_kb / 1024, 1),
    recorder_peak_rss_mb: round(p.peak_rss_kb / 1024, 1),
    recorder_cpu_ms: Math.round(p.cpu_ms),
    recorder_cpu_pct_of_core: wall > 0 ? round((100 * cpu) / wall, 1) : 0,
    max_threads: p.max_threads,
  };
}

function teAfterLastLaunch(boots: readonly { ts_ns: number | null; te_ns: number | null }[]): number | null {
  const lastTs = Math.max(...boots.map((b) => b.ts_ns ?? 0));
  const te = boots.filter((b) => b.te_ns !== null);
  return te.length ? round(te.filter((b) => (b.te_ns as number) > lastTs).length / te.length, 3) : null;
}

async function runBootlab(guestSpec: string, guestName: string, n: number, extra: string[], timeoutMs: number, priority = true): Promise<ScaleRun> {
  const out = join(TMP_DIR, `scale-${guestName}-bootlab${priority ? '' : '-nopriority'}.jsonl`);
  if (!priority) extra = [...extra, '--no-priority'];
  const loadBefore = loadavg()[0];
  let watch: ReturnType<typeof watchProcess> | null = null;
  const res = await mustRun(
    process.execPath,
    [BOOTLAB, 'record', guestSpec, '--accel', 'tcg', '--mode', 'multi', '-n', String(n), '--interval', String(INTERVAL_MS), '--keep-alive', '-o', out, '--force', ...extra],
    { timeoutMs, onStart: (pid) => (watch = watchProcess(pid, 50, 'bootlab-engine')) },
  );
  const proc = (watch as ReturnType<typeof watchProcess> | null)?.stop();
  let enginePriority: string | null = null;
  const boots: BootRecord[] = [];
  const samples: SampleRecord[] = [];
  let stoppedBy: string | null = null;
  readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .forEach((line, i) => {
      const r = parseTraceLine(line, { file: out, line: i + 1 });
      if (r.type === 'header') enginePriority = r.plan.engine?.priority ?? null;
      else if (r.type === 'boot') boots.push(r);
      else if (r.type === 'sample') samples.push(r);
      else if (r.type === 'batch') stoppedBy = r.stopped_by;
    });
  const ok = boots.filter((b) => b.status === 'ok' && b.dt_ms !== null);
  const statuses: Record<string, number> = {};
  for (const b of boots) statuses[b.status] = (statuses[b.status] ?? 0) + 1;
  const byIndex = [...boots].sort((a, b) => a.index - b.index);
  return {
    recorder: priority ? 'bootlab' : 'bootlab (no priority)',
    priority: enginePriority,
    guest: guestName,
    planned: n,
    launched: boots.length,
    ok: ok.length,
    statuses,
    dt: summarize(ok.map((b) => b.dt_ms as number)),
    lag: summarize(boots.map((b) => b.launch_lag_ms)),
    spawn: summarize(boots.map((b) => b.spawn_ms)),
    last_lag_ms: byIndex.length ? round(byIndex[byIndex.length - 1]!.launch_lag_ms, 3) : null,
    te_after_last_launch: teAfterLastLaunch(boots),
    wall_s: round(res.wallMs / 1000, 2),
    ...(proc ? summarizeProc(proc) : { recorder_peak_hwm_mb: 0, recorder_peak_rss_mb: 0, recorder_cpu_ms: 0, recorder_cpu_pct_of_core: 0, max_threads: 0 }),
    mem_available_min_mb: samples.length ? Math.round(Math.min(...samples.map((s) => s.mem_available_kb)) / 1024) : null,
    stopped_by: stoppedBy,
    load_before: loadBefore,
    load_after: loadavg()[0],
  };
}

async function runReference(
  bin: Binaries,
  guestName: string,
  ready: string,
  n: number,
  command: string[],
  timeoutMs: number,
  spawnMethod: 'fork' | 'vfork' = 'fork',
): Promise<ScaleRun> {
  const out = join(TMP_DIR, `scale-${guestName}-reference-${spawnMethod}.jsonl`);
  const loadBefore = loadavg()[0];
  let watch: ReturnType<typeof watchProcess> | null = null;
  const res = await mustRun(
    bin.recorder,
    ['--mode', 'multi', '-n', String(n), '--interval', String(INTERVAL_MS), '--keep-alive', '--spawn', spawnMethod, '--ready', ready, '--guest', guestName, '--timeout', String(timeoutMs / 1000), '-o', out, '--', ...command],
    { timeoutMs: timeoutMs + 60_000, onStart: (pid) => (watch = watchProcess(pid, 50)) },
  );
  const proc = (watch as ReturnType<typeof watchProcess> | null)?.stop();
  const boots = readJsonl(out).filter((r) => r.type === 'boot') as unknown as {
    index: number;
    status: string;
    dt_ms: number | null;
    launch_lag_ms: number;
    spawn_ms: number;
    ts_ns: number | null;
    te_ns: number | null;
  }[];
  const ok = boots.filter((b) => b.status === 'ok' && b.dt_ms !== null);
  const statuses: Record<string, number> = {};
  for (const b of boots) statuses[b.status] = (statuses[b.status] ?? 0) + 1;
  const last = boots[boots.length - 1];
  return {
    recorder: spawnMethod === 'fork' ? 'reference' : 'reference (vfork)',
    guest: guestName,
    planned: n,
    launched: boots.length,
    ok: ok.length,
    statuses,
    dt: summarize(ok.map((b) => b.dt_ms as number)),
    lag: summarize(boots.map((b) => b.launch_lag_ms)),
    spawn: summarize(boots.map((b) => b.spawn_ms)),
    last_lag_ms: last ? round(last.launch_lag_ms, 3) : null,
    te_after_last_launch: teAfterLastLaunch(boots),
    wall_s: round(res.wallMs / 1000, 2),
    ...(proc ? summarizeProc(proc) : { recorder_peak_hwm_mb: 0, recorder_peak_rss_mb: 0, recorder_cpu_ms: 0, recorder_cpu_pct_of_core: 0, max_threads: 0 }),
    mem_available_min_mb: null, // the reference does not sample the host
    stopped_by: null,
    load_before: loadBefore,
    load_after: loadavg()[0],
  };
}

const roundSummary = (s: Summary): Summary =>
  Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'n' ? v : round(v, 3)])) as unknown as Summary;
const tidy = (r: ScaleRun): ScaleRun => ({ ...r, dt: roundSummary(r.dt), lag: roundSummary(r.lag), spawn: roundSummary(r.spawn) });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function scale(ctx: BenchContext): Promise<Result> {
  return runBenchmark('scale', 'Scale: 1500 instances at 3 ms (keep-alive)', ctx, async () => {
    const bin = await buildReference();
    await buildMinkernel();
    const trivialN = 1500; // the paper's count, in quick and full alike: trivial guests are cheap
    const vmCap = Number(process.env.BENCH_SCALE_VMS ?? (ctx.full ? 100 : 30));
    // Full runs go up to the memory guard; the floor is kept high by default so that a full run on a shared
    // machine leaves room for everyone else (BENCH_MEMORY_FLOOR_MB=1024 to go to bootlab's own default).
    const floorMb = Number(process.env.BENCH_MEMORY_FLOOR_MB ?? 4096);
    const vmTimeoutS = ctx.full ? 600 : 120;
    const rows: Row[] = [];
    const findings: string[] = [];

    // ---- A: 1500 trivial process guests ----
    const descriptor = trivialDescriptor(bin);
    ctx.log(`[scale] bootlab: ${trivialN} trivial guests at ${INTERVAL_MS} ms`);
    const tb = tidy(await runBootlab(descriptor, 'trivial', trivialN, ['--qemu', bin.trivial, '--timeout', '120'], 600_000));
    await pause(1000);
    const argv = JSON.parse(
      readFileSync(join(TMP_DIR, 'scale-trivial-bootlab.jsonl'), 'utf8').split('\n').find((l) => l.includes('"type":"boot"')) ?? '{"argv":[]}',
    ).argv as string[];
    const launcher = launcherPrefix(bin);
    ctx.log(`[scale] reference: ${trivialN} trivial guests at ${INTERVAL_MS} ms`);
    const tr = tidy(await runReference(bin, 'trivial', '^ready', trivialN, [...launcher, ...argv], 120_000));
    await pause(1000);
    // The same C recorder launching with vfork(): what a small launcher process that does not copy its
    // address space on every launch would achieve (a concrete option for bootlab, see spawn.ts).
    ctx.log(`[scale] reference with vfork: ${trivialN} trivial guests at ${INTERVAL_MS} ms`);
    const tv = tidy(await runReference(bin, 'trivial', '^ready', trivialN, [...launcher, ...argv], 120_000, 'vfork'));
    await pause(1000);

    const trivialRuns = [tb, tr, tv];
    for (const r of trivialRuns) {
      rows.push(atMost(`launch lag p99, ${trivialN} trivial @ 3 ms — ${r.recorder}`, r.lag.p99, 1, 'ms', `p50 ${r.lag.p50} ms; last launch ${r.last_lag_ms} ms late; load ${r.load_before}→${r.load_after}`));
    }
    for (const r of trivialRuns) {
      rows.push(atMost(`ΔT p50, ${trivialN} trivial — ${r.recorder}`, r.dt.p50, 1.5, 'ms', `p99 ${r.dt.p99} ms; spawn p50 ${r.spawn.p50} ms, p99 ${r.spawn.p99} ms; ${round((r.te_after_last_launch ?? 0) * 100, 1)} % of Te stamped after the last launch`));
    }
    for (const r of trivialRuns) {
      rows.push(atMost(`recorder peak RSS (VmHWM), ${trivialN} trivial — ${r.recorder}`, r.recorder_peak_hwm_mb, 150, 'MB', `${r.recorder === 'bootlab' ? 'Node + launch engine; ' : ''}${r.max_threads} threads max; VmRSS peak ${r.recorder_peak_rss_mb} MB`));
    }
    for (const r of trivialRuns) {
      rows.push(info(`recorder CPU, ${trivialN} trivial — ${r.recorder}`, r.recorder_cpu_ms, 'ms', `${r.recorder_cpu_pct_of_core} % of one core over ${r.wall_s} s wall`));
    }

    // ---- B: minkernel VMs, with and without the engine's raised priority ----
    const extra = ['--timeout', String(vmTimeoutS), ...(ctx.full ? ['--memory-floor', String(floorMb)] : [])];
    ctx.log(`[scale] bootlab: ${vmCap} minkernel VMs at ${INTERVAL_MS} ms`);
    const vb = tidy(await runBootlab('minkernel', 'minkernel', vmCap, extra, (vmTimeoutS + 300) * 1000));
    await pause(3000);
    ctx.log(`[scale] bootlab --no-priority: ${vmCap} minkernel VMs at ${INTERVAL_MS} ms`);
    const vn = tidy(await runBootlab('minkernel', 'minkernel', vmCap, extra, (vmTimeoutS + 300) * 1000, false));
    await pause(3000);
    const vmArgv = JSON.parse(
      readFileSync(join(TMP_DIR, 'scale-minkernel-bootlab.jsonl'), 'utf8').split('\n').find((l) => l.includes('"type":"boot"')) ?? '{"argv":[]}',
    ).argv as string[];
    ctx.log(`[scale] reference: ${vb.launched} minkernel VMs at ${INTERVAL_MS} ms`);
    const vr = tidy(await runReference(bin, 'minkernel', '^minkernel: ready', Math.max(1, vb.launched), [...launcher, ...vmArgv], vmTimeoutS * 1000));
    await pause(2000);
    const vmRuns = [vb, vn, vr];
    for (const r of vmRuns) {
      rows.push(
        atMost(
          `launch lag p99, ${r.launched} minkernel @ 3 ms — ${r.recorder}`,
          r.lag.p99,
          1,
          'ms',
          `p50 ${r.lag.p50} ms, max ${r.lag.max} ms${r.priority ? `; engine priority ${r.priority}` : ''}; load ${r.load_before}→${r.load_after}`,
        ),
      );
    }
    for (const r of vmRuns) {
      rows.push(info(`ΔT p50, ${r.launched} minkernel — ${r.recorder}`, r.dt.p50, 'ms', `p99 ${r.dt.p99} ms; ${r.ok} ok of ${r.planned}${r.stopped_by ? `, stopped by ${r.stopped_by}` : ''}`));
    }
    for (const r of vmRuns) {
      rows.push(atMost(`recorder peak RSS (VmHWM), ${r.launched} minkernel — ${r.recorder}`, r.recorder_peak_hwm_mb, 150, 'MB', `CPU ${r.recorder_cpu_ms} ms (${r.recorder_cpu_pct_of_core} % of a core)`));
    }

    findings.push(
      `1500 trivial guests at 3 ms: bootlab's last launch is ${tb.last_lag_ms} ms behind schedule (the C reference: ${tr.last_lag_ms} ms, ` +
        `with vfork ${tv.last_lag_ms} ms); ΔT p50 ${tb.dt.p50} ms against ${tr.dt.p50} ms (reference) and ${tv.dt.p50} ms (vfork); ` +
        `${round((tb.te_after_last_launch ?? 0) * 100, 1)} % of bootlab's Te stamps come after its last launch.`,
      `${vb.launched} minkernels at 3 ms: launch lag p99 ${vb.lag.p99} ms with the engine's priority (${vb.priority ?? '—'}), ` +
        `${vn.lag.p99} ms without, ${vr.lag.p99} ms for the reference (2 cores shared with the booting VMs).`,
    );
    return {
      config: {
        interval_ms: INTERVAL_MS,
        trivial_n: trivialN,
        vm_cap: vmCap,
        memory_floor_mb: ctx.full ? floorMb : null,
        vm_timeout_s: vmTimeoutS,
        env: 'BENCH_SCALE_VMS (VM cap), BENCH_MEMORY_FLOOR_MB (full only, default 4096)',
      },
      rows,
      findings,
      details: { trivial: { bootlab: tb, reference: tr, reference_vfork: tv }, minkernel: { bootlab: vb, bootlab_no_priority: vn, reference: vr } },
    };
  });
}

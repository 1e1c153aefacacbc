// Spawn cost: where bootlab's per-launch cost goes, and what would remove it.
//
// Node's child_process.spawn (libuv 1.46 on Linux) fork()s the whole recorder process and then blocks
// the event loop until the child has exec'd. fork() copies the page tables of all resident memory, so
// its cost grows with the recorder's RSS — and on this VM (nested paging) page-table work is slow. This
// benchmark separates the parts, each measured in a fresh process:
//   1. launcher: trivial guest spawned directly, through bootlab-launch (the recorder's launcher), through
//      setpriv (its fallback), and directly with a minimal environment;
//   2. resident size: the same spawn with 0…N MiB of touched ballast, in Node and in the C reference
//      (same fork, no Node): if both grow alike, the cost is the address space, not JavaScript;
//   3. live children: spawn cost with hundreds of keep-alive instances already running;
//   4. bootlab's own RSS while recording, to place it on the curve of 2.
import { join } from 'node:path';
import { BOOTLAB, buildReference, launcherPrefix, mustRun, readJsonl, trivialDescriptor, type Binaries } from './lib/exec.ts';
import { BENCH_DIR, TMP_DIR } from './lib/machine.ts';
import { watchProcess } from './lib/proc.ts';
import { info, runBenchmark, type BenchContext, type Result, type Row } from './lib/results.ts';
import type { ProbePlan, ProbeResult, ProbeVariant } from './lib/spawn-probe.ts';
import { median, round, summarize } from './lib/stats.ts';

async function probe(plan: ProbePlan): Promise<ProbeResult> {
  const res = await mustRun(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'lib/spawn-probe.ts'), JSON.stringify(plan)], {
    timeoutMs: 600_000,
  });
  return JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') as ProbeResult;
}

async function referenceRun(bin: Binaries, ballastMb: number, n: number, command: string[]): Promise<{ fork: number[]; dt: number[] }> {
  const out = join(TMP_DIR, `spawn-reference-${ballastMb}.jsonl`);
  await mustRun(bin.recorder, ['--mode', 'single', '-n', String(n), '--ballast', String(ballastMb), '--guest', 'trivial', '-o', out, '--', ...command]);
  const recs = readJsonl(out);
  const boots = recs.filter((r) => r.type === 'boot' && r.status === 'ok');
  return { fork: boots.map((b) => b.spawn_ms as number), dt: boots.map((b) => b.dt_ms as number) };
}

/** Least-squares slope of y on x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const sxy = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

const p50 = (xs: readonly number[]) => round(median(xs), 3);

export async function spawnCost(ctx: BenchContext): Promise<Result> {
  return runBenchmark('spawn', 'Spawn cost and launch lag: where bootlab\'s time goes', ctx, async () => {
    const bin = await buildReference();
    const setpriv = ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--'];
    const launcher = launcherPrefix(bin);
    const iterations = ctx.full ? 300 : 60;
    const ballasts = ctx.full ? [0, 64, 128, 256, 512, 1024] : [0, 128, 512];
    const liveCounts = ctx.full ? [0, 500, 1500] : [0, 500];
    const rows: Row[] = [];
    const findings: string[] = [];

    // 1. launchers
    const variants: ProbeVariant[] = [
      { name: 'direct', file: bin.trivial, args: [] },
      { name: 'bootlab-launch', file: launcher[0] as string, args: [...launcher.slice(1), bin.trivial] },
      { name: 'setpriv', file: setpriv[0] as string, args: [...setpriv.slice(1), bin.trivial] },
      { name: 'direct-minimal-env', file: bin.trivial, args: [], minimalEnv: true },
    ];
    ctx.log('[spawn] launchers');
    const launchers = await probe({ variants, iterations, ballastMb: 0, liveChildren: 0, keepCommand: bin.trivial });
    const s = launchers.series;
    const get = (name: string) => s[name] ?? { spawn_ms: [], dt_ms: [] };
    rows.push(info('Node spawn() p50, trivial guest, fresh process', p50(get('direct').spawn_ms), 'ms', `ΔT p50 ${p50(get('direct').dt_ms)} ms; probe RSS ${Math.round(launchers.rss_kb / 1024)} MiB`));
    const setprivCost = median(get('setpriv').dt_ms) - median(get('direct').dt_ms);
    const launcherCost = median(get('bootlab-launch').dt_ms) - median(get('direct').dt_ms);
    const envCost = median(get('direct').spawn_ms) - median(get('direct-minimal-env').spawn_ms);
    rows.push(info('ΔT added by bootlab-launch (vs direct exec)', round(launcherCost, 3), 'ms', `spawn() p50 ${p50(get('bootlab-launch').spawn_ms)} ms vs ${p50(get('direct').spawn_ms)} ms direct; recorder/launcher/bootlab-launch.c`));
    rows.push(info('ΔT added by setpriv, the fallback launcher (vs direct exec)', round(setprivCost, 3), 'ms', `spawn() p50 ${p50(get('setpriv').spawn_ms)} ms`));
    rows.push(info('spawn() saved by a minimal env', round(envCost, 3), 'ms', `${Object.keys(process.env).length} variables inherited by default`));

    // 2. resident size: Node and C
    ctx.log('[spawn] resident-size sweep');
    const sweep: { ballast_mb: number; node_rss_mb: number; node_spawn_p50: number; node_dt_p50: number; c_fork_p50: number; c_dt_p50: number }[] = [];
    for (const mb of ballasts) {
      const node = await probe({ variants: [variants[0] as ProbeVariant], iterations: Math.max(20, Math.round(iterations / 2)), ballastMb: mb, liveChildren: 0, keepCommand: bin.trivial });
      const c = await referenceRun(bin, mb, Math.max(20, Math.round(iterations / 2)), [bin.trivial]);
      const ns = node.series.direct ?? { spawn_ms: [], dt_ms: [] };
      sweep.push({
        ballast_mb: mb,
        node_rss_mb: Math.round(node.rss_kb / 1024),
        node_spawn_p50: p50(ns.spawn_ms),
        node_dt_p50: p50(ns.dt_ms),
        c_fork_p50: p50(c.fork),
        c_dt_p50: p50(c.dt),
      });
      ctx.log(`[spawn] ballast ${mb} MiB: Node spawn ${p50(ns.spawn_ms)} ms (RSS ${Math.round(node.rss_kb / 1024)} MiB), C fork ${p50(c.fork)} ms`);
    }
    // x = ballast (touched anonymous memory): fork() copies page tables of anonymous mappings, while
    // file-backed pages (code, shared libraries) counted in RSS are not copied, so RSS itself is a poor x.
    const nodeSlope = slope(sweep.map((p) => [p.ballast_mb, p.node_spawn_p50]));
    const cSlope = slope(sweep.map((p) => [p.ballast_mb, p.c_fork_p50]));
    rows.push(info('Node spawn() cost per MiB of touched memory', round(nodeSlope * 1000, 1), 'µs/MiB', `spawn p50 ${sweep.map((p) => p.node_spawn_p50).join(', ')} ms at +${ballasts.join(', +')} MiB`));
    rows.push(info('C fork() cost per MiB of touched memory', round(cSlope * 1000, 1), 'µs/MiB', `fork p50 ${sweep.map((p) => p.c_fork_p50).join(', ')} ms at +${ballasts.join(', +')} MiB`));

    // 3. live children (as in a keep-alive batch), spawning like bootlab (through bootlab-launch)
    ctx.log('[spawn] live children');
    const live: { live_children: number; spawn_p50: number; spawn_p99: number; dt_p50: number; rss_mb: number }[] = [];
    for (const k of liveCounts) {
      const r = await probe({ variants: [variants[1] as ProbeVariant], iterations: Math.max(20, Math.round(iterations / 2)), ballastMb: 0, liveChildren: k, keepCommand: bin.trivial });
      const ser = r.series['bootlab-launch'] ?? { spawn_ms: [], dt_ms: [] };
      live.push({ live_children: k, spawn_p50: p50(ser.spawn_ms), spawn_p99: round(summarize(ser.spawn_ms).p99, 3), dt_p50: p50(ser.dt_ms), rss_mb: Math.round(r.rss_kb / 1024) });
    }
    const lastLive = live[live.length - 1];
    if (lastLive) rows.push(info(`spawn() p50 with ${lastLive.live_children} live children (via bootlab-launch)`, lastLive.spawn_p50, 'ms', `vs ${live[0]?.spawn_p50} ms with none; probe RSS ${lastLive.rss_mb} MiB`));

    // 4. bootlab's own RSS while recording the trivial guest
    ctx.log('[spawn] bootlab RSS while recording');
    const out = join(TMP_DIR, 'spawn-bootlab-rss.jsonl');
    let watch: ReturnType<typeof watchProcess> | null = null;
    await mustRun(process.execPath, [BOOTLAB, 'record', trivialDescriptor(bin), '--qemu', bin.trivial, '--accel', 'tcg', '-n', '40', '-o', out, '--force'], {
      onStart: (pid) => (watch = watchProcess(pid, 20)),
    });
    const watched = (watch as ReturnType<typeof watchProcess> | null)?.stop();
    const bootlabRssMb = watched ? Math.round(watched.peak_rss_kb / 1024) : null;
    const boots = readJsonl(out).filter((r) => r.type === 'boot');
    const bootlabSpawn = median(boots.map((b) => b.spawn_ms as number));
    rows.push(info('bootlab recorder RSS while recording (peak)', bootlabRssMb, 'MiB', `its spawn_ms p50 ${round(bootlabSpawn, 3)} ms in that run`));
    const direct = get('direct');
    findings.push(
      `Node's spawn() returns only once the child has exec'd (libuv forks, then waits on a CLOEXEC pipe): ` +
        `p50 ${p50(direct.spawn_ms)} ms for a static binary from a ${Math.round(launchers.rss_kb / 1024)} MiB process, ` +
        `against ${sweep[0]?.c_fork_p50 ?? '—'} ms for fork() in the C reference. The event loop is blocked for all of it.`,
    );
    findings.push(
      `fork() cost grows with touched (anonymous) memory: ${round(nodeSlope * 1000, 1)} µs per MiB in Node, ${round(cSlope * 1000, 1)} µs per MiB in C ` +
        `on this VM, so it is the address space, not JavaScript. bootlab recording peaks at ${bootlabRssMb ?? '—'} MiB RSS and its spawn_ms p50 was ` +
        `${round(bootlabSpawn, 2)} ms: the event loop is blocked for most of a 3 ms interval on every launch.`,
    );
    findings.push(
      `bootlab-launch (static; prctl, getppid, execve) adds ${round(launcherCost, 3)} ms to every ΔT; ` +
        `setpriv, the fallback (a second exec of a dynamically linked binary), adds ${round(setprivCost, 3)} ms.`,
    );
    return {
      config: { iterations, ballasts_mb: ballasts, live_children: liveCounts, node: process.version },
      rows,
      findings,
      details: {
        launchers: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, { spawn_ms: summarize(v.spawn_ms), dt_ms: summarize(v.dt_ms) }])),
        rss_sweep: sweep,
        node_slope_ms_per_mib: round(nodeSlope, 5),
        c_slope_ms_per_mib: round(cSlope, 5),
        live_children: live,
        bootlab_rss_mb: bootlabRssMb,
        bootlab_spawn_p50_ms: round(bootlabSpawn, 3),
        bootlab_rss_series: watched?.series.filter((_, i) => i % 5 === 0) ?? [],
      },
    };
  });
}

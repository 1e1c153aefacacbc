// Fidelity: does bootlab measure what the paper's recorder measures?
//
// The C reference (bench/reference/recorder.c: one thread per instance, Ts before fork(), fork+execvp,
// Te on the stdout read that completes the ready line) and the bootlab CLI record the same guests with the
// same QEMU command line, interleaved run by run (the order rotates every round), so slow drift of this
// shared machine falls on both alike. bootlab records through its C launch engine (the default); a third
// recorder, bootlab with --no-engine (Node spawns each VMM, the path before the engine), shows what the
// engine changed.
//
// Guests: the trivial process guest (ΔT is almost nothing but recorder cost, so it shows the absolute
// bias) and minkernel under TCG (~70 ms, where the ratio matters). Modes: single, and multi at 3 ms with
// keep-alive (the paper's Figure 2 setup).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTraceLine, type BootRecord, type HeaderRecord } from '@bootlab/trace';
import { BOOTLAB, buildMinkernel, buildReference, mustRun, readJsonl, trivialDescriptor, type Binaries } from './lib/exec.ts';
import { loadavg, REPO_ROOT, TMP_DIR } from './lib/machine.ts';
import { atMost, info, runBenchmark, within, type BenchContext, type Result, type Row } from './lib/results.ts';
import { bootstrapMedianCi, median, round, summarize, type Summary } from './lib/stats.ts';

export type RecorderName = 'bootlab' | 'reference' | 'bootlab --no-engine';
const RECORDERS: RecorderName[] = ['bootlab', 'reference', 'bootlab --no-engine'];

interface GuestSetup {
  name: 'trivial' | 'minkernel';
  /** What to pass to `bootlab record`. */
  spec: string;
  ready: string;
  /** --qemu for bootlab (the trivial guest replaces QEMU). */
  qemu: string | null;
}

interface Condition {
  guest: GuestSetup;
  mode: 'single' | 'multi';
  n: number;
}

interface RunSample {
  recorder: RecorderName;
  round: number;
  load1: number;
  dt: number[];
  lag: number[];
  spawn: number[];
  failed: number;
  /** Share of Te stamps taken after the batch's last Ts: near 1 when the launch loop starves console reads. */
  teAfterLast: number | null;
  wallMs: number;
}

/** Share of ok boots whose Te comes after the last launch of their batch. */
function teAfterLastLaunch(boots: readonly { ts_ns?: unknown; te_ns?: unknown }[]): number | null {
  const ts = boots.map((b) => b.ts_ns).filter((t): t is number => typeof t === 'number');
  const te = boots.map((b) => b.te_ns).filter((t): t is number => typeof t === 'number');
  if (!ts.length || !te.length) return null;
  const last = Math.max(...ts);
  return te.filter((t) => t > last).length / te.length;
}

interface Learned {
  /** The QEMU argv bootlab used (boot records store it), replayed by the reference. */
  argv: string[];
}

const MULTI_INTERVAL_MS = 3;

function conditionName(c: Condition): string {
  return `${c.guest.name} ${c.mode === 'single' ? 'single' : `multi ${MULTI_INTERVAL_MS} ms`}`;
}

/** Read and validate a bootlab trace; every line goes through the format's own parser. */
export function readBootlabTrace(path: string): { header: HeaderRecord; boots: BootRecord[] } {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  let header: HeaderRecord | null = null;
  const boots: BootRecord[] = [];
  lines.forEach((line, i) => {
    const rec = parseTraceLine(line, { file: path, line: i + 1 });
    if (rec.type === 'header') header = rec;
    else if (rec.type === 'boot') boots.push(rec);
  });
  if (!header) throw new Error(`${path}: no header`);
  return { header, boots };
}

function bootlabArgs(c: Condition, n: number, out: string, engine = true): string[] {
  const args = [BOOTLAB, 'record', c.guest.spec, '--accel', 'tcg', '--mode', c.mode, '-n', String(n), '-o', out, '--force', '--json'];
  if (!engine) args.push('--no-engine');
  if (c.mode === 'multi') args.push('--interval', String(MULTI_INTERVAL_MS), '--keep-alive');
  if (c.guest.qemu) args.push('--qemu', c.guest.qemu);
  return args;
}

function referenceArgs(c: Condition, n: number, out: string, command: string[]): string[] {
  const args = ['--mode', c.mode, '-n', String(n), '--ready', c.guest.ready, '--guest', c.guest.name, '--timeout', '60', '-o', out];
  if (c.mode === 'multi') args.push('--interval', String(MULTI_INTERVAL_MS), '--keep-alive');
  return [...args, '--', ...command];
}

async function runOnce(
  bin: Binaries,
  c: Condition,
  recorder: RecorderName,
  n: number,
  learned: Learned | null,
  tag: string,
): Promise<{ sample: Omit<RunSample, 'round' | 'recorder'>; learned: Learned | null }> {
  const load1 = loadavg()[0];
  const slug = `${c.guest.name}-${c.mode}-${recorder.replace(/[^a-z]+/g, '-')}-${tag}`;
  if (recorder !== 'reference') {
    const out = join(TMP_DIR, `fidelity-${slug}.jsonl`);
    const res = await mustRun(process.execPath, bootlabArgs(c, n, out, recorder === 'bootlab'), { timeoutMs: 600_000 });
    const { boots } = readBootlabTrace(out);
    const ok = boots.filter((b) => b.status === 'ok' && b.dt_ms !== null);
    const first = boots[0];
    return {
      sample: {
        load1,
        dt: ok.map((b) => b.dt_ms as number),
        lag: boots.map((b) => b.launch_lag_ms),
        spawn: boots.map((b) => b.spawn_ms),
        failed: boots.length - ok.length,
        teAfterLast: teAfterLastLaunch(boots),
        wallMs: res.wallMs,
      },
      learned: first ? { argv: first.argv } : null,
    };
  }
  if (!learned) throw new Error('reference run before bootlab taught it the command line');
  const command = learned.argv;
  const out = join(TMP_DIR, `fidelity-${slug}.jsonl`);
  const res = await mustRun(bin.recorder, referenceArgs(c, n, out, command), { timeoutMs: 600_000 });
  const boots = readJsonl(out).filter((r) => r.type === 'boot');
  const ok = boots.filter((b) => b.status === 'ok' && typeof b.dt_ms === 'number');
  return {
    sample: {
      load1,
      dt: ok.map((b) => b.dt_ms as number),
      lag: boots.map((b) => b.launch_lag_ms as number),
      spawn: boots.map((b) => b.spawn_ms as number),
      failed: boots.length - ok.length,
      teAfterLast: teAfterLastLaunch(boots),
      wallMs: res.wallMs,
    },
    learned,
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Pooled {
  dt: Summary;
  lag: Summary;
  spawn: Summary;
  failed: number;
  runs: number;
  /** Median ΔT of each run, in round order: how stable the condition was from run to run. */
  run_medians: number[];
  load1: number[];
  /** Mean over runs of the share of Te stamped after the last launch. */
  te_after_last_launch: number | null;
  wall_s: number[];
}

function pool(samples: readonly RunSample[]): Pooled {
  return {
    dt: summarize(samples.flatMap((s) => s.dt)),
    lag: summarize(samples.flatMap((s) => s.lag)),
    spawn: summarize(samples.flatMap((s) => s.spawn)),
    failed: samples.reduce((a, s) => a + s.failed, 0),
    runs: samples.length,
    run_medians: samples.map((s) => round(median(s.dt), 4)),
    load1: samples.map((s) => s.load1),
    te_after_last_launch: (() => {
      const xs = samples.map((s) => s.teAfterLast).filter((v): v is number => v !== null);
      return xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length, 3) : null;
    })(),
    wall_s: samples.map((s) => round(s.wallMs / 1000, 2)),
  };
}

const roundSummary = (s: Summary): Summary =>
  Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'n' ? v : round(v, 4)])) as unknown as Summary;

export async function fidelity(ctx: BenchContext): Promise<Result> {
  return runBenchmark('fidelity', 'Fidelity: bootlab against the paper\'s C recorder', ctx, async () => {
    const bin = await buildReference();
    await buildMinkernel();
    const trivial: GuestSetup = { name: 'trivial', spec: trivialDescriptor(bin), ready: '^ready', qemu: bin.trivial };
    const minkernel: GuestSetup = { name: 'minkernel', spec: 'minkernel', ready: '^minkernel: ready', qemu: null };
    const rounds = ctx.full ? 10 : 2;
    const conditions: Condition[] = ctx.full
      ? [
          { guest: trivial, mode: 'single', n: 100 },
          { guest: trivial, mode: 'multi', n: 300 },
          { guest: minkernel, mode: 'single', n: 30 },
          { guest: minkernel, mode: 'multi', n: 30 },
        ]
      : [
          { guest: trivial, mode: 'single', n: 30 },
          { guest: trivial, mode: 'multi', n: 60 },
          { guest: minkernel, mode: 'single', n: 8 },
          { guest: minkernel, mode: 'multi', n: 10 },
        ];

    const results = new Map<string, Map<RecorderName, RunSample[]>>();
    const learnedByGuest = new Map<string, Learned | null>();
    for (const c of conditions) {
      const name = conditionName(c);
      // Warm-up, once per guest (discarded): page cache, the CLI's tsx cache, and bootlab's QEMU command
      // line, which the reference then replays verbatim.
      if (!learnedByGuest.has(c.guest.name)) {
        const warm = await runOnce(bin, { ...c, mode: 'single' }, 'bootlab', 2, null, 'warmup');
        learnedByGuest.set(c.guest.name, warm.learned);
        await runOnce(bin, { ...c, mode: 'single' }, 'reference', 2, warm.learned, 'warmup');
      }
      const learned = learnedByGuest.get(c.guest.name) ?? null;
      const byRecorder = new Map<RecorderName, RunSample[]>(RECORDERS.map((r) => [r, []]));
      for (let round = 0; round < rounds; round++) {
        // Rotate the order every round: A B C, B C A, C A B, …
        const order = RECORDERS.map((_, i) => RECORDERS[(i + round) % RECORDERS.length] as RecorderName);
        for (const recorder of order) {
          const { sample } = await runOnce(bin, c, recorder, c.n, learned, `r${round}`);
          byRecorder.get(recorder)!.push({ recorder, round, ...sample });
          ctx.log(
            `[fidelity] ${name} round ${round + 1}/${rounds} ${recorder}: ΔT p50 ${median(sample.dt).toFixed(3)} ms, ` +
              `lag p50 ${median(sample.lag).toFixed(3)} ms, failed ${sample.failed}, load ${sample.load1}`,
          );
          await pause(300); // let the last run's killed VMMs finish exiting
        }
      }
      results.set(name, byRecorder);
    }

    // ---- summaries ----
    const rows: Row[] = [];
    const findings: string[] = [];
    const details: Record<string, unknown> = {};
    for (const c of conditions) {
      const name = conditionName(c);
      const by = results.get(name)!;
      const get = (r: RecorderName) => by.get(r) ?? [];
      const pooled = Object.fromEntries(RECORDERS.map((r) => [r, pool(get(r))])) as Record<RecorderName, Pooled>;
      const dts = (r: RecorderName) => get(r).flatMap((s) => s.dt);
      const ratio = pooled.bootlab.dt.p50 / pooled.reference.dt.p50;
      const ratioCi = bootstrapMedianCi(dts('bootlab'), dts('reference'), (x, y) => x / y);
      const bias = pooled.bootlab.dt.p50 - pooled.reference.dt.p50;
      const biasCi = bootstrapMedianCi(dts('bootlab'), dts('reference'), (x, y) => x - y);
      const nodePathBias = pooled['bootlab --no-engine'].dt.p50 - pooled.reference.dt.p50;
      details[name] = {
        n_per_run: c.n,
        rounds,
        ratio_bootlab_over_reference: round(ratio, 4),
        ratio_ci95: ratioCi.map((v) => round(v, 4)),
        bias_ms: round(bias, 4),
        bias_ci95_ms: biasCi.map((v) => round(v, 4)),
        bias_without_engine_ms: round(nodePathBias, 4),
        recorders: Object.fromEntries(
          RECORDERS.map((r) => [
            r,
            { ...pooled[r], dt: roundSummary(pooled[r].dt), lag: roundSummary(pooled[r].lag), spawn: roundSummary(pooled[r].spawn) },
          ]),
        ),
      };
      rows.push(
        within(
          `ΔT median ratio bootlab / reference — ${name}`,
          round(ratio, 3),
          0.97,
          1.03,
          '',
          `95 % CI ${round(ratioCi[0], 3)}–${round(ratioCi[1], 3)}; medians ${round(pooled.bootlab.dt.p50, 3)} vs ${round(pooled.reference.dt.p50, 3)} ms`,
        ),
      );
      if (c.guest.name === 'trivial') {
        rows.push(
          atMost(
            `ΔT bias bootlab − reference — ${name}`,
            round(bias, 3),
            0.15,
            'ms',
            `target ≤ 0, never above +0.15 ms; 95 % CI ${round(biasCi[0], 3)}–${round(biasCi[1], 3)} ms; without the engine (Node spawns) ${round(nodePathBias, 3)} ms`,
          ),
        );
      }
      if (c.mode === 'multi') {
        for (const r of ['bootlab', 'reference', 'bootlab --no-engine'] as const) {
          rows.push(atMost(`launch lag p99 at 3 ms — ${r}, ${c.guest.name}`, round(pooled[r].lag.p99, 3), 1, 'ms', `p50 ${round(pooled[r].lag.p50, 3)} ms, max ${round(pooled[r].lag.max, 3)} ms`));
        }
      }
      // Only telling for the trivial guest, whose ready line comes long before the launch window ends.
      if (c.mode === 'multi' && c.guest.name === 'trivial') {
        rows.push(
          info(
            `Te stamped after the last launch — bootlab, ${c.guest.name}`,
            pooled.bootlab.te_after_last_launch === null ? null : round(100 * pooled.bootlab.te_after_last_launch, 1),
            '%',
            `reference ${pooled.reference.te_after_last_launch === null ? '—' : round(100 * pooled.reference.te_after_last_launch, 1)} %; ~100 % means console reads waited for the launch loop`,
          ),
        );
      }
      rows.push(
        info(
          `bootlab spawn_ms p50 / p99 — ${name}`,
          round(pooled.bootlab.spawn.p50, 3),
          'ms',
          `p99 ${round(pooled.bootlab.spawn.p99, 3)} ms (engine: clone(CLONE_VM)); reference fork() returns in p50 ${round(pooled.reference.spawn.p50, 3)} ms; --no-engine spawn() p50 ${round(pooled['bootlab --no-engine'].spawn.p50, 3)} ms`,
        ),
      );
      const failed = RECORDERS.map((r) => pooled[r].failed).reduce((a, b) => a + b, 0);
      if (failed) findings.push(`${name}: ${failed} boot(s) not ok across all recorders (excluded from ΔT).`);
    }
    return {
      config: {
        rounds,
        interval_ms: MULTI_INTERVAL_MS,
        keep_alive_in_multi: true,
        conditions: conditions.map((c) => ({ guest: c.guest.name, mode: c.mode, n: c.n })),
        recorders: RECORDERS,
        accel: 'tcg',
        reference: 'bench/reference/recorder.c (gcc -O2 -pthread)',
        repo: REPO_ROOT,
      },
      rows,
      findings,
      details,
    };
  });
}

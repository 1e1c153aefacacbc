// Analysis throughput: a generated bootlab.trace/1 trace (1,000,000 boots in the full version) through
// @bootlab/analysis — load, features, classes, charts — against DuckDB computing per-group medians and
// p95 from the same JSONL. Each tool runs in its own process (peak memory is its own), the trace is in the
// page cache for both. When the analysis is over the 2× target, a CPU profile of a small trace says where
// the time goes.
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseTraceLine } from '@bootlab/trace';
import { run } from './lib/exec.ts';
import { BENCH_DIR, TMP_DIR } from './lib/machine.ts';
import { atMost, info, runBenchmark, type BenchContext, type Result, type Row } from './lib/results.ts';
import type { AnalysisTimings } from './lib/analysis-probe.ts';
import type { DuckdbTimings } from './lib/duckdb-probe.ts';
import { generateTrace, GENERATOR_VERSION } from './lib/gen-trace.ts';
import { median, round } from './lib/stats.ts';

/** Make (or reuse) the synthetic trace of `boots` boots. */
function ensureTrace(boots: number): { path: string; bytes: number; generated_ms: number | null } {
  mkdirSync(TMP_DIR, { recursive: true });
  const path = join(TMP_DIR, `synthetic-v${GENERATOR_VERSION}-${boots}.jsonl`);
  const done = `${path}.done`;
  if (existsSync(path) && existsSync(done)) return { path, bytes: statSync(path).size, generated_ms: null };
  rmSync(done, { force: true });
  const t0 = performance.now();
  const r = generateTrace(path, boots);
  // The marker says the file was written completely (a killed generator leaves none).
  writeFileSync(done, JSON.stringify(r));
  return { path, bytes: r.bytes, generated_ms: Math.round(performance.now() - t0) };
}

/** Validate every `step`-th line (and the first and last) with the format's own parser. */
async function validateSample(path: string, step: number): Promise<{ checked: number; lines: number; types: Record<string, number> }> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let checked = 0;
  let last = '';
  const types: Record<string, number> = {};
  for await (const line of rl) {
    lineNo++;
    last = line;
    if (lineNo === 1 || lineNo % step === 0) {
      const rec = parseTraceLine(line, { file: path, line: lineNo });
      types[rec.type] = (types[rec.type] ?? 0) + 1;
      checked++;
    }
  }
  const rec = parseTraceLine(last, { file: path, line: lineNo });
  types[rec.type] = (types[rec.type] ?? 0) + 1;
  return { checked: checked + 1, lines: lineNo, types };
}

async function probeJson<T>(script: string, args: string[], nodeFlags: string[] = []): Promise<{ ok: true; value: T; wallMs: number } | { ok: false; error: string; wallMs: number }> {
  const res = await run(process.execPath, [...nodeFlags, '--import', 'tsx', join(BENCH_DIR, 'lib', script), ...args], { timeoutMs: 4 * 3600_000 });
  const last = res.stdout.trim().split('\n').pop() ?? '';
  if (res.code === 0 && last.startsWith('{')) return { ok: true, value: JSON.parse(last) as T, wallMs: res.wallMs };
  const oom = /heap out of memory|Allocation failed/i.test(res.stderr);
  return { ok: false, error: oom ? `out of memory (${res.stderr.match(/[^\n]*heap out of memory[^\n]*/i)?.[0]?.trim() ?? 'V8 heap limit'})` : res.stderr.slice(-1500), wallMs: res.wallMs };
}

interface ProfileEntry {
  function: string;
  file: string;
  self_ms: number;
  inclusive_ms: number;
}

/** Self and inclusive time per function from a V8 .cpuprofile. */
function summarizeProfile(path: string, top = 12): { total_ms: number; busy_ms: number; gc_ms: number; functions: ProfileEntry[] } {
  const p = JSON.parse(readFileSync(path, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
    samples: number[];
    timeDeltas: number[];
  };
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfById = new Map<number, number>();
  p.samples.forEach((id, i) => selfById.set(id, (selfById.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const key = (id: number) => {
    const cf = nodes.get(id)!.callFrame;
    return `${cf.functionName || '(anonymous)'}\t${cf.url.split('/').pop() ?? ''}`;
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  for (const [id, t] of selfById) {
    total += t;
    self.set(key(id), (self.get(key(id)) ?? 0) + t);
    const seen = new Set<string>();
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const k = key(x);
      if (!seen.has(k)) incl.set(k, (incl.get(k) ?? 0) + t), seen.add(k);
    }
  }
  const idle = [...self.entries()].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, t]) => a + t, 0);
  const gc = [...self.entries()].filter(([k]) => k.startsWith('(garbage collector)')).reduce((a, [, t]) => a + t, 0);
  const skip = /^\((root|program|idle)\)|^(main|processTicksAndRejections|runMicrotasks)\t|analysis-probe\.ts$/;
  const functions = [...incl.entries()]
    .filter(([k]) => !skip.test(k) && !/\t(node:|internal|loader|module_job|hooks|translators|utils|task_queues)/.test(`${k}`))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, t]) => {
      const [fn, file] = k.split('\t');
      return { function: fn ?? '', file: file ?? '', self_ms: Math.round((self.get(k) ?? 0) / 1000), inclusive_ms: Math.round(t / 1000) };
    });
  return { total_ms: Math.round(total / 1000), busy_ms: Math.round((total - idle) / 1000), gc_ms: Math.round(gc / 1000), functions };
}

export async function analysisThroughput(ctx: BenchContext): Promise<Result> {
  return runBenchmark('analysis', 'Analysis throughput: @bootlab/analysis against DuckDB', ctx, async () => {
    const boots = Number(process.env.BENCH_ANALYSIS_BOOTS ?? (ctx.full ? 1_000_000 : 20_000));
    const resamples = 1000; // the analysis's defaults (bootstrap of medians and of classes)
    ctx.log(`[analysis] trace of ${boots} boots`);
    const trace = ensureTrace(boots);
    const validation = await validateSample(trace.path, Math.max(1, Math.floor(boots / 2000)));
    ctx.log(`[analysis] validated ${validation.checked} of ${validation.lines} lines with parseTraceLine`);

    // DuckDB: three runs (it is fast; the median is reported).
    const duck: DuckdbTimings[] = [];
    let duckError: string | null = null;
    for (let i = 0; i < 3; i++) {
      const r = await probeJson<DuckdbTimings>('duckdb-probe.ts', [trace.path]);
      if (!r.ok) {
        duckError = r.error;
        break;
      }
      duck.push(r.value);
    }
    const duckMs = duck.length ? median(duck.map((d) => d.total_ms)) : null;
    ctx.log(`[analysis] DuckDB: ${duckMs ?? duckError} ms`);

    // The analysis: once (it is slow), with Node's default heap; retried with a larger heap if it runs out.
    ctx.log('[analysis] @bootlab/analysis: load, features, classes, charts');
    let analysis = await probeJson<AnalysisTimings>('analysis-probe.ts', [trace.path, String(resamples)]);
    let heapNote: string | null = null;
    if (!analysis.ok && analysis.error.startsWith('out of memory')) {
      heapNote = `default heap: ${analysis.error} after ${Math.round(analysis.wallMs / 1000)} s; rerun with --max-old-space-size=16384`;
      ctx.log(`[analysis] ${heapNote}`);
      analysis = await probeJson<AnalysisTimings>('analysis-probe.ts', [trace.path, String(resamples)], ['--max-old-space-size=16384']);
    }
    if (!analysis.ok) throw new Error(`analysis probe failed: ${analysis.error}`);
    const a = analysis.value;
    const coreMs = (a.stages_ms.load ?? 0) + (a.stages_ms.features ?? 0) + (a.stages_ms.classes ?? 0) + (a.stages_ms.charts ?? 0);
    const ratio = duckMs ? coreMs / duckMs : null;
    ctx.log(`[analysis] analysis ${coreMs} ms (${JSON.stringify(a.stages_ms)}), ratio ${ratio?.toFixed(1)}`);

    // Where the time goes: a CPU profile of the same pipeline on a small trace (same shape, fewer boots).
    let profile: { boots: number; total_ms: number; busy_ms: number; gc_ms: number; stages_ms: Record<string, number>; functions: ProfileEntry[] } | null = null;
    if (ratio !== null && ratio > 2) {
      // Big enough to show what grows with the trace (full: 100k boots, ~2 min), small enough to be quick.
      const profileBoots = Math.min(boots, Number(process.env.BENCH_ANALYSIS_PROFILE_BOOTS ?? (ctx.full ? 100_000 : 10_000)));
      const small = ensureTrace(profileBoots);
      const dir = join(TMP_DIR, 'profile');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const p = await probeJson<AnalysisTimings>('analysis-probe.ts', [small.path, String(resamples)], ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
      // One profile per thread (tsx runs a loader worker): keep the busiest, the main thread's.
      const summaries = readdirSync(dir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => summarizeProfile(join(dir, f)))
        .sort((x, y) => y.busy_ms - x.busy_ms);
      const main = summaries[0];
      if (p.ok && main) profile = { boots: profileBoots, stages_ms: p.value.stages_ms, ...main };
    }

    const rows: Row[] = [
      atMost(`analysis / DuckDB time ratio, ${boots.toLocaleString('en-US')} boots`, ratio === null ? null : round(ratio, 1), 2, '×', `analysis ${round(coreMs / 1000, 2)} s (load+features+classes+charts) vs DuckDB ${duckMs === null ? '—' : round(duckMs / 1000, 3)} s`),
      info('analysis: load (parse + validate every record)', round((a.stages_ms.load ?? 0) / 1000, 2), 's', `${round(trace.bytes / 1048576, 0)} MiB JSONL, ${validation.lines.toLocaleString('en-US')} lines`),
      info('analysis: features', round((a.stages_ms.features ?? 0) / 1000, 2), 's', `${a.conditions} conditions, ${a.guests} guests, ${resamples} bootstrap resamples`),
      info('analysis: classes', round((a.stages_ms.classes ?? 0) / 1000, 2), 's', `k = 3: ${Object.entries(a.classes).map(([g, c]) => `${g} → ${c ?? '—'}`).join(', ')}`),
      info('analysis: charts (Vega-Lite specs)', round((a.stages_ms.charts ?? 0) / 1000, 2), 's', `${a.charts} charts, ${round(a.chart_spec_bytes / 1048576, 1)} MiB of spec JSON`),
      info('analysis peak RSS', a.rss_peak_mb, 'MiB', heapNote ?? `heap after load ${a.heap_used_mb_after_load} MiB`),
      info('DuckDB: per-group median + p95 (one scan)', duckMs === null ? null : round(duckMs / 1000, 3), 's', duck[0] ? `DuckDB ${duck[0].version}, ${duck[0].threads} threads, ${duck[0].groups} groups; peak RSS ${duck[0].rss_peak_mb} MiB` : (duckError ?? '')),
      info('analysis load alone / DuckDB', duckMs ? round((a.stages_ms.load ?? 0) / duckMs, 1) : null, '×', 'parsing + zod validation of every field vs. a columnar scan of 7 fields'),
    ];
    const findings: string[] = [];
    if (heapNote) findings.push(`The analysis ran out of Node's default heap on ${boots.toLocaleString('en-US')} boots (${heapNote}).`);
    if (profile) {
      const top = profile.functions.slice(0, 6).map((f) => `${f.function} (${f.file}) ${f.inclusive_ms} ms incl. / ${f.self_ms} ms self`);
      findings.push(
        `CPU profile of the same pipeline on ${profile.boots.toLocaleString('en-US')} boots (${profile.busy_ms} ms busy, of which garbage collection ${profile.gc_ms} ms): ${top.join('; ')}.`,
      );
    }
    return {
      config: { boots, resamples, generator_version: GENERATOR_VERSION, trace: trace.path, env: 'BENCH_ANALYSIS_BOOTS overrides the size, BENCH_ANALYSIS_PROFILE_BOOTS the profiled size' },
      rows,
      findings,
      details: { trace: { ...trace, validation }, duckdb: duck, duckdb_error: duckError, analysis: a, analysis_core_ms: coreMs, heap_note: heapNote, profile },
    };
  });
}

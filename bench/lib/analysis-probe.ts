// Child process of bench/analysis.ts: runs @bootlab/analysis on one trace, stage by stage, in a fresh
// process (so each tool's peak memory is its own). Prints one JSON line: per-stage wall time and heap.
import { buildCharts, classify, computeFeatures, loadTraces } from '@bootlab/analysis';

export interface AnalysisTimings {
  stages_ms: Record<string, number>;
  total_ms: number;
  boots: number;
  conditions: number;
  guests: number;
  classes: Record<string, string | null>;
  charts: number;
  chart_spec_bytes: number;
  rss_peak_mb: number;
  heap_used_mb_after_load: number;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  const resamples = Number(process.argv[3] ?? 1000);
  if (!file) throw new Error('usage: analysis-probe FILE [RESAMPLES]');
  const stages: Record<string, number> = {};
  let peak = 0;
  const mark = () => (peak = Math.max(peak, process.memoryUsage().rss));
  const timer = setInterval(mark, 100);
  const time = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await f();
    stages[name] = Math.round(performance.now() - t0);
    mark();
    return out;
  };
  const t0 = performance.now();
  const { traces } = await time('load', () => loadTraces([file]));
  const heapAfterLoad = process.memoryUsage().heapUsed;
  const features = await time('features', () => computeFeatures(traces, { resamples }));
  const classification = await time('classes', () => classify(features, { k: 3, resamples }));
  const charts = await time('charts', () => buildCharts({ traces, features, classification }));
  const specBytes = await time('charts_serialise', () => charts.reduce((s, c) => s + JSON.stringify(c.spec).length, 0));
  const total = Math.round(performance.now() - t0);
  clearInterval(timer);
  const result: AnalysisTimings = {
    stages_ms: stages,
    total_ms: total,
    boots: traces.boots.length,
    conditions: features.conditions.length,
    guests: features.guests.length,
    classes: Object.fromEntries(classification.guests.map((g) => [g.guest, g.class])),
    charts: charts.length,
    chart_spec_bytes: specBytes,
    rss_peak_mb: Math.round(peak / 1048576),
    heap_used_mb_after_load: Math.round(heapAfterLoad / 1048576),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

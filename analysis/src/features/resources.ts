// What a boot costs: CPU time to ready, memory per instance, and how host memory in use grows with the number
// of running instances. Samples are run-wide, so each condition takes the samples that fall inside the time
// windows of its own batches.
import type { SampleRecord } from '@bootlab/trace';
import { max, min } from 'simple-statistics';
import type { Boot, Run } from '../types.ts';
import { groupByBatch } from './conditions.ts';
import { fitOls, type OlsFit } from './scaling.ts';
import { summarise, type Summary } from './summary.ts';

export interface ResourceFeatures {
  cpuMsAtTe: Summary | null;
  rssKbAtTe: Summary | null;
  /** pss_kb_sum / pss_known over samples with a PSS reading (PSS is read round-robin, so not all are known). */
  pssKbPerInstance: Summary | null;
  /** rss_kb_sum / running over samples with instances running. */
  rssKbPerInstance: Summary | null;
  /** OLS of host memory used (MemTotal − MemAvailable) against instances running: KB per instance. */
  hostMemKbPerInstance: OlsFit | null;
  samples: number;
}

/** Samples of a run that fall inside the [first Ts, last end] window of any of the given boots' batches. */
export function samplesDuring(runs: readonly Run[], boots: readonly Boot[]): SampleRecord[] {
  const windows = new Map<string, [number, number][]>();
  for (const batch of groupByBatch(boots)) {
    const runId = (batch[0] as Boot).run_id;
    const start = min(batch.map((b) => b.ts_ns));
    const end = max(batch.map((b) => b.end_ns));
    let list = windows.get(runId);
    if (!list) windows.set(runId, (list = []));
    list.push([start, end]);
  }
  const out: SampleRecord[] = [];
  for (const run of runs) {
    const list = windows.get(run.runId);
    if (!list) continue;
    for (const s of run.samples) if (list.some(([a, b]) => s.t_ns >= a && s.t_ns <= b)) out.push(s);
  }
  return out;
}

export function hostMemUsedKb(s: SampleRecord): number {
  return s.mem_total_kb - s.mem_available_kb;
}

export function resourceFeatures(boots: readonly Boot[], samples: readonly SampleRecord[]): ResourceFeatures {
  const ok = boots.filter((b) => b.status === 'ok');
  const running = samples.filter((s) => s.running > 0);
  const memPoints = samples.map((s) => ({ x: s.running, y: hostMemUsedKb(s) }));
  return {
    cpuMsAtTe: summarise(ok.flatMap((b) => (b.cpu_ms_at_te === null ? [] : [b.cpu_ms_at_te]))),
    rssKbAtTe: summarise(ok.flatMap((b) => (b.rss_kb_at_te === null ? [] : [b.rss_kb_at_te]))),
    pssKbPerInstance: summarise(
      running.filter((s) => s.pss_kb_sum !== null && s.pss_known > 0).map((s) => (s.pss_kb_sum as number) / s.pss_known),
    ),
    rssKbPerInstance: summarise(running.map((s) => s.rss_kb_sum / s.running)),
    // Needs several distinct concurrency levels, else the slope is noise over a single step.
    hostMemKbPerInstance: new Set(memPoints.map((p) => p.x)).size >= 3 ? fitOls(memPoints) : null,
    samples: samples.length,
  };
}

// What a boot costs: CPU time to ready, memory per instance, and how host memory in use grows with the number
// of running instances. Samples are run-wide, so each condition takes the samples that fall inside the time
// windows of its own batches.
import type { SampleRecord } from '@bootlab/trace';
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

/** Closed [start, end] windows merged where they overlap or touch, ascending. */
function mergeWindows(windows: [number, number][]): [number, number][] {
  windows.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of windows) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** First index in `samples` (ascending t_ns) whose t_ns is ≥ t. */
function firstAtOrAfter(samples: readonly SampleRecord[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((samples[mid] as SampleRecord).t_ns < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Samples of a run that fall inside the [first Ts, last end] window of any of the given boots' batches. */
export function samplesDuring(runs: readonly Run[], boots: readonly Boot[]): SampleRecord[] {
  const windows = new Map<string, [number, number][]>();
  for (const batch of groupByBatch(boots)) {
    const runId = (batch[0] as Boot).run_id;
    let start = Infinity;
    let end = -Infinity;
    for (const b of batch) {
      if (b.ts_ns < start) start = b.ts_ns;
      if (b.end_ns > end) end = b.end_ns;
    }
    let list = windows.get(runId);
    if (!list) windows.set(runId, (list = []));
    list.push([start, end]);
  }
  const out: SampleRecord[] = [];
  for (const run of runs) {
    const list = windows.get(run.runId);
    if (!list) continue;
    // Not a scan of every sample against every window: that is quadratic in a long sweep.
    const merged = mergeWindows(list);
    const samples = run.samples;
    if (inTimeOrder(samples)) {
      // As RunReader.finish leaves them: each window is a binary search and a slice.
      for (const [start, end] of merged) {
        for (let i = firstAtOrAfter(samples, start); i < samples.length && (samples[i] as SampleRecord).t_ns <= end; i++) out.push(samples[i] as SampleRecord);
      }
    } else {
      for (const s of samples) if (inWindows(merged, s.t_ns)) out.push(s);
    }
  }
  return out;
}

function inTimeOrder(samples: readonly SampleRecord[]): boolean {
  for (let i = 1; i < samples.length; i++) if ((samples[i] as SampleRecord).t_ns < (samples[i - 1] as SampleRecord).t_ns) return false;
  return true;
}

/** Whether t lies in one of the disjoint, ascending windows. */
function inWindows(windows: readonly [number, number][], t: number): boolean {
  let lo = 0;
  let hi = windows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((windows[mid] as [number, number])[1] < t) lo = mid + 1;
    else hi = mid;
  }
  const w = windows[lo];
  return w !== undefined && w[0] <= t;
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

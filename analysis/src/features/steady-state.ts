// Density (record --hold): what a run's kept-alive VMs cost the host once booted, from its two steady_state
// events — host memory per VM = (MemAvailable before the run − MemAvailable at the end of the steady state)
// ÷ VMMs present (not summed PSS: what the host really gives up, shared pages and KSM included), and idle
// VMM CPU per VM over the steady state. "Alive" is the VMMs present at both ends and never fewer between.
import type { EventRecord } from '@bootlab/trace';
import type { Run } from '../types.ts';

export interface SteadyState {
  runId: string;
  guest: string;
  /** The run's --dense / --ksm settings, as a condition label ("dense, ksm", "ksm", "—"). */
  settings: string;
  /** VMMs present at the start and the end of the steady state, and the fewest instances sampled between. */
  aliveStart: number;
  aliveEnd: number;
  aliveMinSampled: number | null;
  seconds: number;
  memoryPerVmKb: number;
  /** VMM CPU (utime+stime) per VM, ms per second of steady state. */
  cpuMsPerSecondPerVm: number;
  cachesDropped: boolean;
  /** The longest time between two samples from the run's start to the steady state's end, s: did sampling keep up at full size? */
  longestSampleGapS: number | null;
}

interface SteadyData {
  phase: string;
  alive: number;
  vmm_cpu_ms: number;
  mem_available_kb: number;
  mem_available_before_kb: number;
  caches_dropped: boolean;
}

const dataOf = (e: EventRecord) => e.data as unknown as SteadyData;

/** The longest time between two samples from the run's start to `until` (the steady state's end: not the teardown). */
function longestGapS(run: Run, until: number): number | null {
  const ts = run.samples.filter((x) => x.t_ns <= until).map((x) => x.t_ns);
  let longest: number | null = null;
  for (let i = 1; i < ts.length; i++) longest = Math.max(longest ?? 0, (ts[i]! - ts[i - 1]!) / 1e9);
  return longest;
}

/** A run's --dense / --ksm settings as a condition label ("dense, ksm", "ksm", "—"). */
export function densitySettings(run: Run): string {
  const plan = run.header.plan;
  return [plan.dense ? 'dense' : null, plan.ksm ? 'ksm' : null].filter(Boolean).join(', ') || '—';
}

export interface DensityPeak {
  runId: string;
  settings: string;
  /** How the run ended (end record), null without one. */
  status: string | null;
  /** The sample with the most VMMs running: how many, and MemAvailable then. */
  peakRunning: number;
  memAvailableKb: number;
  /** (MemAvailable at the first sample − at the peak) ÷ VMMs running then; page cache not dropped for it. */
  memoryPerVmKb: number;
}

/** Of the runs given (density runs), those that never reached a steady state (stopped by the guard or by hand): how far each got. */
export function densityPeaks(runs: readonly Run[]): DensityPeak[] {
  return runs
    .filter((run) => run.samples.length > 0 && !run.events.some((e) => e.kind === 'steady_state'))
    .map((run) => {
      const first = run.samples[0]!;
      const peak = run.samples.reduce((a, b) => (b.running > a.running ? b : a), first);
      return {
        runId: run.runId,
        settings: densitySettings(run),
        status: run.end?.status ?? null,
        peakRunning: peak.running,
        memAvailableKb: peak.mem_available_kb,
        memoryPerVmKb: peak.running ? (first.mem_available_kb - peak.mem_available_kb) / peak.running : 0,
      };
    });
}

export function steadyStates(runs: readonly Run[]): SteadyState[] {
  const out: SteadyState[] = [];
  for (const run of runs) {
    const events = run.events.filter((e) => e.kind === 'steady_state' && e.data);
    for (let i = 0; i + 1 < events.length; i++) {
      const start = events[i] as EventRecord;
      const end = events[i + 1] as EventRecord;
      const s = dataOf(start);
      const e = dataOf(end);
      if (s.phase !== 'start' || e.phase !== 'end' || e.alive === 0) continue;
      const seconds = (end.t_ns - start.t_ns) / 1e9;
      const between = run.samples.filter((x) => x.t_ns >= start.t_ns && x.t_ns <= end.t_ns).map((x) => x.running);
      const settings = densitySettings(run);
      out.push({
        runId: run.runId,
        guest: run.header.plan.guests.join(', '),
        settings,
        aliveStart: s.alive,
        aliveEnd: e.alive,
        aliveMinSampled: between.length ? Math.min(...between) : null,
        seconds,
        memoryPerVmKb: (e.mem_available_before_kb - e.mem_available_kb) / e.alive,
        cpuMsPerSecondPerVm: seconds > 0 ? (e.vmm_cpu_ms - s.vmm_cpu_ms) / seconds / e.alive : 0,
        cachesDropped: s.caches_dropped && e.caches_dropped,
        longestSampleGapS: longestGapS(run, end.t_ns),
      });
      i++;
    }
  }
  return out;
}

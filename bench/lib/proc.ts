// Watching a process from outside while it runs: peak and current RSS (VmHWM, VmRSS from
// /proc/PID/status), threads, and CPU time (utime+stime from /proc/PID/stat). Used to price the recorder
// itself (scale benchmark), never the VMs it launches.
import { readdirSync, readFileSync } from 'node:fs';
import { every } from './periodic.ts';

const CLOCK_TICKS = 100;

export interface ProcReading {
  t_ms: number;
  vm_rss_kb: number;
  vm_hwm_kb: number;
  threads: number;
  cpu_ms: number;
}

export function readProc(pid: number): Omit<ProcReading, 't_ms'> | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    return {
      vm_rss_kb: field('VmRSS'),
      vm_hwm_kb: field('VmHWM'),
      threads: field('Threads'),
      cpu_ms: (ticks * 1000) / CLOCK_TICKS,
    };
  } catch {
    return null;
  }
}

export interface ProcWatch {
  stop(): ProcSummary;
}

export interface ProcSummary {
  readings: number;
  /** Highest VmHWM seen (the kernel's own peak-RSS counter). */
  peak_hwm_kb: number;
  /** Highest VmRSS seen among the readings. */
  peak_rss_kb: number;
  /** Last reading's CPU time (utime+stime), ms. */
  cpu_ms: number;
  max_threads: number;
  series: ProcReading[];
}

/** Direct children of `pid` whose command name starts with `prefix` (e.g. bootlab's launch engine). */
export function childrenNamed(pid: number, prefix: string): number[] {
  const found: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').trim();
      for (const child of children ? children.split(' ').map(Number) : []) {
        try {
          if (readFileSync(`/proc/${child}/comm`, 'latin1').startsWith(prefix)) found.push(child);
        } catch {
          // exited
        }
      }
    }
  } catch {
    // the parent exited
  }
  return found;
}

/**
 * Read /proc/PID every `everyMs` until stopped (or the process is gone). With `helperPrefix`, the direct
 * children of that name (bootlab's launch engine) count as part of the process: their RSS, peak RSS
 * (the sum of the peaks: an upper bound of the peak of the sum), threads and CPU are added.
 */
export function watchProcess(pid: number, everyMs = 50, helperPrefix?: string): ProcWatch {
  const start = performance.now();
  const series: ProcReading[] = [];
  const helperPeak = new Map<number, Omit<ProcReading, 't_ms'>>();
  const tick = () => {
    const r = readProc(pid);
    if (!r) return;
    if (helperPrefix) {
      for (const child of childrenNamed(pid, helperPrefix)) {
        const c = readProc(child);
        if (c) helperPeak.set(child, c);
      }
      for (const c of helperPeak.values()) {
        r.vm_rss_kb += c.vm_rss_kb;
        r.vm_hwm_kb += c.vm_hwm_kb;
        r.threads += c.threads;
        r.cpu_ms += c.cpu_ms;
      }
    }
    series.push({ t_ms: Math.round(performance.now() - start), ...r });
  };
  const stopTicking = every(everyMs, tick);
  return {
    stop() {
      stopTicking();
      return {
        readings: series.length,
        peak_hwm_kb: Math.max(0, ...series.map((r) => r.vm_hwm_kb)),
        peak_rss_kb: Math.max(0, ...series.map((r) => r.vm_rss_kb)),
        cpu_ms: series[series.length - 1]?.cpu_ms ?? 0,
        max_threads: Math.max(0, ...series.map((r) => r.threads)),
        series,
      };
    },
  };
}

// What a recorder costs the machine, thread by thread: on-CPU time (/proc/PID/task/TID/schedstat, field 1,
// nanoseconds: exact, unlike utime+stime in 10 ms ticks) and how often each thread went to sleep and was
// woken again (voluntary_ctxt_switches) or was preempted (nonvoluntary_ctxt_switches). The recorder's
// process tree is walked from its root; the VMMs it launches are not the recorder and are left out.
import { readdirSync, readFileSync } from 'node:fs';
import { every } from './periodic.ts';

export interface ThreadCounters {
  /** "process comm/thread comm", e.g. "node/main", "bootlab-engine-/engine-writer". */
  name: string;
  pid: number;
  tid: number;
  cpu_ns: number;
  voluntary: number;
  involuntary: number;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    const text = read(`/proc/${pid}/task/${tid}/children`);
    if (text) for (const c of text.trim().split(' ')) if (c) out.push(Number(c));
  }
  return out;
}

/** Every thread of `root` and of its descendants, except processes `exclude` says are not the recorder. */
export function readTree(root: number, exclude: (comm: string) => boolean): ThreadCounters[] {
  const found: ThreadCounters[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    const comm = read(`/proc/${pid}/comm`)?.trim();
    if (comm === undefined || (pid !== root && exclude(comm))) continue;
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const sched = read(`/proc/${pid}/task/${tid}/schedstat`);
      const status = read(`/proc/${pid}/task/${tid}/status`);
      if (sched === null || status === null) continue;
      const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      // A process's first thread is named after the process: call it "main" (bootlab-engine's is its reader).
      const threadComm = Number(tid) === pid ? 'main' : (/^Name:\s+(.*)$/m.exec(status)?.[1]?.trim() ?? '?');
      found.push({
        name: `${comm}/${threadComm}`,
        pid,
        tid: Number(tid),
        cpu_ns: Number(sched.split(' ')[0]),
        voluntary: field('voluntary_ctxt_switches'),
        involuntary: field('nonvoluntary_ctxt_switches'),
      });
    }
    stack.push(...children(pid));
  }
  return found;
}

export interface TreeReading {
  /** CLOCK_MONOTONIC, ns (process.hrtime.bigint(): the clock of both recorders' traces). */
  t: bigint;
  /** Per thread id: the last counters seen. A thread that has exited keeps its last reading. */
  threads: Map<number, ThreadCounters>;
}

export interface TreeWatch {
  stop(): TreeReading[];
}

/**
 * Read the tree every `everyMs` until stopped. Each reading carries forward every thread seen so far, so
 * sums over a reading never drop when a thread (or the whole recorder) exits.
 */
export function watchTree(root: number, exclude: (comm: string) => boolean, everyMs = 50): TreeWatch {
  const readings: TreeReading[] = [];
  const known = new Map<number, ThreadCounters>();
  const tick = () => {
    for (const t of readTree(root, exclude)) known.set(t.tid, t);
    readings.push({ t: process.hrtime.bigint(), threads: new Map(known) });
  };
  const stopTicking = every(everyMs, tick);
  return {
    stop() {
      stopTicking();
      return readings;
    },
  };
}

export interface CostTotals {
  cpu_ms: number;
  voluntary: number;
  involuntary: number;
}

/** Sums of a reading, over all threads or by thread name. */
export function totals(reading: TreeReading, pick: (t: ThreadCounters) => boolean = () => true): CostTotals {
  let cpu = 0;
  let v = 0;
  let iv = 0;
  for (const t of reading.threads.values()) {
    if (!pick(t)) continue;
    cpu += t.cpu_ns;
    v += t.voluntary;
    iv += t.involuntary;
  }
  return { cpu_ms: cpu / 1e6, voluntary: v, involuntary: iv };
}

/** Per thread name, the difference between two readings (threads born in between count from zero). */
export function deltaByName(a: TreeReading, b: TreeReading): Map<string, CostTotals & { threads: number }> {
  const out = new Map<string, CostTotals & { threads: number }>();
  for (const [tid, tb] of b.threads) {
    const ta = a.threads.get(tid);
    const d = out.get(tb.name) ?? { cpu_ms: 0, voluntary: 0, involuntary: 0, threads: 0 };
    d.cpu_ms += (tb.cpu_ns - (ta?.cpu_ns ?? 0)) / 1e6;
    d.voluntary += tb.voluntary - (ta?.voluntary ?? 0);
    d.involuntary += tb.involuntary - (ta?.involuntary ?? 0);
    d.threads++;
    out.set(tb.name, d);
  }
  return out;
}

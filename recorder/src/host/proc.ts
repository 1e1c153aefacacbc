// Readers for the few /proc files the recorder needs. They are synchronous on purpose: each is a
// single small read from a pseudo-file (tens of microseconds), cheaper than a promise round-trip,
// and a value read "at Te" must be read right then, not after other callbacks have run.
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc/PID/stat times; 100 on every Linux/x86 build Debian ships. */
const CLOCK_TICKS = 100;
const PAGE_KB = 4;

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

/** utime+stime of a process in ms, or null if it is gone. */
export function readCpuMs(pid: number): number | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}

export interface ProcStat {
  cpuMs: number;
  rssKb: number;
}

/** CPU time and RSS from one read of /proc/PID/stat (the sampler's cheap per-instance source). */
export function readProcStat(pid: number): ProcStat | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const rssPages = Number(fields[21]);
  if (!Number.isFinite(cpuTicks) || !Number.isFinite(rssPages)) return null;
  return { cpuMs: (cpuTicks * 1000) / CLOCK_TICKS, rssKb: rssPages * PAGE_KB };
}

/** Resident set size in KiB from /proc/PID/statm, or null if the process is gone. */
export function readRssKb(pid: number): number | null {
  const statm = readOrNull(`/proc/${pid}/statm`);
  if (statm === null) return null;
  const resident = Number(statm.split(' ')[1]);
  return Number.isFinite(resident) ? resident * PAGE_KB : null;
}

/**
 * Resident KiB of the guest's RAM at this moment: QEMU backs it with one anonymous mapping of exactly the `-m`
 * size, which /proc/PID/smaps names by size alone. Null when the process is gone or no such mapping exists
 * (file- or hugepage-backed memory). Costs ~1 ms (smaps walks every mapping): read it once, at Te.
 */
export function readGuestRamKb(pid: number, ramKb: number): number | null {
  const text = readOrNull(`/proc/${pid}/smaps`);
  if (text === null) return null;
  // QEMU's smaps runs to thousands of lines: only mapping headers (they start with a lowercase hex digit;
  // field lines with a capital) go through the regex, and only the RAM mapping's Rss line is parsed.
  let found = false;
  let total = 0;
  let inRam = false;
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const c = text.charCodeAt(start);
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) {
      const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ (\d+)\s*(\S*)/.exec(text.slice(start, end));
      if (head) {
        const sizeKb = (Number.parseInt(head[2]!, 16) - Number.parseInt(head[1]!, 16)) / 1024;
        inRam = sizeKb === ramKb && head[3] === '0' && head[4] === '';
        found ||= inRam;
      }
    } else if (inRam && text.startsWith('Rss:', start)) {
      total += Number(/(\d+)/.exec(text.slice(start, end))?.[1] ?? 0);
    }
    start = end + 1;
  }
  return found ? total : null;
}

/** The guest RAM size in KiB that a QEMU argv asks for with -m (50, 50M, 1G, size=256M,…); null if none. */
export function guestRamKbOf(argv: readonly string[]): number | null {
  const i = argv.lastIndexOf('-m');
  const value = i >= 0 ? argv[i + 1] : undefined;
  if (value === undefined) return null;
  const size = /^(?:size=)?(\d+(?:\.\d+)?)([kKmMgGtT]?)[bB]?(?:,|$)/.exec(value);
  if (!size) return null;
  const unitKb: Record<string, number> = { k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024, '': 1 };
  const mb = Number(size[1]) * (unitKb[size[2]!.toLowerCase()] ?? 1);
  return Math.round(mb * 1024);
}

/** Proportional set size in KiB from smaps_rollup — costly (walks the page tables), so read it rarely. */
export function readPssKb(pid: number): number | null {
  const text = readOrNull(`/proc/${pid}/smaps_rollup`);
  if (text === null) return null;
  const m = /^Pss:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) : null;
}

export interface MemInfo {
  totalKb: number;
  availableKb: number;
}

export function readMemInfo(): MemInfo {
  const text = readOrNull('/proc/meminfo') ?? '';
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { totalKb: field('MemTotal'), availableKb: field('MemAvailable') };
}

export function readLoad1(): number {
  const text = readOrNull('/proc/loadavg');
  const load = text ? Number(text.split(' ')[0]) : 0;
  return Number.isFinite(load) ? load : 0;
}

/**
 * Tasks runnable host-wide at this instant, not counting the reader itself: /proc/loadavg's fourth field
 * ("running/total") minus one. Unlike load1, a one-minute average that still carries whatever ran in the
 * minute before, it says what competes for the CPU now. null if unreadable.
 */
export function readProcsRunning(): number | null {
  const text = readOrNull('/proc/loadavg');
  const running = text ? Number(text.split(' ')[3]?.split('/')[0]) : Number.NaN;
  return Number.isFinite(running) ? Math.max(0, running - 1) : null;
}

/**
 * Other work on the host before a run starts: the median of `reads` readings of readProcsRunning taken
 * `everyMs` apart (a single reading is too noisy). Yields between reads, so it costs no CPU.
 */
export async function backgroundRunnable(reads = 20, everyMs = 5): Promise<number | null> {
  const values: number[] = [];
  for (let i = 0; i < reads; i++) {
    const v = readProcsRunning();
    if (v !== null) values.push(v);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  if (!values.length) return null;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 ? (values[mid] as number) : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

// Shared plumbing of the fault campaign: seeded randomness, the recorder CLI as a child process, a leak
// detector that finds every process a recorder started (by cmdline and by an inherited environment tag),
// peak-memory polling, and a trace inspector that tells complete lines from a cut-off last one.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTraceLine, type TraceRecord } from '@bootlab/trace';

export const BIN = fileURLToPath(new URL('../bin/bootlab.mjs', import.meta.url));
/** A stand-in VMM (the recorder tests' own): `BOOTLAB_FAKE=flood` prints 100 MB without a newline. */
export const FAKE_VMM = fileURLToPath(new URL('../recorder/test/fixtures/fake-vmm.sh', import.meta.url));
/** Environment variable every process a campaign recorder starts inherits: how leaks are found. */
export const TAG_VAR = 'BOOTLAB_CAMPAIGN_TAG';

// ---------------------------------------------------------------------------------------------- random

// One seeded RNG for the whole project: the analysis package's (mulberry32 seeded by an FNV-1a hash of names).
export { hashSeed, mulberry32 } from '@bootlab/analysis/core';

export const uniform = (rng: () => number, lo: number, hi: number) => lo + (hi - lo) * rng();
export const randInt = (rng: () => number, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------------------------------- processes

function readProc(pid: string, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return null;
  }
}

/**
 * Live (non-zombie) processes other than `exclude` whose command line contains one of `needles`, or whose
 * environment holds `TAG_VAR=tag`. The environment catches what a command line cannot: a fake VMM that
 * exec'd into `sleep`, its `head | tr` helpers, a child forked but not yet exec'd.
 */
export function leftovers(tag: string | null, needles: readonly string[], exclude: readonly number[] = []): number[] {
  const pids: number[] = [];
  const envNeedle = tag ? `${TAG_VAR}=${tag}\0` : null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || exclude.includes(pid)) continue;
    const stat = readProc(entry, 'stat');
    if (stat === null || stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
    const cmdline = readProc(entry, 'cmdline') ?? '';
    let hit = needles.some((n) => cmdline.includes(n));
    if (!hit && envNeedle) hit = (readProc(entry, 'environ') ?? '').includes(envNeedle);
    if (hit) pids.push(pid);
  }
  return pids;
}

/** SIGKILL whatever a failed run left behind, so one leak does not skew the next run. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** VmHWM (peak RSS) of a process in KiB, or null once it is gone. */
export function peakRssKb(pid: number): number | null {
  const status = readProc(String(pid), 'status');
  const m = status ? /^VmHWM:\s+(\d+) kB/m.exec(status) : null;
  return m ? Number(m[1]) : null;
}

export interface Cli {
  pid: number;
  startedAt: number;
  exited: Promise<CliExit>;
  kill(signal: NodeJS.Signals): void;
  stderr(): string;
  stdout(): string;
}

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
  /** Highest VmHWM seen while the process ran (polled every 50 ms), KiB. */
  peakRssKb: number | null;
}

const KEEP = 8192;

/**
 * Start `bootlab <args>` as its own process, the way a user runs it. Arguments go to execve as they are,
 * never through a shell. `prefix` runs the CLI under another program first (e.g. a `bash -c` that sets a
 * ulimit and then execs "$@", so the CLI's own arguments are still never parsed by the shell).
 */
/** Options added to every `bootlab record` the campaign starts (e.g. --launcher setpriv, to compare). */
export const RECORD_EXTRAS: string[] = [];

export function startCli(args: readonly string[], options: { env?: Record<string, string>; prefix?: readonly string[]; cwd?: string } = {}): Cli {
  const extras = args[0] === 'record' ? RECORD_EXTRAS : [];
  const argv = [...(options.prefix ?? []), process.execPath, BIN, ...args, ...extras];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
  });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-KEEP)));
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-KEEP)));
  const pid = child.pid!;
  let peak: number | null = null;
  const poll = setInterval(() => {
    const kb = peakRssKb(pid);
    if (kb !== null) peak = Math.max(peak ?? 0, kb);
  }, 50);
  const exited = new Promise<CliExit>((resolve) =>
    child.once('close', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, at: performance.now(), peakRssKb: peak });
    }),
  );
  return {
    pid,
    startedAt: performance.now(),
    exited,
    kill: (signal) => child.kill(signal),
    stderr: () => stderr,
    stdout: () => stdout,
  };
}

/** The CLI run to completion (bounded: a hung recorder is killed and reported as such). */
export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; prefix?: readonly string[]; limitMs?: number; cwd?: string } = {},
): Promise<CliExit & { stderr: string; stdout: string; hung: boolean; pid: number }> {
  const cli = startCli(args, options);
  let hung = false;
  const limit = setTimeout(() => {
    hung = true;
    cli.kill('SIGKILL');
  }, options.limitMs ?? 300_000);
  const exit = await cli.exited;
  clearTimeout(limit);
  return { ...exit, stderr: cli.stderr(), stdout: cli.stdout(), hung, pid: cli.pid };
}

/** The last non-empty stderr line: the recorder's one-line error, if any. */
export function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

// ---------------------------------------------------------------------------------------------- traces

export interface TraceInspection {
  exists: boolean;
  bytes: number;
  /** Newline-terminated lines. */
  lines: number;
  records: TraceRecord[];
  /** Terminated lines that do not parse: corruption, never expected. */
  bad: { line: number; error: string }[];
  /** A last line without its newline: a record cut off mid-write. Its bytes are the data lost. */
  cutOff: { line: number; bytes: number; parses: boolean } | null;
}

/** Read a trace and classify every line; never throws. */
export function inspectTrace(path: string): TraceInspection {
  if (!existsSync(path)) return { exists: false, bytes: 0, lines: 0, records: [], bad: [], cutOff: null };
  const buf = readFileSync(path);
  const text = buf.toString('utf8');
  const parts = text.split('\n');
  const tail = parts.pop() ?? '';
  const records: TraceRecord[] = [];
  const bad: TraceInspection['bad'] = [];
  parts.forEach((line, i) => {
    try {
      records.push(parseTraceLine(line, { file: path, line: i + 1 }));
    } catch (err) {
      bad.push({ line: i + 1, error: (err as Error).message });
    }
  });
  let cutOff: TraceInspection['cutOff'] = null;
  if (tail.length > 0) {
    let parses = true;
    try {
      parseTraceLine(tail, { file: path, line: parts.length + 1 });
    } catch {
      parses = false;
    }
    cutOff = { line: parts.length + 1, bytes: Buffer.byteLength(tail), parses };
  }
  return { exists: true, bytes: buf.length, lines: parts.length, records, bad, cutOff };
}

/** How many boot records a trace holds so far (cheap: counts the type tag, no parsing). */
export function countBootLines(path: string, batch?: number): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 0;
  }
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"type":"boot"')) continue;
    if (batch === undefined || line.includes(`"batch":${batch},`)) n++;
  }
  return n;
}

export function hasHeader(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').startsWith('{"type":"header"');
  } catch {
    return false;
  }
}

/**
 * Busy processes that keep every core loaded while a campaign runs, as other work on a shared host does: the
 * SIGKILL orphan window of a launcher grows with the time its exec takes to get scheduled. Each hog is
 * `sha256sum /dev/zero` (pure CPU, no memory, no shell); stop() kills them all.
 */
export function startCpuHogs(count: number): { stop: () => void } {
  const hogs = Array.from({ length: count }, () => spawn('sha256sum', ['/dev/zero'], { stdio: 'ignore' }));
  return {
    stop: () => {
      for (const h of hogs) h.kill('SIGKILL');
    },
  };
}

/** Waits for `check` (polled every 5 ms) or the run's end; false if it never held. */
export async function until(check: () => boolean, exited: () => boolean, limitMs = 90_000): Promise<boolean> {
  const end = performance.now() + limitMs;
  while (performance.now() < end) {
    if (check()) return true;
    if (exited()) return false;
    await sleep(5);
  }
  return false;
}

export function errorText(err: unknown): string {
  const e = err as Error;
  return `${e.name}: ${e.message.split('\n')[0]}`;
}

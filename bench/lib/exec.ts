// Running the things under test as separate processes (as a user runs them), and building the C
// reference at run time: no compiled binary is ever committed; bench/reference/build/ is git-ignored.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLauncher } from '@bootlab/recorder';
import { BENCH_DIR, REPO_ROOT, TMP_DIR } from './machine.ts';
import { RECORDER_PID } from './recorder-pid.ts';

export const REFERENCE_DIR = join(BENCH_DIR, 'reference');
export const BUILD_DIR = join(REFERENCE_DIR, 'build');

export interface Binaries {
  /** The C reference recorder (the paper's method). */
  recorder: string;
  /** The trivial process guest: prints "ready" at once, then waits to be killed. */
  trivial: string;
  /** bootlab's own launcher (recorder/launcher/bootlab-launch.c), as the recorder builds it. */
  launcher: string;
}

export interface RunOutcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Run a command to completion; `onStart` gets its pid (for watchers). Rejects only if it cannot start. */
export function run(
  cmd: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; onStart?: (pid: number) => void } = {},
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20000)));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGINT'), options.timeoutMs) : null;
    child.once('error', reject);
    child.once('spawn', () => child.pid !== undefined && options.onStart?.(child.pid));
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, wallMs: performance.now() - t0 });
    });
  });
}

export async function mustRun(cmd: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<RunOutcome> {
  const out = await run(cmd, args, options);
  if (out.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${out.code ?? out.signal}):\n${out.stderr.slice(-3000)}`);
  }
  return out;
}

const newer = (src: string, out: string) => {
  try {
    return statSync(src).mtimeMs > statSync(out).mtimeMs;
  } catch {
    return true;
  }
};

/** Compile the C reference, trivial guest and launcher when their sources changed (gcc, at run time). */
export async function buildReference(): Promise<Binaries> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const targets: [keyof Binaries, string, string[]][] = [
    ['recorder', 'recorder.c', ['-O2', '-Wall', '-Wextra', '-pthread']],
    // Static: no dynamic loader, so the trivial guest's exec is as cheap as an exec gets.
    ['trivial', 'trivial.c', ['-O2', '-Wall', '-Wextra', '-static']],
  ];
  const out = { launcher: buildLauncher() } as Binaries;
  for (const [key, src, flags] of targets) {
    const source = join(REFERENCE_DIR, src);
    const binary = join(BUILD_DIR, key);
    if (newer(source, binary)) await mustRun('gcc', [...flags, '-o', binary, source]);
    out[key] = binary;
  }
  return out;
}

/**
 * The prefix bootlab puts before every VMM, for the C reference or the spawn probe to start commands through:
 * RECORDER_PID is replaced by the pid of whichever process spawns it.
 */
export function launcherPrefix(bin: Binaries): string[] {
  return [bin.launcher, RECORDER_PID, '--'];
}

/** A descriptor for the trivial process guest (any existing file serves as its "kernel"). */
export function trivialDescriptor(bin: Binaries): string {
  mkdirSync(TMP_DIR, { recursive: true });
  const path = join(TMP_DIR, 'trivial.guest.json');
  writeFileSync(path, `${JSON.stringify({ name: 'trivial', kernel: bin.trivial, ready: '^ready', memory_mb: 50 }, null, 2)}\n`);
  return path;
}

/** Make sure the minkernel image exists (bootlab's own cached build). */
export async function buildMinkernel(): Promise<void> {
  await mustRun(process.execPath, [join(REPO_ROOT, 'bin/bootlab.mjs'), 'guests', 'build', 'minkernel'], { timeoutMs: 300_000 });
}

/** Parse a JSONL file into plain objects (the reference's format is not bootlab.trace/1). */
export function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export const BOOTLAB = join(REPO_ROOT, 'bin/bootlab.mjs');

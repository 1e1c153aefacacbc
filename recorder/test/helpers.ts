// Shared by the recorder's tests: real guests, real traces, real processes.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTraceLine, type TraceRecord } from '@bootlab/trace';
import { buildGuests } from '../src/guests/guest-build.ts';
import { GUESTS_DIR } from '../src/guests/guests.ts';
import type { RecordOptions } from '../src/record/record.ts';

/** Build a built-in guest if its images are missing or stale (skipped when up to date). */
export async function ensureBuilt(name: string): Promise<void> {
  await buildGuests([name]);
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `bootlab-${prefix}-`));
}

/**
 * A descriptor in a fresh folder whose kernel is a private copy of a built-in guest's image: its unique
 * path lets a test find exactly its own QEMU processes in /proc.
 */
export function privateGuest(base: string, overrides: Record<string, unknown> = {}): { path: string; kernel: string } {
  const dir = tempDir(`guest-${base}`);
  const descriptor = JSON.parse(readFileSync(join(GUESTS_DIR, base, 'guest.json'), 'utf8')) as Record<string, unknown>;
  const kernel = join(dir, 'kernel.elf');
  copyFileSync(join(GUESTS_DIR, base, descriptor.kernel as string), kernel);
  const path = join(dir, 'guest.json');
  writeFileSync(path, JSON.stringify({ ...descriptor, kernel, ...overrides }));
  return { path, kernel };
}

/** Parse every line of a trace; throws on the first invalid one. */
export function readTrace(path: string): TraceRecord[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  return lines.map((line, i) => parseTraceLine(line, { file: path, line: i + 1 }));
}

export function boots(records: TraceRecord[]) {
  return records.flatMap((r) => (r.type === 'boot' ? [r] : []));
}

/** PIDs of live processes whose command line contains `needle`. */
export function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmdline.includes(needle) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

export async function waitFor(check: () => boolean, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}

/** Options for a small TCG run; tests override what they exercise. */
export function runOptions(overrides: Partial<RecordOptions> & Pick<RecordOptions, 'guests' | 'output'>): RecordOptions {
  return {
    mode: 'single',
    n: [3],
    intervalsMs: [3],
    repeat: 1,
    timeoutS: 60,
    keepAlive: false,
    sampleMs: 100,
    accel: 'tcg',
    profile: 'paper',
    force: false,
    qemu: 'qemu-system-x86_64',
    cooldownMs: 50,
    ...overrides,
  };
}

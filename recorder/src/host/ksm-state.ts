// Kernel samepage merging state, a host fact stored in the trace header: KSM changes how much memory each
// idle instance costs and takes CPU from guests while it scans, so hosts with and without it differ.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KsmState {
  /** 0 off, 1 merging, 2 unmerging (/sys/kernel/mm/ksm/run). */
  run: number;
  pages_sharing: number | null;
}

function readInt(path: string): number | null {
  try {
    const v = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(v) ? v : null;
  } catch {
    return null;
  }
}

/** KSM state, or null where the kernel has none. */
export function readKsm(dir = '/sys/kernel/mm/ksm'): KsmState | null {
  const run = readInt(join(dir, 'run'));
  if (run === null) return null;
  const sharing = readInt(join(dir, 'pages_sharing'));
  return { run, pages_sharing: sharing !== null && sharing >= 0 ? sharing : null };
}

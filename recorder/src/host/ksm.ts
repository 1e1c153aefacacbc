// Kernel samepage merging (KSM), both ways the recorder meets it.
// As a host fact (readKsm): stored in the trace header, because KSM changes how much memory each idle
// instance costs and takes CPU from guests while it scans, so hosts with and without it differ.
// As `--ksm` (KsmSession): merging for the length of one run. Root only: it turns ksmd on (and makes it
// scan faster), the launch engine marks every VMM merge-any with prctl(PR_SET_MEMORY_MERGE) before exec
// (Linux >= 6.4; QEMU by itself marks only guest RAM mergeable), and the previous settings are written
// back when the run ends — normally, on SIGINT/SIGTERM (the run's own cleanup), or at process exit.
// A SIGKILL of the recorder cannot restore anything; the header keeps the previous values to restore by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where KSM's knobs live; tests point BOOTLAB_KSM_ROOT at a copy. */
export function ksmRoot(): string {
  return process.env.BOOTLAB_KSM_ROOT || '/sys/kernel/mm/ksm';
}

/** The settings --ksm changes, and the values it sets. */
export const KSM_SETTINGS: Readonly<Record<string, string>> = {
  run: '1',
  // The default (100 pages every 20 ms, ~20 MB/s) needs minutes for hundreds of VMs; 1000 pages per pass
  // merges ~200 MB/s for at most one core of ksmd.
  pages_to_scan: '1000',
  sleep_millisecs: '20',
};

export interface KsmCounters {
  pages_shared: number;
  pages_sharing: number;
}

export class KsmError extends Error {
  override name = 'KsmError';
}

function readSetting(root: string, name: string): string {
  return readFileSync(join(root, name), 'utf8').trim();
}

/** pages_shared / pages_sharing now, or null when KSM is not readable here. */
export function readKsmCounters(root = ksmRoot()): KsmCounters | null {
  try {
    return { pages_shared: Number(readSetting(root, 'pages_shared')), pages_sharing: Number(readSetting(root, 'pages_sharing')) };
  } catch {
    return null;
  }
}

export class KsmSession {
  readonly root: string;
  readonly previous: Record<string, string>;
  readonly used: Record<string, string>;
  readonly atStart: KsmCounters | null;
  private restored = false;
  private readonly onExit = () => this.restore();

  private constructor(root: string, previous: Record<string, string>, used: Record<string, string>) {
    this.root = root;
    this.previous = previous;
    this.used = used;
    this.atStart = readKsmCounters(root);
    process.once('exit', this.onExit);
  }

  /** Turn KSM on for a run. Throws KsmError (one line) when not root or KSM is missing. */
  static enable(root = ksmRoot(), settings: Readonly<Record<string, string>> = KSM_SETTINGS): KsmSession {
    if (typeof process.getuid === 'function' && process.getuid() !== 0 && !process.env.BOOTLAB_KSM_ROOT) {
      throw new KsmError('--ksm needs root (it writes /sys/kernel/mm/ksm)');
    }
    const previous: Record<string, string> = {};
    for (const name of Object.keys(settings)) {
      try {
        previous[name] = readSetting(root, name);
      } catch (err) {
        throw new KsmError(`--ksm: ${join(root, name)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (kernel without KSM?)`);
      }
    }
    const session = new KsmSession(root, previous, { ...settings });
    try {
      for (const [name, value] of Object.entries(settings)) writeFileSync(join(root, name), value);
    } catch (err) {
      session.restore();
      throw new KsmError(`--ksm: cannot write ${root}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return session;
  }

  /** Write the previous settings back (once; later calls do nothing). */
  restore(): void {
    if (this.restored) return;
    this.restored = true;
    process.off('exit', this.onExit);
    // `run` last: the scan parameters are back before ksmd is switched back to what it was.
    const names = Object.keys(this.previous).sort((a, b) => (a === 'run' ? 1 : b === 'run' ? -1 : 0));
    for (const name of names) {
      try {
        writeFileSync(join(this.root, name), this.previous[name]!);
      } catch {
        // best effort at exit; the header holds the previous values
      }
    }
  }
}

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

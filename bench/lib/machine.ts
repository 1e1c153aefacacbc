// Where and when a benchmark ran: every result file carries this, so a number can be judged (or
// discarded) later. The load average is read before and after each benchmark, because this machine is
// shared with builds and tests: a result taken at load 4 on 2 cores is a noisy-machine result.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = dirname(BENCH_DIR);
export const RESULTS_DIR = join(BENCH_DIR, 'results');
/** Scratch space for traces and generated data; ignored by git (bench/results/tmp/). */
export const TMP_DIR = join(RESULTS_DIR, 'tmp');

export interface Machine {
  hostname: string;
  cpu_model: string;
  cores: number;
  mem_total_kb: number;
  kernel: string;
  os: string;
  node: string;
  qemu_version: string | null;
  gcc_version: string | null;
  /** /dev/kvm flavour: kvm_pvm here (software nested KVM), hence TCG. */
  kvm: string;
  bootlab_commit: string | null;
  /** Uncommitted changes in the work tree when the benchmark ran (not counting bench/results/). */
  bootlab_dirty: boolean | null;
}

function firstLine(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).split('\n')[0]?.trim() ?? null;
  } catch {
    return null;
  }
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function kvmFlavour(): string {
  const mods = ['kvm_pvm', 'kvm_intel', 'kvm_amd'].filter((m) => {
    try {
      readFileSync(`/sys/module/${m}/refcnt`);
      return true;
    } catch {
      return false;
    }
  });
  return mods.join('+') || 'none';
}

export function machine(): Machine {
  const qemu = firstLine('qemu-system-x86_64', ['--version']);
  const dirty = firstLine('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', '.', ':!bench/results']);
  return {
    hostname: hostname(),
    cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    mem_total_kb: Math.round(totalmem() / 1024),
    kernel: release(),
    os: osName(),
    node: process.version,
    qemu_version: qemu ? (/version\s+(\S+)/.exec(qemu)?.[1] ?? qemu) : null,
    gcc_version: firstLine('gcc', ['-dumpfullversion']),
    kvm: kvmFlavour(),
    bootlab_commit: firstLine('git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD']),
    bootlab_dirty: dirty === null ? null : dirty.length > 0,
  };
}

/** 1, 5 and 15-minute load averages. */
export function loadavg(): [number, number, number] {
  const f = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [f[0] ?? 0, f[1] ?? 0, f[2] ?? 0];
}

export function memAvailableKb(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) : 0;
}

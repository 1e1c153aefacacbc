// What machine this is, which QEMU, and which accelerator to use — collected once per run and stored
// in the trace header (pyperf-style provenance), so a trace explains its own numbers.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, hostname, release, totalmem } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import type { HostInfo } from '@bootlab/trace';

export type AccelRequest = 'auto' | 'kvm' | 'tcg';

export interface AccelVerdict {
  accel: 'kvm' | 'tcg';
  reason: string;
  kvmFlavour: string;
}

export class HostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostError';
  }
}

const KVM_MODULES = ['kvm_pvm', 'kvm_intel', 'kvm_amd'];

/** Which KVM implementation backs /dev/kvm: "none", or the loaded module's name. */
export function kvmFlavour(sysModule = '/sys/module', devKvm = '/dev/kvm'): string {
  if (!existsSync(devKvm)) return 'none';
  const loaded = KVM_MODULES.filter((m) => existsSync(join(sysModule, m)));
  return loaded.length ? loaded.join('+') : 'unknown';
}

function devKvmUsable(devKvm: string): boolean {
  try {
    accessSync(devKvm, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decide the accelerator. `auto` takes KVM only where /dev/kvm is usable and is not kvm_pvm: that module
 * is a software nested KVM under which real guests hang or die with "KVM internal error", so TCG is the
 * only accelerator that measures anything there.
 */
export function decideAccel(request: AccelRequest, sysModule = '/sys/module', devKvm = '/dev/kvm'): AccelVerdict {
  const flavour = kvmFlavour(sysModule, devKvm);
  const usable = flavour !== 'none' && devKvmUsable(devKvm);
  if (request === 'tcg') return { accel: 'tcg', reason: 'requested with --accel tcg', kvmFlavour: flavour };
  if (request === 'kvm') {
    if (!usable) throw new HostError(`--accel kvm: ${devKvm} is missing or not readable and writable by this user`);
    const warn = flavour.includes('kvm_pvm') ? ' (warning: kvm_pvm is a software nested KVM; guests may hang)' : '';
    return { accel: 'kvm', reason: `requested with --accel kvm${warn}`, kvmFlavour: flavour };
  }
  if (!usable) return { accel: 'tcg', reason: `no usable ${devKvm}`, kvmFlavour: flavour };
  if (flavour.includes('kvm_pvm')) {
    return {
      accel: 'tcg',
      reason: 'kvm_pvm (software nested KVM) backs /dev/kvm: real guests hang or fail with "KVM internal error" under it',
      kvmFlavour: flavour,
    };
  }
  return { accel: 'kvm', reason: `usable ${devKvm} (${flavour})`, kvmFlavour: flavour };
}

/** Find an executable on PATH (or check an explicit path); null when absent. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  const candidates = name.includes('/') ? [name] : path.split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return isAbsolute(candidate) ? candidate : join(process.cwd(), candidate);
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

export interface QemuInfo {
  binary: string;
  version: string;
}

/** Locate QEMU and read its version; fails with a message that says how to get it. */
export function probeQemu(name: string): QemuInfo {
  const binary = findExecutable(name);
  if (!binary) {
    throw new HostError(
      `QEMU binary '${name}' not found on PATH — install it (apt-get install qemu-system-x86) or pass --qemu /path/to/qemu-system-x86_64`,
    );
  }
  let out: string;
  try {
    out = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new HostError(`QEMU binary '${binary}' did not run: ${(err as Error).message.split('\n')[0]}`);
  }
  const version = /version\s+(\S+)/.exec(out)?.[1] ?? out.split('\n')[0]?.trim() ?? 'unknown';
  return { binary, version };
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function collectHostInfo(qemu: QemuInfo, verdict: AccelVerdict): HostInfo {
  const cpuList = cpus();
  return {
    hostname: hostname(),
    cpu_model: cpuList[0]?.model?.trim() || 'unknown',
    cores: Math.max(1, cpuList.length),
    mem_total_kb: Math.round(totalmem() / 1024),
    kernel: release(),
    os: osName(),
    qemu_binary: qemu.binary,
    qemu_version: qemu.version,
    accel: verdict.accel,
    accel_reason: verdict.reason,
    kvm_flavour: verdict.kvmFlavour,
  };
}

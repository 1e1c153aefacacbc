// `bootlab doctor`: what this machine has and lacks for recording, and how to get what it lacks.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decideAccel, findExecutable, probeQemu, type AccelVerdict, type QemuInfo } from './host.ts';
import { builtinGuestNames, GUESTS_DIR } from '../guests/guests.ts';
import { isUpToDate } from '../guests/guest-build.ts';
import { buildEngine } from '../launch/engine.ts';
import { prepareLauncher, type Launcher } from '../launch/launcher.ts';

/** Tools bootlab uses, the Debian package that provides each, and what for. */
export const TOOLS: ReadonlyArray<{ tool: string; pkg: string; why: string; required: boolean }> = [
  { tool: 'qemu-system-x86_64', pkg: 'qemu-system-x86', why: 'the VMM every guest boots in', required: true },
  { tool: 'gcc', pkg: 'gcc', why: 'builds the launch engine, bootlab-launch (kills VMMs if the recorder dies) and unikernel', required: false },
  { tool: 'setpriv', pkg: 'util-linux', why: 'fallback launcher when bootlab-launch cannot be built', required: false },
  { tool: 'nasm', pkg: 'nasm', why: 'builds minkernel', required: false },
  { tool: 'ld', pkg: 'binutils', why: 'links minkernel and unikernel', required: false },
  { tool: 'busybox', pkg: 'busybox-static', why: 'initramfs of linux/debian', required: false },
  { tool: 'cpio', pkg: 'cpio', why: 'packs initramfs images', required: false },
  { tool: 'dpkg-deb', pkg: 'dpkg', why: 'extracts the Debian kernel', required: false },
  { tool: 'debootstrap', pkg: 'debootstrap', why: 'builds the debian guest', required: false },
  { tool: 'mkfs.ext4', pkg: 'e2fsprogs', why: 'makes the debian root image', required: false },
];

export interface DoctorReport {
  qemu: QemuInfo | { error: string };
  accel: AccelVerdict | { error: string };
  tools: Array<{ tool: string; pkg: string; why: string; required: boolean; path: string | null }>;
  guests: Array<{ name: string; built: boolean }>;
  launcher: Launcher;
  /** The launch engine's binary, or why it cannot be built (the recorder then spawns from Node). Optional for older callers. */
  engine?: { path: string } | { error: string };
  ok: boolean;
}

export function runDoctor(qemuName = 'qemu-system-x86_64'): DoctorReport {
  let qemu: DoctorReport['qemu'];
  try {
    qemu = probeQemu(qemuName);
  } catch (err) {
    qemu = { error: (err as Error).message };
  }
  let accel: DoctorReport['accel'];
  try {
    accel = decideAccel('auto');
  } catch (err) {
    accel = { error: (err as Error).message };
  }
  const tools = TOOLS.map((t) => ({ ...t, path: findExecutable(t.tool, `${process.env.PATH ?? ''}:/usr/sbin:/sbin`) }));
  const guests = builtinGuestNames().map((name) => ({ name, built: existsSync(join(GUESTS_DIR, name)) && isUpToDate(join(GUESTS_DIR, name)) }));
  // Building it here (once per source version) means the first record does not pay for the compile.
  const launcher = prepareLauncher();
  let engine: NonNullable<DoctorReport['engine']>;
  try {
    engine = { path: buildEngine() };
  } catch (err) {
    engine = { error: (err as Error).message };
  }
  const ok = !('error' in qemu) && tools.every((t) => !t.required || t.path !== null) && launcher.kind !== 'none';
  return { qemu, accel, tools, guests, launcher, engine, ok };
}

export function formatDoctor(report: DoctorReport): string {
  const lines: string[] = [];
  lines.push('error' in report.qemu ? `QEMU:         MISSING — ${report.qemu.error}` : `QEMU:         ${report.qemu.version} (${report.qemu.binary})`);
  lines.push(
    'error' in report.accel
      ? `accelerator:  ${report.accel.error}`
      : `accelerator:  ${report.accel.accel} — ${report.accel.reason} (KVM flavour: ${report.accel.kvmFlavour})`,
  );
  lines.push(
    report.launcher.kind === 'bootlab-launch'
      ? `launcher:     bootlab-launch (${report.launcher.prefix[0]}) — VMMs die with the recorder, even by SIGKILL`
      : `launcher:     ${report.launcher.kind.toUpperCase()} — ${report.launcher.note}`,
  );
  if (report.engine) {
    lines.push(
      'path' in report.engine
        ? `engine:       bootlab-engine (${report.engine.path}) — Ts, console reads and exits stamped in C`
        : `engine:       UNAVAILABLE — ${report.engine.error}; Node spawns each VMM (adds milliseconds to ΔT)`,
    );
  }
  lines.push('tools:');
  const missing: string[] = [];
  for (const t of report.tools) {
    lines.push(`  ${t.path ? 'ok     ' : 'MISSING'} ${t.tool.padEnd(20)} ${t.path ?? `(apt-get install ${t.pkg})`}  — ${t.why}`);
    if (!t.path) missing.push(t.pkg);
  }
  lines.push('built-in guests:');
  for (const g of report.guests) lines.push(`  ${g.built ? 'built  ' : 'not built'} ${g.name}`);
  if (missing.length) lines.push(`to install what is missing: apt-get install -y ${[...new Set(missing)].join(' ')}  (or: bash scripts/setup.sh)`);
  if (report.guests.some((g) => !g.built)) lines.push('to build the guests: npx bootlab guests build');
  return lines.join('\n');
}

// `bootlab guests probe IMAGE`: find out what an image is, boot it once (paper profile, then bare if the
// paper devices make it fail; SeaBIOS, then OVMF for disks and ISOs), propose a ready line and markers from
// what it printed, and write a descriptor the user can edit and pass to `record` / `classify`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { decideAccel, probeQemu, type AccelRequest } from '../host/host.ts';
import { parseDescriptor } from '../guests/descriptor.ts';
import { buildQemuArgv, type ProfileName } from '../launch/qemu-args.ts';
import { bootOnce, type BootCapture } from './boot-once.ts';
import { detectImage, type Detection } from './detect.ts';
import { looksFailed, propose, type Proposal } from './propose.ts';

export interface ProbeOptions {
  image: string;
  /** Descriptor to write; default ./<name>.json. */
  output?: string | undefined;
  name?: string | undefined;
  initrd?: string | undefined;
  append?: string | undefined;
  /** A disk attached read-only to a kernel image's guest (e.g. a root file system). */
  drive?: string | undefined;
  memoryMb?: number | undefined;
  accel: AccelRequest;
  qemu: string;
  /** Console silence (ms) after which the guest counts as up. */
  quietMs: number;
  /** Time limit per attempt (ms). */
  limitMs: number;
  force: boolean;
  log: (line: string) => void;
}

export interface ProbeAttempt {
  firmware: 'seabios' | 'ovmf';
  profile: ProfileName;
  capture: BootCapture;
  failure: string | null;
}

export interface ProbeResult {
  detection: Detection;
  attempts: ProbeAttempt[];
  /** Written descriptor path, or null when nothing booted. */
  output: string | null;
  descriptor: Record<string, unknown> | null;
  proposal: Proposal | null;
}

/** Minimum console silence that counts as "up" for UEFI boots and Linux kernels. */
export const SLOW_QUIET_MS = 5000;

export class ProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeError';
  }
}

function guestName(image: string): string {
  const stem = basename(image).replace(/\.[A-Za-z0-9]+$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (stem || 'guest').slice(0, 64);
}

/**
 * A CD image that boots the application under UEFI: an El Torito EFI entry holding a FAT image (made by
 * mtools) with the application at the default boot path \\EFI\\BOOT\\BOOTX64.EFI, the layout
 * grub-mkrescue uses. OVMF finds it without any boot entry configured.
 */
function makeEfiIso(app: string, iso: string): void {
  const work = `${iso}.d`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const fat = `${work}/efi.img`;
  // FAT size: the application plus 1 MiB of slack, in 1 KiB units, at least 1440.
  const kib = Math.max(1440, Math.ceil(statSync(app).size / 1024) + 1024);
  try {
    execFileSync('mformat', ['-i', fat, '-C', '-f', String(kib), '::'], { stdio: 'pipe' });
  } catch {
    // mformat knows only floppy sizes for -f; give the geometry instead.
    rmSync(fat, { force: true });
    execFileSync('mformat', ['-i', fat, '-C', '-T', String(kib * 2), '-h', '2', '-s', '32', '::'], { stdio: 'pipe' });
  }
  try {
    execFileSync('mmd', ['-i', fat, '::/EFI', '::/EFI/BOOT'], { stdio: 'pipe' });
    execFileSync('mcopy', ['-i', fat, app, '::/EFI/BOOT/BOOTX64.EFI'], { stdio: 'pipe' });
    execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-e', 'efi.img', '-no-emul-boot', '-o', iso, work], { stdio: 'pipe' });
  } catch (err) {
    throw new ProbeError(`cannot build a UEFI-bootable ISO for ${app} (apt-get install mtools xorriso): ${(err as Error).message.split('\n')[0]}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function driveFields(drive: string | undefined, rel: (p: string) => string): Record<string, unknown> {
  if (!drive) return {};
  return { drive: rel(drive), drive_format: detectImage(resolve(drive)).kind === 'qcow2' ? 'qcow2' : 'raw' };
}

/** The descriptor fields that boot this kind of image (paths relative to the descriptor's folder). */
function bootFields(detection: Detection, image: string, options: ProbeOptions, outDir: string): Record<string, unknown> | null {
  const rel = (p: string) => relative(outDir, resolve(p));
  switch (detection.kind) {
    case 'multiboot-elf':
    case 'pvh-elf':
      return { kernel: rel(image), ...(options.append ? { append: options.append } : {}), ...(options.initrd ? { initrd: rel(options.initrd) } : {}), ...driveFields(options.drive, rel) };
    case 'bzimage':
      return {
        kernel: rel(image),
        ...(options.initrd ? { initrd: rel(options.initrd) } : {}),
        append: options.append ?? 'console=ttyS0 panic=-1',
        ...driveFields(options.drive, rel),
        memory_mb: options.memoryMb ?? (options.drive ? 256 : 128),
        qemu_args: ['-no-reboot'],
      };
    case 'iso':
      return { cdrom: rel(image) };
    case 'qcow2':
      return { drive: rel(image), drive_format: 'qcow2' };
    case 'raw-disk':
      return { drive: rel(image), drive_format: 'raw' };
    case 'efi-app': {
      const iso = resolve(outDir, `${guestName(image)}-efi.iso`);
      makeEfiIso(image, iso);
      // OVMF loads the whole application into guest RAM before starting it: 50 MiB is not enough for big ones.
      return { cdrom: rel(iso), firmware: 'ovmf', memory_mb: options.memoryMb ?? 128 };
    }
    default:
      return null;
  }
}

export async function probeImage(options: ProbeOptions): Promise<ProbeResult> {
  const image = resolve(options.image);
  if (!existsSync(image)) throw new ProbeError(`${options.image}: no such file`);
  const detection = detectImage(image);
  const name = options.name ?? guestName(image);
  const output = resolve(options.output ?? `${name}.json`);
  if (existsSync(output) && !options.force) throw new ProbeError(`${output} exists (use --force to overwrite)`);
  const outDir = dirname(output);
  mkdirSync(outDir, { recursive: true });
  options.log(`probe: ${options.image}: ${detection.detail}`);
  const fields = bootFields(detection, image, options, outDir);
  if (!fields) return { detection, attempts: [], output: null, descriptor: null, proposal: null };

  const qemu = probeQemu(options.qemu);
  const accel = decideAccel(options.accel);
  const disk = ['iso', 'qcow2', 'raw-disk'].includes(detection.kind);
  const firmwares: Array<'seabios' | 'ovmf'> = detection.kind === 'efi-app' ? ['ovmf'] : disk ? ['seabios', 'ovmf'] : ['seabios'];
  const attempts: ProbeAttempt[] = [];
  for (const firmware of firmwares) {
    for (const profile of ['paper', 'bare'] as const) {
      const candidate = {
        name,
        ...fields,
        ...(firmware === 'ovmf' ? { firmware: 'ovmf' } : {}),
        ...(options.memoryMb && !('memory_mb' in fields) ? { memory_mb: options.memoryMb } : {}),
        ready: '(?!)',
      };
      const guest = parseDescriptor(candidate, output, outDir);
      const argv = buildQemuArgv({ qemu: qemu.binary, guest, accel: accel.accel, profile });
      options.log(`  try ${attempts.length + 1}: ${firmware === 'ovmf' ? 'OVMF (UEFI)' : 'SeaBIOS'}, ${profile} profile, ${accel.accel}`);
      // Under OVMF a boot loader may pause for seconds between lines (TCG): give it a longer silence.
      // So may a general-purpose OS between kernel and user space.
      const quietMs = firmware === 'ovmf' || detection.kind === 'bzimage' ? Math.max(options.quietMs, SLOW_QUIET_MS) : options.quietMs;
      const capture = await bootOnce({ argv, quietMs, limitMs: options.limitMs });
      const failure = looksFailed(capture.lines, capture.stderr, capture.exitCode);
      attempts.push({ firmware, profile, capture, failure });
      options.log(`    ${failure ? `failed: ${failure}` : `booted: ${capture.lines.length} console lines, ${describeEnd(capture)}`}`);
      if (failure) continue;
      const proposal = propose(capture.lines);
      if (!proposal) continue;
      const descriptor: Record<string, unknown> = {
        name,
        description: `Probed by \`bootlab guests probe\` from ${basename(image)} (${detection.detail}); edit freely. Ready: the last line before the console went quiet (${(proposal.readyLine.atMs / 1000).toFixed(2)} s after spawn).`,
        ...fields,
        ...(firmware === 'ovmf' ? { firmware: 'ovmf' } : {}),
        ...(profile === 'bare' ? { profile: 'bare' } : {}),
        ...(options.memoryMb && !('memory_mb' in fields) ? { memory_mb: options.memoryMb } : {}),
        ready: proposal.ready,
        markers: proposal.markers,
      };
      // The written file must load: validate it the way `record` will.
      parseDescriptor(descriptor, output, outDir);
      writeFileSync(output, `${JSON.stringify(descriptor, null, 2)}\n`);
      return { detection, attempts, output, descriptor, proposal };
    }
  }
  return { detection, attempts, output: null, descriptor: null, proposal: null };
}

function describeEnd(c: BootCapture): string {
  if (c.ended === 'quiet') return `console quiet after ${((c.lastOutputMs ?? 0) / 1000).toFixed(2)} s`;
  if (c.ended === 'exited') return `VMM exited with ${c.exitCode}`;
  return 'still printing at the time limit';
}

/** The lines `bootlab guests probe` prints at the end: what was written, or why nothing booted. */
export function summarizeProbe(result: ProbeResult, image: string): string {
  if (result.output && result.descriptor && result.proposal) {
    const markers = Object.entries(result.proposal.markers).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
    return [
      `wrote ${result.output}`,
      `  ready ${JSON.stringify(result.proposal.ready)}  (matched "${result.proposal.readyLine.text}")`,
      markers.length ? `  markers ${markers.join(', ')}` : '  markers: none found',
      `next: npx bootlab record ${relative(process.cwd(), result.output) || result.output} -n 10   (or: npx bootlab classify ${relative(process.cwd(), result.output) || result.output})`,
    ].join('\n');
  }
  const lines = [`probe: ${image} did not boot (${result.detection.detail})`];
  if (result.attempts.length === 0) lines.push('  nothing to try: not a kernel, disk, ISO or EFI application QEMU can start');
  for (const [i, a] of result.attempts.entries()) {
    lines.push(`  try ${i + 1}: ${a.firmware === 'ovmf' ? 'OVMF (UEFI)' : 'SeaBIOS'}, ${a.profile} profile: ${a.failure ?? 'no line to propose as ready'}`);
  }
  const last = result.attempts[result.attempts.length - 1]?.capture.lastLines ?? [];
  if (last.length) {
    lines.push('  last console lines:');
    for (const l of last) lines.push(`    | ${l}`);
  }
  return lines.join('\n');
}

// `bootlab guests probe IMAGE`: find out what an image is, boot it once (paper profile, then bare if the
// paper devices make it fail; SeaBIOS, then OVMF for disks and ISOs), propose a ready line and markers from
// what it printed, and write a descriptor the user can edit and pass to `record` / `classify`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { decideAccel, probeQemu, type AccelRequest } from '../host/host.ts';
import { parseDescriptor } from '../guests/descriptor.ts';
import { buildQemuArgv, type ProfileName } from '../launch/qemu-args.ts';
import { bootOnce, type BootCapture, type ConsoleLine } from './boot-once.ts';
import { detectImage, type Detection } from './detect.ts';
import { FAILURE_LINE, LOADER_NOISE, READYISH, RESET_BANNER, failureLine, floodRefusal, looksFailed, propose, proposeFail, type Proposal } from './propose.ts';
import { verifyBoot, type VerifyBoot } from './verify.ts';

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
  /** Boots with the proposed descriptor before it is written; all must pass (default 3). */
  verifyBoots?: number | undefined;
}

export interface ProbeAttempt {
  firmware: 'seabios' | 'ovmf';
  profile: ProfileName;
  /** qemu_args of this attempt (the image's own plus what earlier attempts taught). */
  qemuArgs: string[];
  capture: BootCapture;
  failure: string | null;
  /** Verification boots with the descriptor proposed from this attempt. */
  verification: VerifyBoot[];
}

export interface ProbeResult {
  detection: Detection;
  attempts: ProbeAttempt[];
  /** Written descriptor path, or null when nothing booted. */
  output: string | null;
  descriptor: Record<string, unknown> | null;
  proposal: Proposal | null;
  /** The proposed fail regex, or null. */
  fail: string | null;
  /** From the first attempt to the written descriptor (or to giving up), verification included (ms). */
  discoveryMs: number;
}

/** Minimum console silence that counts as "up" for UEFI boots and Linux kernels. */
export const SLOW_QUIET_MS = 5000;
/** How long a -kernel guest may stay silent after the firmware before the attempt is judged (ms). */
export const GUEST_WAIT_KERNEL_MS = 10_000;
/** The same for disks, ISOs and UEFI: boot loaders may be silent for seconds under TCG (ms). */
export const GUEST_WAIT_DISK_MS = 20_000;
/** Console lines after which a capture is a flood and stops. */
export const FLOOD_LINES = 3000;
/** Verification boots before a descriptor is written. */
export const VERIFY_BOOTS = 3;
/** How long a verification boot is watched after Te (ms). */
export const AFTER_TE_MS = 1000;

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
  if (!fields) return { detection, attempts: [], output: null, descriptor: null, proposal: null, fail: null, discoveryMs: 0 };

  const qemu = probeQemu(options.qemu);
  const accel = decideAccel(options.accel);
  const disk = ['iso', 'qcow2', 'raw-disk'].includes(detection.kind);
  const firmwares: Array<'seabios' | 'ovmf'> = detection.kind === 'efi-app' ? ['ovmf'] : disk ? ['seabios', 'ovmf'] : ['seabios'];
  const attempts: ProbeAttempt[] = [];
  // What earlier attempts taught: -no-reboot after a reset loop, -vga none when only VGA had the console.
  const learnt: string[] = [];
  const failedLines: string[] = [];
  const started = Date.now();
  const baseArgs = (fields.qemu_args as string[] | undefined) ?? [];
  const cells = firmwares.flatMap((firmware) => (['paper', 'bare'] as const).map((profile) => ({ firmware, profile })));
  for (const { firmware, profile } of cells) {
    for (let again = 0; again < 3; again++) {
      const qemuArgs = [...new Set([...baseArgs, ...learnt])];
      const common = {
        ...fields,
        ...(qemuArgs.length ? { qemu_args: qemuArgs } : {}),
        ...(firmware === 'ovmf' ? { firmware: 'ovmf' } : {}),
        ...(options.memoryMb && !('memory_mb' in fields) ? { memory_mb: options.memoryMb } : {}),
      };
      const guest = parseDescriptor({ name, ...common, ready: '(?!)' }, output, outDir);
      const argv = buildQemuArgv({ qemu: qemu.binary, guest, accel: accel.accel, profile });
      const extra = learnt.length ? `, ${learnt.join(' ')}` : '';
      options.log(`  try ${attempts.length + 1}: ${firmware === 'ovmf' ? 'OVMF (UEFI)' : 'SeaBIOS'}, ${profile} profile${extra}, ${accel.accel}`);
      // Under OVMF a boot loader may pause for seconds between lines (TCG): give it a longer silence.
      // So may a general-purpose OS between kernel and user space.
      const quietMs = firmware === 'ovmf' || detection.kind === 'bzimage' ? Math.max(options.quietMs, SLOW_QUIET_MS) : options.quietMs;
      const capture = await bootOnce({
        argv,
        quietMs,
        limitMs: options.limitMs,
        // A silent boot loader is waited for, within a bound: longer for disks and UEFI than for -kernel.
        guestWaitMs: disk || firmware === 'ovmf' ? GUEST_WAIT_DISK_MS : GUEST_WAIT_KERNEL_MS,
        isGuestLine: (text) => !LOADER_NOISE.test(text),
        stopOn: stopOnFailureOrReset,
        maxLines: FLOOD_LINES,
      });
      const attempt: ProbeAttempt = { firmware, profile, qemuArgs, capture, failure: looksFailed(capture.lines, capture.stderr, capture.exitCode), verification: [] };
      attempts.push(attempt);
      const reset = capture.ended === 'stopped' && capture.stopReason?.startsWith('reset');
      if (reset && !qemuArgs.includes('-no-reboot')) {
        options.log(`    ${capture.stopReason}: a reboot loop; again with -no-reboot (the guest's exit ends the boot)`);
        attempt.failure = `${capture.stopReason} (reboot loop)`;
        learnt.push('-no-reboot');
        continue;
      }
      const guestPrinted = capture.lines.some((l) => !LOADER_NOISE.test(l.text));
      if (!guestPrinted && !qemuArgs.includes('-vga') && guest.descriptor.machine !== 'microvm') {
        options.log(`    ${attempt.failure ?? 'no guest line'}: the serial port stayed silent; again with -vga none (a console on VGA moves to serial)`);
        learnt.push('-vga', 'none');
        continue;
      }
      if (!attempt.failure && capture.ended === 'flood') attempt.failure = floodRefusal(capture.lines);
      if (attempt.failure) {
        options.log(`    failed: ${attempt.failure}`);
        const bad = failureLine(capture.lines);
        if (bad) failedLines.push(bad.text);
        break;
      }
      options.log(`    booted: ${capture.lines.length} console lines, ${describeEnd(capture)}`);
      const proposal = propose(capture.lines);
      if (!proposal) break;
      const fail = proposeFail(capture.lines, proposal.readyLine, failedLines);
      const discoveryS = (Date.now() - started) / 1000;
      const descriptor: Record<string, unknown> = {
        name,
        description: `Probed by \`bootlab guests probe\` from ${basename(image)} (${detection.detail}); edit freely. Ready: ${READYISH.test(proposal.readyLine.text) ? 'the last line that says it is ready' : capture.ended === 'exited' ? 'the last line before the guest exited' : 'the last line before the console went quiet'} (${(proposal.readyLine.atMs / 1000).toFixed(2)} s after spawn).${learnt.length ? ` Learnt: ${learnt.join(' ')}.` : ''}`,
        ...common,
        ...(profile === 'bare' ? { profile: 'bare' } : {}),
        ready: proposal.ready,
        ...(fail ? { fail } : {}),
        markers: proposal.markers,
      };
      // The written file must load: validate it the way `record` will.
      const proposed = parseDescriptor(descriptor, output, outDir);
      options.log(`    proposed ready ${JSON.stringify(proposal.ready)} (discovery ${discoveryS.toFixed(1)} s); verifying with ${options.verifyBoots ?? VERIFY_BOOTS} boots`);
      const verifyArgv = buildQemuArgv({ qemu: qemu.binary, guest: proposed, accel: accel.accel, profile });
      for (let i = 0; i < (options.verifyBoots ?? VERIFY_BOOTS); i++) {
        const v = await verifyBoot({ argv: verifyArgv, guest: proposed, timeoutMs: options.limitMs, afterMs: AFTER_TE_MS });
        attempt.verification.push(v);
        options.log(`    verify ${i + 1}: ${v.ok ? 'ok' : 'FAILED'}${v.dtMs !== null ? `, ΔT ${v.dtMs.toFixed(1)} ms` : ''}${v.why ? ` (${v.why})` : ''}`);
        if (!v.ok) break;
      }
      const passed = attempt.verification.filter((v) => v.ok).length;
      if (passed < (options.verifyBoots ?? VERIFY_BOOTS)) {
        attempt.failure = `the proposed descriptor did not pass verification (${passed} of ${options.verifyBoots ?? VERIFY_BOOTS} ok: ${attempt.verification.find((v) => !v.ok)?.why ?? '?'}); not written`;
        break;
      }
      writeFileSync(output, `${JSON.stringify(descriptor, null, 2)}\n`);
      return { detection, attempts, output, descriptor, proposal, fail, discoveryMs: Date.now() - started };
    }
  }
  return { detection, attempts, output: null, descriptor: null, proposal: null, fail: null, discoveryMs: Date.now() - started };
}

/** Stop a capture at the first failure line after the guest's first line, or when the firmware banner comes back. */
function stopOnFailureOrReset(line: ConsoleLine, lines: readonly ConsoleLine[]): string | null {
  const guestBefore = lines.slice(0, -1).some((l) => !LOADER_NOISE.test(l.text));
  const guestNow = guestBefore || !LOADER_NOISE.test(line.text);
  if (guestBefore && RESET_BANNER.test(line.text)) return `reset: the firmware banner came back ("${line.text.trim()}")`;
  if (guestNow && FAILURE_LINE.test(line.text)) return `failure: "${line.text.trim()}"`;
  return null;
}

function describeEnd(c: BootCapture): string {
  if (c.ended === 'quiet') return `console quiet after ${((c.lastOutputMs ?? 0) / 1000).toFixed(2)} s`;
  if (c.ended === 'exited') return `VMM exited with ${c.exitCode}`;
  if (c.ended === 'flood') return `a flood: ${c.lines.length} lines and still printing`;
  if (c.ended === 'no-guest') return 'no guest line within the wait for one';
  if (c.ended === 'stopped') return c.stopReason ?? 'stopped';
  return 'still printing at the time limit';
}

/** The lines `bootlab guests probe` prints at the end: what was written, or why nothing booted. */
export function summarizeProbe(result: ProbeResult, image: string): string {
  if (result.output && result.descriptor && result.proposal) {
    const markers = Object.entries(result.proposal.markers).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
    return [
      `wrote ${result.output}`,
      `  ready ${JSON.stringify(result.proposal.ready)}  (matched "${result.proposal.readyLine.text}")`,
      `  fail ${JSON.stringify(result.fail)}`,
      `  profile ${String(result.descriptor.profile ?? 'paper')}${Array.isArray(result.descriptor.qemu_args) ? `, qemu_args ${(result.descriptor.qemu_args as string[]).join(' ')}` : ''}`,
      markers.length ? `  markers ${markers.join(', ')}` : '  markers: none found',
      `  verified: ${verification(result)}`,
      `next: npx bootlab record ${relative(process.cwd(), result.output) || result.output} -n 10   (or: npx bootlab classify ${relative(process.cwd(), result.output) || result.output})`,
    ].join('\n');
  }
  const lines = [`probe: ${image} did not boot (${result.detection.detail})`];
  if (result.attempts.length === 0) lines.push('  nothing to try: not a kernel, disk, ISO or EFI application QEMU can start');
  for (const [i, a] of result.attempts.entries()) {
    lines.push(`  try ${i + 1}: ${a.firmware === 'ovmf' ? 'OVMF (UEFI)' : 'SeaBIOS'}, ${a.profile} profile${a.qemuArgs.length ? ` (${a.qemuArgs.join(' ')})` : ''}: ${a.failure ?? 'no line to propose as ready'}`);
  }
  const last = result.attempts[result.attempts.length - 1]?.capture.lastLines ?? [];
  if (last.length) {
    lines.push('  last console lines:');
    for (const l of last) lines.push(`    | ${l}`);
  }
  return lines.join('\n');
}

/** "3 of 3 boots ok, ΔT 812.3, 799.0, 805.6 ms" for the attempt that was written. */
function verification(result: ProbeResult): string {
  const v = result.attempts[result.attempts.length - 1]?.verification ?? [];
  return `${v.filter((b) => b.ok).length} of ${v.length} boots ok, ΔT ${v.map((b) => (b.dtMs ?? NaN).toFixed(1)).join(', ')} ms (discovery and verification ${(result.discoveryMs / 1000).toFixed(1)} s)`;
}

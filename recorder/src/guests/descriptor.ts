// Guest descriptors: what to boot and how to recognise that it booted.
// A descriptor is data a user writes for their own image (Unikraft, Nanos, OSv, …); bootlab code
// never needs to change to measure a new guest. Paths are relative to the descriptor's folder.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

export const MACHINES = ['pc', 'q35', 'microvm'] as const;

/** A regex source that must compile; checked at load so a typo fails before any VM starts. */
const RegexSource = z.string().min(1).refine((src) => {
  try {
    new RegExp(src, 'm');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

const Port = z.number().int().min(1).max(65535);

/**
 * A ready signal or marker. A bare string is a console regex (as always); objects name other signals:
 * the console, a TCP port or HTTP GET answered through QEMU's user network (forwarded to an ephemeral
 * 127.0.0.1 port, restrict=on still blocks all outbound traffic), or the VMM's exit with a given code.
 */
export const SignalSchema = z.union([
  RegexSource,
  z.object({ console: RegexSource }).strict(),
  z
    .object({
      /** Guest TCP port. Te = first byte the guest sends on a connection (QEMU itself accepts the connect). */
      tcp: Port,
      /** Sent once connected (e.g. "PING\r\n") for servers that speak only when spoken to. */
      send: z.string().max(1024).optional(),
    })
    .strict(),
  z
    .object({
      /** Guest TCP port. Te = first complete HTTP response to GET `path` (with `status`, if given). */
      http: Port,
      path: z.string().startsWith('/').default('/'),
      status: z.number().int().min(100).max(599).optional(),
    })
    .strict(),
  /** Te = the VMM exiting with this code (isa-debug-exit: (value << 1) | 1). */
  z.object({ exit: z.number().int().min(0).max(255) }).strict(),
]);
export type Signal = z.infer<typeof SignalSchema>;

/**
 * What ends a boot as failed at once (the VMM is killed, the boot recorded with a reason naming the line):
 * a console regex, or an object with a console regex and/or VMM exit codes. Without it a guest that panics
 * and halts costs the whole timeout.
 */
export const FailSchema = z.union([
  RegexSource,
  z
    .object({
      console: RegexSource.optional(),
      /** VMM exit codes that mean failure (isa-debug-exit: (value << 1) | 1). */
      exit: z.array(z.number().int().min(0).max(255)).min(1).optional(),
    })
    .strict()
    .refine((f) => f.console !== undefined || f.exit !== undefined, 'give console and/or exit'),
]);
export type FailSignal = z.infer<typeof FailSchema>;

/** A fail signal as the launch path takes it: a console regex (or null) and exit codes. */
export interface LaunchFail {
  console: string | null;
  exit: number[];
}

export function launchFail(fail: FailSignal | undefined): LaunchFail | null {
  if (fail === undefined) return null;
  if (typeof fail === 'string') return { console: fail, exit: [] };
  return { console: fail.console ?? null, exit: fail.exit ?? [] };
}

/** One extra disk: raw or qcow2, read-only or a throw-away snapshot, on virtio (default) or IDE. */
export const DriveSchema = z
  .object({
    file: z.string().min(1),
    format: z.enum(['raw', 'qcow2']).default('raw'),
    mode: z.enum(['readonly', 'snapshot']).default('readonly'),
    interface: z.enum(['virtio', 'ide']).default('virtio'),
  })
  .strict();
export type DriveSpec = z.infer<typeof DriveSchema>;

export const GuestDescriptorSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_", "-" (1–64 characters)'),
    description: z.string().optional(),
    /** Loaded by QEMU (-kernel). Optional when the guest boots from a drive, a cdrom or its firmware. */
    kernel: z.string().min(1).optional(),
    initrd: z.string().min(1).optional(),
    append: z.string().optional(),
    /** A disk image attached read-only (or as a throw-away snapshot) so many instances can share it. */
    drive: z.string().min(1).optional(),
    drive_mode: z.enum(['readonly', 'snapshot']).default('readonly'),
    drive_format: z.enum(['raw', 'qcow2']).default('raw'),
    /** Further disks, attached in order after `drive`. */
    drives: z.array(DriveSchema).default([]),
    /** An ISO image attached as a read-only CD-ROM (IDE). */
    cdrom: z.string().min(1).optional(),
    memory_mb: z.number().int().min(8).max(1 << 20).default(50),
    machine: z.enum(MACHINES).default('pc'),
    /** "seabios" (QEMU's default), "qboot", "ovmf" (UEFI, Debian's ovmf package), or a path passed as -bios. */
    firmware: z.string().min(1).default('seabios'),
    /** VMM profile for this guest, overriding the run's --profile (e.g. "bare" for a fixed device manifest). */
    profile: z.enum(['paper', 'bare']).optional(),
    /**
     * Replaces the profile's -device list (e.g. ["virtio-rng-pci"] drops the NIC). A device with
     * netdev=un0 gets the profile's restricted user network.
     */
    devices: z.array(z.string().min(1)).optional(),
    /** Appended to the profile's arguments, verbatim (never through a shell). */
    qemu_args: z.array(z.string()).default([]),
    /** Te: a console regex (first match in the cleaned console stream) or another signal (tcp, http, exit). */
    ready: SignalSchema,
    /** Ends the boot as failed at once: a console regex, or {console, exit} (see FailSchema). */
    fail: FailSchema.optional(),
    /** Named milestones whose first times are recorded too: console regexes (firmware, kernel, init) or signals. */
    markers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), SignalSchema).default({}),
  })
  .strict()
  .refine((d) => d.kernel !== undefined || d.drive !== undefined || d.drives.length > 0 || d.cdrom !== undefined || !['seabios', 'qboot', 'ovmf'].includes(d.firmware), {
    message: 'nothing to boot: give a kernel, a drive, drives, a cdrom or a firmware image',
    path: ['kernel'],
  })
  .refine((d) => d.kernel !== undefined || (d.initrd === undefined && d.append === undefined), {
    message: 'initrd and append need a kernel (a disk or cdrom boots with its own command line)',
    path: ['kernel'],
  });

export type GuestDescriptor = z.infer<typeof GuestDescriptorSchema>;

/** A descriptor with its paths resolved against the folder it came from. */
export interface ResolvedGuest {
  descriptor: GuestDescriptor;
  /** Absolute path of guest.json, or null for descriptors built in code (tests). */
  descriptorPath: string | null;
  /** Absolute path of the -kernel image, or null when the guest boots from disk, cdrom or firmware. */
  kernel: string | null;
  initrd: string | null;
  drive: string | null;
  /** `drives` with absolute paths. */
  drives: DriveSpec[];
  cdrom: string | null;
  /** Absolute path of a -bios image, or null for QEMU's default SeaBIOS. */
  firmware: string | null;
}

export class DescriptorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DescriptorError';
  }
}

const QBOOT_PATHS = ['/usr/share/qemu/qboot.rom', '/usr/share/seabios/qboot.rom'];
/** Where Debian's ovmf package puts the combined code+vars image usable with -bios (first found wins). */
export const OVMF_PATHS = ['/usr/share/ovmf/OVMF.fd', '/usr/share/qemu/OVMF.fd', '/usr/share/OVMF/OVMF.fd'];

/** The OVMF image on this host, or null (`apt-get install ovmf`). */
export function findOvmf(paths: readonly string[] = OVMF_PATHS): string | null {
  return paths.find((p) => existsSync(p)) ?? null;
}

function resolveFirmware(firmware: string, baseDir: string, origin: string): string | null {
  if (firmware === 'seabios') return null;
  if (firmware === 'qboot') return QBOOT_PATHS[0] ?? null;
  if (firmware === 'ovmf') {
    const found = findOvmf();
    if (!found) throw new DescriptorError(`${origin}: firmware: "ovmf" but no OVMF image in ${OVMF_PATHS.join(', ')} — apt-get install ovmf`);
    return found;
  }
  return isAbsolute(firmware) ? firmware : resolve(baseDir, firmware);
}

/** Console regex sources among a set of signals (bare strings and {console}). */
export function consoleSource(signal: Signal): string | null {
  if (typeof signal === 'string') return signal;
  return 'console' in signal ? signal.console : null;
}

/** "console", "tcp", "http" or "exit". */
export function signalKind(signal: Signal): 'console' | 'tcp' | 'http' | 'exit' {
  if (typeof signal === 'string' || 'console' in signal) return 'console';
  if ('tcp' in signal) return 'tcp';
  if ('http' in signal) return 'http';
  return 'exit';
}

/** Guest ports that network signals (ready or markers) need forwarded, sorted, each once. */
export function forwardedPorts(d: GuestDescriptor): number[] {
  const ports = new Set<number>();
  for (const s of [d.ready, ...Object.values(d.markers)]) {
    if (typeof s === 'object' && 'tcp' in s) ports.add(s.tcp);
    if (typeof s === 'object' && 'http' in s) ports.add(s.http);
  }
  return [...ports].sort((a, b) => a - b);
}

/** Validate a descriptor object; `origin` names it in errors (usually the file path). */
export function parseDescriptor(value: unknown, origin: string, baseDir: string): ResolvedGuest {
  const result = GuestDescriptorSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue && issue.path.length ? issue.path.map(String).join('.') : '(descriptor)';
    throw new DescriptorError(`${origin}: ${field}: ${issue?.message ?? 'invalid descriptor'}`);
  }
  const d = result.data;
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    descriptor: d,
    descriptorPath: origin.endsWith('.json') ? resolve(origin) : null,
    kernel: d.kernel ? at(d.kernel) : null,
    initrd: d.initrd ? at(d.initrd) : null,
    drive: d.drive ? at(d.drive) : null,
    drives: d.drives.map((drive) => ({ ...drive, file: at(drive.file) })),
    cdrom: d.cdrom ? at(d.cdrom) : null,
    firmware: resolveFirmware(d.firmware, baseDir, origin),
  };
}

/** Read and validate a guest.json. Errors name the file and the field. */
export function loadDescriptorFile(path: string): ResolvedGuest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DescriptorError(`${path}: cannot read descriptor (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DescriptorError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseDescriptor(value, path, dirname(resolve(path)));
}

// Guest descriptors: what to boot and how to recognise that it booted.
// A descriptor is data a user writes for their own image (Unikraft, Nanos, OSv, …); bootlab code
// never needs to change to measure a new guest. Paths are relative to the descriptor's folder.
import { readFileSync } from 'node:fs';
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

export const GuestDescriptorSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_", "-" (1–64 characters)'),
    description: z.string().optional(),
    kernel: z.string().min(1),
    initrd: z.string().min(1).optional(),
    append: z.string().optional(),
    /** A disk image attached read-only (or as a throw-away snapshot) so many instances can share it. */
    drive: z.string().min(1).optional(),
    drive_mode: z.enum(['readonly', 'snapshot']).default('readonly'),
    drive_format: z.enum(['raw', 'qcow2']).default('raw'),
    memory_mb: z.number().int().min(8).max(1 << 20).default(50),
    machine: z.enum(MACHINES).default('pc'),
    /** "seabios" (QEMU's default), "qboot", or a path to a firmware image passed as -bios. */
    firmware: z.string().min(1).default('seabios'),
    /** Appended to the profile's arguments, verbatim (never through a shell). */
    qemu_args: z.array(z.string()).default([]),
    /** Regex source matched against the cleaned console stream; its first match is Te. */
    ready: RegexSource,
    /** Named milestones (regex sources) whose first-match times are recorded too, e.g. firmware, kernel, init. */
    markers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), RegexSource).default({}),
  })
  .strict();

export type GuestDescriptor = z.infer<typeof GuestDescriptorSchema>;

/** A descriptor with its paths resolved against the folder it came from. */
export interface ResolvedGuest {
  descriptor: GuestDescriptor;
  /** Absolute path of guest.json, or null for descriptors built in code (tests). */
  descriptorPath: string | null;
  kernel: string;
  initrd: string | null;
  drive: string | null;
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

function resolveFirmware(firmware: string, baseDir: string): string | null {
  if (firmware === 'seabios') return null;
  if (firmware === 'qboot') return QBOOT_PATHS[0] ?? null;
  return isAbsolute(firmware) ? firmware : resolve(baseDir, firmware);
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
    kernel: at(d.kernel),
    initrd: d.initrd ? at(d.initrd) : null,
    drive: d.drive ? at(d.drive) : null,
    firmware: resolveFirmware(d.firmware, baseDir),
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

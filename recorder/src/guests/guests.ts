// Resolving "minkernel" or "./my-unikraft/guest.json" to a checked guest with hashed images.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GuestInfo, ImageInfo } from '@bootlab/trace';
import { DescriptorError, loadDescriptorFile, type ResolvedGuest } from './descriptor.ts';

/** The repository root (recorder/src/ is two levels down). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GUESTS_DIR = join(REPO_ROOT, 'guests');

/** Names of the built-in guests: folders of guests/ that hold a guest.json. */
export function builtinGuestNames(guestsDir = GUESTS_DIR): string[] {
  if (!existsSync(guestsDir)) return [];
  return readdirSync(guestsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(guestsDir, e.name, 'guest.json')))
    .map((e) => e.name)
    .sort();
}

/**
 * Members of guest sets: folders of guests/ without a guest.json of their own whose subfolders hold one
 * (guests/stress/<name>/guest.json, the classifier's stress set), named "<set>/<name>". Not built-ins:
 * `bootlab guests build <set>` or `<set>/<name>` builds them, and they are recorded by path.
 */
export function guestSetMembers(guestsDir = GUESTS_DIR): string[] {
  if (!existsSync(guestsDir)) return [];
  const out: string[] = [];
  for (const set of readdirSync(guestsDir, { withFileTypes: true })) {
    if (!set.isDirectory() || set.name.startsWith('.') || existsSync(join(guestsDir, set.name, 'guest.json'))) continue;
    for (const member of readdirSync(join(guestsDir, set.name), { withFileTypes: true })) {
      if (member.isDirectory() && existsSync(join(guestsDir, set.name, member.name, 'guest.json'))) {
        out.push(`${set.name}/${member.name}`);
      }
    }
  }
  return out.sort();
}

/** A built-in name, a set member ("stress/x"), or a path to a descriptor file (anything ending in .json or containing a slash). */
export function descriptorPathFor(spec: string, guestsDir = GUESTS_DIR): string {
  if (spec.endsWith('.json') || spec.includes('/')) {
    const path = isAbsolute(spec) ? spec : resolve(spec);
    // "stress/unikernel-wait": a guest set's member, unless that path exists from here.
    const member = join(guestsDir, spec, 'guest.json');
    if (!spec.endsWith('.json') && !isAbsolute(spec) && !existsSync(path) && existsSync(member)) return member;
    return path;
  }
  const path = join(guestsDir, spec, 'guest.json');
  if (!existsSync(path)) {
    const known = builtinGuestNames(guestsDir);
    throw new DescriptorError(
      `unknown guest '${spec}': not a built-in (${known.join(', ') || 'none found'}) nor a path to a guest.json`,
    );
  }
  return path;
}

/** Load a guest and check that every image it names exists, pointing at the build command if not. */
export function resolveGuest(spec: string, guestsDir = GUESTS_DIR): ResolvedGuest {
  const guest = loadDescriptorFile(descriptorPathFor(spec, guestsDir));
  const origin = guest.descriptorPath ?? guest.descriptor.name;
  const builtin = guest.descriptorPath?.startsWith(resolve(guestsDir));
  for (const [field, path] of imagePaths(guest)) {
    if (!existsSync(path)) {
      const name = guest.descriptorPath ? relative(guestsDir, dirname(guest.descriptorPath)).split(sep).join('/') : '';
      const hint = builtin ? ` — run: npx bootlab guests build ${name}` : '';
      throw new DescriptorError(`${origin}: ${field}: ${path} does not exist${hint}`);
    }
  }
  return guest;
}

function imagePaths(guest: ResolvedGuest): Array<[ImageInfo['role'], string]> {
  const out: Array<[ImageInfo['role'], string]> = [];
  if (guest.kernel) out.push(['kernel', guest.kernel]);
  if (guest.initrd) out.push(['initrd', guest.initrd]);
  if (guest.drive) out.push(['drive', guest.drive]);
  for (const drive of guest.drives) out.push(['drive', drive.file]);
  if (guest.cdrom) out.push(['cdrom', guest.cdrom]);
  if (guest.firmware) out.push(['firmware', guest.firmware]);
  return out;
}

export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The header's description of a guest: its descriptor and the sha256 of each image it boots. */
export function describeGuest(guest: ResolvedGuest): GuestInfo {
  return {
    name: guest.descriptor.name,
    descriptor_path: guest.descriptorPath ? relativeIfInside(guest.descriptorPath) : null,
    descriptor: { ...guest.descriptor },
    images: imagePaths(guest).map(([role, path]) => ({
      role,
      path: relativeIfInside(path),
      bytes: statSync(path).size,
      sha256: sha256File(path),
    })),
  };
}

function relativeIfInside(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

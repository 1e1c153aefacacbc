// Builds the built-in guests by running each guest's build.sh, and skips a build whose inputs did not
// change. Builds are not timed, so execa (clear errors, streamed output) is the right tool here.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { execa } from 'execa';
import { loadDescriptorFile } from './descriptor.ts';
import { builtinGuestNames, guestSetMembers, GUESTS_DIR } from './guests.ts';

export const STAMP = '.inputs.sha256';

/** A guest folder's list of other folders its build.sh reads (see inputsHash). */
export const SOURCES_FILE = 'sources';

function otherSources(guestDir: string): string[] {
  const file = join(guestDir, SOURCES_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((line, i) => {
      const dir = resolve(guestDir, line);
      if (!existsSync(dir)) throw new GuestBuildError(`${file}:${i + 1}: no folder ${line}`);
      return dir;
    });
}

export class GuestBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestBuildError';
  }
}

function listInputs(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'build' && dir === root) continue;
    // Descriptors are how an image is booted, not what it is built from: editing one needs no rebuild.
    if (dir === root && entry.name.endsWith('.json')) continue;
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listInputs(path, root));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/**
 * sha256 over every input file's relative path and content: the build's identity. Inputs are the guest's
 * folder (minus build/ and descriptors) and the shared build helpers beside it (guests/lib, sourced by
 * build.sh scripts): editing a helper rebuilds every guest, which is cheap next to a stale image. A guest
 * of a set (guests/stress/x) also has the lib/ folders of every level up to `guestsDir`. A build.sh that
 * copies another folder's sources (unikernel-heavy builds the unikernel's) names it in SOURCES_FILE, one path
 * per line relative to the guest's folder: those folders, minus their build/, are inputs too.
 */
export function inputsHash(guestDir: string, guestsDir = dirname(guestDir)): string {
  const hash = createHash('sha256');
  const add = (name: string, path: string) => hash.update(name).update('\0').update(readFileSync(path)).update('\0');
  for (const dir of [guestDir, ...otherSources(guestDir)]) {
    for (const path of listInputs(dir)) add(relative(guestDir, path), path);
  }
  let up = '../';
  for (let level = dirname(resolve(guestDir)); ; level = dirname(level), up += '../') {
    const lib = join(level, 'lib');
    if (existsSync(lib)) {
      for (const path of listInputs(lib)) add(`${up}lib/${relative(lib, path)}`, path);
    }
    if (level === resolve(guestsDir) || level === dirname(level)) break;
  }
  return hash.digest('hex');
}

/** Images named by every descriptor (*.json) in the guest folder. */
function expectedImages(guestDir: string): string[] {
  const images: string[] = [];
  for (const file of readdirSync(guestDir).filter((f) => f.endsWith('.json'))) {
    const g = loadDescriptorFile(join(guestDir, file));
    images.push(...[g.kernel, g.initrd, g.drive, g.cdrom, ...g.drives.map((d) => d.file)].filter((p): p is string => p !== null));
  }
  return images;
}

/**
 * The other guests whose build outputs this guest's descriptors boot (a stress variant that boots
 * ../../unikernel/build/unikernel.elf with another command line needs `unikernel` built first).
 */
export function guestDependencies(guestDir: string, guestsDir = GUESTS_DIR): string[] {
  const own = relative(guestsDir, guestDir).split(sep).join('/');
  const deps = new Set<string>();
  for (const image of expectedImages(guestDir)) {
    const rel = relative(guestsDir, image).split(sep).join('/');
    const at = rel.indexOf('/build/');
    if (rel.startsWith('..') || at < 0) continue;
    const owner = rel.slice(0, at);
    if (owner !== own) deps.add(owner);
  }
  return [...deps].sort();
}

export function isUpToDate(guestDir: string, guestsDir = dirname(guestDir)): boolean {
  // A descriptor-only guest (no build.sh) is up to date when the images it borrows exist.
  if (!existsSync(join(guestDir, 'build.sh'))) return expectedImages(guestDir).every((p) => existsSync(p));
  const stamp = join(guestDir, 'build', STAMP);
  if (!existsSync(stamp)) return false;
  if (readFileSync(stamp, 'utf8').trim() !== inputsHash(guestDir, guestsDir)) return false;
  return expectedImages(guestDir).every((p) => existsSync(p));
}

export interface BuildReport {
  name: string;
  action: 'built' | 'skipped';
  seconds: number;
}

export interface BuildOptions {
  force?: boolean;
  /** Where build.sh output goes; the CLI passes its own stderr. */
  log?: (line: string) => void;
  guestsDir?: string;
}

/**
 * The build order for the names asked: a set name ("stress") stands for its members, and every guest
 * comes after the guests whose images it borrows. No names: the built-in guests.
 */
export function buildOrder(names: readonly string[], guestsDir = GUESTS_DIR): string[] {
  const builtins = builtinGuestNames(guestsDir);
  const members = guestSetMembers(guestsDir);
  const known = [...builtins, ...members];
  const sets = [...new Set(members.map((m) => m.split('/')[0] ?? m))];
  const expanded: string[] = [];
  for (const name of names.length ? names : builtins) {
    const clean = name.replace(/\/+$/, '');
    if (sets.includes(clean)) expanded.push(...members.filter((m) => m.startsWith(`${clean}/`)));
    else if (known.includes(clean)) expanded.push(clean);
    else {
      throw new GuestBuildError(
        `unknown guest '${name}' (built-in: ${builtins.join(', ')}${sets.length ? `; sets: ${sets.join(', ')}` : ''})`,
      );
    }
  }
  const order: string[] = [];
  const visit = (name: string, path: readonly string[]): void => {
    if (order.includes(name)) return;
    if (path.includes(name)) throw new GuestBuildError(`guests ${[...path, name].join(' -> ')} borrow each other's images`);
    for (const dep of guestDependencies(join(guestsDir, name), guestsDir)) {
      if (!known.includes(dep)) throw new GuestBuildError(`guests/${name} boots an image of '${dep}', which is not a guest`);
      visit(dep, [...path, name]);
    }
    order.push(name);
  };
  for (const name of expanded) visit(name, []);
  return order;
}

export async function buildGuests(names: readonly string[], options: BuildOptions = {}): Promise<BuildReport[]> {
  const guestsDir = options.guestsDir ?? GUESTS_DIR;
  const selected = buildOrder(names, guestsDir);
  const log = options.log ?? (() => {});
  const reports: BuildReport[] = [];
  for (const name of selected) {
    const dir = join(guestsDir, name);
    const started = Date.now();
    if (!existsSync(join(dir, 'build.sh'))) {
      const missing = expectedImages(dir).filter((p) => !existsSync(p));
      if (missing.length) throw new GuestBuildError(`guests/${name} has no build.sh and its images are missing: ${missing.join(', ')}`);
      log(`[guests] ${name}: nothing to build (descriptor only)`);
      reports.push({ name, action: 'skipped', seconds: 0 });
      continue;
    }
    if (!options.force && isUpToDate(dir, guestsDir)) {
      log(`[guests] ${name}: up to date`);
      reports.push({ name, action: 'skipped', seconds: 0 });
      continue;
    }
    log(`[guests] ${name}: building`);
    const hash = inputsHash(dir, guestsDir);
    const out = join(dir, 'build');
    const child = execa('bash', ['build.sh'], {
      cwd: dir,
      env: { OUT: out },
      all: true,
      reject: false,
      buffer: false,
    });
    child.all?.setEncoding('utf8');
    let tail = '';
    child.all?.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
      for (const line of chunk.split('\n')) if (line.trim()) log(`[guests] ${name}: ${line}`);
    });
    const result = await child;
    if (result.exitCode !== 0) {
      const last = tail.trim().split('\n').slice(-1)[0] ?? '';
      throw new GuestBuildError(`guests/${name}/build.sh failed with exit code ${result.exitCode}: ${last}`);
    }
    const missing = expectedImages(dir).filter((p) => !existsSync(p));
    if (missing.length) throw new GuestBuildError(`guests/${name}/build.sh succeeded but did not produce ${missing.join(', ')}`);
    writeFileSync(join(out, STAMP), `${hash}\n`);
    const seconds = (Date.now() - started) / 1000;
    log(`[guests] ${name}: built in ${seconds.toFixed(1)} s`);
    reports.push({ name, action: 'built', seconds });
  }
  return reports;
}

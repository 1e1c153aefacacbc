// What each VMM is started under so that it dies with the recorder, even when the recorder is SIGKILLed.
// One job: choose (and if need be compile) that command prefix. Preferred is our own bootlab-launch
// (recorder/launcher/bootlab-launch.c): prctl(PR_SET_PDEATHSIG) and then a check that the recorder is still
// its parent, which closes the window in which a VMM spawned just before a SIGKILL was orphaned. It is
// compiled from source on first use, like the guests are built — never committed — into a file named by
// the source's hash, so an edit is picked up and two recorders starting at once cannot see a half-written
// binary (each compiles to its own temporary name and renames). Without a C compiler we fall back to
// util-linux's setpriv, which has the window, and say so.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from '../host/host.ts';
import { REPO_ROOT } from '../guests/guests.ts';

export const LAUNCHER_SOURCE = join(REPO_ROOT, 'recorder', 'launcher', 'bootlab-launch.c');
export const LAUNCHER_BUILD_DIR = join(REPO_ROOT, 'recorder', 'build');

export type LauncherKind = 'bootlab-launch' | 'setpriv' | 'none';

export interface Launcher {
  kind: LauncherKind;
  /** The command prefix; the VMM's argv follows it. */
  prefix: string[];
  /** Why this one and not the preferred one (null for bootlab-launch). */
  note: string | null;
}

export interface LauncherOptions {
  /** Pid the launcher checks its parent against: the process that will spawn the VMMs. */
  recorderPid?: number;
  /** Where the compiled launcher is kept; the first writable of these is used. */
  buildDirs?: readonly string[];
  /** C compiler; default $CC, then cc, then gcc. */
  compiler?: string;
  /** Source to compile (tests point it elsewhere). */
  source?: string;
  /** Skip bootlab-launch, e.g. to compare launchers in a benchmark. */
  prefer?: LauncherKind;
}

export class LauncherBuildError extends Error {
  override name = 'LauncherBuildError';
}

function defaultBuildDirs(): string[] {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return [LAUNCHER_BUILD_DIR, join(cache, 'bootlab')];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findCompiler(preferred?: string): string | null {
  for (const name of [preferred, process.env.CC, 'cc', 'gcc']) {
    if (!name) continue;
    const found = findExecutable(name);
    if (found) return found;
  }
  return null;
}

/**
 * The path of the compiled launcher for the current source, compiling it if it is not there yet.
 * Throws LauncherBuildError with the compiler's first error line when it cannot be built.
 */
export function buildLauncher(options: Pick<LauncherOptions, 'buildDirs' | 'compiler' | 'source'> & { name?: string } = {}): string {
  const source = options.source ?? LAUNCHER_SOURCE;
  const program = options.name ?? 'bootlab-launch';
  let code: Buffer;
  try {
    code = readFileSync(source);
  } catch (err) {
    throw new LauncherBuildError(`${source}: cannot read launcher source: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const name = `${program}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}`;
  const dirs = options.buildDirs ?? defaultBuildDirs();
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  const compiler = findCompiler(options.compiler);
  if (!compiler) throw new LauncherBuildError(`no C compiler (cc/gcc) found to build ${program} — apt-get install gcc libc6-dev`);
  let lastProblem = 'no writable build directory';
  for (const dir of dirs) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      lastProblem = `${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      continue;
    }
    const target = join(dir, name);
    const temporary = `${target}.tmp-${process.pid}`;
    // Static first: one less dynamic loader run on every ΔT. Dynamic if this libc has no static archive.
    for (const link of [['-static'], []]) {
      const r = spawnSync(compiler, ['-O2', '-Wall', '-Wextra', '-Werror', '-pthread', ...link, '-o', temporary, source], { encoding: 'utf8', timeout: 60_000 });
      if (r.status === 0) {
        renameSync(temporary, target);
        return target;
      }
      rmSync(temporary, { force: true });
      const firstError = `${r.stderr ?? ''}`.split('\n').find((l) => /error|cannot|denied/i.test(l)) ?? r.error?.message ?? `exit code ${r.status}`;
      lastProblem = `${compiler} ${link.join(' ')}: ${firstError.trim()}`;
      if (/Permission denied|Read-only file system/i.test(firstError)) break; // next directory
    }
  }
  throw new LauncherBuildError(`cannot build ${program}: ${lastProblem}`);
}

/** Choose what VMMs run under: bootlab-launch if it can be built, else setpriv, else nothing (with a note). */
export function prepareLauncher(options: LauncherOptions = {}): Launcher {
  const pid = String(options.recorderPid ?? process.pid);
  const prefer = options.prefer ?? 'bootlab-launch';
  let problem: string | null = null;
  if (prefer === 'bootlab-launch') {
    try {
      return { kind: 'bootlab-launch', prefix: [buildLauncher(options), pid, '--'], note: null };
    } catch (err) {
      problem = (err as Error).message;
    }
  }
  if (prefer !== 'none') {
    const setpriv = findExecutable('setpriv');
    if (setpriv) {
      return {
        kind: 'setpriv',
        prefix: [setpriv, '--pdeathsig', 'KILL', '--'],
        note: `${problem ? `${problem}; ` : ''}using setpriv --pdeathsig: a VMM spawned just before a SIGKILL of the recorder may outlive it`,
      };
    }
  }
  return {
    kind: 'none',
    prefix: [],
    note: `${problem ? `${problem}; ` : ''}${prefer === 'none' ? 'no launcher requested' : 'setpriv not found either'}: VMMs may outlive a killed recorder`,
  };
}

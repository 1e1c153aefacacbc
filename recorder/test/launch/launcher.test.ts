// bootlab-launch: built from source on first use, execs the VMM with its argv untouched, dies with its
// parent — and, unlike setpriv, does not start the VMM at all when its parent died before it could ask.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLauncher, LAUNCHER_SOURCE, LauncherBuildError, prepareLauncher } from '../../src/launch/launcher.ts';
import { findExecutable } from '../../src/host/host.ts';
import { processesWith, tempDir, waitFor } from '../helpers.ts';

const dir = tempDir('launcher');
const launcher = buildLauncher({ buildDirs: [join(dir, 'build')] });

/** A `sleep` whose argument is unique to this call, so /proc shows exactly our process. */
function uniqueSleep(): string {
  return `900.${process.hrtime.bigint() % 1_000_000_000n}`;
}

test('built once per source version, into a file named by the source hash', () => {
  const mtime = statSync(launcher).mtimeMs;
  assert.equal(buildLauncher({ buildDirs: [join(dir, 'build')] }), launcher, 'second call reuses the binary');
  assert.equal(statSync(launcher).mtimeMs, mtime);
  const edited = join(dir, 'edited.c');
  writeFileSync(edited, `${readFileSync(LAUNCHER_SOURCE, 'utf8')}\n/* edited */\n`);
  const other = buildLauncher({ buildDirs: [join(dir, 'build')], source: edited });
  assert.notEqual(other, launcher, 'an edited source gets its own binary');
  assert.ok(existsSync(other));
});

test('an unbuildable source is a one-line error with the compiler\'s reason, and prepare falls back to setpriv', () => {
  const broken = join(dir, 'broken.c');
  writeFileSync(broken, 'int main(void) { return missing_symbol; }\n');
  assert.throws(() => buildLauncher({ buildDirs: [join(dir, 'build')], source: broken }), (err: Error) => {
    assert.ok(err instanceof LauncherBuildError);
    assert.match(err.message, /missing_symbol/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
  const fallback = prepareLauncher({ buildDirs: [join(dir, 'build')], source: broken });
  if (findExecutable('setpriv')) {
    assert.equal(fallback.kind, 'setpriv');
    assert.match(fallback.note ?? '', /missing_symbol.*outlive/);
  } else assert.equal(fallback.kind, 'none');
});

test('execs the command with its arguments untouched (no shell)', () => {
  const args = ['a b', '$(touch /tmp/x)', ';', '"q"', '', '*'];
  const r = spawnSync(launcher, [String(process.pid), '--', process.execPath, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), args);
});

test('refuses to start the command when its parent is not the recorder it was told about', () => {
  const marker = join(dir, 'should-not-exist');
  const r = spawnSync(launcher, [String(process.pid + 1_000_000), '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`]);
  assert.equal(r.status, 125);
  assert.equal(existsSync(marker), false);
});

test('usage and exec errors say what went wrong', () => {
  const usage = spawnSync(launcher, ['nope', '--', 'true'], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^usage: bootlab-launch RECORDER_PID -- COMMAND/);
  const missing = spawnSync(launcher, [String(process.pid), '--', join(dir, 'no-such-vmm')], { encoding: 'utf8' });
  assert.equal(missing.status, 127);
  assert.match(missing.stderr, /cannot execute .*no-such-vmm: No such file or directory/);
});

/**
 * A stand-in recorder (a Node process) that spawns `prefix… sleep <unique>` after `delayMs`, through a
 * /bin/sh that waits first when `shDelayS` is set: that puts the parent's death between fork and the
 * launcher's prctl on purpose, the window a SIGKILL hits by chance in a real run.
 */
function standIn(prefix: string[], sleepArg: string, shDelayS = 0): ChildProcess {
  // The sleep argument travels in the environment, so that only the sleep itself has it on its command line.
  const script = `
    const { spawn } = require('node:child_process');
    const prefix = JSON.parse(process.env.PREFIX).map((a) => (a === '@PID@' ? String(process.pid) : a));
    const delay = Number(process.env.SH_DELAY);
    const command = [...prefix, 'sleep', process.env.SLEEP_ARG];
    const argv = delay > 0 ? ['/bin/sh', '-c', 'sleep ' + delay + '; exec "$@"', 'sh', ...command] : command;
    spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
    process.stdout.write('spawned\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PREFIX: JSON.stringify(prefix), SLEEP_ARG: sleepArg, SH_DELAY: String(shDelayS) },
  });
  standIns.push(child);
  return child;
}

/** Stand-ins still alive when a test fails would keep this file's process from ever exiting. */
const standIns: ChildProcess[] = [];
after(() => {
  for (const child of standIns) child.kill('SIGKILL');
});

async function spawnedThenKilled(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
  child.kill('SIGKILL');
  await new Promise<void>((resolve) => child.once('close', () => resolve()));
}

test('the command dies with its parent when the parent is SIGKILLed', async () => {
  const arg = uniqueSleep();
  const child = standIn([launcher, '@PID@', '--'], arg);
  await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
  assert.ok(await waitFor(() => processesWith(arg).length === 1, 10_000), 'sleep started');
  child.kill('SIGKILL');
  assert.ok(await waitFor(() => processesWith(arg).length === 0, 5_000), 'sleep outlived its SIGKILLed parent');
});

test('parent SIGKILLed before the launcher ran: bootlab-launch never starts the command, setpriv does', async () => {
  const ours = uniqueSleep();
  await spawnedThenKilled(standIn([launcher, '@PID@', '--'], ours, 0.5));
  const theirs = uniqueSleep();
  const setpriv = findExecutable('setpriv');
  if (setpriv) await spawnedThenKilled(standIn([setpriv, '--pdeathsig', 'KILL', '--'], theirs, 0.5));
  // Both shells exec their launcher 0.5 s after the parent's death; give them time to have done so.
  await new Promise((r) => setTimeout(r, 1500));
  const leaked = processesWith(ours);
  const setprivLeaked = processesWith(theirs);
  for (const pid of [...leaked, ...setprivLeaked]) process.kill(pid, 'SIGKILL');
  assert.deepEqual(leaked, [], 'bootlab-launch started a VMM nobody would stop');
  // The contrast shows the test can see the orphan it guards against: setpriv's exec'd command lives on.
  if (setpriv) assert.equal(setprivLeaked.length, 1, 'setpriv in the same window leaves an orphan');
});

test('a binary already built in any of the build directories is used, not rebuilt in the first one', () => {
  const second = join(dir, 'second');
  const built = buildLauncher({ buildDirs: [second] });
  const first = join(dir, 'first-never-created');
  assert.equal(buildLauncher({ buildDirs: [first, second] }), built);
  assert.equal(existsSync(first), false);
});

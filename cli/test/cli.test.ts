// The bootlab command as a user types it: errors are one clear line, and nothing recorded is lost.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { buildGuests } from '@bootlab/recorder';

const BIN = fileURLToPath(new URL('../../bin/bootlab.mjs', import.meta.url));

// Some errors are only reachable once the guest's image exists (a fresh clone has none).
before(async () => {
  await buildGuests(['minkernel']);
});
const dir = mkdtempSync(join(tmpdir(), 'bootlab-cli-'));

function bootlab(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineError(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.match(lines[0]!, pattern);
}

test('an unknown guest is one line naming it and listing the built-ins', () => {
  const r = bootlab('record', 'no-such-guest', '-o', join(dir, 'a.jsonl'));
  assert.equal(r.code, 2);
  assertOneLineError(r.stderr, /^bootlab: error: unknown guest 'no-such-guest': not a built-in \(.*minkernel.*\)/);
});

test('a missing QEMU binary is one line with the fix', () => {
  const r = bootlab('record', 'minkernel', '--qemu', '/nonexistent/qemu', '-o', join(dir, 'b.jsonl'));
  assert.equal(r.code, 2);
  assertOneLineError(r.stderr, /^bootlab: error: QEMU binary '\/nonexistent\/qemu' not found/);
});

test('an existing trace is not overwritten: one line, file intact', () => {
  const path = join(dir, 'existing.jsonl');
  writeFileSync(path, '{"precious":true}\n');
  const r = bootlab('record', 'minkernel', '-o', path, '--accel', 'tcg');
  assert.equal(r.code, 2);
  assertOneLineError(r.stderr, /already exists; choose another -o or pass --force/);
  assert.equal(readFileSync(path, 'utf8'), '{"precious":true}\n');
});

test('a bad descriptor field is one line naming the file and field', () => {
  const path = join(dir, 'bad.json');
  writeFileSync(path, JSON.stringify({ name: 'bad', kernel: 'k', ready: 'x', machine: 'vax' }));
  const r = bootlab('record', path);
  assert.equal(r.code, 2);
  assertOneLineError(r.stderr, new RegExp(`^bootlab: error: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: machine: `));
});

test('a bad option value is refused before anything runs', () => {
  const r = bootlab('record', 'minkernel', '--mode', 'parallel');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--mode.*parallel.*(single|choices)/s);
  const n = bootlab('record', 'minkernel', '-n', 'ten', '-o', join(dir, 'c.jsonl'));
  assert.equal(n.code, 2);
  assertOneLineError(n.stderr, /--count: expected positive whole numbers/);
});

test('an option combination refused by the command itself is one line too, not a silent exit', () => {
  const r = bootlab('record', 'minkernel', '--mode', 'single', '-n', '1,2', '-o', join(dir, 'd.jsonl'));
  assert.equal(r.code, 2);
  assertOneLineError(r.stderr, /^bootlab: error: --count: single mode takes one count$/);
});

test('doctor shows the QEMU version and the accelerator verdict for this machine', () => {
  const r = bootlab('doctor');
  assert.match(r.stdout, /^QEMU: +\d+\.\d+/m);
  assert.match(r.stdout, /^accelerator: +(tcg|kvm) — /m);
  if (/kvm_pvm/.test(r.stdout)) assert.match(r.stdout, /^accelerator: +tcg — kvm_pvm/m);
  assert.match(r.stdout, /^launcher: +bootlab-launch \(\/.*\/bootlab-launch-[0-9a-f]{16}\) — /m);
  assert.match(r.stdout, /setpriv/);
});

test('record does not load the analysis package: a run starts even when analysis cannot be imported', () => {
  // A module hook that makes every @bootlab/analysis import fail, as a broken install or a half-edited
  // source would. `analyze` must then fail (or the hook proves nothing); `record` and `doctor` must not care.
  const hooks = join(dir, 'no-analysis-hooks.mjs');
  writeFileSync(
    hooks,
    `export async function resolve(specifier, context, next) {
      if (specifier.startsWith('@bootlab/analysis')) throw new Error('analysis deliberately unavailable');
      return next(specifier, context);
    }\n`,
  );
  const register = join(dir, 'no-analysis.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', register, BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  const analyze = run('analyze', '--help');
  assert.notEqual(analyze.status, 0);
  assert.match(analyze.stderr, /analysis deliberately unavailable/);
  const output = join(dir, 'no-analysis.jsonl');
  const rec = run('record', 'minkernel', '-n', '1', '--accel', 'tcg', '-o', output);
  assert.equal(rec.status, 0, rec.stderr);
  assert.match(rec.stdout, /complete, 1 boot\(s\) \(ok 1\)/);
  assert.equal(run('doctor').status, 0);
});

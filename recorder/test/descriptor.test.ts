import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescriptorError, loadDescriptorFile } from '../src/descriptor.ts';
import { descriptorPathFor, resolveGuest } from '../src/guests.ts';

const dir = mkdtempSync(join(tmpdir(), 'bootlab-desc-'));
const write = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

test('paths resolve against the descriptor folder and defaults apply', () => {
  const g = loadDescriptorFile(write('a.json', { name: 'a', kernel: 'build/k', ready: 'ok' }));
  assert.equal(g.kernel, join(dir, 'build/k'));
  assert.equal(g.descriptor.memory_mb, 50);
  assert.equal(g.descriptor.machine, 'pc');
  assert.equal(g.firmware, null);
});

test('a bad field is named with the file in a one-line error', () => {
  const path = write('b.json', { name: 'b', kernel: 'k', ready: 'ok', memory_mb: 'lots' });
  assert.throws(() => loadDescriptorFile(path), (e: Error) => e instanceof DescriptorError && e.message.startsWith(`${path}: memory_mb:`) && !e.message.includes('\n'));
});

test('an invalid ready regex is refused at load time', () => {
  const path = write('c.json', { name: 'c', kernel: 'k', ready: '(unclosed' });
  assert.throws(() => loadDescriptorFile(path), /c\.json: ready: not a valid regular expression/);
});

test('unknown fields are refused (a typo must not be silently ignored)', () => {
  const path = write('d.json', { name: 'd', kernel: 'k', ready: 'ok', memroy_mb: 64 });
  assert.throws(() => loadDescriptorFile(path), /d\.json: .*memroy_mb/);
});

test('broken JSON names the file', () => {
  const path = write('e.json', '{"name": ');
  assert.throws(() => loadDescriptorFile(path), /e\.json: not valid JSON/);
});

test('an unknown guest name lists the built-ins', () => {
  assert.throws(() => descriptorPathFor('no-such-guest'), /unknown guest 'no-such-guest': not a built-in \(.*minkernel/);
});

test('a missing image is reported with the field and path before anything runs', () => {
  const path = write('f.json', { name: 'f', kernel: 'build/missing.elf', ready: 'ok' });
  assert.throws(() => resolveGuest(path), /f\.json: kernel: .*missing\.elf does not exist/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescriptorError, loadDescriptorFile } from '../../src/guests/descriptor.ts';
import { descriptorPathFor, resolveGuest } from '../../src/guests/guests.ts';

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

test('kernel is optional when a drive, drives, a cdrom or a firmware image boots the guest; otherwise a clear error', () => {
  const disk = loadDescriptorFile(write('disk.json', { name: 'disk', drive: 'boot.qcow2', drive_format: 'qcow2', ready: 'ok' }));
  assert.equal(disk.kernel, null);
  assert.equal(disk.drive, join(dir, 'boot.qcow2'));
  const iso = loadDescriptorFile(write('iso.json', { name: 'iso', cdrom: 'x.iso', ready: 'ok' }));
  assert.equal(iso.cdrom, join(dir, 'x.iso'));
  const bios = loadDescriptorFile(write('bios.json', { name: 'bios', firmware: 'rom.bin', ready: 'ok' }));
  assert.equal(bios.firmware, join(dir, 'rom.bin'));
  const none = write('none.json', { name: 'none', ready: 'ok' });
  assert.throws(() => loadDescriptorFile(none), (e: Error) => e.message.startsWith(`${none}: kernel: nothing to boot`));
  const initrdAlone = write('initrd.json', { name: 'i', drive: 'd.img', initrd: 'i.gz', ready: 'ok' });
  assert.throws(() => loadDescriptorFile(initrdAlone), /kernel: initrd and append need a kernel/);
});

test('ready and markers take console regexes or tcp/http/exit signals, checked field by field', () => {
  const g = loadDescriptorFile(write('sig.json', {
    name: 'sig', kernel: 'k', ready: { http: 80, path: '/health', status: 200 },
    markers: { console: { console: '^up' }, banner: { tcp: 7 }, done: { exit: 1 }, kernel: '^k' },
  }));
  assert.deepEqual(g.descriptor.ready, { http: 80, path: '/health', status: 200 });
  const bad = write('badsig.json', { name: 'b', kernel: 'k', ready: { tcp: 70000 } });
  assert.throws(() => loadDescriptorFile(bad), (e: Error) => e.message.startsWith(`${bad}: ready`));
  const badRegex = write('badre.json', { name: 'b', kernel: 'k', ready: 'ok', markers: { x: { console: '(' } } });
  assert.throws(() => loadDescriptorFile(badRegex), (e: Error) => e.message.startsWith(`${badRegex}: markers.x`));
});

test('firmware "ovmf" resolves to the image of Debian\'s ovmf package', () => {
  const g = loadDescriptorFile(write('uefi.json', { name: 'u', cdrom: 'x.iso', firmware: 'ovmf', ready: 'ok' }));
  assert.match(g.firmware ?? '', /OVMF\.fd$/);
});

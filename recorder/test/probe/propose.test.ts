// What the probe infers without booting anything: image kinds from bytes, and ready/marker regexes from
// console lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectImage } from '../../src/probe/detect.ts';
import { floodRefusal, lineRegex, looksFailed, propose, proposeFail } from '../../src/probe/propose.ts';
import { tempDir } from '../helpers.ts';

const dir = tempDir('detect');
const file = (name: string, bytes: Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

test('image kinds are told apart by their signatures', () => {
  const bz = Buffer.alloc(4096);
  bz.write('HdrS', 0x202, 'latin1');
  bz.writeUInt16LE(0x020f, 0x206);
  assert.equal(detectImage(file('bz', bz)).kind, 'bzimage');
  const mbr = Buffer.alloc(4096);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  assert.equal(detectImage(file('mbr', mbr)).kind, 'raw-disk');
  const qcow = Buffer.alloc(512);
  qcow.writeUInt32BE(0x514649fb, 0);
  qcow.writeUInt32BE(3, 4);
  assert.equal(detectImage(file('q', qcow)).kind, 'qcow2');
  const iso = Buffer.alloc(0x9000);
  iso.write('CD001', 0x8001, 'latin1');
  assert.equal(detectImage(file('iso', iso)).kind, 'iso');
  const pe = Buffer.alloc(1024);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x80, 0x3c);
  pe.write('PE\0\0', 0x80, 'latin1');
  pe.writeUInt16LE(0x8664, 0x84);
  pe.writeUInt16LE(10, 0x80 + 24 + 68);
  assert.equal(detectImage(file('efi', pe)).kind, 'efi-app');
  const elf = Buffer.alloc(8192);
  elf.writeUInt32BE(0x7f454c46, 0);
  elf[4] = 1;
  elf.writeUInt32LE(0x1badb002, 0x1000);
  elf.writeUInt32LE(0, 0x1004);
  elf.writeUInt32LE((0x100000000 - 0x1badb002) >>> 0, 0x1008);
  assert.equal(detectImage(file('mb', elf)).kind, 'multiboot-elf');
  elf.writeUInt32LE(0, 0x1000);
  assert.match(detectImage(file('elf', elf)).detail, /without a Multiboot header or PVH note/);
  assert.equal(detectImage(file('zero', Buffer.alloc(600))).kind, 'unknown');
});

test('a console line becomes a regex that survives changing numbers and kernel timestamps', () => {
  assert.equal(lineRegex('minkernel: ready'), '^minkernel: ready');
  const uk = lineRegex('unikernel: ready mac=52:54:00:12:34:56 rng=8f90e534c4e663cd', true);
  assert.ok(new RegExp(uk).test('unikernel: ready mac=52:54:00:12:34:57 rng=0123456789abcdef\n'), uk);
  // Another VM's MAC has letters where QEMU's default has none: still the same line.
  assert.ok(new RegExp(uk).test('unikernel: ready mac=52:54:00:ab:cd:ef rng=0123456789abcdef\n'), uk);
  const macLast = lineRegex('eth0 up mac=52:54:00:12:34:56');
  assert.ok(new RegExp(macLast, 'm').test('eth0 up mac=0a:1b:2c:3d:4e:5f\n'), macLast);
  assert.ok(!new RegExp(macLast, 'm').test('eth0 up mac=52:54:00:12:34:5'), `a MAC cut mid-read is not seen whole: ${macLast}`);
  // A read that ends inside the last number is not the line yet (the next read completes it).
  const cut = lineRegex('unikernel: ready mac=52:54:00:12:34:56 rng=8f90e534c4e663cd');
  assert.ok(!new RegExp(cut, 'm').test('unikernel: ready mac=52:54:00:12:34:5'), cut);
  assert.ok(new RegExp(cut, 'm').test('unikernel: ready mac=52:54:00:12:34:56 rng=8f'), cut);
  const linux = lineRegex('[    1.234567] Run /init as init process');
  assert.ok(!linux.startsWith('^') && new RegExp(linux).test('[    2.5] Run /init as init process'));
  assert.ok(lineRegex('x'.repeat(30) + ' ' + 'y'.repeat(40)).length < 40, 'long lines keep their first words');
});

test('the ready line is the last guest line before the console went quiet; kernel the first guest line', () => {
  const lines = ['SeaBIOS (version 1.16.2)', 'Booting from ROM..', 'mykernel 1.2 starting', 'mykernel: up', 'mykernel: serving on port 8080'].map((text, i) => ({ atMs: i * 10, text }));
  const p = propose(lines);
  assert.equal(p?.ready, '^mykernel: serving on port \\d+(?=\\s)', 'a number at the end is seen whole');
  assert.equal(p?.markers.kernel, '^mykernel \\d+\\.\\d+ starting');
  assert.equal(p?.markers.firmware, 'SeaBIOS \\(version');
  // Lines of the same shape give the same regex: Te is then the first of them (edit the descriptor to pick another).
  const twice = propose(['app: ready 1 of 2', 'app: ready 2 of 2'].map((text, i) => ({ atMs: i, text })));
  assert.equal(twice?.ready, '^app: ready \\d+ of \\d+(?=\\s)');
  assert.equal(propose([{ atMs: 0, text: 'SeaBIOS (version 1)' }]), null);
  // A general-purpose kernel keeps logging after user space said it is up: the announcement wins.
  const os = propose(['[    0.000000] Linux version 6.1', 'bootlab: ready', '[   38.473481] powernow_k8: Power state transitions not supported'].map((text, i) => ({ atMs: i, text })));
  assert.equal(os?.ready, '^bootlab: ready');
});

test('failed boots: no output, only firmware, or a last line that says so', () => {
  assert.match(looksFailed([], '', null) ?? '', /no console output/);
  assert.match(looksFailed([{ atMs: 0, text: 'SeaBIOS (version 1)' }, { atMs: 1, text: 'Booting from Hard Disk...' }], '', null) ?? '', /only firmware/);
  assert.match(looksFailed([{ atMs: 0, text: 'virtio-net device 0 not in manifest. Aborting' }], '', 1) ?? '', /Aborting/);
  assert.equal(looksFailed([{ atMs: 0, text: 'error: no suitable video mode found.' }, { atMs: 1, text: 'k: ready' }], '', null), null);
});

test('the probe looks for failure lines after the guest\'s first line, not only the last; firmware giving up is never ready', () => {
  const at = (text: string, atMs = 0) => ({ atMs, text });
  // Solo5's abort, then a line that looks like a clean end: still a failure ("\\babort" missed solo5_abort()).
  const solo5 = [at('SeaBIOS (version 1)'), at('Solo5: Bindings version v0.9'), at('solo5_abort() called'), at('Solo5: Halted')];
  assert.match(looksFailed(solo5, '', 0) ?? '', /solo5_abort\(\) called/);
  assert.match(looksFailed([at('app: start'), at('PCI enumeration failed. Aborting.'), at('bye')], '', 0) ?? '', /Aborting/);
  // A kernel command line with panic=-1 is not a panic.
  assert.equal(looksFailed([at('[    0.000000] Command line: console=ttyS0 panic=-1'), at('bootlab: ready')], '', null), null);
  // OVMF falling back to network boot: firmware only, nothing to propose.
  const pxe = [at('BdsDxe: loading Boot0001 "UEFI QEMU HARDDISK"'), at('>>Start PXE over IPv4.'), at('  Station IP address is 10.0.2.15')];
  assert.match(looksFailed(pxe, '', null) ?? '', /only firmware/);
  assert.equal(propose(pxe), null);
  // Leading blanks are kept exactly; other runs of blanks or tabs match any run.
  assert.equal(lineRegex('   poppy'), '^   poppy');
  assert.ok(new RegExp(lineRegex('\tstep  1: ok'), 'm').test('\tstep \t1: ok\n'));
});

test('a flood keeps the line that says it is ready, or the probe refuses with a message saying so', () => {
  const ticks = Array.from({ length: 50 }, (_, i) => ({ atMs: 100 + i, text: `app: tick ${i}` }));
  assert.equal(floodRefusal([{ atMs: 0, text: 'app: ready, serving' }, ...ticks]), null);
  assert.equal(propose([{ atMs: 0, text: 'app: ready, serving' }, ...ticks])?.ready, '^app: ready, serving');
  assert.match(floodRefusal(ticks) ?? '', /never went quiet \(50 lines.*refusing to guess/);
});

test('the proposed fail regex catches what failed attempts printed and never a line of the good boot', () => {
  const good = [{ atMs: 0, text: 'unikernel: platform up' }, { atMs: 1, text: 'unikernel: ready manifest=ok pci=5' }];
  const fail = new RegExp(proposeFail(good, good[1]!, ['Virtio net: PCI:00:03 not in manifest']) ?? '(?!)', 'm');
  for (const line of ['Virtio net: PCI:00:04 not in manifest', 'solo5_abort() called', 'unikernel: error: no virtio-net device', '[    1.0] Kernel panic - not syncing: VFS']) assert.match(line, fail);
  for (const line of good) assert.doesNotMatch(line.text, fail);
  // A vocabulary part that a good line matches is dropped.
  const odd = [{ atMs: 0, text: 'demo: error: this is fine' }, { atMs: 1, text: 'demo: ready' }];
  assert.doesNotMatch('demo: error: this is fine', new RegExp(proposeFail(odd, odd[1]!, []) ?? '(?!)', 'm'));
});

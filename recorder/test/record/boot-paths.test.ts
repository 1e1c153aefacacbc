// Every boot path and ready signal with real QEMU under TCG: a disk-only qcow2 boot, an ISO, UEFI (OVMF),
// a raw disk with profile "bare", and our unikernel ready by http, by exit, with tcp/http/console markers.
// One recording, one boot each: what is asserted is that each path boots and is recorded as described.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BootRecord } from '@bootlab/trace';
import { findOvmf } from '../../src/guests/descriptor.ts';
import { GUESTS_DIR } from '../../src/guests/guests.ts';
import { record } from '../../src/record/record.ts';
import { summarizeRecord } from '../../src/record/summary.ts';
import { boots, ensureBuilt, readTrace, runOptions, tempDir } from '../helpers.ts';

const out = tempDir('boot-paths');
const g = (...p: string[]) => join(GUESTS_DIR, ...p);
let byGuest = new Map<string, BootRecord>();
let summary = '';

before(async () => {
  await ensureBuilt('grub');
  await ensureBuilt('unikernel');
  // A guest that stops with an error and leaves through isa-debug-exit with status 3: the unikernel given a
  // command line it refuses (a missing device is no longer an error: it boots without virtio-net and says so).
  const broken = join(out, 'bad-cmdline.json');
  writeFileSync(broken, JSON.stringify({
    name: 'unikernel-bad-cmdline',
    kernel: g('unikernel', 'build', 'unikernel.elf'),
    append: 'exit heap=x',
    qemu_args: ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'],
    ready: '^unikernel: ready',
  }));
  const output = join(out, 'paths.jsonl');
  const result = await record(runOptions({
    guests: [g('grub', 'guest.json'), g('grub', 'iso.json'), g('grub', 'uefi.json'), g('grub', 'bare.json'), g('unikernel', 'serve.json'), g('unikernel', 'serve-exit.json'), broken],
    output,
    n: [1],
    timeoutS: 60,
  }));
  summary = summarizeRecord(result);
  byGuest = new Map(boots(readTrace(output)).map((b) => [b.guest, b]));
});

const ok = (name: string): BootRecord => {
  const b = byGuest.get(name);
  assert.ok(b, `${name} was recorded`);
  assert.equal(b.status, 'ok', `${name}: ${b.error ?? ''} ${(b.last_lines ?? []).join(' | ')}`);
  assert.ok(b.dt_ms !== null && b.dt_ms > 0);
  return b;
};

test('disk-only: no -kernel, SeaBIOS boots GRUB from a qcow2 drive and GRUB loads minkernel', () => {
  const b = ok('grub-disk');
  assert.ok(!b.argv.includes('-kernel'));
  assert.ok(b.argv.some((a) => /disk\.qcow2,format=qcow2,if=virtio,readonly=on$/.test(a)));
  assert.ok(b.markers.firmware! < b.markers.loader! && b.markers.loader! < b.te_ns!, 'firmware → GRUB → kernel → ready');
});

test('ISO: the image is a read-only IDE CD-ROM', () => {
  const b = ok('grub-iso');
  assert.ok(b.argv.some((a) => /grub\.iso,media=cdrom,if=ide,readonly=on$/.test(a)));
  assert.ok(b.markers.loader !== undefined);
});

test('UEFI: firmware "ovmf" is the ovmf package\'s image, named in the argv', () => {
  const b = ok('grub-uefi');
  assert.equal(b.argv[b.argv.indexOf('-bios') + 1], findOvmf());
  assert.equal(b.markers.firmware, undefined, 'no SeaBIOS banner under UEFI');
});

test('profile "bare" in a descriptor wins over the run\'s paper profile: no NIC, no RNG', () => {
  const b = ok('grub-disk-bare');
  assert.ok(b.argv.includes('-nic') && !b.argv.some((a) => a.startsWith('virtio-')));
  assert.ok(ok('grub-disk').argv.includes('virtio-rng-pci'), 'the other guests of the run keep the paper devices');
});

test('http ready: Te is the first complete response via hostfwd on 127.0.0.1; console and tcp are markers', () => {
  const b = ok('unikernel-serve');
  assert.equal(b.ready_signal, 'http');
  assert.equal(b.ready_match, 'HTTP/1.0 200 OK');
  const netdev = b.argv[b.argv.indexOf('-netdev') + 1] ?? '';
  assert.match(netdev, /restrict=on,hostfwd=tcp:127\.0\.0\.1:\d+-:7,hostfwd=tcp:127\.0\.0\.1:\d+-:80$/);
  assert.ok(b.markers.console! < b.te_ns!, 'console-ready precedes serve-ready');
});

test('exit ready: Te is the VMM exiting with status 1; tcp and http answered before it', () => {
  const b = ok('unikernel-serve-exit');
  assert.equal(b.ready_signal, 'exit');
  assert.equal(b.ready_match, 'exit 1');
  assert.ok(b.markers.console! < b.markers.tcp! && b.markers.tcp! < b.te_ns!, JSON.stringify(b.markers));
  assert.ok(b.markers.http! < b.te_ns!);
});

test('a failed boot explains itself: last console lines in the trace and the end-of-run summary', () => {
  const b = byGuest.get('unikernel-bad-cmdline');
  assert.equal(b?.status, 'exited');
  assert.equal(b?.exit_code, 3);
  assert.ok(b?.last_lines?.some((l) => /cmdline: heap=x/.test(l)), JSON.stringify(b?.last_lines));
  assert.match(summary, /unikernel-bad-cmdline: 1 failed \(1 exited\)/);
  assert.match(summary, /\| unikernel: error: cmdline: heap=x/);
});

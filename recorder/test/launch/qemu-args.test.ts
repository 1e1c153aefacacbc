import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDescriptor } from '../../src/guests/descriptor.ts';
import { buildQemuArgv, QemuArgsError } from '../../src/launch/qemu-args.ts';

const guest = (extra: Record<string, unknown> = {}) =>
  parseDescriptor({ name: 'g', kernel: 'k.elf', ready: '^ok', ...extra }, 'test', '/guests/g');

test('the paper profile under TCG uses the paper devices, restrict=on and -cpu max', () => {
  const argv = buildQemuArgv({ qemu: '/usr/bin/qemu', guest: guest(), accel: 'tcg', profile: 'paper' });
  assert.deepEqual(argv, [
    '/usr/bin/qemu', '-nographic', '-M', 'pc', '-accel', 'tcg', '-cpu', 'max', '-m', '50',
    '-netdev', 'user,id=un0,net=192.168.122.0/24,host=192.168.122.1,restrict=on',
    '-device', 'virtio-net-pci,netdev=un0', '-device', 'virtio-rng-pci',
    '-kernel', '/guests/g/k.elf',
  ]);
});

test('under KVM the paper profile passes the host CPU with x2apic, as the paper did', () => {
  const argv = buildQemuArgv({ qemu: 'q', guest: guest(), accel: 'kvm', profile: 'paper' });
  assert.deepEqual(argv.slice(4, 7), ['-enable-kvm', '-cpu', 'host,+x2apic']);
});

test('the bare profile disables QEMU\'s default NIC instead of adding devices', () => {
  const argv = buildQemuArgv({ qemu: 'q', guest: guest(), accel: 'tcg', profile: 'bare' });
  assert.ok(argv.includes('-nic') && argv[argv.indexOf('-nic') + 1] === 'none');
  assert.ok(!argv.some((a) => a.includes('virtio')));
});

test('microvm gets virtio-mmio devices and an mmio block device', () => {
  const argv = buildQemuArgv({ qemu: 'q', guest: guest({ drive: 'root.img' }), accel: 'tcg', profile: 'paper', machine: 'microvm' });
  assert.ok(argv.includes('virtio-net-device,netdev=un0'));
  assert.ok(argv.includes('virtio-rng-device'));
  assert.ok(argv.includes('virtio-blk-device,drive=disk0'));
  assert.ok(!argv.some((a) => a.includes('-pci')));
});

test('a drive is attached read-only by default, or as a snapshot, with commas in its path doubled', () => {
  const ro = buildQemuArgv({ qemu: 'q', guest: guest({ drive: '/img/a,b.raw' }), accel: 'tcg', profile: 'paper' });
  assert.ok(ro.includes('file=/img/a,,b.raw,format=raw,if=virtio,readonly=on'));
  const snap = buildQemuArgv({ qemu: 'q', guest: guest({ drive: 'r.img', drive_mode: 'snapshot' }), accel: 'tcg', profile: 'paper' });
  assert.ok(snap.some((a) => a.endsWith('snapshot=on')));
});

test('initrd, append, firmware and extra arguments are passed through verbatim', () => {
  const g = guest({ initrd: 'i.gz', append: 'console=ttyS0 a="b c"', firmware: 'qboot', qemu_args: ['-device', 'isa-debug-exit'] });
  const argv = buildQemuArgv({ qemu: 'q', guest: g, accel: 'tcg', profile: 'paper' });
  assert.equal(argv[argv.indexOf('-append') + 1], 'console=ttyS0 a="b c"');
  assert.equal(argv[argv.indexOf('-initrd') + 1], '/guests/g/i.gz');
  assert.equal(argv[argv.indexOf('-bios') + 1], '/usr/share/qemu/qboot.rom');
  assert.deepEqual(argv.slice(-2), ['-device', 'isa-debug-exit']);
});

test('extra arguments that open unrestricted user networking are refused', () => {
  const g = guest({ qemu_args: ['-netdev', 'user,id=n1'] });
  assert.throws(() => buildQemuArgv({ qemu: 'q', guest: g, accel: 'tcg', profile: 'paper' }), QemuArgsError);
  const ok = guest({ qemu_args: ['-nic', 'user,restrict=on,model=e1000'] });
  assert.doesNotThrow(() => buildQemuArgv({ qemu: 'q', guest: ok, accel: 'tcg', profile: 'paper' }));
});

test('machine and firmware overrides win over the descriptor', () => {
  const argv = buildQemuArgv({ qemu: 'q', guest: guest({ firmware: 'qboot' }), accel: 'tcg', profile: 'paper', machine: 'q35', firmware: null });
  assert.equal(argv[argv.indexOf('-M') + 1], 'q35');
  assert.ok(!argv.includes('-bios'));
});

test('disk-only, several drives, a cdrom and OVMF: no -kernel, each image attached as described', () => {
  const g = guest({ kernel: undefined, drive: 'boot.qcow2', drive_format: 'qcow2', drives: [{ file: 'data.raw' }, { file: 'scratch.img', interface: 'ide', mode: 'snapshot' }], cdrom: 'x.iso' });
  const argv = buildQemuArgv({ qemu: 'q', guest: g, accel: 'tcg', profile: 'paper' });
  assert.ok(!argv.includes('-kernel'));
  assert.ok(argv.includes('file=/guests/g/boot.qcow2,format=qcow2,if=virtio,readonly=on'));
  assert.ok(argv.includes('file=/guests/g/data.raw,format=raw,if=virtio,readonly=on'));
  assert.ok(argv.includes('file=/guests/g/scratch.img,format=raw,if=ide,snapshot=on'));
  assert.ok(argv.includes('file=/guests/g/x.iso,media=cdrom,if=ide,readonly=on'));
});

test('a descriptor\'s profile and devices replace the run\'s: bare, or only the devices it names', () => {
  const bare = buildQemuArgv({ qemu: 'q', guest: guest({ profile: 'bare' }), accel: 'tcg', profile: 'paper' });
  assert.ok(bare.includes('-nic') && !bare.some((a) => a.includes('virtio')));
  const rngOnly = buildQemuArgv({ qemu: 'q', guest: guest({ devices: ['virtio-rng-pci'] }), accel: 'tcg', profile: 'paper' });
  assert.deepEqual(rngOnly.filter((a, i) => rngOnly[i - 1] === '-device'), ['virtio-rng-pci']);
  assert.ok(!rngOnly.includes('-netdev') && rngOnly.includes('-nic'), 'no NIC left: no user network, default NIC off');
  const nic = buildQemuArgv({ qemu: 'q', guest: guest({ profile: 'bare', devices: ['e1000,netdev=un0'] }), accel: 'tcg', profile: 'paper' });
  assert.ok(nic[nic.indexOf('-netdev') + 1]?.includes('restrict=on'), 'a NIC on un0 gets the restricted user network');
});

test('tcp/http signals forward guest ports from 127.0.0.1 only, and need a NIC', () => {
  const g = guest({ ready: { http: 80 }, markers: { banner: { tcp: 7 } } });
  const argv = buildQemuArgv({ qemu: 'q', guest: g, accel: 'tcg', profile: 'paper', hostfwd: [{ host: 40001, guest: 7 }, { host: 40002, guest: 80 }] });
  assert.equal(argv[argv.indexOf('-netdev') + 1], 'user,id=un0,net=192.168.122.0/24,host=192.168.122.1,restrict=on,hostfwd=tcp:127.0.0.1:40001-:7,hostfwd=tcp:127.0.0.1:40002-:80');
  assert.throws(() => buildQemuArgv({ qemu: 'q', guest: guest({ profile: 'bare', ready: { tcp: 7 } }), accel: 'tcg', profile: 'paper', hostfwd: [{ host: 1, guest: 7 }] }), /need a NIC on netdev=un0/);
});

test('the guest RAM size is read from -m in every form QEMU takes', async () => {
  const { guestRamKbOf } = await import('../../src/host/proc.ts');
  assert.equal(guestRamKbOf(['qemu', '-m', '50']), 50 * 1024);
  assert.equal(guestRamKbOf(['qemu', '-m', '256M']), 256 * 1024);
  assert.equal(guestRamKbOf(['qemu', '-m', '2G']), 2 * 1024 * 1024);
  assert.equal(guestRamKbOf(['qemu', '-m', 'size=96M,slots=2,maxmem=1G']), 96 * 1024);
  assert.equal(guestRamKbOf(['qemu', '-m', '64', '-m', '128']), 128 * 1024, 'the last -m wins, as in QEMU');
  assert.equal(guestRamKbOf(['qemu', '-kernel', 'k']), null);
  assert.equal(guestRamKbOf(['qemu', '-m', 'lots']), null);
});

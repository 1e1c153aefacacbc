// Builds the QEMU command line for one guest instance. Pure: the same inputs give the same argv,
// which the trace stores for every boot so a reader can rerun exactly what was measured.
import type { ResolvedGuest } from '../guests/descriptor.ts';

export const PROFILES = ['paper', 'bare'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface QemuCommandOptions {
  /** Absolute path of qemu-system-x86_64. */
  qemu: string;
  guest: ResolvedGuest;
  accel: 'kvm' | 'tcg';
  profile: ProfileName;
  /** Machine type overriding the descriptor's (VMM-factor experiments). */
  machine?: 'pc' | 'q35' | 'microvm' | undefined;
  /** Firmware image overriding the descriptor's: an absolute path, or null for QEMU's default. */
  firmware?: string | null | undefined;
  /** Guest TCP ports forwarded from 127.0.0.1 host ports (network ready signals), per instance. */
  hostfwd?: ReadonlyArray<{ host: number; guest: number }> | undefined;
}

export class QemuArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QemuArgsError';
  }
}

/** The seed paper's user network, with restrict=on so no guest packet ever leaves QEMU. */
const PAPER_NETDEV = 'user,id=un0,net=192.168.122.0/24,host=192.168.122.1,restrict=on';

/**
 * Refuse extra arguments that would open user networking without restrict=on: a descriptor is user
 * input, and bootlab promises that no guest reaches the network.
 */
function checkNetworkArgs(args: readonly string[], origin: string): void {
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag !== '-netdev' && flag !== '-nic' && flag !== '-net') continue;
    const value = args[i + 1] ?? '';
    if (/^user\b/.test(value) && !/(^|,)restrict=(on|yes|true)(,|$)/.test(value)) {
      throw new QemuArgsError(`${origin}: qemu_args: '${flag} ${value}' opens user networking without restrict=on`);
    }
  }
}

/** The profile's -device list, or the descriptor's replacement of it. */
export function effectiveDevices(guest: ResolvedGuest, profile: ProfileName, mmio: boolean): string[] {
  if (guest.descriptor.devices) return [...guest.descriptor.devices];
  if (profile === 'bare') return [];
  return [mmio ? 'virtio-net-device,netdev=un0' : 'virtio-net-pci,netdev=un0', mmio ? 'virtio-rng-device' : 'virtio-rng-pci'];
}

/** The guest's own profile wins over the run's. */
export function effectiveProfile(guest: ResolvedGuest, runProfile: ProfileName): ProfileName {
  return guest.descriptor.profile ?? runProfile;
}

function driveArgs(file: string, format: string, mode: string, iface: string, mmio: boolean, id: string): string[] {
  const access = mode === 'snapshot' ? 'snapshot=on' : 'readonly=on';
  // QEMU splits -drive options on commas; a comma in a path must be doubled.
  const path = file.replace(/,/g, ',,');
  if (mmio) return ['-drive', `file=${path},format=${format},if=none,id=${id},${access}`, '-device', `virtio-blk-device,drive=${id}`];
  return ['-drive', `file=${path},format=${format},if=${iface},${access}`];
}

export function buildQemuArgv(options: QemuCommandOptions): string[] {
  const { guest, accel } = options;
  const profile = effectiveProfile(guest, options.profile);
  const d = guest.descriptor;
  const machine = options.machine ?? d.machine;
  const firmware = options.firmware !== undefined ? options.firmware : guest.firmware;
  const mmio = machine === 'microvm'; // microvm has no PCI bus: virtio devices sit on virtio-mmio
  checkNetworkArgs(d.qemu_args, guest.descriptorPath ?? d.name);

  const argv: string[] = [options.qemu, '-nographic', '-M', machine];
  // The paper used -enable-kvm -cpu host,+x2apic; TCG cannot pass the host CPU through, so it gets "max".
  if (accel === 'kvm') argv.push('-enable-kvm', '-cpu', 'host,+x2apic');
  else argv.push('-accel', 'tcg', '-cpu', 'max');
  argv.push('-m', String(d.memory_mb));
  if (firmware) argv.push('-bios', firmware);
  const devices = effectiveDevices(guest, profile, mmio);
  const hostfwd = options.hostfwd ?? [];
  const usesNet = devices.some((dev) => /(^|,)netdev=un0(,|$)/.test(dev));
  if (hostfwd.length && !usesNet) {
    throw new QemuArgsError(`${guest.descriptorPath ?? d.name}: ready/markers: tcp and http signals need a NIC on netdev=un0 (the paper profile's, or one in devices)`);
  }
  if (usesNet) {
    const fwd = hostfwd.map((f) => `,hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`).join('');
    argv.push('-netdev', PAPER_NETDEV + fwd);
  }
  for (const dev of devices) argv.push('-device', dev);
  // Without any network option QEMU adds a default NIC with unrestricted user networking.
  if (!usesNet) argv.push('-nic', 'none');
  if (guest.kernel) argv.push('-kernel', guest.kernel);
  if (guest.initrd) argv.push('-initrd', guest.initrd);
  if (d.append !== undefined) argv.push('-append', d.append);
  if (guest.drive) argv.push(...driveArgs(guest.drive, d.drive_format, d.drive_mode, 'virtio', mmio, 'disk0'));
  guest.drives.forEach((drive, i) => argv.push(...driveArgs(drive.file, drive.format, drive.mode, drive.interface, mmio, `disk${i + 1}`)));
  if (guest.cdrom) argv.push('-drive', `file=${guest.cdrom.replace(/,/g, ',,')},media=cdrom,if=ide,readonly=on`);
  argv.push(...d.qemu_args);
  return argv;
}

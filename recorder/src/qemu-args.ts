// Builds the QEMU command line for one guest instance. Pure: the same inputs give the same argv,
// which the trace stores for every boot so a reader can rerun exactly what was measured.
import type { ResolvedGuest } from './descriptor.ts';

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

export function buildQemuArgv(options: QemuCommandOptions): string[] {
  const { guest, accel, profile } = options;
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
  if (profile === 'paper') {
    argv.push('-netdev', PAPER_NETDEV);
    argv.push('-device', mmio ? 'virtio-net-device,netdev=un0' : 'virtio-net-pci,netdev=un0');
    argv.push('-device', mmio ? 'virtio-rng-device' : 'virtio-rng-pci');
  } else {
    // Without any network option QEMU adds a default NIC with unrestricted user networking.
    argv.push('-nic', 'none');
  }
  argv.push('-kernel', guest.kernel);
  if (guest.initrd) argv.push('-initrd', guest.initrd);
  if (d.append !== undefined) argv.push('-append', d.append);
  if (guest.drive) {
    const access = d.drive_mode === 'snapshot' ? 'snapshot=on' : 'readonly=on';
    // QEMU splits -drive options on commas; a comma in a path must be doubled.
    const file = guest.drive.replace(/,/g, ',,');
    if (mmio) {
      argv.push('-drive', `file=${file},format=${d.drive_format},if=none,id=disk0,${access}`);
      argv.push('-device', 'virtio-blk-device,drive=disk0');
    } else {
      argv.push('-drive', `file=${file},format=${d.drive_format},if=virtio,${access}`);
    }
  }
  argv.push(...d.qemu_args);
  return argv;
}

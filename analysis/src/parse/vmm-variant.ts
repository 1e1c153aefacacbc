// Which VMM configuration a boot ran under, read back from its recorded QEMU argv: the machine type, the
// firmware, and the device set when it is not the paper profile's. VMM-factor experiments (pc vs q35 vs
// microvm, SeaBIOS vs qboot, bare vs paper devices) change ΔT as much as the guest does, so boots of
// different variants must never be pooled into one distribution.

/** The paper's configuration: QEMU's default pc machine with its default firmware (SeaBIOS). */
export const DEFAULT_VMM = 'pc';

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The paper profile's devices (PCI or virtio-mmio flavour). */
const PAPER_DEVICES = [
  ['virtio-net-pci', 'virtio-rng-pci'],
  ['virtio-net-device', 'virtio-rng-device'],
];
/**
 * Devices that do not make a different VMM: the guest's own disk (it comes with the image) and
 * isa-debug-exit (an I/O port QEMU exits on, nothing is initialised for it).
 */
const NEUTRAL_DEVICE = /^(virtio-blk-|ide-|scsi-|isa-debug-exit$)/;

/**
 * The guest-visible device set when it differs from the paper profile's, e.g. "bare" (no devices) or
 * "virtio-rng-pci"; null when it is the paper's, or when the argv names no devices at all and does not
 * switch QEMU's default NIC off (traces whose argv lists only the kernel: the paper profile).
 */
export function deviceDeviation(argv: readonly string[]): string | null {
  const devices: string[] = [];
  let nicNone = false;
  for (let i = 0; i < argv.length - 1; i++) {
    const value = argv[i + 1] as string;
    if (argv[i] === '-device') {
      const driver = value.split(',')[0] ?? value;
      if (!NEUTRAL_DEVICE.test(driver)) devices.push(driver);
    } else if (argv[i] === '-nic' && value === 'none') nicNone = true;
  }
  if (devices.length === 0) return nicNone ? 'bare' : null;
  const set = [...new Set(devices)].sort();
  if (PAPER_DEVICES.some((paper) => paper.length === set.length && paper.every((d, i) => d === set[i]))) return null;
  return set.join('+');
}

/** e.g. "pc", "q35", "microvm", "pc+qboot.rom", "pc[bare]", "pc+OVMF.fd[virtio-rng-pci]". */
export function vmmVariant(argv: readonly string[]): string {
  let machine = 'pc';
  let firmware: string | null = null;
  for (let i = 0; i < argv.length - 1; i++) {
    const flag = argv[i];
    const value = argv[i + 1] as string;
    if (flag === '-M' || flag === '-machine') machine = value.split(',')[0] || machine;
    else if (flag === '-bios') firmware = basename(value);
  }
  // A different device set is a different VMM start-up (and guest driver work): never pooled silently.
  const devices = deviceDeviation(argv);
  return `${firmware ? `${machine}+${firmware}` : machine}${devices ? `[${devices}]` : ''}`;
}

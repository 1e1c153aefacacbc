// Which VMM configuration a boot ran under, read back from its recorded QEMU argv: the machine type and
// the firmware. VMM-factor experiments (pc vs q35 vs microvm, SeaBIOS vs qboot) change ΔT as much as the
// guest does, so boots of different variants must never be pooled into one distribution.

/** The paper's configuration: QEMU's default pc machine with its default firmware (SeaBIOS). */
export const DEFAULT_VMM = 'pc';

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** e.g. "pc", "q35", "microvm", "pc+qboot.rom". */
export function vmmVariant(argv: readonly string[]): string {
  let machine = 'pc';
  let firmware: string | null = null;
  for (let i = 0; i < argv.length - 1; i++) {
    const flag = argv[i];
    const value = argv[i + 1] as string;
    if (flag === '-M' || flag === '-machine') machine = value.split(',')[0] || machine;
    else if (flag === '-bios') firmware = basename(value);
  }
  return firmware ? `${machine}+${firmware}` : machine;
}

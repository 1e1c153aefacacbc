// Where each built-in reference boots: the VMM variants `bootlab classify` records references on are
// profile (paper, bare) × machine type (pc, q35, microvm) × firmware (SeaBIOS, qboot, OVMF, a file). A
// reference that cannot boot in a cell is not started there — no boot waits out a timeout — and the nearest
// variant where it does boot stands in for it, with a warning (docs/classification.md has the table).
// Cells this table does not know (a firmware file of the user's) are tried; a reference whose first boot
// there fails gets no more boots (record's stopGuestAfterFailedFirstBoot), and the same fallback applies.
export type MachineType = 'pc' | 'q35' | 'microvm';
export type FirmwareKind = 'seabios' | 'qboot' | 'ovmf' | 'file';
export type ProfileKind = 'paper' | 'bare';

export interface Cell {
  machine: MachineType;
  firmware: FirmwareKind;
  profile: ProfileKind;
}

/** Why a reference does not boot in a cell, or null when it does. */
export function whyNotBooting(reference: string, cell: Cell): string | null {
  const multiboot = reference === 'minkernel' || reference === 'unikernel';
  const linux = reference === 'linux' || reference === 'debian';
  // QEMU loads a Multiboot -kernel through an option ROM only legacy BIOSes run (SeaBIOS, qboot); OVMF
  // boots only a Linux EFI stub from -kernel.
  if (multiboot && cell.firmware === 'ovmf') return 'OVMF cannot start a Multiboot kernel given with -kernel';
  // Debian's cloud kernel calibrates its TSC against the PIT, which on microvm under TCG and a loaded host
  // fails ("tsc: Unable to calibrate against PIT") and the boot hangs until the timeout.
  if (linux && cell.machine === 'microvm') return "the cloud kernel's PIT calibration hangs on microvm under TCG";
  // microvm has no option ROM slot for -bios images but its own qboot; an explicit firmware is the user's.
  return null;
}

/** The nearest cell where `reference` boots: firmware first back to SeaBIOS, then machine back to pc; profile kept. */
export function nearestBootingCell(reference: string, cell: Cell): Cell | null {
  const tries: Cell[] = [
    cell,
    { ...cell, firmware: 'seabios' },
    { ...cell, machine: cell.machine === 'microvm' ? 'pc' : cell.machine, firmware: cell.machine === 'microvm' ? 'seabios' : cell.firmware },
    { ...cell, machine: 'pc', firmware: 'seabios' },
    { machine: 'pc', firmware: 'seabios', profile: 'paper' },
  ];
  return tries.find((c) => whyNotBooting(reference, c) === null) ?? null;
}

export function firmwareKind(firmware: string): FirmwareKind {
  return firmware === 'seabios' || firmware === 'qboot' || firmware === 'ovmf' ? firmware : /ovmf/i.test(firmware) ? 'ovmf' : 'file';
}

/**
 * Cells where the reference has been booted (the validation set in datasets/classification: pc, pc+qboot, q35 and,
 * for the Multiboot references, microvm; the bare profile on pc in cli/test/classify.test.ts). Elsewhere the table
 * says what is expected; the first-failed-boot rule guards the run if it is wrong.
 */
function tried(reference: string, cell: Cell): boolean {
  const multiboot = reference === 'minkernel' || reference === 'unikernel';
  if (cell.profile === 'paper') {
    if (cell.machine === 'pc' && (cell.firmware === 'seabios' || cell.firmware === 'qboot')) return true;
    if (cell.machine === 'q35' && cell.firmware === 'seabios') return true;
    return multiboot && cell.machine === 'microvm' && cell.firmware === 'seabios';
  }
  return cell.machine === 'pc' && cell.firmware === 'seabios' && reference !== 'debian';
}

/** The matrix as Markdown rows (reference × cell), for the docs. */
export function matrixRows(references: readonly string[]): string[] {
  const rows: string[] = [];
  for (const profile of ['paper', 'bare'] as const)
    for (const machine of ['pc', 'q35', 'microvm'] as const)
      for (const firmware of ['seabios', 'qboot', 'ovmf'] as const) {
        const cell: Cell = { machine, firmware, profile };
        const cells = references.map((r) => {
          const why = whyNotBooting(r, cell);
          if (why === null) return tried(r, cell) ? 'boots' : 'boots (expected, not yet tried)';
          const near = nearestBootingCell(r, cell);
          return near ? `→ ${near.machine}/${near.firmware}/${near.profile}` : '—';
        });
        rows.push(`| ${profile} | ${machine} | ${firmware} | ${cells.join(' | ')} |`);
      }
  return rows;
}

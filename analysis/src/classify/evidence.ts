// What a guest's boot trace says about what the guest is, measured against the references recorded beside it.
//
// Every quantity is the guest's excess over the baseline reference (minkernel) at the same place — host,
// accelerator and VMM variant — so the VMM's and the firmware's start-up, shared by every guest, drops out:
//   own time   ΔT − ΔT(baseline)                       the guest's own boot, waiting included
//   own CPU    CPU(VMM at Te) − CPU(baseline at Te)    the work it did (TCG or KVM: vCPU time is VMM CPU)
//   memory     RSS at Te − RSS(baseline)               memory touched (guest RAM, and TCG's code cache), or
//              split where the guest RAM was recorded apart (guest_ram_kb_at_te):
//   guest mem  guest RAM resident at Te − the baseline's  what the guest wrote: its kernel, and its application's
//                                                       data — which a LibOS may need as much as a full OS does
//   VMM mem    (RSS − guest RAM) − the baseline's         the VMM's own memory: under TCG mostly the translation
//                                                       cache, which grows with the distinct code the guest ran —
//                                                       a full kernel's drivers and a user space, not one app
//   console    lines up to ready − baseline's lines    how many subsystems had something to say
//   slope      scaling slope / baseline's slope        how much contention hurts it
//   idle share 1 − (own CPU / own time) ÷ (the baseline's CPU / ΔT)   waiting (DHCP, a timer), not CPU-bound
//   init share (Te − init) / (Te − kernel)             user space after the kernel (ΔTR), where markers exist
// Each excess becomes a coordinate that is 0 at the baseline and 1 at the general-purpose OS anchor (the
// lightest general-purpose reference at the same place): log(1 + v/φ) / log(1 + V/φ), with φ the
// quantity's noise floor. Ratios of logs to a reference measured beside the guest are what keeps the answer
// when the whole host is faster: under KVM the guests' own parts shrink together, and so do the anchors.
import { median, quantile } from 'simple-statistics';
import { summariseGuest, type GuestInput } from '../features/guest-inputs.ts';

export const AXES = ['cpu', 'memory', 'guestMemory', 'vmmMemory', 'console', 'slope', 'init', 'idle'] as const;
export type Axis = (typeof AXES)[number];

/**
 * Noise floors: the CPU accounting tick (USER_HZ = 100); RSS at Te, which for identical boots of one image in
 * one run is bimodal, 47–48 or 56–57 MiB (a ~9 MiB step inside QEMU, datasets/classification); a few lines.
 */
export const CPU_FLOOR_MS = 10;
export const MEMORY_FLOOR_MB = 10;
export const CONSOLE_FLOOR_LINES = 5;
/** Console volume saturates: past this coordinate more lines say nothing more (a debug build can print thousands). */
export const CONSOLE_CAP = 1.5;
/**
 * Own time within max(this share of the baseline's ΔT, 1 ms, the baseline's own spread) of zero is no own work
 * at all. The spread (p10–p90 of the baseline's single ΔTs in the same run) is what a loaded host adds: there a
 * second minkernel differs from the first by more than 5 %, and that difference is not work of its own.
 */
export const OWN_TIME_TOLERANCE = 0.05;
export const OWN_TIME_TOLERANCE_MIN_MS = 1;
/**
 * Lines a guest may print beyond the baseline's and still be one: the baseline announces itself in one line, so
 * a banner, a device list or an application's output is work of its own — whatever the host's speed, which shrinks
 * a small LibOS's own time under KVM to the baseline's noise but leaves its console as it is.
 */
export const BASELINE_CONSOLE_TOLERANCE_LINES = 2;

/** Raw measurements of one guest at one place: medians over its single-instance ok boots. */
export interface Measures {
  dtMs: number | null;
  /** p10–p90 of the single ΔTs: how far two boots of this very guest differ here (0 with one boot). */
  dtSpreadMs: number | null;
  cpuMs: number | null;
  rssMb: number | null;
  /** Of the RSS, the guest's RAM and the VMM's own; null where the guest RAM was not recorded apart. */
  guestRamMb: number | null;
  vmmMb: number | null;
  consoleLines: number | null;
  slope: number | null;
  initShare: number | null;
}

export function measuresOf(input: GuestInput): Measures {
  const med = (xs: readonly number[]) => (xs.length ? median([...xs]) : null);
  const rssKb = med(input.singleRssKb);
  const dts = [...input.single];
  return {
    dtMs: summariseGuest(input).singleMedianMs,
    dtSpreadMs: dts.length ? quantile(dts, 0.9) - quantile(dts, 0.1) : null,
    cpuMs: med(input.singleCpuMs),
    rssMb: rssKb === null ? null : rssKb / 1024,
    guestRamMb: input.singleGuestRamKb.length && input.singleVmmKb.length ? median([...input.singleGuestRamKb]) / 1024 : null,
    vmmMb: input.singleGuestRamKb.length && input.singleVmmKb.length ? median([...input.singleVmmKb]) / 1024 : null,
    consoleLines: med(input.singleConsoleLines),
    slope: summariseGuest(input).scalingSlope,
    initShare: med(input.singleInitShare),
  };
}

/** A guest's excess over the baseline reference: the physical quantities, before scaling. */
export interface Excess {
  ownTimeMs: number | null;
  /** Own time at or below this is "no own work" (the baseline's own noise). */
  ownTimeToleranceMs: number | null;
  ownCpuMs: number | null;
  memoryMb: number | null;
  /** The memory excess split into the guest's RAM and the VMM's own; null where either side lacks the split. */
  guestMemoryMb: number | null;
  vmmMemoryMb: number | null;
  consoleLines: number | null;
  slopeRatio: number | null;
  idleShare: number | null;
  initShare: number | null;
}

const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

export function excessOver(guest: Measures, baseline: Measures): Excess {
  const ownTimeMs = diff(guest.dtMs, baseline.dtMs);
  const ownCpuMs = diff(guest.cpuMs, baseline.cpuMs);
  const tolerance =
    baseline.dtMs === null ? null : Math.max(OWN_TIME_TOLERANCE_MIN_MS, OWN_TIME_TOLERANCE * baseline.dtMs, baseline.dtSpreadMs ?? 0);
  // Idle share only means something when there is own time to share out, well above the CPU tick. It is taken
  // relative to the baseline's own CPU/ΔT in the same run: on a loaded host every VMM waits for a CPU, and that
  // wait is not the guest idling.
  const hostShare = baseline.cpuMs !== null && baseline.dtMs !== null && baseline.dtMs > 0 ? Math.min(1, Math.max(0.05, baseline.cpuMs / baseline.dtMs)) : 1;
  const idleShare =
    ownTimeMs !== null && ownCpuMs !== null && ownTimeMs > 4 * CPU_FLOOR_MS ? Math.min(1, Math.max(0, 1 - ownCpuMs / ownTimeMs / hostShare)) : null;
  // A baseline slope at or below zero (noise on a fast guest) would make every ratio meaningless: floor it.
  const baseSlope = baseline.slope === null ? null : Math.max(baseline.slope, 1);
  return {
    ownTimeMs,
    ownTimeToleranceMs: tolerance,
    ownCpuMs,
    memoryMb: diff(guest.rssMb, baseline.rssMb),
    guestMemoryMb: diff(guest.guestRamMb, baseline.guestRamMb),
    vmmMemoryMb: diff(guest.vmmMb, baseline.vmmMb),
    consoleLines: diff(guest.consoleLines, baseline.consoleLines),
    slopeRatio: guest.slope === null || baseSlope === null ? null : Math.max(guest.slope, 0) / baseSlope,
    idleShare,
    initShare: guest.initShare,
  };
}

export type Coordinates = Partial<Record<Axis, number>>;

/**
 * log(1 + v/φ) / log(1 + V/φ): 0 at the baseline, 1 at the anchor; null when either side is unknown, or when the
 * anchor itself is within the noise floor of the baseline — then the quantity does not tell the classes apart here
 * (the VMM's own memory under KVM, which has no translation cache) and a ratio of noise would only amplify it.
 */
function scaled(v: number | null, anchor: number | null, floor: number): number | null {
  if (v === null || anchor === null || anchor < floor) return null;
  return Math.log1p(Math.max(v, 0) / floor) / Math.log1p(anchor / floor);
}

/** Can memory be split into guest RAM and the VMM's own for these excesses (the guest, the anchor, every reference)? */
export function memorySplits(excesses: ReadonlyArray<Excess | null>): boolean {
  return excesses.every((e) => e !== null && e.guestMemoryMb !== null && e.vmmMemoryMb !== null);
}

/**
 * Where a guest sits, given its excess and the general-purpose anchor's excess at the same place. With `split`
 * (memorySplits of everything compared at the place), memory is two axes, guest RAM and the VMM's own; else one.
 */
export function coordinates(e: Excess, anchor: Excess | null, split = false): Coordinates {
  const out: Coordinates = {};
  const put = (axis: Axis, v: number | null) => {
    if (v !== null && Number.isFinite(v)) out[axis] = v;
  };
  put('cpu', scaled(e.ownCpuMs, anchor?.ownCpuMs ?? null, CPU_FLOOR_MS));
  if (split) {
    put('guestMemory', scaled(e.guestMemoryMb, anchor?.guestMemoryMb ?? null, MEMORY_FLOOR_MB));
    put('vmmMemory', scaled(e.vmmMemoryMb, anchor?.vmmMemoryMb ?? null, MEMORY_FLOOR_MB));
  } else {
    put('memory', scaled(e.memoryMb, anchor?.memoryMb ?? null, MEMORY_FLOOR_MB));
  }
  const consoleX = scaled(e.consoleLines, anchor?.consoleLines ?? null, CONSOLE_FLOOR_LINES);
  put('console', consoleX === null ? null : Math.min(consoleX, CONSOLE_CAP));
  const anchorSlope = anchor?.slopeRatio ?? null;
  if (e.slopeRatio !== null && anchorSlope !== null && anchorSlope > 1) put('slope', Math.log(Math.max(e.slopeRatio, 1)) / Math.log(anchorSlope));
  put('init', e.initShare);
  put('idle', e.idleShare);
  return out;
}

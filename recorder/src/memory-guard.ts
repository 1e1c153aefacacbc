// Stops launching before the host runs out of memory. A booting guest's memory is committed lazily, so
// MemAvailable alone says too little during a fast multi launch (100 instances 3 ms apart start long
// before any has touched its RAM). The guard predicts: MemAvailable now, minus what every instance still
// booting — and the next one — may yet take, must stay above the floor.
import { readMemInfo, type MemInfo } from './proc.ts';

/** QEMU's own memory beyond guest RAM (TCG translation buffers, devices); measured ~18 MB idle. */
export const VMM_OVERHEAD_KB = 64 * 1024;
/** Margin over the largest RSS seen at Te, for guests whose boots differ a little. */
const OBSERVED_MARGIN = 1.25;

/** Default floor: max(1 GiB, 5 % of MemTotal). */
export function defaultMemoryFloorKb(memTotalKb: number): number {
  return Math.max(1024 * 1024, Math.round(memTotalKb * 0.05));
}

/**
 * What one booting instance may still take. Until an instance of this guest has booted, assume it may
 * touch all its RAM; afterwards, what booted instances really held at Te (RSS), with a margin.
 */
export function bootingCostKb(memoryMb: number, largestRssAtTeKb: number | null): number {
  if (largestRssAtTeKb === null) return memoryMb * 1024 + VMM_OVERHEAD_KB;
  return Math.round(largestRssAtTeKb * OBSERVED_MARGIN);
}

export type GuardVerdict = { ok: true } | { ok: false; reason: string; availableKb: number; estimateKb: number };

export class MemoryGuard {
  readonly floorKb: number;
  private readonly readMem: () => MemInfo;

  constructor(floorKb: number, readMem: () => MemInfo = readMemInfo) {
    this.floorKb = floorKb;
    this.readMem = readMem;
  }

  /** May one more instance start, with `booting` instances still booting, each costing up to `perBootingKb`? */
  check(booting: number, perBootingKb: number): GuardVerdict {
    const { availableKb } = this.readMem();
    const predictedKb = availableKb - perBootingKb * (booting + 1);
    if (predictedKb >= this.floorKb) return { ok: true };
    return {
      ok: false,
      availableKb,
      estimateKb: perBootingKb,
      reason:
        `MemAvailable ${Math.round(availableKb / 1024)} MiB minus up to ${Math.round(perBootingKb / 1024)} MiB for each of ` +
        `${booting + 1} booting instance(s) would fall under the ${Math.round(this.floorKb / 1024)} MiB floor`,
    };
  }
}

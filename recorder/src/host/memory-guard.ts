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

  /**
   * How many more instances may start now, with `booting` still booting, each costing up to `perBootingKb`
   * (0 or less when not even one may; negative when those already planned are too many). The launch
   * engine is given this many launches ahead of time.
   */
  headroom(booting: number, perBootingKb: number): number {
    const { availableKb } = this.readMem();
    return Math.floor((availableKb - this.floorKb) / Math.max(1, perBootingKb)) - booting;
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

/** Instances that must be running, and the largest share of them still booting, for a live reading to count. */
// At a handful of instances, other work on a shared host moving MemAvailable by a few hundred MiB would
// read as hundreds of MiB per instance.
const LIVE_MIN_RUNNING = 32;
const LIVE_MAX_BOOTING_SHARE = 0.25;

/**
 * What one running instance of this run really costs the host, learned while it runs: the drop of
 * MemAvailable since the run started, divided by the instances running. It follows the host as it is —
 * shared library pages, KSM merging guest and QEMU pages minutes after launch (the cost then falls) —
 * where a fixed allowance must assume the worst. A reading counts only when enough instances run and
 * few of them are still booting (a booting guest has not touched all of its memory yet); until the first
 * such reading there is no estimate and the guard uses its default. Other processes' memory moves
 * MemAvailable too: the estimate is a host-level figure, with a margin.
 */
export class LiveMemoryCost {
  private readonly baselineKb: number;
  private estimateKb: number | null = null;

  constructor(baselineAvailableKb: number) {
    this.baselineKb = baselineAvailableKb;
  }

  /** Feed one reading (every sample). */
  observe(availableKb: number, running: number, booting: number): void {
    if (running < LIVE_MIN_RUNNING || booting > running * LIVE_MAX_BOOTING_SHARE) return;
    this.estimateKb = Math.max(0, this.baselineKb - availableKb) / running;
  }

  /** The learned per-instance cost with a margin, KiB; null until learned. */
  perInstanceKb(): number | null {
    return this.estimateKb === null ? null : Math.round(this.estimateKb * OBSERVED_MARGIN);
  }

  /** The raw learned per-instance cost, KiB (for samples); null until learned. */
  get learnedKb(): number | null {
    return this.estimateKb === null ? null : Math.round(this.estimateKb);
  }
}

// Stops launching before the host runs out of memory. QEMU's memory is committed lazily while a guest
// boots, so the guard predicts: MemAvailable now, minus what the instances still booting and the next
// one are expected to take, must stay above the floor.
import { readMemInfo, type MemInfo } from './proc.ts';

/** An idle QEMU under TCG was measured at ~18 MB PSS; start from a pessimistic guess until we learn. */
const INITIAL_ESTIMATE_KB = 32 * 1024;
/** How many live instances before the observed per-instance cost replaces the initial guess. */
const LEARN_AFTER = 8;

/** Default floor: max(1 GiB, 5 % of MemTotal). */
export function defaultMemoryFloorKb(memTotalKb: number): number {
  return Math.max(1024 * 1024, Math.round(memTotalKb * 0.05));
}

export type GuardVerdict = { ok: true } | { ok: false; reason: string; availableKb: number; estimateKb: number };

export class MemoryGuard {
  private readonly floorKb: number;
  private readonly baselineKb: number;
  private readonly readMem: () => MemInfo;

  constructor(floorKb: number, readMem: () => MemInfo = readMemInfo) {
    this.floorKb = floorKb;
    this.readMem = readMem;
    this.baselineKb = readMem().availableKb;
  }

  /** Per-instance cost learned from how far MemAvailable fell since the run began. */
  estimateKb(alive: number, availableKb: number): number {
    if (alive < LEARN_AFTER) return INITIAL_ESTIMATE_KB;
    return Math.max(4096, Math.round((this.baselineKb - availableKb) / alive));
  }

  /** May one more instance start, given how many are alive and how many of those are still booting? */
  check(alive: number, booting: number): GuardVerdict {
    const { availableKb } = this.readMem();
    const estimateKb = this.estimateKb(alive, availableKb);
    const predictedKb = availableKb - estimateKb * (booting + 1);
    if (predictedKb >= this.floorKb) return { ok: true };
    return {
      ok: false,
      availableKb,
      estimateKb,
      reason:
        `MemAvailable ${Math.round(availableKb / 1024)} MiB minus ~${Math.round(estimateKb / 1024)} MiB for each of ` +
        `${booting + 1} booting instance(s) would fall under the ${Math.round(this.floorKb / 1024)} MiB floor`,
    };
  }
}

// When the next wave of a `--waves` run may start. A wave starts whole: under TCG a host that cannot boot
// thousands at once still keeps thousands alive, but only if each wave's memory has been merged (KSM) or freed
// before the next is launched. Starting a wave with the few instances that fit would trip the guard at once.

/** How long the guard may hold the next wave (memory still being merged or freed) before it ends the batch. */
export const WAVE_WAIT_NS = 300_000_000_000n;

export type NextWave = 'start' | 'wait' | 'as-far-as-it-fits';

/**
 * At a wave's start: `start` when the guard has room for the whole wave, `wait` (look again in a second) while
 * it has not and the hold has lasted under WAVE_WAIT_NS, then `as-far-as-it-fits` (the guard decides).
 * Density 3200 at waves of 100, 2026-12-06: with MemAvailable 51 MiB above the floor the next wave started
 * with 3 instances and the guard ended the batch at 1719 VMs; 4 minutes later ksmd had merged 16 GB (2.9 MB
 * per idle VM).
 */
export function nextWave(allowed: number, waveSize: number, heldNs: bigint | null, waitNs: bigint = WAVE_WAIT_NS): NextWave {
  if (allowed >= waveSize) return 'start';
  return heldNs === null || heldNs < waitNs ? 'wait' : 'as-far-as-it-fits';
}

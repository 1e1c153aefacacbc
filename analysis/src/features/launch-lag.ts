// How late the recorder launched each instance against its schedule (Ts − scheduled), and what spawning
// cost. A large lag at 3 ms intervals means the intended concurrency was not achieved.
import type { Boot } from '../types.ts';
import { summarise, type Summary } from './summary.ts';

export interface LaunchFeatures {
  launchLagMs: Summary | null;
  spawnMs: Summary | null;
}

export function launchFeatures(boots: readonly Boot[]): LaunchFeatures {
  return {
    launchLagMs: summarise(boots.map((b) => b.launch_lag_ms)),
    spawnMs: summarise(boots.map((b) => b.spawn_ms)),
  };
}

// computeFeatures: every feature family, per condition and per guest. Pure over a TraceSet.
import type { BootStatus } from '@bootlab/trace';
import { BOOT_STATUSES } from '@bootlab/trace';
import { rngFor } from '../stats/random.ts';
import type { Accel, Boot, TraceSet } from '../types.ts';
import type { Warning } from '../warnings.ts';
import { conditionId, conditionLabel, groupByCondition, type ConditionKey } from './conditions.ts';
import { dtStats, type DtStats } from './dt-stats.ts';
import { bootsByGuest, guestInputs, summariseGuest, type GuestInput, type GuestSummary } from './guest-inputs.ts';
import { launchFeatures, type LaunchFeatures } from './launch-lag.ts';
import { findOutliers, MODIFIED_Z_THRESHOLD } from './outliers.ts';
import { phaseFeatures, type PhaseFeatures } from './phases.ts';
import { resourceFeatures, samplesDuring, type ResourceFeatures } from './resources.ts';
import { scalingFeatures, type ScalingFeatures } from './scaling.ts';

export interface OutlierBoot {
  runId: string;
  batch: number;
  index: number;
  dtMs: number;
  /** Modified z-score. */
  z: number;
}

export interface ConditionFeatures extends ConditionKey {
  runIds: string[];
  boots: number;
  ok: number;
  failed: number;
  statusCounts: Record<BootStatus, number>;
  dt: DtStats | null;
  outliers: { threshold: number; boots: OutlierBoot[] };
  launch: LaunchFeatures;
  /** Multi mode only. */
  scaling: ScalingFeatures | null;
  phases: PhaseFeatures;
  resources: ResourceFeatures;
}

export interface GuestFeatures extends GuestSummary {
  guest: string;
  host: string;
  accel: Accel;
  okBoots: number;
  failedBoots: number;
  outliers: number;
}

export interface ComputeOptions {
  /** Seed of every resampling stream. */
  seed?: number;
  /** Bootstrap resamples for confidence intervals. */
  resamples?: number;
}

export interface Features {
  conditions: ConditionFeatures[];
  guests: GuestFeatures[];
  /** What classification works from (see guest-inputs). */
  inputs: GuestInput[];
  /** Every boot per guest: classification looks up references at each guest's own place. */
  bootsByGuest: ReadonlyMap<string, readonly Boot[]>;
  warnings: Warning[];
  seed: number;
  resamples: number;
}

export const DEFAULT_SEED = 1;
export const DEFAULT_RESAMPLES = 1000;

export function computeFeatures(traces: TraceSet, options: ComputeOptions = {}): Features {
  const seed = options.seed ?? DEFAULT_SEED;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const warnings: Warning[] = [];
  const conditions: ConditionFeatures[] = [];

  for (const { key, boots } of groupByCondition(traces.boots)) {
    const statusCounts = Object.fromEntries(BOOT_STATUSES.map((s) => [s, 0])) as Record<BootStatus, number>;
    for (const b of boots) statusCounts[b.status]++;
    const ok = boots.filter((b) => b.status === 'ok' && b.dt_ms !== null);
    const dts = ok.map((b) => b.dt_ms as number);
    const outlierBoots = findOutliers(dts).map(({ index, value, z }) => {
      const b = ok[index]!;
      return { runId: b.run_id, batch: b.batch, index: b.index, dtMs: value, z };
    });
    const label = `${key.guest} (${conditionLabel(key)})`;
    if (outlierBoots.length) {
      warnings.push({
        kind: 'outliers',
        guest: key.guest,
        message: `${label}: ${outlierBoots.length} of ${dts.length} ΔT values are outliers (|modified z| > ${MODIFIED_Z_THRESHOLD}); kept in all statistics`,
      });
    }
    const failed = boots.length - ok.length;
    if (failed) {
      const kinds = BOOT_STATUSES.filter((s) => s !== 'ok' && statusCounts[s] > 0).map((s) => `${statusCounts[s]} ${s}`);
      warnings.push({ kind: 'failed-boots', guest: key.guest, message: `${label}: ${failed} of ${boots.length} boots failed (${kinds.join(', ')})${failureWhy(boots)}` });
    }
    conditions.push({
      ...key,
      runIds: [...new Set(boots.map((b) => b.run_id))].sort(),
      boots: boots.length,
      ok: ok.length,
      failed,
      statusCounts,
      dt: dtStats(dts, { resamples, rng: rngFor(seed, 'median-ci', conditionId(key)) }),
      outliers: { threshold: MODIFIED_Z_THRESHOLD, boots: outlierBoots },
      launch: launchFeatures(boots),
      scaling: key.mode === 'multi' ? scalingFeatures(boots) : null,
      phases: phaseFeatures(boots),
      resources: resourceFeatures(boots, samplesDuring(traces.runs, boots)),
    });
  }

  const { inputs, warnings: inputWarnings } = guestInputs(traces);
  warnings.push(...inputWarnings);
  const guests = inputs.map((input): GuestFeatures => {
    const own = conditions.filter((c) => c.guest === input.guest);
    return {
      guest: input.guest,
      host: input.host,
      accel: input.accel,
      ...summariseGuest(input),
      okBoots: own.reduce((s, c) => s + c.ok, 0),
      failedBoots: own.reduce((s, c) => s + c.failed, 0),
      outliers: own.reduce((s, c) => s + c.outliers.boots.length, 0),
    };
  });
  return { conditions, guests, inputs, bootsByGuest: bootsByGuest(traces), warnings, seed, resamples };
}

/**
 * What the failed boots said last, so a failure explains itself: the most common last console line (and
 * QEMU's message) among failed boots, from `last_lines` (or the error for traces without it).
 */
export function failureWhy(boots: readonly Boot[]): string {
  const said = new Map<string, number>();
  for (const b of boots) {
    if (b.status === 'ok' || b.status === 'interrupted') continue;
    const lines = b.last_lines ?? [];
    const console = [...lines].reverse().find((l) => !l.startsWith('qemu: '));
    const qemu = lines.find((l) => l.startsWith('qemu: '));
    const text = [console ? `last console line "${console}"` : null, qemu ? `"${qemu}"` : b.error ? `"${b.error}"` : null].filter(Boolean).join(', ');
    if (text) said.set(text, (said.get(text) ?? 0) + 1);
  }
  const top = [...said].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  return top ? `; ${top[0]}${said.size > 1 ? ` (${top[1]} boots)` : ''}` : '';
}

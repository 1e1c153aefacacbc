// How ΔT grows with concurrency. The primary number is the Theil–Sen slope of batch-median ΔT against batch
// size N over a sweep (ms per extra concurrent instance). The within-batch slopes (against launch index,
// against instances running at launch) are secondary: in short kill-after-ready batches early instances
// finish before late ones start, so those slopes mostly measure the launch schedule.
import { linearRegression, median, rSquared } from 'simple-statistics';
import type { Interval } from '../stats/bootstrap.ts';
import { theilSen, theilSenSlope, theilSenXY, type Point, type TheilSenFit } from '../stats/theil-sen.ts';
import type { Boot } from '../types.ts';
import { groupByBatch } from './conditions.ts';
import { okDts } from './summary.ts';

export interface BatchPoint {
  runId: string;
  batch: number;
  repetition: number;
  /** Planned batch size. */
  n: number;
  /** Instances actually launched (boot records); below n when the memory guard stopped the batch. */
  launched: number;
  ok: number;
  /** Median ΔT of the batch's ok boots; null when none booted. */
  medianDtMs: number | null;
}

export interface SlopeFit {
  slope: number;
  intercept: number;
  ci: Interval | null;
  points: number;
}

export interface OlsFit {
  slope: number;
  intercept: number;
  r2: number;
}

export interface ScalingFeatures {
  batches: BatchPoint[];
  /** Theil–Sen of batch median ΔT against launched N: ms per extra concurrent instance. */
  vsBatchSize: SlopeFit | null;
  /** OLS over the same points, for comparison with papers that report least squares. */
  vsBatchSizeOls: OlsFit | null;
  /** Median over batches (≥ 3 ok boots) of the Theil–Sen slope of ΔT against launch index: ms per launch. */
  vsLaunchIndex: { slope: number; batches: number } | null;
  /** Theil–Sen of ΔT against running_at_launch over all ok boots: ms per instance already running. */
  vsRunningAtLaunch: SlopeFit | null;
}

function batchPoint(batch: readonly Boot[]): BatchPoint {
  const first = batch[0] as Boot;
  const dts = okDts(batch);
  return {
    runId: first.run_id,
    batch: first.batch,
    repetition: first.repetition,
    n: first.n,
    launched: batch.length,
    ok: dts.length,
    medianDtMs: dts.length ? median(dts) : null,
  };
}

export function batchPoints(boots: readonly Boot[]): BatchPoint[] {
  return groupByBatch(boots).map(batchPoint);
}

/** The sweep points the slope is fitted to: (launched N, batch median ΔT). */
export function sweepPoints(batches: readonly BatchPoint[]): Point[] {
  return batches.filter((b) => b.medianDtMs !== null).map((b) => ({ x: b.launched, y: b.medianDtMs as number }));
}

function slopeFit(fit: TheilSenFit): SlopeFit {
  return { slope: fit.slope, intercept: fit.intercept, ci: fit.ci, points: fit.points };
}

export function fitSlope(points: readonly Point[]): SlopeFit | null {
  const fit = theilSen(points);
  return fit && slopeFit(fit);
}

export function fitOls(points: readonly Point[]): OlsFit | null {
  if (new Set(points.map((p) => p.x)).size < 2) return null;
  const data = points.map((p) => [p.x, p.y]);
  const { m, b } = linearRegression(data);
  return { slope: m, intercept: b, r2: rSquared(data, (x) => m * x + b) };
}

/** Boots with a usable ΔT (status ok, ΔT recorded). */
function okBoots(boots: readonly Boot[]): Boot[] {
  return boots.filter((b) => b.status === 'ok' && b.dt_ms !== null);
}

export function scalingFeatures(boots: readonly Boot[]): ScalingFeatures {
  const groups = groupByBatch(boots);
  const batches = groups.map(batchPoint);
  const points = sweepPoints(batches);

  const indexSlopes: number[] = [];
  for (const batch of groups) {
    const ok = okBoots(batch);
    if (ok.length < 3) continue;
    const slope = theilSenSlope(ok.length, (i) => (ok[i] as Boot).index, (i) => (ok[i] as Boot).dt_ms as number);
    if (slope !== null) indexSlopes.push(slope);
  }
  const ok = okBoots(boots);
  const running = theilSenXY(ok.length, (i) => (ok[i] as Boot).running_at_launch, (i) => (ok[i] as Boot).dt_ms as number);

  return {
    batches,
    vsBatchSize: fitSlope(points),
    vsBatchSizeOls: fitOls(points),
    vsLaunchIndex: indexSlopes.length ? { slope: median(indexSlopes), batches: indexSlopes.length } : null,
    vsRunningAtLaunch: running && slopeFit(running),
  };
}

// The raw material classification works from, one per guest: single-instance ΔTs and the sweep's batches.
// Kept as raw boots-per-batch (not just medians) so classification confidence can resample boots and
// recompute everything.
import { median } from 'simple-statistics';
import type { Interval } from '../stats/bootstrap.ts';
import { resample, type Rng } from '../stats/random.ts';
import type { Accel, Boot, TraceSet } from '../types.ts';
import { cmp, type Warning } from '../warnings.ts';
import { DEFAULT_VMM } from '../parse/vmm-variant.ts';
import { groupByBatch } from './conditions.ts';
import { tkMsOf } from './phases.ts';
import { fitOls, fitSlope } from './scaling.ts';
import { okDts } from './summary.ts';

export type SingleSource = 'single' | 'multi n=1' | 'sweep intercept';

export interface SweepBatch {
  /** Instances launched in the batch. */
  launched: number;
  dts: number[];
}

export interface GuestInput {
  guest: string;
  /** The (host, accelerator) the guest is classified on: the one with most ok boots. */
  host: string;
  accel: Accel;
  /** The VMM variant the inputs come from (see canonicalVmm). */
  vmm: string;
  /** ok ΔTs of single-instance boots (single mode, or multi batches of one). */
  single: number[];
  /** TK (Te − kernel marker) of those boots that carry a `kernel` marker. */
  singleTk: number[];
  singleSource: SingleSource | null;
  /** The sweep at the smallest launch interval measured; null when there is none. */
  sweep: { intervalMs: number; batches: SweepBatch[] } | null;
}

export interface GuestSummary {
  /** Single-instance median ΔT, ms. */
  singleMedianMs: number | null;
  /** Single-instance median TK (the guest's own boot: Te − kernel marker), ms; null without markers. */
  singleTkMedianMs: number | null;
  singleSource: SingleSource | null;
  /** Theil–Sen slope of batch median ΔT against N: ms per extra concurrent instance. */
  scalingSlope: number | null;
  scalingSlopeCi: Interval | null;
  scalingOlsSlope: number | null;
  scalingIntervalMs: number | null;
  /** Distinct batch sizes in the sweep. */
  sweepSizes: number[];
}

function sweepPoints(batches: readonly SweepBatch[]) {
  return batches.filter((b) => b.dts.length > 0).map((b) => ({ x: b.launched, y: median(b.dts) }));
}

export function summariseGuest(input: GuestInput): GuestSummary {
  const points = input.sweep ? sweepPoints(input.sweep.batches) : [];
  const fit = fitSlope(points);
  let singleMedianMs: number | null = input.single.length ? median(input.single) : null;
  let singleSource = input.singleSource;
  if (singleMedianMs === null && fit) {
    singleMedianMs = fit.intercept + fit.slope;
    singleSource = 'sweep intercept';
  }
  return {
    singleMedianMs,
    singleTkMedianMs: input.singleTk.length ? median(input.singleTk) : null,
    singleSource: singleMedianMs === null ? null : singleSource,
    scalingSlope: fit?.slope ?? null,
    scalingSlopeCi: fit?.ci ?? null,
    scalingOlsSlope: fitOls(points)?.slope ?? null,
    scalingIntervalMs: fit ? (input.sweep?.intervalMs ?? null) : null,
    sweepSizes: [...new Set(points.map((p) => p.x))].sort((a, b) => a - b),
  };
}

/**
 * One bootstrap replicate: resample single boots, and boots within each batch (keeping the sweep's N).
 * The definition of a class-confidence replicate; classify draws the same ones through guestReplicator
 * (features/guest-replicates.ts), which skips building them.
 */
export function resampleGuest(input: GuestInput, rng: Rng): GuestInput {
  return {
    ...input,
    single: resample(input.single, rng),
    singleTk: resample(input.singleTk, rng),
    sweep: input.sweep && {
      intervalMs: input.sweep.intervalMs,
      batches: input.sweep.batches.map((b) => ({ launched: b.launched, dts: resample(b.dts, rng) })),
    },
  };
}

/** The paper's VMM variant if any boot of it succeeded, otherwise the variant with most ok boots. */
export function canonicalVmm(boots: readonly Boot[]): string {
  const ok = new Map<string, number>();
  for (const b of boots) ok.set(b.vmm, (ok.get(b.vmm) ?? 0) + (b.status === 'ok' ? 1 : 0));
  if ((ok.get(DEFAULT_VMM) ?? 0) > 0) return DEFAULT_VMM;
  return [...ok.entries()].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))[0]?.[0] ?? DEFAULT_VMM;
}

export function guestInputs(traces: TraceSet): { inputs: GuestInput[]; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const byGuest = new Map<string, Boot[]>();
  for (const boot of traces.boots) {
    let list = byGuest.get(boot.guest);
    if (!list) byGuest.set(boot.guest, (list = []));
    list.push(boot);
  }
  const inputs: GuestInput[] = [];
  const places = new Set<string>();
  for (const guest of [...byGuest.keys()].sort(cmp)) {
    const boots = byGuest.get(guest) as Boot[];
    // Pooling TCG with KVM boots would make a bimodal mess; keep the best-measured place.
    const byPlace = new Map<string, { host: string; accel: Accel; ok: number }>();
    let entry: { host: string; accel: Accel; ok: number } | undefined;
    for (const b of boots) {
      // Boots come grouped by host and accelerator (canonical order): build a key only when they change.
      if (!entry || entry.host !== b.host || entry.accel !== b.accel) {
        const id = JSON.stringify([b.host, b.accel]);
        entry = byPlace.get(id);
        if (!entry) byPlace.set(id, (entry = { host: b.host, accel: b.accel, ok: 0 }));
      }
      if (b.status === 'ok') entry.ok++;
    }
    const place = [...byPlace.values()].sort((a, b) => b.ok - a.ok || cmp(a.host, b.host) || cmp(a.accel, b.accel))[0]!;
    if (byPlace.size > 1) {
      warnings.push({
        kind: 'mixed-conditions',
        guest,
        message: `${guest} was measured on ${byPlace.size} host/accelerator combinations; it is classified on ${place.accel}@${place.host} (most ok boots)`,
      });
    }
    places.add(JSON.stringify([place.host, place.accel]));
    const atPlace = boots.filter((b) => b.host === place.host && b.accel === place.accel);
    // One VMM configuration per guest: the paper's (pc, SeaBIOS) when measured, else the best-measured one.
    // VMM-factor runs (q35, microvm, qboot) are conditions of their own, never pooled into the class inputs.
    const vmm = canonicalVmm(atPlace);
    const here = atPlace.filter((b) => b.vmm === vmm);

    const singleBoots = here.filter((b) => b.mode === 'single');
    // The sweep is a kill-after-ready experiment; keep-alive batches (Figure 2) only when there is nothing else.
    const allMulti = here.filter((b) => b.mode === 'multi');
    const killAfterReady = allMulti.filter((b) => !b.keep_alive);
    const multi = killAfterReady.length ? killAfterReady : allMulti;
    const multiBatches = groupByBatch(multi);
    let singleFrom: readonly Boot[] = singleBoots;
    let single = okDts(singleBoots);
    let singleSource: SingleSource | null = single.length ? 'single' : null;
    if (!single.length) {
      singleFrom = multiBatches.filter((batch) => batch.length === 1).flat();
      single = okDts(singleFrom);
      singleSource = single.length ? 'multi n=1' : null;
    }
    const singleTk = singleFrom.flatMap((b) => tkMsOf(b) ?? []);

    // The smallest interval packs launches tightest: the paper's headline scaling setup (3 ms).
    const intervals = [...new Set(multi.map((b) => b.interval_ms ?? 0))].sort((a, b) => a - b);
    let sweep: GuestInput['sweep'] = null;
    for (const intervalMs of intervals) {
      const batches = groupByBatch(multi.filter((b) => (b.interval_ms ?? 0) === intervalMs)).map((batch) => ({
        launched: batch.length,
        dts: okDts(batch),
      }));
      if (new Set(batches.filter((b) => b.dts.length).map((b) => b.launched)).size >= 2) {
        sweep = { intervalMs, batches };
        break;
      }
    }
    inputs.push({ guest, host: place.host, accel: place.accel, vmm, single, singleTk, singleSource, sweep });
  }
  if (places.size > 1) {
    warnings.push({
      kind: 'mixed-conditions',
      message: `guests are classified on ${places.size} different host/accelerator combinations; classes compare unlike conditions`,
    });
  }
  return { inputs, warnings };
}

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
import { INIT_MARKER, tkMsOf } from './phases.ts';
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
  /** Resources of the same single-instance ok boots, where recorded: VMM CPU time and RSS at Te. */
  singleCpuMs: number[];
  singleRssKb: number[];
  /** Of the RSS at Te, the guest's RAM and the VMM's own (RSS − guest RAM), where the guest RAM was recorded. */
  singleGuestRamKb: number[];
  singleVmmKb: number[];
  /** Console lines up to the ready line (traces from 2026-12-02 on). */
  singleConsoleLines: number[];
  /** ΔTR / TK (Te − init over Te − kernel) of boots that carry both markers: the user-space share of the guest's boot. */
  singleInitShare: number[];
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

/** Where a guest was measured: host, accelerator and VMM variant. */
export interface Place {
  host: string;
  accel: Accel;
  vmm: string;
}

export function placeLabel(p: Place): string {
  return `${p.accel}@${p.host}, ${p.vmm}`;
}

function initShareOf(b: Boot): number | null {
  const tk = tkMsOf(b);
  const init = b.markers[INIT_MARKER];
  if (tk === null || tk <= 0 || init === undefined || b.te_ns === null || !Object.hasOwn(b.markers, INIT_MARKER)) return null;
  return Math.min(1, Math.max(0, (b.te_ns - init) / 1e6 / tk));
}

const values = <T>(boots: readonly Boot[], f: (b: Boot) => T | null): T[] => boots.flatMap((b) => {
  const v = f(b);
  return v === null ? [] : [v];
});

/**
 * The class inputs of one guest from its boots at one place (host, accelerator, VMM variant): single-instance
 * samples, and the sweep at the smallest launch interval that has at least two batch sizes.
 */
export function inputAt(guest: string, place: Place, here: readonly Boot[]): GuestInput {
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
  const okSingle = singleFrom.filter((b) => b.status === 'ok');
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
  return {
    guest,
    host: place.host,
    accel: place.accel,
    vmm: place.vmm,
    single,
    singleTk: singleFrom.flatMap((b) => tkMsOf(b) ?? []),
    singleCpuMs: values(okSingle, (b) => b.cpu_ms_at_te),
    singleRssKb: values(okSingle, (b) => b.rss_kb_at_te),
    singleGuestRamKb: values(okSingle, (b) => (b.rss_kb_at_te === null ? null : (b.guest_ram_kb_at_te ?? null))),
    singleVmmKb: values(okSingle, (b) => (b.rss_kb_at_te === null || b.guest_ram_kb_at_te == null ? null : b.rss_kb_at_te - b.guest_ram_kb_at_te)),
    singleConsoleLines: values(okSingle, (b) => b.console_lines_at_te ?? null),
    singleInitShare: values(okSingle, initShareOf),
    singleSource,
    sweep,
  };
}

/** The guest's boots grouped by host and accelerator: the place with most ok boots, and its VMM variant. */
export function choosePlace(boots: readonly Boot[]): { place: Place; places: number } {
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
  const best = [...byPlace.values()].sort((a, b) => b.ok - a.ok || cmp(a.host, b.host) || cmp(a.accel, b.accel))[0]!;
  // One VMM configuration per guest: the paper's (pc, SeaBIOS) when measured, else the best-measured one.
  // VMM-factor runs (q35, microvm, qboot) are conditions of their own, never pooled into the class inputs.
  const vmm = canonicalVmm(boots.filter((b) => b.host === best.host && b.accel === best.accel));
  return { place: { host: best.host, accel: best.accel, vmm }, places: byPlace.size };
}

export function bootsAt(boots: readonly Boot[], place: Place): Boot[] {
  return boots.filter((b) => b.host === place.host && b.accel === place.accel && b.vmm === place.vmm);
}

export function bootsByGuest(traces: TraceSet): Map<string, Boot[]> {
  const byGuest = new Map<string, Boot[]>();
  for (const boot of traces.boots) {
    let list = byGuest.get(boot.guest);
    if (!list) byGuest.set(boot.guest, (list = []));
    list.push(boot);
  }
  return byGuest;
}

export function guestInputs(traces: TraceSet): { inputs: GuestInput[]; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const byGuest = bootsByGuest(traces);
  const inputs: GuestInput[] = [];
  const places = new Set<string>();
  for (const guest of [...byGuest.keys()].sort(cmp)) {
    const boots = byGuest.get(guest) as Boot[];
    const { place, places: count } = choosePlace(boots);
    if (count > 1) {
      warnings.push({
        kind: 'mixed-conditions',
        guest,
        message: `${guest} was measured on ${count} host/accelerator combinations; it is classified on ${place.accel}@${place.host} (most ok boots)`,
      });
    }
    places.add(JSON.stringify([place.host, place.accel]));
    inputs.push(inputAt(guest, place, bootsAt(boots, place)));
  }
  if (places.size > 1) {
    warnings.push({
      kind: 'mixed-conditions',
      message: `guests are classified on ${places.size} different host/accelerator combinations; classes compare unlike conditions`,
    });
  }
  return { inputs, warnings };
}

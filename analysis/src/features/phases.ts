// Phase durations from console markers. The generic chain is Ts → markers in time order → Te; each link is
// a phase named "from→to". The paper's named quantities come from two conventional marker names:
//   `kernel` — the first line the guest kernel prints (kernel entry);
//   `init`   — the kernel is up and hands over to its init / service (e.g. Linux starting /init or systemd).
// Ts → kernel is the VMM's and the firmware's part (host and VMM init); TK = Te − kernel is the guest's own
// boot, "guest start without VMM/host init"; ΔTR = Te − init is "kernel up → service ready".
import { median, quantile } from 'simple-statistics';
import type { Boot } from '../types.ts';
import { cmp } from '../warnings.ts';
import { summarise, type Summary } from './summary.ts';

export const TS = 'Ts';
export const TE = 'Te';
export const KERNEL_MARKER = 'kernel';
export const INIT_MARKER = 'init';

/** TK of one ok boot: Te − `kernel` marker, ms; null without the marker or Te. */
export function tkMsOf(boot: Pick<Boot, 'status' | 'te_ns' | 'markers'>): number | null {
  const kernel = boot.markers[KERNEL_MARKER];
  if (boot.status !== 'ok' || boot.te_ns === null || kernel === undefined || !Object.hasOwn(boot.markers, KERNEL_MARKER)) return null;
  return (boot.te_ns - kernel) / NS_PER_MS;
}

export interface BootPhase {
  name: string;
  from: string;
  to: string;
  ms: number;
  /** Start of the phase relative to Ts, ms. */
  startMs: number;
}

const NS_PER_MS = 1e6;

/** The markers of a boot that fall within Ts..Te, in time order; empty when it has none or no Te. */
function markChain(boot: Boot): [string, number][] {
  const te = boot.te_ns;
  if (te === null) return [];
  // Object.entries: own keys only; zod already dropped any "__proto__" key. The recorder writes markers in
  // time order, and markers seen in the same console read (equal times) in the descriptor's order: a stable
  // sort by time keeps that, so the phase chain is the same for every boot of a guest. Breaking ties by name
  // would flip e.g. "platform"/"devices" between boots and split one phase into two.
  const marks: [string, number][] = [];
  for (const [name, t] of Object.entries(boot.markers)) if (t >= boot.ts_ns && t <= te) marks.push([name, t]);
  if (marks.length > 1) marks.sort(([, ta], [, tb]) => ta - tb);
  return marks;
}

type PhaseVisitor = (from: string, to: string, ms: number, startMs: number, link: number) => void;

/**
 * Walk the phase chain Ts → markers → Te of one boot: `visit(from, to, ms, startMs, link)` per link, in order
 * (link 0 first); no calls when the boot has no markers in range or no Te. What bootPhases returns, without
 * building it.
 */
function forEachPhase(boot: Boot, visit: PhaseVisitor): void {
  const marks = markChain(boot);
  if (marks.length === 0) return;
  let from = TS;
  let t0 = boot.ts_ns;
  for (let link = 0; link < marks.length; link++) {
    const [to, t1] = marks[link] as [string, number];
    visit(from, to, (t1 - t0) / NS_PER_MS, (t0 - boot.ts_ns) / NS_PER_MS, link);
    from = to;
    t0 = t1;
  }
  visit(from, TE, ((boot.te_ns as number) - t0) / NS_PER_MS, (t0 - boot.ts_ns) / NS_PER_MS, marks.length);
}

function phaseName(from: string, to: string): string {
  return `${from}→${to}`;
}

/** Phases of one ok boot; empty when it has no markers or no Te. */
export function bootPhases(boot: Boot): BootPhase[] {
  const phases: BootPhase[] = [];
  forEachPhase(boot, (from, to, ms, startMs) => phases.push({ name: phaseName(from, to), from, to, ms, startMs }));
  return phases;
}

export interface PhaseStat {
  name: string;
  from: string;
  to: string;
  /** Boots in which this phase occurred. */
  n: number;
  medianMs: number;
  p95Ms: number;
  /** Median start relative to Ts: orders phases for stacking. */
  medianStartMs: number;
}

export interface PhaseFeatures {
  /** Phases in time order. Medians of phases need not add up to the median ΔT. */
  phases: PhaseStat[];
  /** Ts → first console byte. */
  firstOutputMs: Summary | null;
  /** Ts → `kernel` marker (or the first marker when there is no `kernel` one): VMM start-up plus firmware. */
  vmmFirmwareMs: Summary | null;
  /** TK = Te − `kernel` marker: the guest's own boot, without VMM and host init. */
  tkMs: Summary | null;
  /** ΔTR = Te − `init` marker: kernel up → service ready. */
  dtrMs: Summary | null;
  /**
   * The signal that gave Te in most ok boots: "console" (a ready line), or "tcp"/"http" (the guest serving:
   * serve-ready) or "exit" (the VMM exiting). Boots without `ready_signal` count as console.
   */
  readySignal: 'console' | 'tcp' | 'http' | 'exit';
}

export function phaseFeatures(boots: readonly Boot[]): PhaseFeatures {
  const ok = boots.filter((b) => b.status === 'ok' && b.te_ns !== null);
  type Entry = { from: string; to: string; ms: number[]; starts: number[] };
  const byName = new Map<string, Entry>();
  // Every boot of a guest repeats the same few links: find each link's entry without building its name again.
  const entryOf = new Map<string, Map<string, Entry>>();
  const firstMarker: number[] = [];
  const visit: PhaseVisitor = (from, to, ms, startMs, link) => {
    if (link === 0) firstMarker.push(ms);
    let byTo = entryOf.get(from);
    if (!byTo) entryOf.set(from, (byTo = new Map()));
    let entry = byTo.get(to);
    if (!entry) {
      const name = phaseName(from, to);
      entry = byName.get(name);
      if (!entry) byName.set(name, (entry = { from, to, ms: [], starts: [] }));
      byTo.set(to, entry);
    }
    entry.ms.push(ms);
    entry.starts.push(startMs);
  };
  for (const boot of ok) forEachPhase(boot, visit);
  const phases = [...byName.entries()]
    .map(([name, e]) => ({
      name,
      from: e.from,
      to: e.to,
      n: e.ms.length,
      medianMs: median(e.ms),
      p95Ms: quantile(e.ms, 0.95),
      medianStartMs: median(e.starts),
    }))
    .sort((a, b) => a.medianStartMs - b.medianStartMs || cmp(a.name, b.name));

  const signals = new Map<PhaseFeatures['readySignal'], number>();
  for (const b of ok) signals.set(b.ready_signal ?? 'console', (signals.get(b.ready_signal ?? 'console') ?? 0) + 1);
  const readySignal = [...signals].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))[0]?.[0] ?? 'console';
  const withKernel = ok.filter((b) => Object.hasOwn(b.markers, KERNEL_MARKER));
  const withInit = ok.filter((b) => Object.hasOwn(b.markers, INIT_MARKER));
  return {
    phases,
    firstOutputMs: summarise(ok.filter((b) => b.first_output_ns !== null).map((b) => ((b.first_output_ns as number) - b.ts_ns) / NS_PER_MS)),
    vmmFirmwareMs: withKernel.length
      ? summarise(withKernel.map((b) => ((b.markers[KERNEL_MARKER] as number) - b.ts_ns) / NS_PER_MS))
      : summarise(firstMarker),
    tkMs: summarise(withKernel.flatMap((b) => tkMsOf(b) ?? [])),
    dtrMs: summarise(withInit.map((b) => ((b.te_ns as number) - (b.markers[INIT_MARKER] as number)) / NS_PER_MS)),
    readySignal,
  };
}

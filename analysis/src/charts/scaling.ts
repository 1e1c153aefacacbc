// Chart 3, the scaling chart: ΔT against launch index inside the largest batch of each guest, one panel per
// launch interval, with each guest's Theil–Sen line. Chart 3b: batch-median ΔT against batch size N — the
// points the scaling slope (ms per extra instance) is fitted to.
import { theilSen, type Point } from '../stats/theil-sen.ts';
import type { Boot } from '../types.ts';
import { groupByBatch } from '../features/conditions.ts';
import { batchPoints, sweepPoints } from '../features/scaling.ts';
import { colourScheme, DEFAULT_MAX_POINTS, downsample, scaleFor, withBase, type ChartSpec } from './common.ts';

interface Row {
  guest: string;
  /** Legend text: the guest, with its slope when there is one slope per guest. */
  legend?: string;
  interval: string;
  x: number;
  y: number;
  kind: 'boot' | 'fit';
}

interface PanelGroup {
  guest: string;
  intervalMs: number;
  keepAlive: boolean;
  boots: Boot[];
}

/**
 * The panel a multi-mode boot is drawn in: its launch interval, and whether its batch was kept alive. Keep-alive
 * batches (Figure 2) get their own panels: every instance stays up until the batch has booted, so their ΔT
 * at a given N is not comparable with kill-after-ready batches, and one Theil–Sen line through both would
 * be neither scaling slope.
 */
export function panelLabel(intervalMs: number, keepAlive: boolean): string {
  return `${intervalMs} ms${keepAlive ? ', keep-alive' : ''}`;
}

function byGuestInterval(boots: readonly Boot[]): Map<string, PanelGroup> {
  const groups = new Map<string, PanelGroup>();
  let g: PanelGroup | undefined;
  for (const b of boots) {
    if (b.mode !== 'multi') continue;
    const intervalMs = b.interval_ms ?? 0;
    // Boots of one guest and interval come in long runs (a batch at least): build a key only on a change.
    if (!g || g.guest !== b.guest || g.intervalMs !== intervalMs || g.keepAlive !== b.keep_alive) {
      const id = JSON.stringify([b.guest, intervalMs, b.keep_alive]);
      g = groups.get(id);
      if (!g) groups.set(id, (g = { guest: b.guest, intervalMs, keepAlive: b.keep_alive, boots: [] }));
    }
    g.boots.push(b);
  }
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Panel labels in reading order: by interval as a number (3, 5, 7 — not as text), kill-after-ready first. */
function panelOrder(groups: Iterable<PanelGroup>): string[] {
  const seen = new Map<string, [number, number]>();
  for (const g of groups) seen.set(panelLabel(g.intervalMs, g.keepAlive), [g.intervalMs, Number(g.keepAlive)]);
  return [...seen].sort(([, a], [, b]) => a[0] - b[0] || a[1] - b[1]).map(([label]) => label);
}

function fitRows(guest: string, interval: string, points: readonly Point[], xs: readonly number[]): { rows: Row[]; slope: number | null } {
  const fit = theilSen(points);
  if (!fit) return { rows: [], slope: null };
  return { rows: xs.map((x) => ({ guest, interval, x, y: fit.intercept + fit.slope * x, kind: 'fit' as const })), slope: fit.slope };
}

function layeredFacet(
  rows: Row[],
  xTitle: string,
  yTitle: string,
  title: string,
  subtitle: string,
  guests: string[],
  panels: string[],
  legendLabels?: ReadonlyMap<string, string>,
): ChartSpec {
  const positive = rows.filter((r) => r.y > 0);
  const y = { field: 'y', type: 'quantitative' as const, title: yTitle, scale: scaleFor(positive.map((r) => r.y)) };
  // Padding keeps the points at the largest N off the plot's edge, where they would be cut in half; without
  // nice: false the padded domain is rounded out to a negative tick (−100 instances) that means nothing.
  const x = { field: 'x', type: 'quantitative' as const, title: xTitle, scale: { padding: 10, nice: false } };
  const color: { field: string; type: 'nominal'; title: string; sort: string[]; scale: object; legend: object } = {
    field: 'guest',
    type: 'nominal' as const,
    title: 'guest',
    sort: guests,
    scale: { scheme: colourScheme(guests.length) },
    legend: { columns: guests.length > 12 ? 2 : 1 },
  };
  // Legend text travels as data (a field), never as a Vega expression built from trace strings.
  if (legendLabels) {
    for (const r of positive) r.legend = legendLabels.get(r.guest) ?? r.guest;
    color.field = 'legend';
    color.sort = guests.map((g) => legendLabels.get(g) ?? g);
  }
  return withBase({
    title: { text: title, subtitle },
    data: { values: positive },
    // Wrapped, three panels a row; each panel its own N axis, since a 900-instance Figure 2 batch beside a
    // 1…50 sweep would crush the sweep against zero.
    facet: { field: 'interval', type: 'ordinal', title: 'launch interval', sort: panels },
    columns: Math.min(3, panels.length),
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 300,
      height: 300,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'boot'" }],
          mark: { type: 'point', filled: true, size: 22, opacity: 0.55 },
          encoding: { x, y, color, tooltip: [{ field: 'guest' }, { field: 'x', title: xTitle }, { field: 'y', format: '.1f', title: yTitle }] },
        },
        {
          transform: [{ filter: "datum.kind === 'fit'" }],
          mark: { type: 'line', strokeWidth: 1.8 },
          encoding: { x, y, color, detail: { field: 'guest' } },
        },
      ],
    },
  } as ChartSpec);
}

/** ΔT against launch index in the largest batch size of each guest and interval, with Theil–Sen lines. */
export function scalingIndexChart(boots: readonly Boot[], options: { maxPoints?: number } = {}): ChartSpec {
  const rows: Row[] = [];
  const guests = new Set<string>();
  const sizes = new Set<number>();
  const groups = [...byGuestInterval(boots).values()];
  for (const { guest, intervalMs, keepAlive, boots: list } of groups) {
    const batches = groupByBatch(list);
    const largest = batches.reduce((m, b) => Math.max(m, b.length), 0);
    const ok = batches.filter((b) => b.length === largest).flat().filter((b) => b.status === 'ok' && b.dt_ms !== null);
    if (ok.length < 2) continue;
    guests.add(guest);
    sizes.add(largest);
    const interval = panelLabel(intervalMs, keepAlive);
    const points = ok.map((b) => ({ x: b.index, y: b.dt_ms as number }));
    for (const p of downsample(points, options.maxPoints ?? DEFAULT_MAX_POINTS / 4)) rows.push({ guest, interval, ...p, kind: 'boot' });
    rows.push(...fitRows(guest, interval, points, Array.from({ length: largest }, (_, i) => i)).rows);
  }
  const n = [...sizes].sort((a, b) => a - b).join(', ');
  return layeredFacet(
    rows,
    'launch index in batch',
    'ΔT = Te − Ts (ms)',
    'ΔT against launch index in the largest batch',
    `batch size N = ${n || '—'}; lines: Theil–Sen fit per guest (within-batch slope)`,
    [...guests].sort(),
    panelOrder(groups),
  );
}

/** Batch-median ΔT against batch size N, with the Theil–Sen line whose slope is the scaling slope. */
export function scalingBatchChart(boots: readonly Boot[]): ChartSpec {
  const rows: Row[] = [];
  const guests = new Set<string>();
  const slopes = new Map<string, number>();
  const groups = [...byGuestInterval(boots).values()];
  const panels = panelOrder(groups);
  for (const { guest, intervalMs, keepAlive, boots: list } of groups) {
    const points = sweepPoints(batchPoints(list));
    if (points.length < 1) continue;
    guests.add(guest);
    const interval = panelLabel(intervalMs, keepAlive);
    for (const p of points) rows.push({ guest, interval, ...p, kind: 'boot' });
    const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
    const lo = xs[0] as number;
    const hi = xs.at(-1) as number;
    const fit = fitRows(guest, interval, points, Array.from({ length: hi - lo + 1 }, (_, i) => lo + i));
    rows.push(...fit.rows);
    if (fit.slope !== null) slopes.set(guest, fit.slope);
  }
  // With one panel each guest has one slope: worth reading straight off the legend.
  const labels = panels.length === 1 ? new Map([...slopes].map(([g, s]) => [g, `${g} (${s.toFixed(s < 100 ? 1 : 0)} ms/inst.)`])) : undefined;
  return layeredFacet(
    rows,
    'instances launched in the batch (N)',
    'batch median ΔT (ms)',
    'Scaling: batch median ΔT against batch size N',
    'lines: Theil–Sen fit per guest and panel; the 3 ms kill-after-ready slope is the classifier\'s scaling slope (ms per extra concurrent instance)',
    [...guests].sort(),
    panels,
    labels,
  );
}

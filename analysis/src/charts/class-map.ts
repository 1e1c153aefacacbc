// Chart 5, the class map: single-instance median ΔT (log x) against scaling slope (symlog y, since slopes
// run from ~0 to ~1000 ms/instance and may be slightly negative), colour = class, every point labelled with
// its guest, slope 95% CI as a vertical bar, class centroids as crosses.
import type { Classification } from '../classify/classify.ts';
import { PAPER_CLASSES } from '../classify/names.ts';
import { SLOPE_SCALE_MS } from '../classify/vectors.ts';
import { colourScheme, withBase, type ChartSpec } from './common.ts';
import { logAxis, placeLabels, symlog, symexp, symlogAxis } from './label-placement.ts';

export interface ClassMapPoint {
  guest: string;
  class: string | null;
  medianMs: number;
  slope: number | null;
  slopeCi?: { lo: number; hi: number } | null;
  confidence?: number | null;
}

export interface ClassMapOptions {
  /** Class names in rank order, for a stable colour assignment. */
  classes?: readonly string[];
  centroids?: readonly { class: string; singleMedianMs: number; scalingSlope: number | null }[];
  subtitle?: string;
}

const WIDTH = 560;
const HEIGHT = 380;
const PAPER_COLOURS = ['#4c78a8', '#f58518', '#e45756'];

export function classMapPoints(c: Classification): ClassMapPoint[] {
  return c.guests
    .filter((g) => g.features.singleMedianMs !== null)
    .map((g) => ({
      guest: g.guest,
      class: g.class,
      medianMs: g.features.singleMedianMs as number,
      slope: g.features.scalingSlope,
      slopeCi: g.features.scalingSlopeCi,
      confidence: g.confidence,
    }));
}

export function classMapChart(points: readonly ClassMapPoint[], options: ClassMapOptions = {}): ChartSpec {
  const shown = points.filter((p) => p.slope !== null && p.medianMs > 0);
  const missing = points.filter((p) => !shown.includes(p)).map((p) => p.guest);
  const xs = shown.map((p) => p.medianMs);
  const ys = shown.flatMap((p) => [p.slope as number, ...(p.slopeCi ? [p.slopeCi.lo, p.slopeCi.hi] : [])]);
  const xLo = (xs.length ? Math.min(...xs) : 1) / 1.5;
  const xHi = (xs.length ? Math.max(...xs) : 10) * 1.5;
  // Same constant as the classifier's asinh(slope / 10 ms): the plot's geometry is the clustering's.
  const sLo = symlog(ys.length ? Math.min(...ys) : 0, SLOPE_SCALE_MS);
  const sHi = symlog(ys.length ? Math.max(...ys) : 10, SLOPE_SCALE_MS);
  const pad = Math.max(0.15, (sHi - sLo) * 0.08);
  const yLo = symexp(sLo - pad, SLOPE_SCALE_MS);
  const yHi = symexp(sHi + pad, SLOPE_SCALE_MS);
  const xAxis = logAxis(xLo, xHi);
  const yAxis = symlogAxis(yLo, yHi, SLOPE_SCALE_MS);
  const placed = new Map(
    placeLabels(
      shown.map((p) => ({ key: p.guest, x: p.medianMs, y: p.slope as number, text: p.guest })),
      xAxis,
      yAxis,
      { width: WIDTH, height: HEIGHT },
    ).map((l) => [l.key, l]),
  );
  const clampY = (v: number) => Math.min(yHi, Math.max(yLo, v));
  const rows = shown.map((p) => {
    const l = placed.get(p.guest)!;
    return {
      guest: p.guest,
      class: p.class ?? 'unclassified',
      median_ms: p.medianMs,
      slope: p.slope as number,
      ci_lo: p.slopeCi ? clampY(p.slopeCi.lo) : null,
      ci_hi: p.slopeCi ? clampY(p.slopeCi.hi) : null,
      confidence: p.confidence ?? null,
      label_x: l.x,
      label_y: l.y,
      leader: l.leader,
    };
  });
  const classes = options.classes?.length ? [...options.classes] : [...new Set(rows.map((r) => r.class))].sort();
  const isPaper = classes.length === 3 && classes.every((c, i) => c === PAPER_CLASSES[i]);
  const color = {
    field: 'class',
    type: 'nominal' as const,
    title: 'class',
    scale: isPaper ? { domain: classes, range: PAPER_COLOURS } : { domain: classes, scheme: colourScheme(classes.length) },
  };
  const x = { field: 'median_ms', type: 'quantitative' as const, title: 'single-instance median ΔT (ms)', scale: { type: 'log' as const, domain: [xLo, xHi], nice: false } };
  // Vega's default symlog ticks are linear (0, 200, 400…) and leave the region of fast guests unlabelled.
  // Below |10| the symlog (constant 10) is nearly linear and squeezed: 0 is the only tick there.
  const ticks = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000]
    .flatMap((t) => [t, -t])
    .concat(0)
    .filter((t) => t >= yLo && t <= yHi)
    .sort((a, b) => a - b);
  const y = {
    field: 'slope',
    type: 'quantitative' as const,
    title: 'scaling slope (ms per extra instance)',
    scale: { type: 'symlog' as const, constant: SLOPE_SCALE_MS, domain: [yLo, yHi], nice: false },
    axis: { values: ticks, format: ',.0f', labelOverlap: true },
  };
  const centroids = (options.centroids ?? []).filter((c) => c.scalingSlope !== null);
  const subtitle = [
    options.subtitle,
    'bars: 95% CI of the slope (Theil–Sen, rank-based); crosses: class centroids',
    missing.length ? `not shown (no scaling slope): ${missing.join(', ')}` : null,
  ].filter((s): s is string => Boolean(s));
  return withBase({
    title: { text: 'Guest classes: boot time against scaling slope', subtitle },
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    layer: [
      {
        transform: [{ filter: 'datum.ci_lo !== null' }],
        mark: { type: 'rule', opacity: 0.45 },
        encoding: { x, y: { ...y, field: 'ci_lo' }, y2: { field: 'ci_hi' }, color: { ...color, legend: null } },
      },
      {
        transform: [{ filter: 'datum.leader' }],
        mark: { type: 'rule', color: '#999', strokeWidth: 0.7 },
        encoding: { x, y, x2: { field: 'label_x' }, y2: { field: 'label_y' } },
      },
      {
        mark: { type: 'point', filled: true, size: 70, opacity: 0.9 },
        encoding: {
          x,
          y,
          color,
          tooltip: [
            { field: 'guest' },
            { field: 'class' },
            { field: 'median_ms', format: '.1f', title: 'median ΔT (ms)' },
            { field: 'slope', format: '.1f', title: 'slope (ms/instance)' },
            { field: 'confidence', format: '.0%' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 11, align: 'center', baseline: 'middle' },
        encoding: { x: { ...x, field: 'label_x' }, y: { ...y, field: 'label_y' }, text: { field: 'guest' } },
      },
      ...(centroids.length
        ? [
            {
              data: { values: centroids.map((c) => ({ class: c.class, median_ms: c.singleMedianMs, slope: c.scalingSlope })) },
              mark: { type: 'point' as const, shape: 'cross', size: 160, strokeWidth: 2, opacity: 0.6 },
              encoding: { x, y, color: { ...color, legend: null } },
            },
          ]
        : []),
    ],
  } as ChartSpec);
}

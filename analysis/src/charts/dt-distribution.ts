// Chart 1: ΔT distribution per guest in single mode — box (Tukey whiskers) and every boot as a jittered
// point. Guests run down the y axis so 20 long names never collide; sorted by median so classes show.
import { median } from 'simple-statistics';
import { rngFor } from '../stats/random.ts';
import type { Boot } from '../types.ts';
import { okDts } from '../features/summary.ts';
import { DEFAULT_MAX_POINTS, downsampleByRank, GUEST_AXIS, scaleFor, withBase, type ChartSpec } from './common.ts';

export interface DtDistributionOptions {
  /** Colour points by class. */
  classOf?: ReadonlyMap<string, string>;
  maxPointsPerGuest?: number;
  subtitle?: string;
}

export function dtDistributionChart(boots: readonly Boot[], options: DtDistributionOptions = {}): ChartSpec {
  const max = options.maxPointsPerGuest ?? Math.max(200, Math.floor(DEFAULT_MAX_POINTS / 10));
  const single = boots.filter((b) => b.mode === 'single');
  const byGuest = new Map<string, Boot[]>();
  for (const b of single) byGuest.set(b.guest, [...(byGuest.get(b.guest) ?? []), b]);
  const rows: { guest: string; dt_ms: number; jitter: number; class: string }[] = [];
  const order: { guest: string; median: number }[] = [];
  let thinned = false;
  for (const [guest, list] of byGuest) {
    const all = okDts(list);
    if (!all.length) continue;
    order.push({ guest, median: median(all) });
    const values = downsampleByRank(all, max);
    thinned ||= values.length < all.length;
    // Jitter from a guest-keyed stream: the SVG is the same on every run.
    const rng = rngFor(0, 'jitter', guest);
    for (const v of values) rows.push({ guest, dt_ms: v, jitter: rng() * 2 - 1, class: options.classOf?.get(guest) ?? '' });
  }
  order.sort((a, b) => a.median - b.median || (a.guest < b.guest ? -1 : 1));
  const sortOrder = order.map((o) => o.guest);
  const xScale = scaleFor(rows.map((r) => r.dt_ms));
  const x = { field: 'dt_ms', type: 'quantitative' as const, title: 'ΔT = Te − Ts (ms)', scale: xScale };
  const y = { field: 'guest', type: 'nominal' as const, title: null, sort: sortOrder, axis: GUEST_AXIS };
  const subtitle = [
    options.subtitle,
    'box: quartiles and median, whiskers 1.5 IQR; dots: every boot',
    thinned ? `points thinned to ${max} per guest (rank-even)` : null,
  ].filter((s): s is string => Boolean(s));
  return withBase({
    title: { text: 'ΔT per guest, single instance', subtitle },
    width: 560,
    height: { step: 26 },
    data: { values: rows },
    layer: [
      {
        mark: { type: 'boxplot', extent: 1.5, outliers: false, size: 16, opacity: 0.35, median: { color: 'black' } },
        encoding: { x, y },
      },
      {
        mark: { type: 'point', filled: true, size: 14, opacity: 0.6 },
        encoding: {
          x,
          y,
          yOffset: { field: 'jitter', type: 'quantitative', scale: { domain: [-1.6, 1.6] } },
          ...(options.classOf
            ? { color: { field: 'class', type: 'nominal', title: 'class', sort: ['baseline', 'LibOS', 'general-purpose OS'] } }
            : {}),
          tooltip: [{ field: 'guest' }, { field: 'dt_ms', format: '.1f', title: 'ΔT (ms)' }],
        },
      },
    ],
  } as ChartSpec);
}

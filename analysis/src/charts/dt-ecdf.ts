// Chart 2: empirical CDF of ΔT per guest. Reads off any percentile directly and shows tails the box hides.
import type { Boot } from '../types.ts';
import { okDts } from '../features/summary.ts';
import { colourScheme, DEFAULT_MAX_POINTS, downsampleByRank, scaleFor, withBase, type ChartSpec } from './common.ts';

export interface DtEcdfOptions {
  mode?: 'single' | 'multi';
  maxPointsPerGuest?: number;
  subtitle?: string;
}

export function dtEcdfChart(boots: readonly Boot[], options: DtEcdfOptions = {}): ChartSpec {
  const mode = options.mode ?? 'single';
  const max = options.maxPointsPerGuest ?? Math.max(200, Math.floor(DEFAULT_MAX_POINTS / 10));
  const byGuest = new Map<string, Boot[]>();
  for (const b of boots) if (b.mode === mode) byGuest.set(b.guest, [...(byGuest.get(b.guest) ?? []), b]);
  const rows: { guest: string; dt_ms: number; p: number }[] = [];
  for (const [guest, list] of byGuest) {
    const sorted = okDts(list).sort((a, b) => a - b);
    const n = sorted.length;
    // Thin by rank, keeping each kept value's true cumulative fraction.
    const picks = downsampleByRank(sorted, max);
    let j = 0;
    for (const v of picks) {
      while (j < n - 1 && (sorted[j + 1] as number) <= v) j++;
      rows.push({ guest, dt_ms: v, p: (j + 1) / n });
    }
  }
  const guests = [...byGuest.keys()].sort();
  return withBase({
    title: { text: `ECDF of ΔT per guest, ${mode === 'single' ? 'single instance' : 'all multi-instance boots'}`, ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    width: 560,
    height: 320,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 },
    encoding: {
      x: { field: 'dt_ms', type: 'quantitative', title: 'ΔT = Te − Ts (ms)', scale: scaleFor(rows.map((r) => r.dt_ms)) },
      y: { field: 'p', type: 'quantitative', title: 'fraction of boots with ΔT ≤ x', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
      color: {
        field: 'guest',
        type: 'nominal',
        title: 'guest',
        sort: guests,
        scale: { scheme: colourScheme(guests.length) },
        legend: { columns: guests.length > 12 ? 2 : 1, symbolType: 'stroke' },
      },
      order: { field: 'dt_ms', type: 'quantitative' },
      tooltip: [{ field: 'guest' }, { field: 'dt_ms', format: '.1f', title: 'ΔT (ms)' }, { field: 'p', format: '.1%' }],
    },
  } as ChartSpec);
}

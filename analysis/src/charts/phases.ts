// Chart 6: where boot time goes, per guest: stacked median phase durations from console markers (single
// mode; guests without markers are left out and named in the subtitle). Medians of phases need not add
// up to the median ΔT, which is drawn as a tick for comparison.
import type { ConditionFeatures } from '../features/compute.ts';
import { colourScheme, GUEST_AXIS, withBase, type ChartSpec } from './common.ts';

export function phaseChart(conditions: readonly ConditionFeatures[]): ChartSpec {
  const single = conditions.filter((c) => c.mode === 'single');
  // One condition per guest: the one with most ok boots (deterministic on ties by input order).
  const best = new Map<string, ConditionFeatures>();
  for (const c of single) {
    const prev = best.get(c.guest);
    if (!prev || c.ok > prev.ok) best.set(c.guest, c);
  }
  const withPhases = [...best.values()].filter((c) => c.phases.phases.length > 0);
  const without = [...best.values()].filter((c) => c.phases.phases.length === 0).map((c) => c.guest);
  const rows = withPhases.flatMap((c) =>
    c.phases.phases.map((p, order) => ({ guest: c.guest, phase: phaseLabel(p.name, p.to, c.phases.readySignal), order, median_ms: p.medianMs, n: p.n })),
  );
  const ticks = withPhases.filter((c) => c.dt).map((c) => ({ guest: c.guest, median_dt_ms: c.dt!.median }));
  const guestOrder = [...withPhases].sort((a, b) => (a.dt?.median ?? 0) - (b.dt?.median ?? 0) || (a.guest < b.guest ? -1 : 1)).map((c) => c.guest);
  const phaseNames = [...new Set(rows.map((r) => r.phase))];
  const serving = withPhases.filter((c) => c.phases.readySignal !== 'console').map((c) => `${c.guest} (${c.phases.readySignal})`);
  const y = { field: 'guest', type: 'nominal' as const, title: null, sort: guestOrder, axis: GUEST_AXIS };
  const subtitle = [
    'median duration of each phase between consecutive markers (Ts → markers → Te); tick: median ΔT',
    without.length ? `no markers: ${without.join(', ')}` : null,
    serving.length ? `Te is serve-ready (tcp/http) or the VMM's exit for ${serving.join(', ')}: the phases before it run from console-ready to serve-ready` : null,
  ].filter((s): s is string => Boolean(s));
  return withBase({
    title: { text: 'Boot phases per guest, single instance', subtitle },
    width: 560,
    height: { step: 26 },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar', height: 16 },
        encoding: {
          y,
          x: { field: 'median_ms', type: 'quantitative', title: 'time since Ts (ms), phases stacked', stack: 'zero' },
          color: { field: 'phase', type: 'nominal', title: 'phase', sort: phaseNames, scale: { scheme: colourScheme(phaseNames.length) } },
          order: { field: 'order', type: 'quantitative' },
          tooltip: [{ field: 'guest' }, { field: 'phase' }, { field: 'median_ms', format: '.1f', title: 'median (ms)' }, { field: 'n', title: 'boots' }],
        },
      },
      {
        data: { values: ticks },
        mark: { type: 'tick', color: 'black', thickness: 2, size: 22 },
        encoding: { y, x: { field: 'median_dt_ms', type: 'quantitative' } },
      },
    ],
  } as ChartSpec);
}

/** "console→Te (http)" when Te came from a network or exit signal, so serve-ready reads apart from console-ready. */
function phaseLabel(name: string, to: string, signal: string): string {
  return to === 'Te' && signal !== 'console' ? `${name} (${signal})` : name;
}

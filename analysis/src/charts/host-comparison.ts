// Host comparison: per guest (one panel each) and launch condition, the median ΔT with its bootstrap 95% CI on
// every host it ran on. Hosts share an axis within a panel so a reader compares like with like; nothing is
// pooled across hosts.
import type { ConditionFeatures } from '../features/compute.ts';
import { launchLabel } from '../features/conditions.ts';
import { scaleFor, withBase, type ChartSpec } from './common.ts';

export function hostComparisonChart(conditions: readonly ConditionFeatures[]): ChartSpec {
  const rows = conditions
    .filter((c) => c.dt)
    .map((c) => ({
      guest: c.guest,
      condition: launchLabel(c),
      host: `${c.accel}@${c.host}`,
      median_ms: c.dt!.median,
      lo_ms: c.dt!.medianCi?.lo ?? c.dt!.median,
      hi_ms: c.dt!.medianCi?.hi ?? c.dt!.median,
      ok: c.ok,
    }));
  const x = { field: 'median_ms', type: 'quantitative' as const, title: 'median ΔT (ms), 95% CI', scale: scaleFor(rows.flatMap((r) => [r.lo_ms, r.hi_ms])) };
  const y = { field: 'host', type: 'nominal' as const, title: null };
  const color = { field: 'condition', type: 'nominal' as const, title: 'condition' };
  const yOffset = { field: 'condition', type: 'nominal' as const };
  return withBase({
    title: { text: 'ΔT per host', subtitle: ['median and bootstrap 95% CI per guest, condition and host; hosts are never pooled'] },
    data: { values: rows },
    facet: { row: { field: 'guest', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 480,
      height: { step: 18 },
      layer: [
        { mark: { type: 'rule' }, encoding: { x: { ...x, field: 'lo_ms' }, x2: { field: 'hi_ms' }, y, yOffset, color } },
        {
          mark: { type: 'point', filled: true, size: 50 },
          encoding: {
            x,
            y,
            yOffset,
            color,
            tooltip: [
              { field: 'guest' },
              { field: 'host' },
              { field: 'condition' },
              { field: 'median_ms', format: '.2f' },
              { field: 'lo_ms', format: '.2f' },
              { field: 'hi_ms', format: '.2f' },
              { field: 'ok' },
            ],
          },
        },
      ],
    },
  } as ChartSpec);
}

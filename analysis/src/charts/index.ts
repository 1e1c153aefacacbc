// Which charts an analysis produces. Each builder lives in its own file; this only decides which apply.
import type { Classification } from '../classify/classify.ts';
import type { Features } from '../features/compute.ts';
import type { TraceSet } from '../types.ts';
import { classMapChart, classMapPoints } from './class-map.ts';
import type { NamedChart } from './common.ts';
import { dtDistributionChart } from './dt-distribution.ts';
import { dtEcdfChart } from './dt-ecdf.ts';
import { hostComparisonChart } from './host-comparison.ts';
import { phaseChart } from './phases.ts';
import { scalingBatchChart, scalingIndexChart } from './scaling.ts';
import { timelineChart } from './timeline.ts';

export interface ChartInputs {
  traces: TraceSet;
  features: Features;
  classification: Classification;
}

/** A run id made safe for a file name. */
export function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || 'run';
}

export function buildCharts({ traces, features, classification }: ChartInputs): NamedChart[] {
  const charts: NamedChart[] = [];
  const boots = traces.boots;
  const places = [...new Set(traces.runs.map((r) => `${r.header.host.accel}@${r.header.host.hostname}`))].sort().join(', ');
  const classOf = new Map(classification.guests.flatMap((g) => (g.class ? [[g.guest, g.class] as const] : [])));
  const hasSingle = boots.some((b) => b.mode === 'single' && b.status === 'ok');
  const hasMulti = boots.some((b) => b.mode === 'multi' && b.status === 'ok');
  if (hasSingle) {
    charts.push({ name: 'dt-distribution', title: 'ΔT distribution per guest (single instance)', spec: dtDistributionChart(boots, { classOf, subtitle: places }) });
    charts.push({ name: 'dt-ecdf', title: 'ECDF of ΔT per guest (single instance)', spec: dtEcdfChart(boots, { subtitle: places }) });
  }
  if (hasMulti) {
    charts.push({ name: 'scaling-batch', title: 'Scaling: batch median ΔT against N', spec: scalingBatchChart(boots) });
    charts.push({ name: 'scaling-index', title: 'Scaling: ΔT against launch index', spec: scalingIndexChart(boots) });
  }
  // Host is a condition: with several hosts, or a campaign's shards, show them side by side.
  if (new Set(traces.runs.map((r) => r.header.host.hostname)).size > 1 || traces.runs.some((r) => r.header.campaign)) {
    charts.push({ name: 'host-comparison', title: 'ΔT per host', spec: hostComparisonChart(features.conditions) });
  }
  for (const run of traces.runs) {
    if (!run.boots.some((b) => b.mode === 'multi')) continue;
    charts.push({ name: `timeline-${fileSafe(run.runId)}`, title: `Figure 2: run ${run.runId} over time`, spec: timelineChart(run) });
  }
  const mapPoints = classMapPoints(classification);
  if (mapPoints.length > 0) charts.push({ name: 'class-map', title: 'Class map', spec: classMapChart(mapPoints, { subtitle: places }) });
  if (features.conditions.some((c) => c.mode === 'single' && c.phases.phases.length > 0)) {
    charts.push({ name: 'phases', title: 'Boot phases per guest', spec: phaseChart(features.conditions) });
  }
  return charts;
}

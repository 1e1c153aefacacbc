// features.csv: one row per guest and condition, every feature as a flat column, for spreadsheets and pandas.
// classes.csv: the class table, one row per guest, numbers at full precision.
import type { ConditionFeatures } from '../features/compute.ts';
import { BOOT_STATUSES } from '@bootlab/trace';
import type { GuestClass } from '../classify/classify.ts';
import type { Analysis } from '../report/analyze.ts';
import { singleMedianCi } from '../report/tables.ts';
import { csvField } from './escape.ts';
import type { Exporter, ReportModel } from './exporter.ts';

type Cell = string | number | boolean | null | undefined;
type Column = [header: string, value: (c: ConditionFeatures, cls: string | null) => Cell];

const COLUMNS: Column[] = [
  ['guest', (c) => c.guest],
  ['class', (_, cls) => cls],
  ['host', (c) => c.host],
  ['accel', (c) => c.accel],
  ['mode', (c) => c.mode],
  ['interval_ms', (c) => c.intervalMs],
  ['run_ids', (c) => c.runIds.join(' ')],
  ['boots', (c) => c.boots],
  ['ok', (c) => c.ok],
  ['failed', (c) => c.failed],
  ...BOOT_STATUSES.filter((s) => s !== 'ok').map((s): Column => [`status_${s}`, (c) => c.statusCounts[s]]),
  ['dt_median_ms', (c) => c.dt?.median],
  ['dt_median_ci_lo_ms', (c) => c.dt?.medianCi?.lo],
  ['dt_median_ci_hi_ms', (c) => c.dt?.medianCi?.hi],
  ['dt_mean_ms', (c) => c.dt?.mean],
  ['dt_sd_ms', (c) => c.dt?.sd],
  ['dt_mad_ms', (c) => c.dt?.mad],
  ['dt_iqr_ms', (c) => c.dt?.iqr],
  ['dt_min_ms', (c) => c.dt?.min],
  ['dt_p5_ms', (c) => c.dt?.p5],
  ['dt_p95_ms', (c) => c.dt?.p95],
  ['dt_p99_ms', (c) => c.dt?.p99],
  ['dt_max_ms', (c) => c.dt?.max],
  ['dt_cv', (c) => c.dt?.cv],
  ['outliers', (c) => c.outliers.boots.length],
  ['launch_lag_median_ms', (c) => c.launch.launchLagMs?.median],
  ['launch_lag_p95_ms', (c) => c.launch.launchLagMs?.p95],
  ['launch_lag_max_ms', (c) => c.launch.launchLagMs?.max],
  ['spawn_median_ms', (c) => c.launch.spawnMs?.median],
  ['scaling_slope_ms_per_instance', (c) => c.scaling?.vsBatchSize?.slope],
  ['scaling_slope_ci_lo', (c) => c.scaling?.vsBatchSize?.ci?.lo],
  ['scaling_slope_ci_hi', (c) => c.scaling?.vsBatchSize?.ci?.hi],
  ['scaling_intercept_ms', (c) => c.scaling?.vsBatchSize?.intercept],
  ['scaling_batches', (c) => c.scaling?.batches.length],
  ['scaling_ols_slope', (c) => c.scaling?.vsBatchSizeOls?.slope],
  ['scaling_ols_r2', (c) => c.scaling?.vsBatchSizeOls?.r2],
  ['slope_vs_launch_index_ms', (c) => c.scaling?.vsLaunchIndex?.slope],
  ['slope_vs_running_at_launch_ms', (c) => c.scaling?.vsRunningAtLaunch?.slope],
  ['first_output_median_ms', (c) => c.phases.firstOutputMs?.median],
  ['vmm_firmware_median_ms', (c) => c.phases.vmmFirmwareMs?.median],
  ['tk_median_ms', (c) => c.phases.tkMs?.median],
  ['dtr_median_ms', (c) => c.phases.dtrMs?.median],
  ['phases', (c) => c.phases.phases.map((p) => `${p.name}=${p.medianMs.toFixed(3)}`).join(';')],
  ['cpu_ms_at_te_median', (c) => c.resources.cpuMsAtTe?.median],
  ['rss_kb_at_te_median', (c) => c.resources.rssKbAtTe?.median],
  ['pss_kb_per_instance_median', (c) => c.resources.pssKbPerInstance?.median],
  ['rss_kb_per_instance_median', (c) => c.resources.rssKbPerInstance?.median],
  ['host_mem_kb_per_instance', (c) => c.resources.hostMemKbPerInstance?.slope],
  ['samples', (c) => c.resources.samples],
];

export const csvExporter: Exporter = {
  format: 'csv',
  file: 'features.csv',
  serialize({ analysis }: ReportModel): string {
    const classOf = new Map(analysis.classification.guests.map((g) => [g.guest, g.class]));
    const lines = [COLUMNS.map(([h]) => h).join(',')];
    for (const c of analysis.features.conditions) {
      lines.push(COLUMNS.map(([, f]) => csvField(f(c, classOf.get(c.guest) ?? null))).join(','));
    }
    return `${lines.join('\r\n')}\r\n`;
  },
};

type ClassColumn = [header: string, value: (g: GuestClass, a: Analysis) => Cell];

const CLASS_COLUMNS: ClassColumn[] = [
  ['guest', (g) => g.guest],
  ['class', (g) => g.class],
  ['rank', (g) => g.rank],
  ['confidence', (g) => g.confidence],
  ['reference', (g) => g.reference],
  ['nearest_reference', (g) => g.nearest?.reference],
  ['nearest_distance', (g) => g.nearest?.distance],
  ['distance_baseline', (g) => g.distances.find((d) => d.class === 'baseline')?.distance],
  ['distance_libos', (g) => g.distances.find((d) => d.class === 'LibOS')?.distance],
  ['distance_gpos', (g) => g.distances.find((d) => d.class === 'general-purpose OS')?.distance],
  // An uncertain answer's two adjacent classes and the distance of each (class = "uncertain").
  ['candidate_1', (g) => g.candidates?.[0]],
  ['candidate_2', (g) => g.candidates?.[1]],
  ['candidate_1_distance', (g) => g.uncertainty?.distances[0]],
  ['candidate_2_distance', (g) => g.uncertainty?.distances[1]],
  ['decided_by', (g) => g.decidedBy.filter((c) => c.weight > 0).map((c) => c.axis).join(' ')],
  ['own_time_ms', (g) => g.excess?.ownTimeMs],
  ['own_cpu_ms', (g) => g.excess?.ownCpuMs],
  ['memory_mb', (g) => g.excess?.memoryMb],
  ['guest_memory_mb', (g) => g.excess?.guestMemoryMb],
  ['vmm_memory_mb', (g) => g.excess?.vmmMemoryMb],
  ['console_lines', (g) => g.excess?.consoleLines],
  ['slope_ratio', (g) => g.excess?.slopeRatio],
  ['idle_share', (g) => g.excess?.idleShare],
  ['init_share', (g) => g.excess?.initShare],
  ['x_cpu', (g) => g.coords.cpu],
  ['x_memory', (g) => g.coords.memory],
  ['x_guest_memory', (g) => g.coords.guestMemory],
  ['x_vmm_memory', (g) => g.coords.vmmMemory],
  ['x_console', (g) => g.coords.console],
  ['x_slope', (g) => g.coords.slope],
  ['vmm', (g) => g.place?.vmm],
  ['baseline_vmm', (g) => g.baselinePlace?.vmm],
  ['host', (g) => g.features.host],
  ['accel', (g) => g.features.accel],
  ['single_median_ms', (g) => g.features.singleMedianMs],
  ['single_median_ci_lo_ms', (g, a) => singleMedianCi(a, g.guest)?.lo],
  ['single_median_ci_hi_ms', (g, a) => singleMedianCi(a, g.guest)?.hi],
  ['single_source', (g) => g.features.singleSource],
  ['scaling_slope_ms_per_instance', (g) => g.features.scalingSlope],
  ['scaling_slope_ci_lo', (g) => g.features.scalingSlopeCi?.lo],
  ['scaling_slope_ci_hi', (g) => g.features.scalingSlopeCi?.hi],
  ['scaling_ols_slope', (g) => g.features.scalingOlsSlope],
  ['scaling_interval_ms', (g) => g.features.scalingIntervalMs],
  ['sweep_sizes', (g) => g.features.sweepSizes.join(' ')],
  ['ok_boots', (g) => g.features.okBoots],
  ['failed_boots', (g) => g.features.failedBoots],
  ['outliers', (g) => g.features.outliers],
];

export const classCsvExporter: Exporter = {
  format: 'csv',
  file: 'classes.csv',
  serialize({ analysis }: ReportModel): string {
    const lines = [CLASS_COLUMNS.map(([h]) => h).join(',')];
    for (const g of analysis.classification.guests) lines.push(CLASS_COLUMNS.map(([, f]) => csvField(f(g, analysis))).join(','));
    return `${lines.join('\r\n')}\r\n`;
  },
};

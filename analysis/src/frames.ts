// danfo.js DataFrames of boots and features, for notebooks. Kept out of the core: danfojs pulls in
// TensorFlow.js and takes a while to import, and nothing else in the analysis needs it.
import { DataFrame } from 'danfojs';
import type { ConditionFeatures } from './features/compute.ts';
import type { GuestClass } from './classify/classify.ts';
import { classText } from './classify/describe.ts';
import type { Boot } from './types.ts';

type Row = Record<string, string | number | boolean | null>;

/** One row per boot: the record's scalar fields plus run context; markers as marker_<name>_ms after Ts. */
export function bootRows(boots: readonly Boot[]): Row[] {
  const markerNames = [...new Set(boots.flatMap((b) => Object.keys(b.markers)))].sort();
  return boots.map((b) => {
    const row: Row = {
      run_id: b.run_id,
      host: b.host,
      accel: b.accel,
      guest: b.guest,
      mode: b.mode,
      interval_ms: b.interval_ms,
      n: b.n,
      batch: b.batch,
      repetition: b.repetition,
      index: b.index,
      status: b.status,
      dt_ms: b.dt_ms,
      launch_lag_ms: b.launch_lag_ms,
      spawn_ms: b.spawn_ms,
      running_at_launch: b.running_at_launch,
      ts_s: b.ts_ns / 1e9,
      first_output_ms: b.first_output_ns === null ? null : (b.first_output_ns - b.ts_ns) / 1e6,
      cpu_ms_at_te: b.cpu_ms_at_te,
      rss_kb_at_te: b.rss_kb_at_te,
    };
    for (const m of markerNames) {
      const t = Object.hasOwn(b.markers, m) ? b.markers[m] : undefined;
      row[`marker_${m}_ms`] = t === undefined ? null : (t - b.ts_ns) / 1e6;
    }
    return row;
  });
}

export function bootsFrame(boots: readonly Boot[]): DataFrame {
  return new DataFrame(bootRows(boots));
}

export function featureRows(conditions: readonly ConditionFeatures[]): Row[] {
  return conditions.map((c) => ({
    guest: c.guest,
    host: c.host,
    accel: c.accel,
    mode: c.mode,
    interval_ms: c.intervalMs,
    boots: c.boots,
    ok: c.ok,
    failed: c.failed,
    dt_median_ms: c.dt?.median ?? null,
    dt_ci_lo_ms: c.dt?.medianCi?.lo ?? null,
    dt_ci_hi_ms: c.dt?.medianCi?.hi ?? null,
    dt_mean_ms: c.dt?.mean ?? null,
    dt_sd_ms: c.dt?.sd ?? null,
    dt_mad_ms: c.dt?.mad ?? null,
    dt_iqr_ms: c.dt?.iqr ?? null,
    dt_p95_ms: c.dt?.p95 ?? null,
    dt_p99_ms: c.dt?.p99 ?? null,
    dt_cv: c.dt?.cv ?? null,
    outliers: c.outliers.boots.length,
    scaling_slope: c.scaling?.vsBatchSize?.slope ?? null,
    scaling_ols_slope: c.scaling?.vsBatchSizeOls?.slope ?? null,
    launch_lag_p95_ms: c.launch.launchLagMs?.p95 ?? null,
  }));
}

export function featuresFrame(conditions: readonly ConditionFeatures[]): DataFrame {
  return new DataFrame(featureRows(conditions));
}

export function classesFrame(guests: readonly GuestClass[]): DataFrame {
  return new DataFrame(
    guests.map((g) => ({
      guest: g.guest,
      class: g.class,
      // What a person reads: "LibOS or general-purpose OS (uncertain)" for an uncertain answer.
      class_text: classText(g),
      candidates: g.candidates ? g.candidates.join(' | ') : null,
      candidate_distances: g.uncertainty ? g.uncertainty.distances.map((d) => d.toFixed(3)).join(' | ') : null,
      rank: g.rank,
      confidence: g.confidence,
      reference: g.reference,
      nearest_reference: g.nearest?.reference ?? null,
      nearest_distance: g.nearest?.distance ?? null,
      own_time_ms: g.excess?.ownTimeMs ?? null,
      own_cpu_ms: g.excess?.ownCpuMs ?? null,
      memory_mb: g.excess?.memoryMb ?? null,
      guest_memory_mb: g.excess?.guestMemoryMb ?? null,
      vmm_memory_mb: g.excess?.vmmMemoryMb ?? null,
      console_lines: g.excess?.consoleLines ?? null,
      single_median_ms: g.features.singleMedianMs,
      scaling_slope: g.features.scalingSlope,
    })),
  );
}

// Chart 4, the paper's Figure 2 for a multi-instance run: one rule per instance from Ts to Te (to the end of
// watching, dashed, when it never became ready), instances running and booting, and host memory in use
// (MemTotal − MemAvailable), stacked on one shared time axis in seconds since the run's origin.
import { max, min } from 'simple-statistics';
import type { Boot, Run } from '../types.ts';
import { hostMemUsedKb } from '../features/resources.ts';
import { colourScheme, downsample, downsampleIndices, withBase, type ChartSpec } from './common.ts';

export interface TimelineOptions {
  /** Only these batch numbers (and the samples during them); all when absent. */
  batches?: readonly number[];
  maxSpans?: number;
  maxSamples?: number;
}

const S = 1e9;

export function timelineChart(run: Run, options: TimelineOptions = {}): ChartSpec {
  const wanted = options.batches ? new Set(options.batches) : null;
  const boots = run.boots.filter((b) => !wanted || wanted.has(b.batch)).sort((a, b) => a.ts_ns - b.ts_ns || a.index - b.index);
  const from = boots.length ? min(boots.map((b) => b.ts_ns)) : 0;
  const to = boots.length ? max(boots.map((b) => b.end_ns)) : Infinity;
  const samples = run.samples.filter((s) => !wanted || (s.t_ns >= from && s.t_ns <= to));

  const maxSpans = options.maxSpans ?? 3000;
  // Rows only for the instances drawn: a keep-alive run of a million boots draws 3000 of them.
  const spans = downsampleIndices(boots.length, maxSpans).map((i) => {
    const b = boots[i] as Boot;
    return {
      instance: i + 1,
      guest: b.guest,
      t_s: b.ts_ns / S,
      t1_s: (b.te_ns ?? b.end_ns) / S,
      ready: b.te_ns !== null ? 'ready (Ts→Te)' : 'not ready (Ts→end)',
      dt_ms: b.dt_ms,
    };
  });
  const maxSamples = options.maxSamples ?? 2000;
  const sampleRows = downsample(samples, maxSamples).flatMap((s) => [
    { t_s: s.t_ns / S, series: 'running', count: s.running },
    { t_s: s.t_ns / S, series: 'booting', count: s.booting },
  ]);
  const memRows = downsample(samples, maxSamples).map((s) => ({ t_s: s.t_ns / S, used_gib: hostMemUsedKb(s) / 1024 ** 2 }));
  const guests = [...new Set(spans.map((s) => s.guest))].sort();

  const notes = [`run ${run.runId}`, `${run.header.host.accel}@${run.header.host.hostname}`];
  if (wanted) notes.push(`batch ${[...wanted].join(', ')}`);
  if (spans.length < boots.length) notes.push(`${spans.length} of ${boots.length} instances drawn`);
  if (samples.length > maxSamples) notes.push(`samples thinned to ${maxSamples}`);

  const x = { field: 't_s', type: 'quantitative' as const, title: 'time since run origin (s)', scale: { zero: false, nice: false } };
  const width = 640;
  return withBase({
    title: { text: 'Boot spans, instances running and host memory over time', subtitle: notes.join('; ') },
    vconcat: [
      {
        width,
        height: Math.min(320, Math.max(120, spans.length * 3)),
        data: { values: spans },
        mark: { type: 'rule', strokeWidth: spans.length > 200 ? 1 : 2 },
        encoding: {
          x: { ...x, axis: { title: null, labels: false } },
          x2: { field: 't1_s' },
          y: { field: 'instance', type: 'quantitative', title: 'instance (launch order)', scale: { reverse: true, nice: false, zero: false } },
          color: { field: 'guest', type: 'nominal', title: 'guest', sort: guests, scale: { scheme: colourScheme(guests.length) }, legend: { columns: guests.length > 12 ? 2 : 1 } },
          strokeDash: { field: 'ready', type: 'nominal', title: 'span', scale: { domain: ['ready (Ts→Te)', 'not ready (Ts→end)'], range: [[1, 0], [4, 3]] } },
          tooltip: [{ field: 'guest' }, { field: 'instance' }, { field: 'dt_ms', format: '.1f', title: 'ΔT (ms)' }],
        },
      },
      {
        width,
        height: 110,
        data: { values: sampleRows },
        // Running as a filled step area and booting as a line over it: in kill-after-ready batches the two
        // coincide and a second line would hide the first.
        layer: [
          {
            transform: [{ filter: "datum.series === 'running'" }],
            mark: { type: 'area', interpolate: 'step-after', opacity: 0.35 },
            encoding: {
              x: { ...x, axis: { title: null, labels: false } },
              y: { field: 'count', type: 'quantitative', title: 'instances' },
              color: { field: 'series', type: 'nominal', title: 'instances', scale: { domain: ['running', 'booting'], range: ['#888888', '#e45756'] } },
            },
          },
          {
            transform: [{ filter: "datum.series === 'booting'" }],
            mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.2 },
            encoding: {
              x: { ...x, axis: { title: null, labels: false } },
              y: { field: 'count', type: 'quantitative' },
              color: { field: 'series', type: 'nominal', title: 'instances', scale: { domain: ['running', 'booting'], range: ['#888888', '#e45756'] } },
            },
          },
        ],
      },
      {
        width,
        height: 110,
        data: { values: memRows },
        mark: { type: 'line', color: '#4c78a8' },
        encoding: {
          x,
          y: { field: 'used_gib', type: 'quantitative', title: 'host memory used (GiB)', scale: { zero: false } },
        },
      },
    ],
    spacing: 6,
    resolve: { scale: { x: 'shared', color: 'independent' }, legend: { color: 'independent' } },
  } as ChartSpec);
}

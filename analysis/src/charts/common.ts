// Shared pieces of the chart builders. Builders return Vega-Lite specs as plain data (type-only import of
// vega-lite), so they run anywhere and can be inspected, diffed and tested before anything is rendered.
import { max, min } from 'simple-statistics';
import type { Config, TopLevelSpec } from 'vega-lite';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export type ChartSpec = TopLevelSpec;

/** A built chart: a file-safe name, a human title, and the spec. */
export interface NamedChart {
  name: string;
  title: string;
  spec: ChartSpec;
}

/** Named families first: DejaVu ships with most Linux hosts, and resvg must find a real font for PNG text. */
export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export const CONFIG: Config = {
  font: FONT,
  background: 'white',
  padding: 8,
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start', subtitleColor: '#555' },
  // Limits are generous because headless Vega (no canvas) estimates text width, and overestimates it.
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  header: { labelFontSize: 12, titleFontSize: 12 },
};

/** Points per chart layer above which data is thinned (specs embed data inline). */
export const DEFAULT_MAX_POINTS = 4000;

/** Positions of `downsample`'s picks among `length` items, for callers that build only the rows they keep. */
export function downsampleIndices(length: number, max: number): number[] {
  if (length <= max) return Array.from({ length }, (_, i) => i);
  if (max <= 1) return Array.from({ length: Math.max(0, max) }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(Math.round((i * (length - 1)) / (max - 1)));
  return out;
}

/** Evenly spaced picks, first and last kept: thins time series without shifting them. */
export function downsample<T>(items: readonly T[], max: number): T[] {
  return downsampleIndices(items.length, max).map((i) => items[i] as T);
}

/** Rank-even picks from sorted values: the thinned sample keeps the distribution's quantiles. */
export function downsampleByRank(values: readonly number[], max: number): number[] {
  return downsample([...values].sort((a, b) => a - b), max);
}

/** Log scale when positive values span more than a decade; linear otherwise (short ranges read better). */
export function scaleFor(values: readonly number[]): { type: 'log' } | { type: 'linear'; zero: false } {
  const pos = values.filter((v) => v > 0);
  if (pos.length === values.length && pos.length > 0 && max(pos) / min(pos) > 10) return { type: 'log' };
  return { type: 'linear', zero: false };
}

/** Category colours that stay distinct for up to 20 guests. */
export function colourScheme(categories: number): string {
  return categories <= 10 ? 'tableau10' : 'category20';
}

/** Axis options for a nominal axis holding guest names: long names are cut, never overlapped. */
export const GUEST_AXIS = { labelLimit: 240, labelOverlap: false } as const;

export function withBase<T extends object>(spec: T): T & { $schema: string; config: Config } {
  return { $schema: VEGA_LITE_SCHEMA, ...spec, config: CONFIG };
}

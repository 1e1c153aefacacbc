// Warnings are data: collected while loading and analysing, rendered once at the end (CLI, report caveats),
// never printed from inside the analysis (hyperfine's warnings.rs).

export type WarningKind =
  | 'bad-lines'
  | 'truncated-line'
  | 'no-end-record'
  | 'duplicate-run'
  | 'run-status'
  | 'memory-guard'
  | 'accelerator'
  | 'host-load'
  | 'mixed-conditions'
  | 'outliers'
  | 'failed-boots'
  | 'no-sweep'
  | 'k-fallback'
  | 'low-confidence'
  | 'uncertain'
  | 'unlike'
  | 'no-references'
  | 'not-classified'
  | 'fonts'
  | 'chart'
  | 'downsampled';

export interface Warning {
  kind: WarningKind;
  message: string;
  /** The trace file concerned, when there is one. */
  file?: string;
  guest?: string;
}

/** Stable order for reports: by kind, then message. */
export function sortWarnings(warnings: readonly Warning[]): Warning[] {
  return [...warnings].sort((a, b) => (a.kind === b.kind ? cmp(a.message, b.message) : cmp(a.kind, b.kind)));
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Headings for grouping warnings in reports. */
export const WARNING_TITLES: Record<WarningKind, string> = {
  'bad-lines': 'Malformed lines skipped',
  'truncated-line': 'Truncated traces',
  'no-end-record': 'Unfinished runs',
  'duplicate-run': 'Duplicate runs',
  'run-status': 'Runs that did not complete',
  'memory-guard': 'Batches stopped by the memory guard',
  accelerator: 'Accelerator',
  'host-load': 'Host load',
  'mixed-conditions': 'Mixed conditions',
  outliers: 'Outliers (reported, kept)',
  'failed-boots': 'Failed boots',
  'no-sweep': 'Guests without a scaling sweep',
  'k-fallback': 'Number of classes',
  'low-confidence': 'Low-confidence classes',
  uncertain: 'Uncertain between two classes',
  unlike: 'Guests unlike any reference',
  'no-references': 'Missing references',
  'not-classified': 'Not classified',
  fonts: 'Fonts',
  chart: 'Chart rendering',
  downsampled: 'Thinned chart data',
};

export function groupWarnings(warnings: readonly Warning[]): { kind: WarningKind; title: string; messages: string[] }[] {
  const groups = new Map<WarningKind, string[]>();
  for (const w of sortWarnings(warnings)) groups.set(w.kind, [...(groups.get(w.kind) ?? []), w.message]);
  return [...groups.entries()].map(([kind, messages]) => ({ kind, title: WARNING_TITLES[kind], messages }));
}

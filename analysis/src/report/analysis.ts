// What analyze() returns: the one value every report, table, export and caveat reads. Its own module so that
// analyze.ts (which computes it, calling the caveats) and caveats.ts (which reads it) need not import each other.
import type { NamedChart } from '../charts/common.ts';
import type { Classification, KOption } from '../classify/classify.ts';
import type { PaperClass } from '../classify/references.ts';
import type { Features } from '../features/compute.ts';
import type { TraceSet } from '../types.ts';
import type { Warning } from '../warnings.ts';

export interface AnalyzeOptions {
  k?: KOption;
  seed?: number;
  /** Bootstrap resamples for confidence intervals of medians. */
  resamples?: number;
  /** Bootstrap replicates for the exploratory clusters' stability. */
  classResamples?: number;
  /** References beyond the built-in guests: guest name → class. */
  references?: Readonly<Record<string, PaperClass>>;
}

export interface Analysis {
  traces: TraceSet;
  features: Features;
  classification: Classification;
  charts: NamedChart[];
  /** Loading, feature and classification warnings, sorted. */
  warnings: Warning[];
  options: Required<AnalyzeOptions>;
}

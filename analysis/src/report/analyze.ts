// One call from a TraceSet to everything a report shows: features, classes, chart specs, warnings. Pure;
// rendering and writing files come after (render/, report/write.ts).
import { buildCharts } from '../charts/index.ts';
import { classify } from '../classify/classify.ts';
import { DEFAULT_CLUSTER_RESAMPLES } from '../classify/exploratory.ts';
import { computeFeatures, DEFAULT_RESAMPLES, DEFAULT_SEED } from '../features/compute.ts';
import type { TraceSet } from '../types.ts';
import { sortWarnings, type Warning } from '../warnings.ts';
import { hostLoadWarnings } from './caveats.ts';
import type { Analysis, AnalyzeOptions } from './analysis.ts';
import { hostWarnings } from '../hosts/hosts.ts';

export type { Analysis, AnalyzeOptions } from './analysis.ts';

export function analyze(traces: TraceSet, loadWarnings: readonly Warning[] = [], options: AnalyzeOptions = {}): Analysis {
  const opts: Required<AnalyzeOptions> = {
    k: options.k ?? 3,
    seed: options.seed ?? DEFAULT_SEED,
    resamples: options.resamples ?? DEFAULT_RESAMPLES,
    classResamples: options.classResamples ?? DEFAULT_CLUSTER_RESAMPLES,
    references: options.references ?? {},
  };
  const features = computeFeatures(traces, { seed: opts.seed, resamples: opts.resamples });
  const classification = classify(features, { k: opts.k, seed: opts.seed, resamples: opts.classResamples, references: opts.references });
  const charts = buildCharts({ traces, features, classification });
  const warnings = sortWarnings([...loadWarnings, ...hostLoadWarnings(traces), ...hostWarnings(traces), ...features.warnings, ...classification.warnings]);
  return { traces, features, classification, charts, warnings, options: opts };
}

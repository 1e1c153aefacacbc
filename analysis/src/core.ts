// The pure core of @bootlab/analysis: no node:fs, no native addons, no process — what a Deno notebook
// imports. Parsing takes text or async iterables of lines; rendering stops at SVG.

export type { Accel, Boot, Run, TraceSet } from './types.ts';
export type { Warning, WarningKind } from './warnings.ts';
export { groupWarnings, sortWarnings } from './warnings.ts';
export { UserError, isUserError } from './errors.ts';

// Loading: pure parsing (files are read by load/files.ts, in index.ts).
export { splitLines, splitText, type TextLine } from './parse/lines.ts';
export { parseTraceText, readRun, RunReader, type ReadOptions, type ReadResult } from './parse/trace-reader.ts';
export { assembleTraceSet, compareBoots } from './parse/assemble.ts';

// Features.
export { computeFeatures, DEFAULT_RESAMPLES, DEFAULT_SEED, type ComputeOptions, type ConditionFeatures, type Features, type GuestFeatures, type OutlierBoot } from './features/compute.ts';
export { conditionLabel, groupByCondition, type ConditionKey } from './features/conditions.ts';
export { dtStats, type DtStats } from './features/dt-stats.ts';
export { densityPeaks, densitySettings, steadyStates, type DensityPeak, type SteadyState } from './features/steady-state.ts';
export { findOutliers, modifiedZScores, MODIFIED_Z_THRESHOLD, type Outlier } from './features/outliers.ts';
export { batchPoints, scalingFeatures, type BatchPoint, type OlsFit, type ScalingFeatures, type SlopeFit } from './features/scaling.ts';
export { bootPhases, phaseFeatures, type BootPhase, type PhaseFeatures, type PhaseStat } from './features/phases.ts';
export { resourceFeatures, samplesDuring, type ResourceFeatures } from './features/resources.ts';
export { launchFeatures, type LaunchFeatures } from './features/launch-lag.ts';
export { guestInputs, summariseGuest, type GuestInput, type GuestSummary } from './features/guest-inputs.ts';
export { summarise, type Summary } from './features/summary.ts';

// Statistics.
export { bootstrapCi, bootstrapCi2, type Interval } from './stats/bootstrap.ts';
export { theilSen, type Point, type TheilSenFit } from './stats/theil-sen.ts';
export { mannWhitneyU, type MannWhitneyResult } from './stats/mann-whitney.ts';
export { hashSeed, mulberry32, rngFor, type Rng } from './stats/random.ts';

// Classification.
export { classify, DEFAULT_K, type Classification, type ClassifyOptions, type GuestClass, type KOption } from './classify/classify.ts';
export { clusterNames, PAPER_CLASSES } from './classify/names.ts';
export { BUILTIN_REFERENCES, isPaperClass, parseReferenceSpec, UNCERTAIN, UNLIKE, type ClassLabel, type PaperClass } from './classify/references.ts';
export { AXES, coordinates, excessOver, measuresOf, type Axis, type Coordinates, type Excess, type Measures } from './classify/evidence.ts';
export { AXIS_WEIGHTS, place, UNLIKE_DISTANCE, type ClassDistance, type Placement, type ReferencePoint } from './classify/anchored.ts';
export { explore, type Exploratory } from './classify/exploratory.ts';
export { AXIS_LABELS, classText, decidedByText, nearestText } from './classify/describe.ts';
export { DEFINITION_AXES, judgeUncertainty, UNCERTAINTY_THRESHOLD, uncertainText, WORK_AXES, type Uncertainty } from './classify/uncertainty.ts';
export { calibrate, MAX_NEWLY_UNCERTAIN, THRESHOLD_GRID, type Calibration, type CalibrationRow } from './validation/calibrate.ts';
export { validate, productionAndLeaveOneOut, confusion, tally, verdictOf, type Labels, type Validation, type ValidationRow, type Tally, type Verdict, type ValidateOptions } from './validation/validate.ts';
export { kvmLike, type KvmLikeOptions } from './validation/kvm-like.ts';

// Charts (specs as data) and rendering.
export { VEGA_LITE_SCHEMA, type ChartSpec, type NamedChart } from './charts/common.ts';
export { buildCharts, type ChartInputs } from './charts/index.ts';
export { dtDistributionChart } from './charts/dt-distribution.ts';
export { dtEcdfChart } from './charts/dt-ecdf.ts';
export { scalingBatchChart, scalingIndexChart } from './charts/scaling.ts';
export { timelineChart } from './charts/timeline.ts';
export { classMapChart, classMapPoints, type ClassMapPoint } from './charts/class-map.ts';
export { phaseChart } from './charts/phases.ts';
export { compileSpec, renderSvg, type Rendered } from './render/svg.ts';

// Reports and export.
export { analyze, type Analysis, type AnalyzeOptions } from './report/analyze.ts';
export { classLines } from './report/class-lines.ts';
export { buildReportModel, renderCharts } from './report/render-charts.ts';
export {
  EXPORTERS,
  classCsvExporter,
  csvExporter,
  htmlExporter,
  jsonExporter,
  latexClassesExporter,
  latexFeaturesExporter,
  markdownExporter,
  normaliseSvg,
  standaloneSvg,
  type Exporter,
  type RenderedChart,
  type ReportModel,
} from './export/index.ts';
export { classesTex, featuresTex } from './export/latex.ts';
export { escapeHtml, escapeLatex, escapeMarkdownCell } from './export/escape.ts';
export { caveats, hostLoadWarnings, runLoads, type Caveat, type CaveatId, type RunLoad } from './report/caveats.ts';

// Comparison.
export { compareTraces, type ComparisonRow, type CompareOptions } from './compare/compare.ts';
export { formatComparison } from './compare/table.ts';

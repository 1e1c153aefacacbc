// @bootlab/analysis: the public API — the pure core (core.ts, also importable alone, e.g. from Deno) plus
// the Node edges: reading trace files, writing reports, PNG rendering (native resvg) and the CLI commands.
// DataFrames live in ./frames.ts, imported separately because danfojs is heavy.
export * from './core.ts';

export { expandInputs, findDatasets, loadTraces, readTraceFile, repoRoot, type LoadOptions, type LoadResult } from './load/files.ts';
export { fontsRender, svgToPng } from './render/png.ts';
export { prepareOutputDir, writeReport, type ChartFiles, type WriteOptions, type WriteResult } from './report/write.ts';
export { analysisSummary, SUMMARY_SCHEMA, type AnalysisSummaryJson, type GuestSummaryJson } from './report/summary.ts';
export { registerAnalysisCommands, runAnalyze, runCompare, type CliIo } from './cli.ts';

// hyperfine's export design: one small interface, one file per format. Adding a format is one new file
// and one entry in export/index.ts.
import type { ChartSpec } from '../charts/common.ts';
import type { Analysis } from '../report/analyze.ts';

export interface RenderedChart {
  name: string;
  title: string;
  spec: ChartSpec;
  svg: string;
}

/** What exporters see: the analysis plus its charts already rendered to SVG. */
export interface ReportModel {
  analysis: Analysis;
  charts: readonly RenderedChart[];
}

export interface Exporter {
  /** Format name, e.g. "csv". */
  readonly format: string;
  /** File written inside the output directory. */
  readonly file: string;
  serialize(model: ReportModel): string;
}

// Render every chart spec to SVG (vega; pure JS, runs in Deno too) and assemble the exporters' model. The SVG
// is normalised for print (export/svg.ts) once, here, so the inline report, the files and the PNGs agree.
import type { NamedChart } from '../charts/common.ts';
import type { RenderedChart, ReportModel } from '../export/exporter.ts';
import { normaliseSvg } from '../export/svg.ts';
import { renderSvg } from '../render/svg.ts';
import type { Warning } from '../warnings.ts';
import type { Analysis } from './analyze.ts';

export async function renderCharts(charts: readonly NamedChart[]): Promise<{ charts: RenderedChart[]; warnings: Warning[] }> {
  const rendered: RenderedChart[] = [];
  const warnings: Warning[] = [];
  for (const chart of charts) {
    const { svg, messages } = await renderSvg(chart.spec);
    rendered.push({ ...chart, svg: normaliseSvg(svg) });
    for (const m of messages) warnings.push({ kind: 'chart', message: `${chart.name}: ${m}` });
  }
  return { charts: rendered, warnings };
}

/** The analysis with its charts rendered; extra warnings (rendering, fonts) join the analysis's. */
export async function buildReportModel(analysis: Analysis, extraWarnings: readonly Warning[] = []): Promise<ReportModel> {
  const { charts, warnings } = await renderCharts(analysis.charts);
  return { analysis: { ...analysis, warnings: [...analysis.warnings, ...warnings, ...extraWarnings] }, charts };
}

// The file-writing edge of a report: DIR/{classes.json,classes.csv,features.csv,classes.tex,features.tex,
// report.md,report.html} and DIR/charts/<name>.{vl.json,svg,png} (the SVG print-ready: export/svg.ts). The output directory is checked before any analysis runs
// (hyperfine: never discover a bad -o after the expensive part).
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { EXPORTERS, standaloneSvg, type Exporter, type ReportModel } from '../export/index.ts';
import { fontsRender, svgToPng } from '../render/png.ts';
import type { Warning } from '../warnings.ts';
import type { Analysis } from './analyze.ts';
import { buildReportModel } from './render-charts.ts';

/** Create DIR and DIR/charts and prove they are writable. */
export async function prepareOutputDir(dir: string): Promise<void> {
  try {
    await mkdir(path.join(dir, 'charts'), { recursive: true });
    const probe = path.join(dir, '.bootlab-write-test');
    await writeFile(probe, '');
    await rm(probe);
    await access(dir, constants.W_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`cannot write the report to ${dir} (${e.code ?? e.message})`);
  }
}

export interface WriteOptions {
  /** Also write PNGs (resvg). Default true. */
  png?: boolean;
  exporters?: readonly Exporter[];
}

export interface ChartFiles {
  name: string;
  title: string;
  vegaLite: string;
  svg: string;
  png: string | null;
}

export interface WriteResult {
  /** Every file written, in order. */
  files: string[];
  /** Exporter outputs by file name (e.g. "report.html" → DIR/report.html). */
  outputs: Record<string, string>;
  charts: ChartFiles[];
  model: ReportModel;
}

export async function writeReport(analysis: Analysis, dir: string, options: WriteOptions = {}): Promise<WriteResult> {
  const png = options.png ?? true;
  const extra: Warning[] = [];
  if (png && analysis.charts.length && !fontsRender()) {
    extra.push({ kind: 'fonts', message: 'no usable system font found by resvg: PNG charts have no text (the SVGs are fine); install e.g. fonts-dejavu-core' });
  }
  const model = await buildReportModel(analysis, extra);
  await prepareOutputDir(dir);
  const files: string[] = [];
  const put = async (name: string, data: string | Uint8Array) => {
    const file = path.join(dir, name);
    await writeFile(file, data);
    files.push(file);
    return file;
  };
  const outputs: Record<string, string> = {};
  for (const exporter of options.exporters ?? EXPORTERS) outputs[exporter.file] = await put(exporter.file, exporter.serialize(model));
  const charts: ChartFiles[] = [];
  for (const chart of model.charts) {
    charts.push({
      name: chart.name,
      title: chart.title,
      vegaLite: await put(path.join('charts', `${chart.name}.vl.json`), `${JSON.stringify(chart.spec, null, 2)}\n`),
      svg: await put(path.join('charts', `${chart.name}.svg`), standaloneSvg(chart.svg)),
      png: png ? await put(path.join('charts', `${chart.name}.png`), svgToPng(chart.svg)) : null,
    });
  }
  return { files, outputs, charts, model };
}

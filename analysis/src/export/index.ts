// The registered exporters. A new format is one file plus one entry here.
import { classCsvExporter, csvExporter } from './csv.ts';
import type { Exporter } from './exporter.ts';
import { htmlExporter } from './html.ts';
import { jsonExporter } from './json.ts';
import { latexClassesExporter, latexFeaturesExporter } from './latex.ts';
import { markdownExporter } from './markdown.ts';

export const EXPORTERS: readonly Exporter[] = [
  jsonExporter,
  classCsvExporter,
  csvExporter,
  latexClassesExporter,
  latexFeaturesExporter,
  markdownExporter,
  htmlExporter,
];

export { classCsvExporter, csvExporter, htmlExporter, jsonExporter, latexClassesExporter, latexFeaturesExporter, markdownExporter };
export { normaliseSvg, standaloneSvg } from './svg.ts';
export type { Exporter, RenderedChart, ReportModel } from './exporter.ts';

// The registered exporters. A new format (LaTeX next) is one file plus one entry here.
import { csvExporter } from './csv.ts';
import type { Exporter } from './exporter.ts';
import { htmlExporter } from './html.ts';
import { jsonExporter } from './json.ts';
import { markdownExporter } from './markdown.ts';

export const EXPORTERS: readonly Exporter[] = [jsonExporter, csvExporter, markdownExporter, htmlExporter];

export { csvExporter, htmlExporter, jsonExporter, markdownExporter };
export type { Exporter, RenderedChart, ReportModel } from './exporter.ts';

// classes.json: the classification, one object per guest, in guest-name order. Deterministic byte for byte
// (no timestamps, canonical order), so two analyses can be compared with diff.
import type { Exporter, ReportModel } from './exporter.ts';

export const jsonExporter: Exporter = {
  format: 'json',
  file: 'classes.json',
  serialize({ analysis }: ReportModel): string {
    // The whole placement: class, the evidence (measures, excess over the baseline, coordinates), distances
    // to every class, what decided, and each reference's leave-one-out placement.
    const out = analysis.classification.guests;
    return `${JSON.stringify(out, null, 2)}\n`;
  },
};

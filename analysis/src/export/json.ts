// classes.json: the classification, one object per guest, in guest-name order. Deterministic byte for byte
// (no timestamps, canonical order), so two analyses can be compared with diff.
import type { Exporter, ReportModel } from './exporter.ts';

export const jsonExporter: Exporter = {
  format: 'json',
  file: 'classes.json',
  serialize({ analysis }: ReportModel): string {
    const out = analysis.classification.guests.map((g) => ({
      guest: g.guest,
      class: g.class,
      rank: g.rank,
      confidence: g.confidence,
      basis: g.basis,
      features: g.features,
    }));
    return `${JSON.stringify(out, null, 2)}\n`;
  },
};

// The `bootlab analyze --json` summary: one JSON document for scripts — classes, each guest's key features,
// the caveats, every warning and where each output went. Absolute paths, so a script need not know the cwd.
import path from 'node:path';
import type { Warning } from '../warnings.ts';
import { caveats, type Caveat } from './caveats.ts';
import { singleMedianCi } from './tables.ts';
import type { WriteResult } from './write.ts';

export const SUMMARY_SCHEMA = 'bootlab.analysis-summary/1';

type Interval = { lo: number; hi: number } | null;

export interface GuestSummaryJson {
  guest: string;
  class: string | null;
  rank: number | null;
  /** The class this guest is a reference for, or null. */
  reference: string | null;
  confidence: number | null;
  nearestReference: string | null;
  nearestDistance: number | null;
  decidedBy: string[];
  reason: string;
  host: string;
  accel: string;
  singleMedianMs: number | null;
  singleMedianCiMs: Interval;
  singleSource: string | null;
  scalingSlopeMsPerInstance: number | null;
  scalingSlopeCi: Interval;
  okBoots: number;
  failedBoots: number;
  outliers: number;
}

export interface AnalysisSummaryJson {
  schema: typeof SUMMARY_SCHEMA;
  inputs: string[];
  runs: number;
  boots: number;
  classes: string[];
  references: { guest: string; class: string }[];
  guests: GuestSummaryJson[];
  caveats: Caveat[];
  warnings: Warning[];
  outputs: {
    dir: string;
    files: Record<string, string>;
    charts: { name: string; title: string; vegaLite: string; svg: string; png: string | null }[];
  };
}

export function analysisSummary(result: WriteResult, dir: string, inputs: readonly string[]): AnalysisSummaryJson {
  const a = result.model.analysis;
  const c = a.classification;
  const abs = (p: string) => path.resolve(p);
  return {
    schema: SUMMARY_SCHEMA,
    inputs: inputs.map(abs),
    runs: a.traces.runs.length,
    boots: a.traces.boots.length,
    classes: c.classes,
    references: c.references.filter((r) => r.recorded).map((r) => ({ guest: r.guest, class: r.class })),
    guests: c.guests.map((g) => ({
      guest: g.guest,
      class: g.class,
      rank: g.rank,
      reference: g.reference,
      confidence: g.confidence,
      nearestReference: g.nearest?.reference ?? null,
      nearestDistance: g.nearest?.distance ?? null,
      decidedBy: g.decidedBy.filter((d) => d.weight > 0).map((d) => d.axis),
      reason: g.reason,
      host: g.features.host,
      accel: g.features.accel,
      singleMedianMs: g.features.singleMedianMs,
      singleMedianCiMs: singleMedianCi(a, g.guest),
      singleSource: g.features.singleSource,
      scalingSlopeMsPerInstance: g.features.scalingSlope,
      scalingSlopeCi: g.features.scalingSlopeCi,
      okBoots: g.features.okBoots,
      failedBoots: g.features.failedBoots,
      outliers: g.features.outliers,
    })),
    caveats: caveats(a),
    warnings: a.warnings,
    outputs: {
      dir: abs(dir),
      files: Object.fromEntries(Object.entries(result.outputs).map(([name, file]) => [name, abs(file)])),
      charts: result.charts.map((ch) => ({ ...ch, vegaLite: abs(ch.vegaLite), svg: abs(ch.svg), png: ch.png === null ? null : abs(ch.png) })),
    },
  };
}

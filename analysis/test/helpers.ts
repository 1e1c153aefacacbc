// Shared test plumbing: synthetic traces → TraceSet / Analysis in memory, temporary directories.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assembleTraceSet } from '../src/parse/assemble.ts';
import { parseTraceText } from '../src/parse/trace-reader.ts';
import { analyze, type Analysis, type AnalyzeOptions } from '../src/report/analyze.ts';
import type { TraceSet } from '../src/types.ts';
import type { Warning } from '../src/warnings.ts';
import { paperRuns, SYNTHETIC_REFERENCES } from './fixtures/synthetic.ts';

/** Small bootstrap counts keep the suite fast; the statistics tested do not depend on them. */
export const FAST: AnalyzeOptions = { resamples: 200, classResamples: 30, references: SYNTHETIC_REFERENCES };

export function traceSetOf(files: readonly { name: string; text: string }[]): { traces: TraceSet; warnings: Warning[] } {
  return assembleTraceSet(files.map((f) => parseTraceText(f.text, f.name)));
}

let cached: Analysis | null = null;

/** The nine paper-like guests, single mode plus a 3 ms sweep, analysed once per test process. */
export function paperAnalysis(): Analysis {
  if (!cached) {
    const { traces, warnings } = traceSetOf(paperRuns());
    cached = analyze(traces, warnings, FAST);
  }
  return cached;
}

export async function tempDir(prefix = 'bootlab-analysis-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

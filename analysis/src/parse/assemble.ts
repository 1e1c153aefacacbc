// Several runs → one TraceSet in canonical order. Everything downstream iterates in this order, so results
// cannot depend on the order files were named on the command line or guests were listed in a plan.
import type { Boot, Run, TraceSet } from '../types.ts';
import { cmp, type Warning } from '../warnings.ts';
import type { ReadResult } from './trace-reader.ts';

export function compareBoots(a: Boot, b: Boot): number {
  return (
    cmp(a.guest, b.guest) ||
    cmp(a.host, b.host) ||
    cmp(a.accel, b.accel) ||
    cmp(a.run_id, b.run_id) ||
    a.batch - b.batch ||
    a.index - b.index ||
    a.repetition - b.repetition ||
    a.ts_ns - b.ts_ns
  );
}

export function assembleTraceSet(results: readonly ReadResult[]): { traces: TraceSet; warnings: Warning[] } {
  const sorted = [...results].sort((a, b) => cmp(a.run.runId, b.run.runId) || cmp(a.run.file, b.run.file));
  const runs: Run[] = [];
  const warnings: Warning[] = [];
  for (const { run, warnings: own } of sorted) {
    const previous = runs.at(-1);
    // The same run twice (say trace.jsonl next to trace.jsonl.gz) would double-count every boot.
    if (previous && previous.runId === run.runId) {
      warnings.push({
        kind: 'duplicate-run',
        file: run.file,
        message: `${run.file}: run ${run.runId} is also in ${previous.file}; this copy is ignored`,
      });
      continue;
    }
    runs.push(run);
    warnings.push(...own);
  }
  const tcg = runs.filter((r) => r.header.host.accel === 'tcg');
  if (tcg.length) {
    const reasons = [...new Set(tcg.map((r) => r.header.host.accel_reason).filter(Boolean))].join('; ');
    const mixed = tcg.length < runs.length ? ' Some runs used KVM: do not compare ΔT across the two.' : '';
    warnings.push({
      kind: 'accelerator',
      message: `${tcg.length} of ${runs.length} run(s) used TCG, software emulation (${reasons || 'no reason recorded'}): ΔT is several times what KVM gives.${mixed}`,
    });
  }
  const boots = runs.flatMap((r) => r.boots).sort(compareBoots);
  return { traces: { runs, boots }, warnings };
}

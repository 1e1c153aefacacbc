// The few lines a person reads when a run ends: where the trace is, how it ended, counts per status, and
// for each guest with failures why, from its last console lines. Printed by `bootlab record` (cli.ts) and
// by a Slurm shard (slurm/cli.ts), so it lives beside the run rather than in either command.
import type { RecordResult } from './options.ts';

export function summarizeRecord(result: RecordResult): string {
  const counts = Object.entries(result.counts)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [`${result.path}: ${result.status}, ${result.boots} boot(s) (${counts || 'none'}), accelerator ${result.accel}`];
  // A failed boot should say why without opening the trace: its status, error, and last console lines.
  for (const f of result.failures ?? []) {
    const statuses = Object.entries(f.statuses).map(([k, v]) => `${v} ${k}`).join(', ');
    lines.push(`  ${f.guest}: ${f.failed} failed (${statuses})${f.error ? `: ${f.error}` : ''}`);
    for (const line of f.lastLines) lines.push(`    | ${line}`);
  }
  return lines.join('\n');
}

// What `bootlab analyze` prints about hosts and campaigns on the terminal: only when the boots come from
// several hosts or a campaign, so single-host output stays as it was.
import type { Analysis } from '../report/analyze.ts';
import { campaigns, hostFacts } from './hosts.ts';
import { hostComparisonTable, showHostTables } from './tables.ts';

function grid(headers: readonly string[], rows: readonly string[][], indent = '  '): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => `${indent}${r.map((c, i) => c.padEnd(widths[i] as number)).join('  ')}`.trimEnd();
  return [line(headers), ...rows.map(line)];
}

export function formatHostSummary(a: Analysis): string[] {
  if (!showHostTables(a)) return [];
  const lines: string[] = [];
  for (const c of campaigns(a.traces)) {
    const shards = c.present.map((p) => `shard ${p.shard} on ${p.node ?? p.host}: ${p.end}, ${p.boots} boots`).join('; ');
    lines.push(`campaign ${c.id}: ${c.present.length}/${c.shards} shard(s) (${shards})${c.missing.length ? `, missing ${c.missing.join(', ')}` : ''}`);
  }
  const hosts = hostFacts(a.traces);
  lines.push(`hosts (host is a condition: never pooled):`);
  lines.push(
    ...grid(
      ['host', 'CPU', 'kernel', 'QEMU', 'accel', 'KSM', 'runs', 'boots'],
      hosts.map((h) => [h.host, h.cpuModel, h.kernel, h.qemuVersion, h.accel, h.ksm ?? '-', String(h.runs), String(h.boots)]),
    ),
  );
  const t = hostComparisonTable(a);
  lines.push(`median ΔT per guest, condition and host (ms, 95% CI, ok boots):`);
  lines.push(...grid(t.headers, t.rows));
  return lines;
}

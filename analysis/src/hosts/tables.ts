// Per-host tables: which machines the boots come from (facts, campaign shards), and each guest's median ΔT
// per launch condition side by side per host — comparable row by row, never pooled.
import { fmtInterval, fmtMs } from '../export/format.ts';
import { launchLabel } from '../features/conditions.ts';
import type { Analysis } from '../report/analyze.ts';
import type { Table } from '../export/table.ts';
import { cmp } from '../warnings.ts';
import { hostFacts } from './hosts.ts';

export function hostTable(a: Analysis): Table {
  return {
    caption: 'Hosts (host is a condition: their boots are never pooled)',
    headers: ['host', 'CPU', 'cores', 'kernel', 'QEMU', 'accelerator', 'KSM', 'runs', 'boots', 'ok', 'campaign shards'],
    numeric: [2, 7, 8, 9],
    wrap: [1, 10],
    rows: hostFacts(a.traces).map((h) => [
      h.host,
      h.cpuModel,
      String(h.cores),
      h.kernel,
      h.qemuVersion,
      `${h.accel} (KVM: ${h.kvmFlavour})`,
      h.ksm ?? '—',
      String(h.runs),
      String(h.boots),
      String(h.okBoots),
      [...h.campaigns].map(([id, shards]) => `${id}: ${shards.join(', ')}`).join('; ') || '—',
    ]),
  };
}

/** Where a condition ran: "tcg@node1". */
export const placeOf = (c: { accel: string; host: string }) => `${c.accel}@${c.host}`;

export function hostComparisonTable(a: Analysis): Table {
  const places = [...new Set(a.features.conditions.map(placeOf))].sort(cmp);
  const rows = new Map<string, string[]>();
  for (const c of a.features.conditions) {
    const key = JSON.stringify([c.guest, launchLabel(c)]);
    const row = rows.get(key) ?? [c.guest, launchLabel(c), ...places.map(() => '—')];
    row[2 + places.indexOf(placeOf(c))] = c.dt ? `${fmtMs(c.dt.median)} ${fmtInterval(c.dt.medianCi)} (${c.ok})` : `— (${c.ok})`;
    rows.set(key, row);
  }
  return {
    caption: 'Median ΔT per host (ms, 95% CI, ok boots): one column per host; compare along a row only',
    headers: ['guest', 'condition', ...places],
    rows: [...rows.values()].sort((x, y) => cmp(x[0] as string, y[0] as string) || cmp(x[1] as string, y[1] as string)),
  };
}

/** The host tables belong in a report when boots come from several hosts or from a campaign. */
export function showHostTables(a: Analysis): boolean {
  return new Set(a.traces.runs.map((r) => r.header.host.hostname)).size > 1 || a.traces.runs.some((r) => r.header.campaign);
}

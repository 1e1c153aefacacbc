// Host as a condition. Boots measured on different machines (CPU, kernel, QEMU, accelerator, KSM) are never
// pooled: every condition key carries the host (features/conditions.ts). This file says which hosts and
// campaigns a trace set holds, and warns where the set could mislead: one host name with different facts,
// a campaign with shards missing or unfinished, a shard loaded twice.
import type { CampaignInfo, HeaderRecord } from '@bootlab/trace';
import type { Run, TraceSet } from '../types.ts';
import { cmp, type Warning } from '../warnings.ts';

export interface HostFacts {
  host: string;
  cpuModel: string;
  cores: number;
  kernel: string;
  os: string;
  qemuVersion: string;
  accel: string;
  kvmFlavour: string;
  /** "on", "off", or null when the trace predates the field or the kernel has no KSM. */
  ksm: 'on' | 'off' | null;
  runs: number;
  boots: number;
  okBoots: number;
  /** Campaigns (id → shard indexes) recorded on this host. */
  campaigns: Map<string, number[]>;
  /** Fact combinations seen under this host name (more than one means its runs differ). */
  variants: number;
}

function factsOf(h: HeaderRecord['host']): string {
  return JSON.stringify([h.cpu_model, h.cores, h.kernel, h.os, h.qemu_version, h.accel, h.kvm_flavour, h.ksm?.run ?? null]);
}

const ksmLabel = (h: HeaderRecord['host']) => (h.ksm ? (h.ksm.run === 1 ? 'on' : 'off') : null);

export function hostFacts(traces: TraceSet): HostFacts[] {
  const byHost = new Map<string, { runs: Run[]; variants: Set<string> }>();
  for (const run of traces.runs) {
    const name = run.header.host.hostname;
    const entry = byHost.get(name) ?? { runs: [], variants: new Set<string>() };
    entry.runs.push(run);
    entry.variants.add(factsOf(run.header.host));
    byHost.set(name, entry);
  }
  return [...byHost.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([host, { runs, variants }]) => {
      const h = (runs[runs.length - 1] as Run).header.host;
      const campaigns = new Map<string, number[]>();
      for (const r of runs) {
        const c = r.header.campaign;
        if (c) campaigns.set(c.id, [...(campaigns.get(c.id) ?? []), c.shard].sort((x, y) => x - y));
      }
      return {
        host,
        cpuModel: h.cpu_model,
        cores: h.cores,
        kernel: h.kernel,
        os: h.os,
        qemuVersion: h.qemu_version,
        accel: h.accel,
        kvmFlavour: h.kvm_flavour,
        ksm: ksmLabel(h),
        runs: runs.length,
        boots: runs.reduce((s, r) => s + r.boots.length, 0),
        okBoots: runs.reduce((s, r) => s + r.boots.filter((b) => b.status === 'ok').length, 0),
        campaigns,
        variants: variants.size,
      };
    });
}

export interface CampaignShard {
  shard: number;
  host: string;
  node: string | null;
  file: string;
  end: string;
  boots: number;
}

export interface CampaignSummary {
  id: string;
  shards: number;
  present: CampaignShard[];
  /** Shard indexes with no trace in the set. */
  missing: number[];
  /** Shards whose trace did not end `complete`. */
  unfinished: number[];
  hosts: string[];
}

export function campaigns(traces: TraceSet): CampaignSummary[] {
  const byId = new Map<string, { info: CampaignInfo; runs: Run[] }>();
  for (const run of traces.runs) {
    const c = run.header.campaign;
    if (!c) continue;
    const entry = byId.get(c.id) ?? { info: c, runs: [] };
    entry.runs.push(run);
    byId.set(c.id, entry);
  }
  return [...byId.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([id, { info, runs }]) => {
      const present = runs
        .map((r) => ({
          shard: r.header.campaign!.shard,
          host: r.header.host.hostname,
          node: r.header.campaign!.node,
          file: r.file,
          end: r.end?.status ?? 'no end record',
          boots: r.boots.length,
        }))
        .sort((a, b) => a.shard - b.shard || cmp(a.file, b.file));
      const seen = new Set(present.map((p) => p.shard));
      return {
        id,
        shards: info.shards,
        present,
        missing: Array.from({ length: info.shards }, (_, i) => i).filter((i) => !seen.has(i)),
        unfinished: present.filter((p) => p.end !== 'complete').map((p) => p.shard),
        hosts: [...new Set(present.map((p) => p.host))].sort(cmp),
      };
    });
}

/** What a reader must know before comparing numbers across hosts and shards. */
export function hostWarnings(traces: TraceSet): Warning[] {
  const warnings: Warning[] = [];
  const hosts = hostFacts(traces);
  if (hosts.length > 1) {
    const guestsOnSeveral = new Set<string>();
    const hostsOf = new Map<string, Set<string>>();
    for (const b of traces.boots) hostsOf.set(b.guest, (hostsOf.get(b.guest) ?? new Set()).add(b.host));
    for (const [g, hs] of hostsOf) if (hs.size > 1) guestsOnSeveral.add(g);
    warnings.push({
      kind: 'mixed-conditions',
      message:
        `boots from ${hosts.length} hosts (${hosts.map((h) => `${h.host}: ${h.cpuModel}, ${h.accel}`).join('; ')}): every table and statistic keeps hosts apart, ` +
        `and each guest's class comes from the one host with most ok boots ('where' column)` +
        (guestsOnSeveral.size ? `; ${[...guestsOnSeveral].sort(cmp).join(', ')} ran on several hosts — see the host comparison` : ''),
    });
  }
  for (const h of hosts) {
    if (h.variants > 1) {
      warnings.push({
        kind: 'mixed-conditions',
        message: `host ${h.host}: its runs report ${h.variants} different machines (CPU, kernel, QEMU, accelerator or KSM differ), but they share a host name and so one condition`,
      });
    }
  }
  for (const c of campaigns(traces)) {
    if (c.missing.length) {
      warnings.push({ kind: 'run-status', message: `campaign ${c.id}: shard(s) ${c.missing.join(', ')} of ${c.shards} missing — its plan is only partly covered (bootlab record --slurm --resume)` });
    }
    if (c.unfinished.length) {
      warnings.push({ kind: 'run-status', message: `campaign ${c.id}: shard(s) ${[...new Set(c.unfinished)].join(', ')} did not finish` });
    }
    const counts = new Map<number, number>();
    for (const p of c.present) counts.set(p.shard, (counts.get(p.shard) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([s]) => s);
    if (twice.length) {
      warnings.push({ kind: 'duplicate-run', message: `campaign ${c.id}: shard(s) ${twice.join(', ')} loaded more than once — their batches are counted twice` });
    }
  }
  return warnings;
}

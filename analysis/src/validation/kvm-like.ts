// A recorded TCG trace set rewritten as KVM would have produced it, to check that classes do not hinge on how
// fast the host runs guest code. Under KVM the VMM's own start-up (QEMU, firmware) is host-bound and barely
// faster, while the guest's own code runs natively, an order of magnitude faster than TCG's translation; the
// TCG translation cache no longer inflates RSS. So, per boot, with V the baseline reference's median
// single-instance ΔT (and CPU, RSS) at the same place:
//   t' = min(t, V) / VMM_SPEEDUP + max(0, t − V) / GUEST_SPEEDUP     for ΔT, markers and CPU at Te
//   rss' = min(rss, R) + max(0, rss − R) · MEMORY_SHARE
// or, where the guest RAM was recorded apart (G of the rss), the guest writes the same RAM and only the VMM's own
// memory loses its translation cache, down to the baseline's own part W:
//   rss' = G + min(rss − G, W)
// Slopes follow from the rewritten multi-instance boots. Console lines are what the guest printed: unchanged.
import { median } from 'simple-statistics';
import type { Boot, TraceSet } from '../types.ts';

export interface KvmLikeOptions {
  vmmSpeedup?: number;
  guestSpeedup?: number;
  memoryShare?: number;
  /** The baseline reference whose medians split each boot into VMM and guest parts. */
  baseline?: string;
}

const placeKey = (b: Pick<Boot, 'host' | 'accel' | 'vmm'>) => `${b.host}\u0000${b.accel}\u0000${b.vmm}`;

export function kvmLike(traces: TraceSet, options: KvmLikeOptions = {}): TraceSet {
  const vmmSpeedup = options.vmmSpeedup ?? 1.5;
  const guestSpeedup = options.guestSpeedup ?? 15;
  const memoryShare = options.memoryShare ?? 0.5;
  const baseline = options.baseline ?? 'minkernel';
  const split = new Map<string, { dt: number; cpu: number; rss: number; vmm: number }>();
  const groups = new Map<string, Boot[]>();
  for (const b of traces.boots) {
    if (b.guest !== baseline || b.status !== 'ok' || b.mode !== 'single') continue;
    groups.set(placeKey(b), [...(groups.get(placeKey(b)) ?? []), b]);
  }
  for (const [key, boots] of groups) {
    const med = (f: (b: Boot) => number | null) => {
      const xs = boots.flatMap((b) => f(b) ?? []);
      return xs.length ? median(xs) : 0;
    };
    split.set(key, {
      dt: med((b) => b.dt_ms),
      cpu: med((b) => b.cpu_ms_at_te),
      rss: med((b) => b.rss_kb_at_te),
      vmm: med((b) => (b.rss_kb_at_te === null || b.guest_ram_kb_at_te === null ? null : b.rss_kb_at_te - b.guest_ram_kb_at_te)),
    });
  }
  const fallback = [...split.values()][0] ?? { dt: 0, cpu: 0, rss: 0, vmm: 0 };
  const rssUnderKvm = (boot: Boot, v: { rss: number; vmm: number }): number | null => {
    const rss = boot.rss_kb_at_te;
    if (rss === null) return null;
    const ram = boot.guest_ram_kb_at_te;
    if (ram !== null && v.vmm > 0) return ram + Math.min(rss - ram, v.vmm);
    return Math.round(Math.min(rss, v.rss) + Math.max(0, rss - v.rss) * memoryShare);
  };
  const rewrite = (boot: Boot): Boot => {
    if (boot.status !== 'ok' || boot.te_ns === null || boot.dt_ms === null) return boot;
    const v = split.get(placeKey(boot)) ?? fallback;
    const time = (ms: number, vmm: number) => Math.min(ms, vmm) / vmmSpeedup + Math.max(0, ms - vmm) / guestSpeedup;
    const atNs = (t: number) => boot.ts_ns + Math.round(time((t - boot.ts_ns) / 1e6, v.dt) * 1e6);
    const markers = Object.fromEntries(Object.entries(boot.markers).map(([name, t]) => [name, atNs(t)]));
    const te = atNs(boot.te_ns);
    return {
      ...boot,
      te_ns: te,
      dt_ms: (te - boot.ts_ns) / 1e6,
      markers,
      cpu_ms_at_te: boot.cpu_ms_at_te === null ? null : time(boot.cpu_ms_at_te, v.cpu),
      rss_kb_at_te: rssUnderKvm(boot, v),
    };
  };
  const boots = traces.boots.map(rewrite);
  const byRun = new Map<string, Boot[]>();
  for (const b of boots) byRun.set(b.run_id, [...(byRun.get(b.run_id) ?? []), b]);
  return { runs: traces.runs.map((r) => ({ ...r, boots: byRun.get(r.runId) ?? [] })), boots };
}

// A condition is everything that changes ΔT apart from the guest's own code: where it ran (host,
// accelerator), under which VMM configuration (machine type, firmware) and how it was launched (mode,
// interval, keep-alive). Batch size N is not part of it: N is the variable the scaling slope is taken over.
import type { Mode } from '@bootlab/trace';
import type { Accel, Boot } from '../types.ts';
import { DEFAULT_VMM } from '../parse/vmm-variant.ts';
import { cmp } from '../warnings.ts';

export interface ConditionKey {
  guest: string;
  host: string;
  accel: Accel;
  mode: Mode;
  /** Machine type and firmware, e.g. "pc" (the paper's), "microvm", "pc+qboot.rom". */
  vmm: string;
  /** null in single mode. */
  intervalMs: number | null;
  /** Instances stayed up until their whole batch had booted (Figure 2 runs). */
  keepAlive: boolean;
}

export function conditionOf(boot: Boot): ConditionKey {
  return {
    guest: boot.guest,
    host: boot.host,
    accel: boot.accel,
    vmm: boot.vmm,
    mode: boot.mode,
    intervalMs: boot.interval_ms,
    keepAlive: boot.keep_alive,
  };
}

export function conditionId(k: ConditionKey): string {
  return JSON.stringify([k.guest, k.host, k.accel, k.vmm, k.mode, k.intervalMs, k.keepAlive]);
}

export function compareConditions(a: ConditionKey, b: ConditionKey): number {
  return (
    cmp(a.guest, b.guest) ||
    cmp(a.host, b.host) ||
    cmp(a.accel, b.accel) ||
    cmp(a.vmm, b.vmm) ||
    cmp(a.mode, b.mode) ||
    (a.intervalMs ?? -1) - (b.intervalMs ?? -1) ||
    Number(a.keepAlive) - Number(b.keepAlive)
  );
}

/** How a condition launched its boots, e.g. "single", "multi 3 ms", "multi 3 ms keep-alive, microvm". */
export function launchLabel(k: ConditionKey): string {
  const how = k.mode === 'single' ? 'single' : `multi ${k.intervalMs} ms${k.keepAlive ? ' keep-alive' : ''}`;
  return k.vmm === DEFAULT_VMM ? how : `${how}, ${k.vmm}`;
}

/** Short human label, e.g. "multi 3 ms, tcg@host1". */
export function conditionLabel(k: ConditionKey): string {
  return `${launchLabel(k)}, ${k.accel}@${k.host}`;
}

export interface ConditionGroup {
  key: ConditionKey;
  boots: Boot[];
}

/** Whether a boot runs under the condition `k` (the same fields conditionOf reads). */
function inCondition(boot: Boot, k: ConditionKey): boolean {
  return (
    boot.guest === k.guest &&
    boot.host === k.host &&
    boot.accel === k.accel &&
    boot.vmm === k.vmm &&
    boot.mode === k.mode &&
    boot.interval_ms === k.intervalMs &&
    boot.keep_alive === k.keepAlive
  );
}

/** Group boots by condition, groups in canonical order, boots keeping their (canonical) input order. */
export function groupByCondition(boots: readonly Boot[]): ConditionGroup[] {
  const groups = new Map<string, ConditionGroup>();
  let last: ConditionGroup | null = null;
  for (const boot of boots) {
    // Canonically ordered boots come in long runs of one condition (a whole batch at least): only a change
    // of condition needs a key built and looked up.
    if (!last || !inCondition(boot, last.key)) {
      const key = conditionOf(boot);
      const id = conditionId(key);
      last = groups.get(id) ?? null;
      if (!last) groups.set(id, (last = { key, boots: [] }));
    }
    last.boots.push(boot);
  }
  return [...groups.values()].sort((a, b) => compareConditions(a.key, b.key));
}

/** Group boots of one condition into batches (one run's batch number), in (run, batch) order. */
export function groupByBatch(boots: readonly Boot[]): Boot[][] {
  const byRun = new Map<string, Map<number, Boot[]>>();
  let last: Boot[] | null = null;
  let lastRun = '';
  let lastBatch = -1;
  for (const boot of boots) {
    // Boots of one batch are usually adjacent: look the list up only when (run, batch) changes.
    if (!last || boot.batch !== lastBatch || boot.run_id !== lastRun) {
      let batches = byRun.get(boot.run_id);
      if (!batches) byRun.set(boot.run_id, (batches = new Map()));
      last = batches.get(boot.batch) ?? null;
      if (!last) batches.set(boot.batch, (last = []));
      lastRun = boot.run_id;
      lastBatch = boot.batch;
    }
    last.push(boot);
  }
  const out: Boot[][] = [];
  for (const run of [...byRun.keys()].sort(cmp)) {
    const batches = byRun.get(run) as Map<number, Boot[]>;
    for (const batch of [...batches.keys()].sort((a, b) => a - b)) out.push(batches.get(batch) as Boot[]);
  }
  return out;
}

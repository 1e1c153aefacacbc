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

/** Group boots by condition, groups in canonical order, boots keeping their (canonical) input order. */
export function groupByCondition(boots: readonly Boot[]): ConditionGroup[] {
  const groups = new Map<string, ConditionGroup>();
  for (const boot of boots) {
    const key = conditionOf(boot);
    const id = conditionId(key);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { key, boots: [] }));
    group.boots.push(boot);
  }
  return [...groups.values()].sort((a, b) => compareConditions(a.key, b.key));
}

/** Group boots of one condition into batches (one run's batch number), in (run, batch) order. */
export function groupByBatch(boots: readonly Boot[]): Boot[][] {
  const batches = new Map<string, Boot[]>();
  for (const boot of boots) {
    const id = JSON.stringify([boot.run_id, boot.batch]);
    let list = batches.get(id);
    if (!list) batches.set(id, (list = []));
    list.push(boot);
  }
  return [...batches.values()].sort((a, b) => cmp((a[0] as Boot).run_id, (b[0] as Boot).run_id) || (a[0] as Boot).batch - (b[0] as Boot).batch);
}

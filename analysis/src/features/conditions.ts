// A condition is everything that changes ΔT apart from the guest's own code: where it ran (host,
// accelerator) and how it was launched (mode, interval). Batch size N is not part of it: N is the
// variable the scaling slope is taken over.
import type { Mode } from '@bootlab/trace';
import type { Accel, Boot } from '../types.ts';
import { cmp } from '../warnings.ts';

export interface ConditionKey {
  guest: string;
  host: string;
  accel: Accel;
  mode: Mode;
  /** null in single mode. */
  intervalMs: number | null;
}

export function conditionOf(boot: Boot): ConditionKey {
  return { guest: boot.guest, host: boot.host, accel: boot.accel, mode: boot.mode, intervalMs: boot.interval_ms };
}

export function conditionId(k: ConditionKey): string {
  return JSON.stringify([k.guest, k.host, k.accel, k.mode, k.intervalMs]);
}

export function compareConditions(a: ConditionKey, b: ConditionKey): number {
  return (
    cmp(a.guest, b.guest) ||
    cmp(a.host, b.host) ||
    cmp(a.accel, b.accel) ||
    cmp(a.mode, b.mode) ||
    (a.intervalMs ?? -1) - (b.intervalMs ?? -1)
  );
}

/** Short human label, e.g. "multi 3 ms, tcg@host1". */
export function conditionLabel(k: ConditionKey): string {
  const how = k.mode === 'single' ? 'single' : `multi ${k.intervalMs} ms`;
  return `${how}, ${k.accel}@${k.host}`;
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

// Which boots happen, in what order (hyperfine's scheduler, separate from the executor in launch.ts).
// Pure: a plan is data, listed in the trace header before anything runs.
import type { Mode } from '@bootlab/trace';

export interface PlanOptions {
  mode: Mode;
  guests: readonly string[];
  /** Single: one count (boots per guest). Multi: batch sizes, one batch each (the scaling sweep). */
  n: readonly number[];
  /** Multi mode launch intervals in ms. */
  intervalsMs: readonly number[];
  repeat: number;
}

export interface BatchPlan {
  batch: number;
  guest: string;
  mode: Mode;
  /** Null in single mode (boots are back to back, each after the previous instance is gone). */
  intervalMs: number | null;
  n: number;
  repetition: number;
}

/**
 * Expand options into batches. Repetitions are the outer loop and guests the inner one, so slow drift of
 * the host (thermal, page cache, other tenants) spreads over all guests instead of biasing the last.
 */
export function planBatches(options: PlanOptions): BatchPlan[] {
  const batches: BatchPlan[] = [];
  const push = (b: Omit<BatchPlan, 'batch'>) => batches.push({ batch: batches.length, ...b });
  for (let repetition = 0; repetition < options.repeat; repetition++) {
    if (options.mode === 'single') {
      for (const n of options.n) {
        for (const guest of options.guests) push({ guest, mode: 'single', intervalMs: null, n, repetition });
      }
      continue;
    }
    for (const intervalMs of options.intervalsMs) {
      for (const n of options.n) {
        for (const guest of options.guests) push({ guest, mode: 'multi', intervalMs, n, repetition });
      }
    }
  }
  return batches;
}

/** Parse "1,2,5" into positive integers; throws naming the option. */
export function parseCountList(text: string, option: string): number[] {
  const values = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!values.length || values.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`${option}: expected positive whole numbers separated by commas, got '${text}'`);
  }
  return values;
}

/** Parse "3,5,7" into non-negative numbers (ms). */
export function parseIntervalList(text: string, option: string): number[] {
  const values = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!values.length || values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new Error(`${option}: expected milliseconds (≥ 0) separated by commas, got '${text}'`);
  }
  return values;
}

// compare A B: per guest and launch condition, how the median ΔT moved from A to B, with a bootstrap CI of
// the relative change and a Mann–Whitney U p-value (pyperf's compare_to, benchstat's table). Conditions are
// matched on guest, mode and interval — not host — because comparing two hosts is the usual purpose.
import { median } from 'simple-statistics';
import { okDts } from '../features/summary.ts';
import { bootstrapCi2, type Interval } from '../stats/bootstrap.ts';
import { mannWhitneyU } from '../stats/mann-whitney.ts';
import { rngFor } from '../stats/random.ts';
import type { Boot, TraceSet } from '../types.ts';
import { cmp } from '../warnings.ts';

export interface ComparisonRow {
  guest: string;
  mode: Boot['mode'];
  intervalMs: number | null;
  /** Where each side ran, e.g. "tcg@host1" (several joined with "+"). */
  whereA: string;
  whereB: string;
  nA: number;
  nB: number;
  medianA: number | null;
  medianB: number | null;
  /** medianB / medianA − 1. */
  change: number | null;
  changeCi: Interval | null;
  p: number | null;
}

export interface CompareOptions {
  seed?: number;
  resamples?: number;
  /** p below this counts as a change (benchstat's α). */
  alpha?: number;
}

function key(b: Boot): string {
  return JSON.stringify([b.guest, b.mode, b.interval_ms]);
}

function group(traces: TraceSet): Map<string, Boot[]> {
  const m = new Map<string, Boot[]>();
  for (const b of traces.boots) m.set(key(b), [...(m.get(key(b)) ?? []), b]);
  return m;
}

const where = (boots: readonly Boot[]) => [...new Set(boots.map((b) => `${b.accel}@${b.host}`))].sort().join('+') || '—';

export function compareTraces(a: TraceSet, b: TraceSet, options: CompareOptions = {}): ComparisonRow[] {
  const seed = options.seed ?? 1;
  const resamples = options.resamples ?? 1000;
  const ga = group(a);
  const gb = group(b);
  const keys = [...new Set([...ga.keys(), ...gb.keys()])].sort((x, y) => {
    const [g1, m1, i1] = JSON.parse(x) as [string, string, number | null];
    const [g2, m2, i2] = JSON.parse(y) as [string, string, number | null];
    return cmp(g1, g2) || cmp(m1, m2) || (i1 ?? -1) - (i2 ?? -1);
  });
  return keys.map((k) => {
    const [guest, mode, intervalMs] = JSON.parse(k) as [string, Boot['mode'], number | null];
    const bootsA = ga.get(k) ?? [];
    const bootsB = gb.get(k) ?? [];
    const xa = okDts(bootsA);
    const xb = okDts(bootsB);
    const medianA = xa.length ? median(xa) : null;
    const medianB = xb.length ? median(xb) : null;
    const both = xa.length > 0 && xb.length > 0;
    return {
      guest,
      mode,
      intervalMs,
      whereA: where(bootsA),
      whereB: where(bootsB),
      nA: xa.length,
      nB: xb.length,
      medianA,
      medianB,
      change: both ? (medianB as number) / (medianA as number) - 1 : null,
      changeCi: both
        ? bootstrapCi2(xa, xb, (s, t) => median([...t]) / median([...s]) - 1, { resamples, rng: rngFor(seed, 'compare', k) })
        : null,
      p: both ? (mannWhitneyU(xa, xb)?.p ?? null) : null,
    };
  });
}

// Chart 5, the class map: where each guest sits among the references recorded beside it, in the classifier's
// own coordinates (classify/evidence.ts) — own CPU against memory (the VMM's own where the guest RAM was recorded
// apart: under TCG the code the guest ran; else all memory touched), both 0 at the baseline and 1 at the
// general-purpose anchor. References are diamonds; a grey line joins each guest to its nearest reference; colour
// is the class (grey: unlike any reference). Console volume, slope and the distances are in the tooltip.
import type { Classification } from '../classify/classify.ts';
import { PAPER_CLASSES } from '../classify/names.ts';
import { UNLIKE } from '../classify/references.ts';
import { withBase, type ChartSpec } from './common.ts';
import { linearAxis, placeLabels } from './label-placement.ts';

export interface ClassMapPoint {
  guest: string;
  class: string | null;
  /** Own CPU and memory coordinates (0 baseline, 1 general-purpose anchor). */
  cpu: number;
  memory: number;
  console: number | null;
  slope: number | null;
  reference: boolean;
  /** The nearest reference and where it sits, for the leader line. */
  nearest: { guest: string; cpu: number; memory: number; distance: number } | null;
  confidence?: number | null;
}

export interface ClassMapOptions {
  subtitle?: string;
}

const WIDTH = 560;
const HEIGHT = 380;
const CLASS_DOMAIN = [...PAPER_CLASSES, UNLIKE, 'unclassified'];
const CLASS_COLOURS = ['#4c78a8', '#f58518', '#e45756', '#9d9d9d', '#cccccc'];

const memoryOf = (coords: Classification['guests'][number]['coords']) => coords.vmmMemory ?? coords.memory;

export function classMapPoints(c: Classification): ClassMapPoint[] {
  const at = new Map(c.guests.map((g) => [g.guest, g]));
  return c.guests
    .filter((g) => g.coords.cpu !== undefined && memoryOf(g.coords) !== undefined)
    .map((g) => {
      const near = g.reference ? null : g.nearest && at.get(g.nearest.reference);
      const nearMemory = near ? memoryOf(near.coords) : undefined;
      return {
        guest: g.guest,
        class: g.class,
        cpu: g.coords.cpu as number,
        memory: memoryOf(g.coords) as number,
        console: g.coords.console ?? null,
        slope: g.coords.slope ?? null,
        reference: g.reference !== null,
        nearest:
          near && near.coords.cpu !== undefined && nearMemory !== undefined
            ? { guest: near.guest, cpu: near.coords.cpu, memory: nearMemory, distance: g.nearest!.distance }
            : null,
        confidence: g.confidence,
      };
    });
}

export function classMapChart(points: readonly ClassMapPoint[], options: ClassMapOptions = {}): ChartSpec {
  const xs = points.map((p) => p.cpu);
  const ys = points.map((p) => p.memory);
  const pad = 0.12;
  const xLo = Math.min(0, ...xs) - pad;
  const xHi = Math.max(1, ...xs) + pad;
  const yLo = Math.min(0, ...ys) - pad;
  const yHi = Math.max(1, ...ys) + pad;
  const placed = new Map(
    placeLabels(
      points.map((p) => ({ key: p.guest, x: p.cpu, y: p.memory, text: p.guest })),
      linearAxis(xLo, xHi),
      linearAxis(yLo, yHi),
      { width: WIDTH, height: HEIGHT },
    ).map((l) => [l.key, l]),
  );
  const rows = points.map((p) => {
    const l = placed.get(p.guest)!;
    return {
      guest: p.guest,
      class: p.class ?? 'unclassified',
      role: p.reference ? 'reference' : 'guest',
      cpu: p.cpu,
      memory: p.memory,
      console: p.console,
      slope: p.slope,
      confidence: p.confidence ?? null,
      nearest: p.nearest?.guest ?? null,
      distance: p.nearest?.distance ?? null,
      near_cpu: p.nearest?.cpu ?? null,
      near_memory: p.nearest?.memory ?? null,
      label_x: l.x,
      label_y: l.y,
      leader: l.leader,
    };
  });
  const color = { field: 'class', type: 'nominal' as const, title: 'class', scale: { domain: CLASS_DOMAIN, range: CLASS_COLOURS } };
  const x = { field: 'cpu', type: 'quantitative' as const, title: 'own CPU to Te (0 = baseline, 1 = general-purpose reference)', scale: { domain: [xLo, xHi], nice: false } };
  const y = { field: 'memory', type: 'quantitative' as const, title: "memory at Te: the VMM's own where guest RAM is apart, else all (0 = baseline, 1 = general-purpose reference)", scale: { domain: [yLo, yHi], nice: false } };
  return withBase({
    title: {
      text: 'Guest classes: placed among the references recorded beside them',
      subtitle: [options.subtitle, 'diamonds: references; grey lines: each guest to its nearest reference; axes log-scaled excess over the baseline'].filter(
        (s): s is string => Boolean(s),
      ),
    },
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    layer: [
      {
        transform: [{ filter: 'datum.nearest !== null' }],
        mark: { type: 'rule', color: '#888', strokeDash: [4, 3], opacity: 0.7 },
        encoding: { x, y, x2: { field: 'near_cpu' }, y2: { field: 'near_memory' } },
      },
      {
        transform: [{ filter: 'datum.leader' }],
        mark: { type: 'rule', color: '#bbb', strokeWidth: 0.7 },
        encoding: { x, y, x2: { field: 'label_x' }, y2: { field: 'label_y' } },
      },
      {
        mark: { type: 'point', filled: true, opacity: 0.9 },
        encoding: {
          x,
          y,
          color,
          shape: { field: 'role', type: 'nominal' as const, title: 'role', scale: { domain: ['reference', 'guest'], range: ['diamond', 'circle'] } },
          size: { condition: { test: "datum.role === 'reference'", value: 180 }, value: 70 },
          tooltip: [
            { field: 'guest' },
            { field: 'class' },
            { field: 'role' },
            { field: 'cpu', format: '.2f', title: 'own CPU' },
            { field: 'memory', format: '.2f', title: 'memory' },
            { field: 'console', format: '.2f', title: 'console volume' },
            { field: 'slope', format: '.2f', title: 'scaling slope' },
            { field: 'nearest', title: 'nearest reference' },
            { field: 'distance', format: '.2f' },
            { field: 'confidence', format: '.0%' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 11, align: 'center', baseline: 'middle' },
        encoding: { x: { ...x, field: 'label_x' }, y: { ...y, field: 'label_y' }, text: { field: 'guest' } },
      },
    ],
  } as ChartSpec);
}

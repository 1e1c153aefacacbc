// Greedy placement of point labels so 20 guest names on a scatter do not overlap each other or the points.
// Works in pixel space with the same transforms Vega applies (log x, symlog y) over explicit domains, and
// returns label centres in data space, so the chart stays a plain Vega-Lite spec.

export interface Axis {
  /** Data value → [0, 1] along the axis. */
  forward: (v: number) => number;
  /** [0, 1] → data value. */
  inverse: (u: number) => number;
}

export function logAxis(lo: number, hi: number): Axis {
  const a = Math.log(lo);
  const b = Math.log(hi);
  return { forward: (v) => (Math.log(v) - a) / (b - a), inverse: (u) => Math.exp(a + u * (b - a)) };
}

export function linearAxis(lo: number, hi: number): Axis {
  return { forward: (v) => (v - lo) / (hi - lo), inverse: (u) => lo + u * (hi - lo) };
}

/** Vega's symlog: sign(x)·log1p(|x|/c). */
export const symlog = (x: number, c = 1) => Math.sign(x) * Math.log1p(Math.abs(x) / c);
export const symexp = (y: number, c = 1) => Math.sign(y) * Math.expm1(Math.abs(y)) * c;

export function symlogAxis(lo: number, hi: number, c = 1): Axis {
  const a = symlog(lo, c);
  const b = symlog(hi, c);
  return { forward: (v) => (symlog(v, c) - a) / (b - a), inverse: (u) => symexp(a + u * (b - a), c) };
}

export interface LabelInput {
  key: string;
  x: number;
  y: number;
  text: string;
}

export interface PlacedLabel {
  key: string;
  /** Label centre, data space. */
  x: number;
  y: number;
  /** True when the label sits far enough from its point to need a leader line. */
  leader: boolean;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

export interface PlacementOptions {
  width: number;
  height: number;
  /** Average glyph advance at the label font size, px. */
  charWidth?: number;
  lineHeight?: number;
  pointRadius?: number;
}

export function placeLabels(labels: readonly LabelInput[], xAxis: Axis, yAxis: Axis, opts: PlacementOptions): PlacedLabel[] {
  const { width, height } = opts;
  const cw = opts.charWidth ?? 6.6;
  const lh = opts.lineHeight ?? 13;
  const r = opts.pointRadius ?? 5;
  const px = (l: LabelInput) => xAxis.forward(l.x) * width;
  const py = (l: LabelInput) => (1 - yAxis.forward(l.y)) * height;
  const taken: Box[] = labels.map((l) => ({ x0: px(l) - r, y0: py(l) - r, x1: px(l) + r, y1: py(l) + r }));
  const placed: PlacedLabel[] = [];
  // Left-to-right then by name: a deterministic order.
  const order = [...labels].sort((a, b) => px(a) - px(b) || (a.key < b.key ? -1 : 1));
  for (const l of order) {
    const w = l.text.length * cw + 2;
    const cx = px(l);
    const cy = py(l);
    // Centre offsets: right, left, above, below, diagonals; then the same rings further out.
    const ring = [
      [r + 3 + w / 2, 0],
      [-(r + 3 + w / 2), 0],
      [0, -(r + lh / 2 + 2)],
      [0, r + lh / 2 + 2],
      [r + w / 2, -(r + lh / 2)],
      [r + w / 2, r + lh / 2],
      [-(r + w / 2), -(r + lh / 2)],
      [-(r + w / 2), r + lh / 2],
    ];
    // First the ring around the point; then rows stacked above and below it on either side (with a
    // leader line), which is where a dense cluster's labels end up.
    const candidates: { dx: number; dy: number; far: boolean }[] = ring.map(([dx, dy]) => ({ dx: dx as number, dy: dy as number, far: false }));
    const side = r + 3 + w / 2;
    // Rows on one grid shared by all labels, nearest first: stacked labels then pack without gaps.
    const rows = Array.from({ length: Math.floor(height / lh) }, (_, j) => (j + 0.5) * lh).sort(
      (a, b) => Math.abs(a - cy) - Math.abs(b - cy) || a - b,
    );
    for (const rowY of rows) {
      for (const dx of [side + 12, -(side + 12), side + 24 + w, -(side + 24 + w)]) candidates.push({ dx, dy: rowY - cy, far: true });
    }
    let chosen: { dx: number; dy: number; far: boolean } | null = null;
    for (const c of candidates) {
      const box = { x0: cx + c.dx - w / 2, y0: cy + c.dy - lh / 2, x1: cx + c.dx + w / 2, y1: cy + c.dy + lh / 2 };
      if (box.x0 < 0 || box.x1 > width || box.y0 < 0 || box.y1 > height) continue;
      if (taken.some((t) => overlaps(t, box))) continue;
      chosen = c;
      taken.push(box);
      break;
    }
    // Nowhere free: fall back to the right of the point (an overlap beats a missing label).
    const { dx, dy, far } = chosen ?? { dx: r + 3 + w / 2, dy: 0, far: false };
    placed.push({
      key: l.key,
      x: xAxis.inverse(Math.min(1, Math.max(0, (cx + dx) / width))),
      y: yAxis.inverse(Math.min(1, Math.max(0, 1 - (cy + dy) / height))),
      leader: far,
    });
  }
  return placed;
}

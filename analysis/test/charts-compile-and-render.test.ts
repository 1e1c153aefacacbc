import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dtDistributionChart } from '../src/charts/dt-distribution.ts';
import { placeLabels, logAxis, symlogAxis } from '../src/charts/label-placement.ts';
import { timelineChart } from '../src/charts/timeline.ts';
import { VEGA_LITE_SCHEMA } from '../src/charts/common.ts';
import { fontsRender, svgToPng } from '../src/render/png.ts';
import { compileSpec, renderSvg } from '../src/render/svg.ts';
import type { Boot } from '../src/types.ts';
import { paperAnalysis } from './helpers.ts';

const EXPECTED = ['dt-distribution', 'dt-ecdf', 'scaling-batch', 'scaling-index', 'timeline-run-sweep', 'class-map', 'phases'];

test('the paper dataset yields every chart, each a Vega-Lite v6 spec with inline data', () => {
  const { charts } = paperAnalysis();
  assert.deepEqual(charts.map((c) => c.name), EXPECTED);
  for (const c of charts) {
    assert.equal(c.spec.$schema, VEGA_LITE_SCHEMA);
    assert.ok(!JSON.stringify(c.spec).includes('"url"'), `${c.name} must embed its data`);
  }
});

for (const name of EXPECTED) {
  test(`${name} compiles without warnings and renders an SVG with marks and labels`, async () => {
    const chart = paperAnalysis().charts.find((c) => c.name === name)!;
    const messages: string[] = [];
    const vg = compileSpec(chart.spec, messages);
    assert.ok(Array.isArray(vg.marks) && vg.marks.length > 0);
    const { svg, messages: renderMessages } = await renderSvg(chart.spec);
    assert.deepEqual([...messages, ...renderMessages], []);
    assert.match(svg, /^<svg/);
    const marks = svg.match(/class="mark-(symbol|rule|line|rect|area|text)/g) ?? [];
    assert.ok(marks.length >= 2, `${name}: ${marks.length} marks`);
    assert.match(svg, /<path|<line|<rect/);
    assert.match(svg, /\(ms\)|\(s\)|instances|= general-purpose reference\)/, 'an axis title with a unit (or the class map\'s reference scale)');
  });
}

test('the class map labels every guest in its SVG', async () => {
  const chart = paperAnalysis().charts.find((c) => c.name === 'class-map')!;
  const { svg } = await renderSvg(chart.spec);
  for (const g of paperAnalysis().classification.guests) assert.ok(svg.includes(`>${g.guest}<`), g.guest);
});

test('a PNG is rendered, and text reaches it when a system font exists', async (t) => {
  const chart = paperAnalysis().charts.find((c) => c.name === 'class-map')!;
  const png = svgToPng((await renderSvg(chart.spec)).svg);
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.ok(png.length > 10_000);
  if (!fontsRender()) t.skip('no system font on this machine: PNG text cannot be checked');
});

test('twenty clustered guest labels are placed without overlapping', () => {
  const x = logAxis(100, 10_000);
  const y = symlogAxis(0, 2000, 10);
  const labels = Array.from({ length: 20 }, (_, i) => ({
    key: `guest-with-a-long-name-${i}`,
    text: `guest-with-a-long-name-${i}`,
    x: 300 + (i % 5) * 15,
    y: 20 + Math.floor(i / 5) * 4,
  }));
  const opts = { width: 560, height: 380 };
  const placed = placeLabels(labels, x, y, opts);
  const boxes = placed.map((p) => {
    const w = p.key.length * 6.6 + 2;
    const cx = x.forward(p.x) * opts.width;
    const cy = (1 - y.forward(p.y)) * opts.height;
    return { x0: cx - w / 2, x1: cx + w / 2, y0: cy - 6.5, y1: cy + 6.5 };
  });
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      const overlap = a.x0 < b.x1 - 0.5 && b.x0 < a.x1 - 0.5 && a.y0 < b.y1 - 0.5 && b.y0 < a.y1 - 0.5;
      assert.ok(!overlap, `labels ${i} and ${j} overlap`);
    }
  }
});

test('huge runs are thinned: points per guest and instance spans are capped', () => {
  const template = paperAnalysis().traces.boots.find((b) => b.mode === 'single')!;
  const boots: Boot[] = Array.from({ length: 10_000 }, (_, i) => ({ ...template, guest: `g${i % 2}`, index: i, dt_ms: 100 + (i % 997) }));
  const spec = dtDistributionChart(boots, { maxPointsPerGuest: 300 }) as unknown as { data: { values: unknown[] } };
  assert.equal(spec.data.values.length, 600);
  const run = paperAnalysis().traces.runs.find((r) => r.runId === 'run-sweep')!;
  const timeline = timelineChart(run, { maxSpans: 50, maxSamples: 100 }) as unknown as { vconcat: { data: { values: unknown[] } }[] };
  assert.equal(timeline.vconcat[0]?.data.values.length, 50);
  assert.equal(timeline.vconcat[2]?.data.values.length, 100);
});

test('the timeline can be restricted to one batch (the paper’s Figure 2 for one launch)', () => {
  const run = paperAnalysis().traces.runs.find((r) => r.runId === 'run-sweep')!;
  const largest = run.batches.find((b) => b.guest === 'debian' && b.n === 20)!;
  const spec = timelineChart(run, { batches: [largest.batch] }) as unknown as { vconcat: { data: { values: { guest: string }[] } }[] };
  const spans = spec.vconcat[0]!.data.values;
  assert.equal(spans.length, 20);
  assert.ok(spans.every((s) => s.guest === 'debian'));
});

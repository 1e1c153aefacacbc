// End to end: report.html opened in headless Chromium (Debian's chromium, driven by playwright-core; no
// browser download). Every chart must draw marks inside its own frame, the class table and the caveats
// must be there, the page must not scroll sideways, log no console error and request nothing but file:
// and data: URLs. A full-page screenshot is kept in the test's temp dir and copied to
// /tmp/report-screenshot.png for a human to look at.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { analyze } from '../src/report/analyze.ts';
import { writeReport } from '../src/report/write.ts';
import { PAPER_GUESTS, syntheticTrace } from './fixtures/synthetic.ts';
import { FAST, tempDir, traceSetOf } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium tries to reach Google services, which fail (and log)
// on a closed network.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SKIP = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (scripts/setup.sh installs it from scripts/apt-packages.txt)`;
export const SCREENSHOT_COPY = '/tmp/report-screenshot.png';

/** Paper-like guests (one with markup in its name), single mode plus a sweep the memory guard cut short. */
async function writeSampleReport(dir: string) {
  const guests = [...PAPER_GUESTS.slice(0, 8), { ...PAPER_GUESTS[8]!, name: 'debian <12> & "co"' }];
  const files = [
    // UUID run ids and long paths, as the recorder writes them: the runs table must still fit.
    { name: '/srv/measurements/2025-01/host-a/single.jsonl', text: syntheticTrace({ runId: '851ef1bf-0e80-44b0-ac57-bdaa18ee894e', seed: 7, mode: 'single', guests, singleBoots: 12 }) },
    {
      name: '/srv/measurements/2025-01/host-a/sweep.jsonl',
      text: syntheticTrace({ runId: 'bc474792-49cc-4dc2-a52e-1868eeee1bec', seed: 8, mode: 'multi', guests, sizes: [1, 2, 5, 10], guardLargest: true }),
    },
  ];
  const { traces, warnings } = traceSetOf(files);
  return writeReport(analyze(traces, warnings, FAST), dir, { png: false });
}

// Just the DOM shapes the page functions use (the project compiles without lib "dom").
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface SvgNode {
  getBBox(): Box;
  getBoundingClientRect(): Box;
  viewBox: { baseVal: Box };
  querySelectorAll(selector: string): ArrayLike<SvgNode>;
}
interface PageGlobals {
  document: { documentElement: { scrollWidth: number; clientWidth: number } };
}

interface ChartCheck {
  id: string;
  width: number;
  height: number;
  marks: number;
  inked: number;
  texts: number;
  /** Content bounding box against the viewBox, in user units: how far anything sticks out. */
  overhang: number;
}

test('report.html in headless Chromium: every chart drawn, class table and caveats present, no errors, no requests', { skip: SKIP, timeout: 180_000 }, async (t) => {
  const dir = await tempDir('bootlab-browser-');
  const reportDir = path.join(dir, 'report');
  const { model } = await writeSampleReport(reportDir);
  const profile = await mkdtemp(path.join(tmpdir(), 'bootlab-chromium-profile-'));
  let context: BrowserContext | null = null;
  t.after(async () => {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
  });
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
    offline: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const foreign: string[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (r) => {
    if (!/^(file|data):/.test(r.url())) foreign.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));

  await page.goto(pathToFileURL(path.join(reportDir, 'report.html')).href, { waitUntil: 'load' });

  const charts: ChartCheck[] = await page.$$eval('figure[id^="chart-"]', (figures) =>
    figures.map((f) => {
      const svg = f.querySelector('svg') as unknown as SvgNode | null;
      if (!svg) return { id: f.id, width: 0, height: 0, marks: 0, inked: 0, texts: 0, overhang: Infinity };
      const box = svg.getBoundingClientRect();
      const marks = Array.from(svg.querySelectorAll('g[class*="role-mark"] > *'));
      const inked = marks.filter((m) => {
        const b = m.getBBox();
        return b.width > 0 || b.height > 0;
      }).length;
      const vb = svg.viewBox.baseVal;
      const content = svg.getBBox();
      const overhang = Math.max(vb.x - content.x, vb.y - content.y, content.x + content.width - (vb.x + vb.width), content.y + content.height - (vb.y + vb.height));
      return { id: f.id, width: box.width, height: box.height, marks: marks.length, inked, texts: svg.querySelectorAll('text').length, overhang };
    }),
  );
  assert.equal(charts.length, model.charts.length, 'one figure per chart');
  assert.ok(charts.length >= 6, `expected the full set of charts, got ${charts.map((c) => c.id).join(', ')}`);
  for (const c of charts) {
    assert.ok(c.width > 200 && c.height > 100, `${c.id}: drawn at ${c.width}×${c.height}`);
    assert.ok(c.inked > 0, `${c.id}: ${c.marks} mark elements, none with a non-empty box`);
    assert.ok(c.texts > 0, `${c.id}: no text (axes, title)`);
    assert.ok(c.overhang <= 1, `${c.id}: content sticks out of the viewBox by ${c.overhang.toFixed(1)} units (cut off)`);
  }

  const table = await page.$$eval('#class-table tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  assert.equal(table.length, model.analysis.classification.guests.length, 'one class-table row per guest');
  for (const g of model.analysis.classification.guests) {
    const row = table.find((r) => r[0] === g.guest);
    assert.ok(row, `class table row for ${g.guest} (names shown as text, not markup)`);
    assert.equal(row[1], g.class);
  }
  assert.ok(await page.isVisible('#class-table'), 'class table visible');

  const caveats = await page.$$eval('li.caveat', (items) => items.map((li) => ({ id: li.id, flagged: li.classList.contains('flagged') })));
  assert.deepEqual(
    caveats.map((c) => c.id),
    ['caveat-accelerator', 'caveat-host-load', 'caveat-outliers', 'caveat-low-confidence', 'caveat-memory-guard'],
  );
  assert.equal(caveats.find((c) => c.id === 'caveat-accelerator')?.flagged, true, 'TCG is flagged');
  assert.equal(caveats.find((c) => c.id === 'caveat-memory-guard')?.flagged, true, 'the guarded sweep is flagged');
  assert.equal(caveats.find((c) => c.id === 'caveat-host-load')?.flagged, false, 'the synthetic host was idle');

  // Tables sit in horizontally scrolling boxes; in this report every one must fit (nothing hidden).
  const hidden = await page.$$eval('div.scroll', (boxes) =>
    boxes
      .map((b) => ({ caption: b.querySelector('caption')?.textContent ?? '?', over: b.scrollWidth - b.clientWidth }))
      .filter((b) => b.over > 1),
  );
  assert.deepEqual(hidden, [], 'tables wider than the page');

  const overflow = await page.evaluate(() => {
    const root = (globalThis as unknown as PageGlobals).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);

  const shot = path.join(dir, 'report.png');
  await page.screenshot({ path: shot, fullPage: true });
  await copyFile(shot, SCREENSHOT_COPY);
  t.diagnostic(`screenshot: ${shot} (copied to ${SCREENSHOT_COPY})`);

  // Printing to PDF (what a co-author does with an attachment) keeps text as text: fonts are embedded.
  const pdf = Buffer.from(await page.pdf({ format: 'A4', printBackground: true }));
  await writeFile(path.join(dir, 'report.pdf'), pdf);
  assert.ok(pdf.subarray(0, 5).toString() === '%PDF-' && pdf.includes('/FontFile'), 'report prints to a PDF with embedded fonts');

  assert.deepEqual(foreign, [], 'requests other than file: and data:');
  assert.deepEqual(consoleErrors, [], 'console errors');
});

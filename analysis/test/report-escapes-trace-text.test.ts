import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { escapeMarkdownCell, csvField } from '../src/export/escape.ts';
import { analyze } from '../src/report/analyze.ts';
import { writeReport } from '../src/report/write.ts';
import { PAPER_GUESTS, syntheticTrace } from './fixtures/synthetic.ts';
import { tempDir, traceSetOf } from './helpers.ts';

const HOSTILE = '<script>alert("x")</script>|*b*';

async function hostileReport() {
  const guests = [
    { ...PAPER_GUESTS[0]!, name: HOSTILE },
    PAPER_GUESTS[3]!,
    { ...PAPER_GUESTS[6]!, name: "lin'ux \"q\"" },
    PAPER_GUESTS[7]!,
  ];
  const files = [
    { name: 'single.jsonl', text: syntheticTrace({ runId: 'r<1>', seed: 1, mode: 'single', guests, singleBoots: 8 }) },
    { name: 'sweep.jsonl', text: syntheticTrace({ runId: 'r2', seed: 2, mode: 'multi', guests, sizes: [1, 2, 5, 10] }) },
  ];
  const { traces, warnings } = traceSetOf(files);
  const dir = await tempDir();
  await writeReport(analyze(traces, warnings, { resamples: 50, classResamples: 10, references: { [HOSTILE]: 'baseline', unikraft: 'LibOS', "lin'ux \"q\"": 'general-purpose OS' } }), dir, { png: false });
  return dir;
}

const dirPromise = hostileReport();

test('report.html holds the class table and never a raw <script> from a trace', async () => {
  const dir = await dirPromise;
  const html = await readFile(path.join(dir, 'report.html'), 'utf8');
  assert.match(html, /<table id="class-table">/);
  assert.match(html, /<td>baseline<\/td>/);
  assert.match(html, /<td>general-purpose OS<\/td>/);
  assert.ok(!html.includes('<script'), 'no script element anywhere');
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;|*b*'));
  assert.ok(html.includes('lin&#39;ux &quot;q&quot;'));
  assert.match(html, /<h2 id="methods">Methods<\/h2>/);
  for (const term of ['Ts:', 'Te:', 'ΔT = Te − Ts', 'TK = Te − (`kernel` marker)', 'ΔTR = Te − (`init` marker)', 'modified z-score', 'Theil–Sen', 'bootstrap']) assert.ok(html.includes(term), term);
  assert.ok(html.includes('8.2.2'), 'QEMU version in run metadata');
  assert.ok(html.includes('used TCG'), 'accelerator caveat');
});

test('report.md escapes table cells so a guest name cannot break the table', async () => {
  const dir = await dirPromise;
  const md = await readFile(path.join(dir, 'report.md'), 'utf8');
  assert.ok(!md.includes('<script>'));
  assert.ok(md.includes('&lt;script&gt;alert("x")&lt;/script&gt;\\|\\*b\\*'));
  const lines = md.split('\n');
  const header = lines.find((l) => l.startsWith('| guest | class |'))!;
  const row = lines.find((l) => l.startsWith('| &lt;script&gt;') && l.includes('| baseline |'))!;
  const cells = (l: string) => l.split(/(?<!\\)\|/).length;
  assert.equal(cells(row), cells(header), 'the hostile name stays inside its cell');
});

test('classes.json, features.csv and every chart format are written', async () => {
  const dir = await dirPromise;
  const classes = JSON.parse(await readFile(path.join(dir, 'classes.json'), 'utf8')) as { guest: string; class: string; confidence: number; features: object }[];
  assert.equal(classes.length, 4);
  for (const c of classes) assert.ok('guest' in c && 'class' in c && 'confidence' in c && 'features' in c && 'distances' in c && 'excess' in c);
  const csv = await readFile(path.join(dir, 'features.csv'), 'utf8');
  assert.ok(csv.startsWith('guest,class,host,accel,mode,interval_ms'));
  assert.ok(csv.includes('"<script>alert(""x"")</script>|*b*"'));
  const svg = await readFile(path.join(dir, 'charts', 'class-map.svg'), 'utf8');
  assert.ok(!svg.includes('<script'));
  JSON.parse(await readFile(path.join(dir, 'charts', 'class-map.vl.json'), 'utf8'));
});

test('escaping helpers: markdown cells, CSV quoting and formula injection', () => {
  assert.equal(escapeMarkdownCell('a|b\nc'), 'a\\|b c');
  assert.equal(csvField('=cmd()'), "'=cmd()");
  assert.equal(csvField('a,"b"'), '"a,""b"""');
  assert.equal(csvField(-3), '-3');
  assert.equal(csvField(null), '');
});

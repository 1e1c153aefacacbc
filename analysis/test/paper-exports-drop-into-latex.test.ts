// The numbers must drop straight into a paper: classes.tex / features.tex as booktabs tables (special
// characters in guest names escaped), classes.csv next to features.csv, and chart SVGs that convert to PDF
// with their text still text. When pdflatex is installed the tables are also compiled (CI does not install
// TeX Live: ~150 MB; the structural checks always run).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { escapeLatex } from '../src/export/escape.ts';
import { texMs } from '../src/export/latex.ts';
import { fontFamilyList, normaliseSvg, standaloneSvg } from '../src/export/svg.ts';
import { analyze } from '../src/report/analyze.ts';
import { writeReport } from '../src/report/write.ts';
import { PAPER_GUESTS, syntheticTrace } from './fixtures/synthetic.ts';
import { FAST, tempDir, traceSetOf } from './helpers.ts';

const run = promisify(execFile);
const NASTY = 'osv_v0.57 100% & #1 $x {a} ~b ^c \\d [e]';

async function report() {
  const guests = [PAPER_GUESTS[0]!, PAPER_GUESTS[1]!, { ...PAPER_GUESTS[3]!, name: NASTY }, PAPER_GUESTS[4]!, PAPER_GUESTS[6]!, PAPER_GUESTS[7]!];
  const files = [
    { name: 'single.jsonl', text: syntheticTrace({ runId: 'single', seed: 3, mode: 'single', guests, singleBoots: 10 }) },
    { name: 'sweep.jsonl', text: syntheticTrace({ runId: 'sweep', seed: 4, mode: 'multi', guests, sizes: [1, 2, 5, 10] }) },
  ];
  const { traces, warnings } = traceSetOf(files);
  const dir = await tempDir('bootlab-latex-');
  const result = await writeReport(analyze(traces, warnings, FAST), dir, { png: false });
  return { dir, result };
}

const reportPromise = report();

/** Rows of the tabular body: the lines between \midrule and \bottomrule that end in \\. */
function bodyRows(tex: string): string[] {
  const body = tex.slice(tex.indexOf('\\midrule'), tex.indexOf('\\bottomrule'));
  return body.split('\n').filter((l) => l.trimEnd().endsWith('\\\\'));
}

/** Cells of a row, split on unescaped &. */
function cells(row: string): string[] {
  return row.replace(/\\\\\s*$/, '').split(/(?<!\\)&/).map((c) => c.trim());
}

test('escapeLatex escapes every LaTeX special character in one pass', () => {
  assert.equal(escapeLatex('a_b % c & d # e $ f { g } h ~ i ^ j \\ k'), 'a\\_b \\% c \\& d \\# e \\$ f \\{ g \\} h \\textasciitilde{} i \\textasciicircum{} j \\textbackslash{} k');
  assert.equal(escapeLatex('[x]'), '{[}x{]}', 'a cell starting with [ is not an optional argument of \\\\');
  assert.equal(escapeLatex('a\nb'), 'a b');
  assert.equal(texMs(-12.345), '$-$12.3');
  assert.equal(texMs(null), '--');
  assert.equal(texMs(5123.4), '5123');
  assert.equal(texMs(1.2345), '1.23');
});

test('classes.tex is a booktabs table: one row per guest, same column count throughout, names escaped', async () => {
  const { dir, result } = await reportPromise;
  const tex = await readFile(path.join(dir, 'classes.tex'), 'utf8');
  const guests = result.model.analysis.classification.guests;
  assert.match(tex, /\\begin\{table\}/);
  assert.match(tex, /\\caption\{[^\n]+\}\n\s*\\label\{tab:bootlab-classes\}/);
  const order = ['\\toprule', '\\midrule', '\\bottomrule', '\\end{tabular}'].map((m) => tex.indexOf(m));
  assert.ok(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!)), 'toprule < midrule < bottomrule < end{tabular}');
  assert.doesNotMatch(tex, /\\hline/);
  const columns = /\\begin\{tabular\}\{([lrc]+)\}/.exec(tex)![1]!.length;
  const rows = bodyRows(tex);
  assert.equal(rows.length, guests.length);
  for (const r of rows) assert.equal(cells(r).length, columns, r);
  const nasty = rows.find((r) => r.includes('osv\\_v0.57'))!;
  assert.equal(cells(nasty)[0], 'osv\\_v0.57 100\\% \\& \\#1 \\$x \\{a\\} \\textasciitilde{}b \\textasciicircum{}c \\textbackslash{}d {[}e{]}');
  // Sensible precision: ΔT in whole ms above 100 ms, a confidence as a percentage, CIs in brackets; a
  // reference says so instead of a confidence, a placed guest names its nearest reference.
  const mink = cells(rows.find((r) => r.startsWith('    minkernel'))!);
  assert.equal(mink[2], 'ref.');
  assert.match(mink[4]!, /^\d{3}$/);
  assert.match(mink[5]!, /^\[\d{3}, \d{3}\]$/);
  const tiny = cells(rows.find((r) => r.startsWith('    tinykern'))!);
  assert.match(tiny[2]!, /^\d+\\,\\%$/);
  assert.equal(tiny[3], 'minkernel');
  // Fastest class first: the baseline guests lead.
  assert.ok(cells(rows[0]!)[1] === 'baseline', rows[0]);
});

test('features.tex has one row per guest and condition with the guest named once per group', async () => {
  const { dir, result } = await reportPromise;
  const tex = await readFile(path.join(dir, 'features.tex'), 'utf8');
  const conditions = result.model.analysis.features.conditions;
  const rows = bodyRows(tex);
  assert.equal(rows.length, conditions.length);
  const columns = /\\begin\{tabular\}\{([lrc]+)\}/.exec(tex)![1]!.length;
  for (const r of rows) assert.equal(cells(r).length, columns, r);
  assert.equal((tex.match(/\\addlinespace/g) ?? []).length, new Set(conditions.map((c) => c.guest)).size - 1);
  assert.match(tex, /\\cmidrule\(lr\)\{4-7\}/);
  assert.ok(rows.some((r) => cells(r)[1] === 'multi, 3~ms'));
});

test('classes.csv has one row per guest and the class table columns', async () => {
  const { dir, result } = await reportPromise;
  const csv = (await readFile(path.join(dir, 'classes.csv'), 'utf8')).trimEnd().split('\r\n');
  assert.equal(csv.length, result.model.analysis.classification.guests.length + 1);
  const header = csv[0]!.split(',');
  assert.deepEqual(header.slice(0, 6), ['guest', 'class', 'rank', 'confidence', 'reference', 'nearest_reference']);
  for (const column of ['own_time_ms', 'own_cpu_ms', 'memory_mb', 'console_lines', 'distance_libos', 'decided_by', 'single_median_ms']) assert.ok(header.includes(column), column);
  const at = (row: string[], column: string) => row[header.indexOf(column)]!;
  const mink = csv.find((l) => l.startsWith('minkernel,'))!.split(',');
  assert.equal(mink[1], 'baseline');
  assert.equal(at(mink, 'reference'), 'baseline');
  const median = Number(at(mink, 'single_median_ms'));
  assert.ok(median > 250 && median < 350, `single median ${median}`);
  assert.ok(Number(at(mink, 'single_median_ci_lo_ms')) <= median && median <= Number(at(mink, 'single_median_ci_hi_ms')), 'CI brackets the median');
  assert.ok(csv.some((l) => l.startsWith(`"${NASTY}"`) || l.startsWith(NASTY)), 'the nasty name is one field');
});

test('chart SVGs are print-ready: text as text, generic font fallback, explicit width/height/viewBox, XML declaration', async () => {
  const { dir, result } = await reportPromise;
  const files = (await readdir(path.join(dir, 'charts'))).filter((f) => f.endsWith('.svg'));
  assert.equal(files.length, result.charts.length);
  for (const f of files) {
    const svg = await readFile(path.join(dir, 'charts', f), 'utf8');
    assert.ok(svg.startsWith('<?xml version="1.0" encoding="UTF-8"'), `${f}: XML declaration`);
    const root = /<svg\b[^>]*>/.exec(svg)![0];
    assert.match(root, /\sxmlns="http:\/\/www\.w3\.org\/2000\/svg"/, f);
    assert.match(root, /\swidth="\d+(\.\d+)?"/, `${f}: width`);
    assert.match(root, /\sheight="\d+(\.\d+)?"/, `${f}: height`);
    assert.match(root, /\sviewBox="0 0 \d+(\.\d+)? \d+(\.\d+)?"/, `${f}: viewBox`);
    assert.ok((svg.match(/<text\b/g) ?? []).length > 3, `${f}: labels are <text>`);
    assert.doesNotMatch(svg, /<image\b|<script\b|<foreignObject\b|href="http|url\(http/, `${f}: nothing external or rasterised`);
    const families = [...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1]!);
    assert.ok(families.length > 0, `${f}: fonts named`);
    for (const fam of new Set(families)) {
      assert.match(fam, /, (sans-serif|serif|monospace)$/, `${f}: ${fam} ends in a generic family`);
      assert.match(fam, /^'DejaVu Sans'/, `${f}: names with spaces are quoted`);
    }
  }
});

test('normaliseSvg completes a missing viewBox or size and a font list without a generic family', () => {
  assert.equal(fontFamilyList('DejaVu Sans, Helvetica'), "'DejaVu Sans', Helvetica, sans-serif");
  assert.equal(fontFamilyList('"Fira Code", monospace'), "'Fira Code', monospace");
  const fixed = normaliseSvg('<svg width="200" height="100"><text font-family="Arial">x</text></svg>');
  assert.match(fixed, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="200" height="100" viewBox="0 0 200 100">/);
  assert.match(fixed, /font-family="Arial, sans-serif"/);
  assert.match(normaliseSvg('<svg viewBox="0 0 30 40"></svg>'), /width="30" height="40"/);
  assert.equal(standaloneSvg(standaloneSvg('<svg width="1" height="1"></svg>')).match(/<\?xml/g)!.length, 1, 'idempotent');
});

async function pdflatex(): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'pdflatex'))) return path.join(dir, 'pdflatex');
  }
  return null;
}

const PDFLATEX = await pdflatex();

test(
  'classes.tex and features.tex compile with pdflatex and booktabs',
  { skip: PDFLATEX ? false : 'pdflatex not installed (texlive-latex-recommended, ~150 MB, is not in CI); the structural tests above cover the .tex', timeout: 120_000 },
  async () => {
    const { dir } = await reportPromise;
    const doc = ['\\documentclass{article}', '\\usepackage[T1]{fontenc}', '\\usepackage{booktabs}', '\\begin{document}', '\\input{classes.tex}', '\\input{features.tex}', '\\end{document}', ''].join('\n');
    await writeFile(path.join(dir, 'paper.tex'), doc);
    try {
      await run(PDFLATEX!, ['-interaction=nonstopmode', '-halt-on-error', '-no-shell-escape', 'paper.tex'], { cwd: dir, timeout: 100_000 });
    } catch (err) {
      const log = await readFile(path.join(dir, 'paper.log'), 'utf8').catch(() => '');
      assert.fail(`pdflatex failed:\n${log.split('\n').filter((l) => l.startsWith('!') || l.startsWith('l.')).join('\n') || (err as Error).message}`);
    }
    const log = await readFile(path.join(dir, 'paper.log'), 'utf8');
    assert.doesNotMatch(log, /Undefined control sequence|Missing \$ inserted|Misplaced alignment/);
    assert.ok(existsSync(path.join(dir, 'paper.pdf')));
  },
);

// `bootlab analyze … --json`: stdout is one JSON document (classes, key features per guest, caveats,
// warnings, output paths) and nothing else; the human-readable lines and warnings go to stderr.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runAnalyze } from '../src/cli.ts';
import type { AnalysisSummaryJson } from '../src/report/summary.ts';
import { PAPER_GUESTS, syntheticTrace } from './fixtures/synthetic.ts';
import { tempDir } from './helpers.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../scripts/bootlab-analysis.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const guests = [PAPER_GUESTS[0]!, PAPER_GUESTS[1]!, PAPER_GUESTS[3]!, PAPER_GUESTS[4]!, PAPER_GUESTS[6]!, PAPER_GUESTS[7]!];

async function traces(dir: string): Promise<string[]> {
  const single = path.join(dir, 'single.jsonl');
  const sweep = path.join(dir, 'sweep.jsonl');
  await writeFile(single, syntheticTrace({ runId: 'single', seed: 1, mode: 'single', guests, singleBoots: 8, outlier: { guest: 'minkernel', boot: 1, factor: 5 } }));
  await writeFile(sweep, syntheticTrace({ runId: 'sweep', seed: 2, mode: 'multi', guests, sizes: [1, 2, 5] }));
  return [single, sweep];
}

test('analyze --json prints exactly one JSON summary on stdout; progress and warnings go to stderr', { timeout: 120_000 }, async () => {
  const dir = await tempDir();
  const inputs = await traces(dir);
  const out = path.join(dir, 'out');
  const { stdout, stderr } = await run(
    process.execPath,
    ['--import', 'tsx', SCRIPT, 'analyze', ...inputs, '-o', out, '--json', '--no-png', '--resamples', '50', '--class-resamples', '10', '--reference', 'unikraft=LibOS', 'linux-virt=gpos'],
    { cwd: REPO },
  );
  const summary = JSON.parse(stdout) as AnalysisSummaryJson; // throws if anything else is on stdout
  assert.equal(stdout.trimEnd().split('\n').at(-1), '}', 'nothing after the document');
  assert.equal(summary.schema, 'bootlab.analysis-summary/1');
  assert.deepEqual(summary.inputs, inputs);
  assert.deepEqual(summary.references, [
    { guest: 'linux-virt', class: 'general-purpose OS' },
    { guest: 'minkernel', class: 'baseline' },
    { guest: 'unikraft', class: 'LibOS' },
  ]);
  assert.deepEqual(summary.classes, ['baseline', 'LibOS', 'general-purpose OS']);
  assert.equal(summary.guests.length, guests.length);
  const mink = summary.guests.find((g) => g.guest === 'minkernel')!;
  assert.equal(mink.class, 'baseline');
  assert.equal(mink.reference, 'baseline');
  const solo5 = summary.guests.find((g) => g.guest === 'solo5-hvt')!;
  assert.equal(solo5.class, 'LibOS');
  assert.equal(solo5.nearestReference, 'unikraft');
  assert.ok(solo5.decidedBy.length > 0 && solo5.reason.length > 0);
  assert.equal(mink.accel, 'tcg');
  assert.ok(mink.singleMedianMs! > 250 && mink.singleMedianMs! < 350);
  assert.ok(mink.singleMedianCiMs!.lo <= mink.singleMedianMs! && mink.singleMedianMs! <= mink.singleMedianCiMs!.hi);
  assert.ok(mink.scalingSlopeMsPerInstance! > 0);
  assert.equal(mink.outliers, 1);
  assert.deepEqual(
    summary.caveats.map((c) => [c.id, c.flagged]),
    [['accelerator', true], ['host-load', false], ['outliers', true], ['low-confidence', false], ['memory-guard', false]],
  );
  assert.ok(summary.warnings.some((w) => w.kind === 'accelerator'));
  assert.ok(summary.warnings.some((w) => w.kind === 'outliers' && w.guest === 'minkernel'));
  for (const name of ['report.html', 'report.md', 'classes.json', 'classes.csv', 'features.csv', 'classes.tex', 'features.tex']) {
    const file = summary.outputs.files[name]!;
    assert.ok(path.isAbsolute(file) && existsSync(file), `${name}: ${file}`);
  }
  assert.equal(summary.outputs.dir, out);
  assert.ok(summary.outputs.charts.length >= 5);
  for (const c of summary.outputs.charts) {
    assert.ok(existsSync(c.svg) && existsSync(c.vegaLite), c.name);
    assert.equal(c.png, null, '--no-png');
  }
  assert.match(stderr, /^2 trace file\(s\), \d+ boots, 6 guest\(s\)$/m);
  assert.match(stderr, /^classes \(anchored on the references recorded beside each guest: linux-virt, minkernel, unikraft\):$/m);
  assert.match(stderr, /^warning: .*used TCG/m);
});

test('without --json the human summary stays on stdout', async () => {
  const dir = await tempDir();
  const inputs = await traces(dir);
  const out: string[] = [];
  const err: string[] = [];
  await runAnalyze(
    inputs,
    { output: path.join(dir, 'out'), k: 3, seed: 1, resamples: 50, classResamples: 10, png: false, reference: ['unikraft=LibOS', 'linux-virt=gpos'] },
    { out: (t) => out.push(t), err: (t) => err.push(t) },
  );
  assert.match(out.join(''), /classes \(anchored on the references recorded beside each guest: linux-virt, minkernel, unikraft\):/);
  assert.match(out.join(''), /^ {2}solo5-hvt +LibOS +\d+% +unikraft \(\d\.\d\d\)/m);
  assert.match(out.join(''), /classes\.\{json,csv,tex\}, features\.\{csv,tex\}/);
  assert.doesNotMatch(out.join(''), /^\{/m);
  assert.match(err.join(''), /^warning: /m);
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runAnalyze, type AnalyzeCliOptions } from '../src/cli.ts';
import { UserError } from '../src/errors.ts';
import { PAPER_GUESTS, syntheticTrace } from './fixtures/synthetic.ts';
import { tempDir } from './helpers.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../scripts/bootlab-analysis.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: REPO });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const guests = [PAPER_GUESTS[0]!, PAPER_GUESTS[3]!, PAPER_GUESTS[6]!];
const OPTS: AnalyzeCliOptions = { output: '', k: 3, seed: 1, resamples: 50, classResamples: 10, png: false };

test('a malformed trace exits non-zero with one line naming file and line, no stack', async () => {
  const dir = await tempDir();
  const lines = syntheticTrace({ runId: 'r', seed: 1, mode: 'single', singleBoots: 2, guests }).split('\n');
  lines[2] = '{"type":"boot","guest":';
  const file = path.join(dir, 'bad.jsonl');
  await writeFile(file, lines.join('\n'));
  const { code, stdout, stderr } = await cli(['analyze', file, '-o', path.join(dir, 'out')]);
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
  assert.match(stderr, new RegExp(`^bootlab: error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: not valid JSON`));
  assert.doesNotMatch(stderr, /\n\s+at /);
});

test('with --skip-bad-lines the same trace is analysed and the skip reported', async () => {
  const dir = await tempDir();
  const lines = syntheticTrace({ runId: 'r', seed: 1, mode: 'single', singleBoots: 6, guests }).split('\n');
  lines[2] = 'garbage';
  await writeFile(path.join(dir, 'bad.jsonl'), lines.join('\n'));
  const { code, stdout, stderr } = await cli(['analyze', path.join(dir, 'bad.jsonl'), '--skip-bad-lines', '-o', path.join(dir, 'out'), '--no-png', '--class-resamples', '5']);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^classes \(anchored on the references recorded beside each guest: minkernel\):$/m);
  assert.match(stderr, /warning: .*skipped 1 malformed line/);
  JSON.parse(await readFile(path.join(dir, 'out', 'classes.json'), 'utf8'));
});

test('a bad option value is refused by commander with a non-zero exit', async () => {
  const { code, stderr } = await cli(['analyze', '--k', 'seven']);
  assert.notEqual(code, 0);
  assert.match(stderr, /k must be an integer from 2 to 10, or "auto"/);
});

test('analyze with no traces and no datasets/ is a clear one-line user error', async () => {
  const root = await tempDir();
  await assert.rejects(
    runAnalyze([], { ...OPTS, output: path.join(root, 'out') }, { out: () => {}, err: () => {} }, root),
    (e: unknown) => e instanceof UserError && /^no traces given and none found under .*datasets/.test((e as Error).message),
  );
});

test('analyze with no traces finds datasets/**/*.jsonl{,.gz} under the repo root', async () => {
  const root = await tempDir();
  await mkdir(path.join(root, 'datasets', 'host1'), { recursive: true });
  await writeFile(path.join(root, 'datasets', 'host1', 'a.jsonl'), syntheticTrace({ runId: 'a', seed: 1, mode: 'single', singleBoots: 5, guests }));
  const out: string[] = [];
  await runAnalyze([], { ...OPTS, output: path.join(root, 'out') }, { out: (t) => out.push(t), err: () => {} }, root);
  assert.match(out.join(''), /1 trace file\(s\), 15 boots, 3 guest\(s\)/);
});

test('an unwritable output directory fails before any trace is read', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'file'), '');
  await assert.rejects(
    runAnalyze(['/nonexistent.jsonl'], { ...OPTS, output: path.join(dir, 'file', 'out') }, { out: () => {}, err: () => {} }),
    /cannot write the report to/,
  );
});

test('compare prints a benchstat-style table with change, CI and p-value', async () => {
  const dir = await tempDir();
  const slower = guests.map((g) => (g.name === 'minkernel' ? { ...g, dtMs: g.dtMs * 1.3 } : g));
  await writeFile(path.join(dir, 'a.jsonl'), syntheticTrace({ runId: 'a', seed: 1, mode: 'single', singleBoots: 20, guests }));
  // Same seed: unchanged guests get identical samples, so only minkernel may differ.
  await writeFile(path.join(dir, 'b.jsonl'), syntheticTrace({ runId: 'b', seed: 1, mode: 'single', singleBoots: 20, guests: slower }));
  const { code, stdout } = await cli(['compare', path.join(dir, 'a.jsonl'), path.join(dir, 'b.jsonl'), '--resamples', '200']);
  assert.equal(code, 0);
  const row = stdout.split('\n').find((l) => l.startsWith('minkernel'))!;
  assert.match(row, /\+[23]\d\.\d%\s+\[\+\d+\.\d%, \+\d+\.\d%\]\s+<0\.001\s+20\+20$/);
  const unchanged = stdout.split('\n').find((l) => l.startsWith('unikraft'))!;
  assert.match(unchanged, / ~ /);
});

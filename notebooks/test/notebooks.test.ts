// The notebooks as CI sees them: committed without outputs, their code type-checks under Deno, and each one
// runs headless (nbconvert + the Deno kernel) without a cell error and shows at least one Vega-Lite chart —
// on a synthetic stand-in for datasets/ always, and on datasets/ itself once it holds recordings.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeFixtureDatasets } from './fixture.ts';

const NOTEBOOKS_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO = path.resolve(NOTEBOOKS_DIR, '..');
const DENO = path.join(REPO, 'node_modules', '.bin', 'deno');
const VEGA_LITE_MIME = /^application\/vnd\.vegalite\.v\d+\+json$/;
/** Seconds a single cell may run before nbconvert gives up (figure2 holds 1000+ boots). */
const CELL_TIMEOUT_S = 600;

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  id?: string;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
}
interface Notebook {
  cells: Cell[];
  metadata: { kernelspec?: { name?: string } };
  nbformat: number;
}

const text = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);

async function notebookFiles(): Promise<string[]> {
  return (await readdir(NOTEBOOKS_DIR)).filter((f) => f.endsWith('.ipynb')).sort();
}

async function readNotebook(file: string): Promise<Notebook> {
  return JSON.parse(await readFile(file, 'utf8')) as Notebook;
}

async function hasTraces(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.some((e) => /\.jsonl(\.gz)?$/.test(String(e)));
}

/** How to call nbconvert: the `jupyter` launcher, else Debian's python3 module (pyenv may shadow python3). */
function nbconvertCommand(): string[] | null {
  for (const cmd of [['jupyter', 'nbconvert'], ['/usr/bin/python3', '-m', 'nbconvert']]) {
    const r = spawnSync(cmd[0] as string, [...cmd.slice(1), '--version'], { encoding: 'utf8' });
    if (r.status === 0) return cmd;
  }
  return null;
}

function run(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('committed notebooks carry no outputs and use the Deno kernel', async () => {
  const files = await notebookFiles();
  for (const expected of ['01-reproduce-paper.ipynb', '02-classify-your-guests.ipynb', '03-scaling.ipynb']) assert.ok(files.includes(expected), `${expected} missing`);
  for (const file of files) {
    const nb = await readNotebook(path.join(NOTEBOOKS_DIR, file));
    assert.equal(nb.nbformat, 4, `${file}: nbformat`);
    assert.equal(nb.metadata.kernelspec?.name, 'deno', `${file}: kernelspec`);
    for (const [i, cell] of nb.cells.entries()) {
      if (cell.cell_type !== 'code') continue;
      const where = `${file}, cell ${cell.id ?? i}`;
      assert.deepEqual(cell.outputs ?? [], [], `${where} has outputs: clear them before committing (Kernel → Restart and Clear Outputs)`);
      assert.equal(cell.execution_count ?? null, null, `${where} has an execution count: clear outputs before committing`);
    }
  }
});

test('notebook code type-checks under Deno (strict)', async () => {
  assert.ok(existsSync(DENO), `${DENO} missing: run npm ci`);
  // Each notebook's code cells, in order, as one module next to the notebooks so that ./lib and the
  // workspace packages resolve exactly as in the kernel.
  const written: string[] = [];
  try {
    for (const file of await notebookFiles()) {
      const nb = await readNotebook(path.join(NOTEBOOKS_DIR, file));
      const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => text(c.source));
      const target = path.join(NOTEBOOKS_DIR, `.typecheck-${process.pid}-${file.replace(/\.ipynb$/, '')}.ts`);
      await writeFile(target, `${code.join('\n\n')}\nexport {};\n`);
      written.push(target);
    }
    const { code, output } = await run(DENO, ['check', '--quiet', ...written], { cwd: NOTEBOOKS_DIR, env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(code, 0, `deno check failed:\n${output}`);
  } finally {
    await Promise.all(written.map((f) => rm(f, { force: true })));
  }
});

describe('notebooks execute headless with the Deno kernel', () => {
  const nbconvert = nbconvertCommand();
  const missing = nbconvert ? null : 'jupyter nbconvert not found: install scripts/apt-packages.txt (bash scripts/setup.sh)';
  // CI must run them: a missing nbconvert there is a failure, not a skip.
  const skip = missing !== null && !process.env.CI ? missing : false;
  let work = '';
  let env: NodeJS.ProcessEnv = {};

  before(async () => {
    if (skip) return;
    assert.ok(nbconvert, missing ?? undefined);
    assert.ok(existsSync(DENO), `${DENO} missing: run npm ci`);
    work = await mkdtemp(path.join(tmpdir(), 'bootlab-notebooks-'));
    // A private Jupyter data dir (Deno and Jupyter both follow XDG_DATA_HOME): the test installs its own
    // kernelspec, pointing at this checkout's deno, without touching the user's.
    env = { ...process.env, XDG_DATA_HOME: path.join(work, 'xdg'), NO_COLOR: '1' };
    delete env.BOOTLAB_TRACES;
    const install = await run(DENO, ['jupyter', '--install', '--force'], { cwd: REPO, env });
    assert.equal(install.code, 0, `deno jupyter --install failed:\n${install.output}`);
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function execute(file: string, dataDir: string, label: string): Promise<void> {
    const outDir = path.join(work, label);
    const { code, output } = await run(
      (nbconvert as string[])[0] as string,
      [
        ...(nbconvert as string[]).slice(1),
        '--to',
        'notebook',
        '--execute',
        '--ExecutePreprocessor.kernel_name=deno',
        `--ExecutePreprocessor.timeout=${CELL_TIMEOUT_S}`,
        '--output-dir',
        outDir,
        file,
      ],
      // 02 reads `bootlab classify` output, else <data>/classification: point it at the data under test.
      { cwd: NOTEBOOKS_DIR, env: { ...env, BOOTLAB_DATA: dataDir, BOOTLAB_TRACES: path.join(dataDir, 'classification'), BOOTLAB_OUT: path.join(outDir, 'export') } },
    );
    assert.equal(code, 0, `nbconvert failed on ${file} (${label}):\n${output.slice(-4000)}`);
    const executed = await readNotebook(path.join(outDir, file));
    const outputs = executed.cells.flatMap((c) => c.outputs ?? []);
    const errors = outputs.filter((o) => o.output_type === 'error');
    assert.deepEqual(errors.map((e) => `${e.ename}: ${e.evalue}`), [], `${file} (${label}): cell errors`);
    const charts = outputs.filter((o) => Object.keys(o.data ?? {}).some((m) => VEGA_LITE_MIME.test(m)));
    assert.ok(charts.length > 0, `${file} (${label}): no Vega-Lite output`);
  }

  test('on the synthetic fixture datasets', { skip }, async (t) => {
    const fixture = path.join(work, 'datasets');
    await writeFixtureDatasets(fixture);
    for (const file of await notebookFiles()) await t.test(file, () => execute(file, fixture, 'fixture'));
  });

  test('on datasets/', { skip }, async (t) => {
    const datasets = path.join(REPO, 'datasets');
    if (!(await hasTraces(datasets))) {
      t.skip('datasets/ holds no traces yet');
      return;
    }
    for (const file of await notebookFiles()) await t.test(file, () => execute(file, datasets, 'datasets'));
  });
});

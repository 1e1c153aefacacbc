// The file-system edge of loading: find trace files, stream them (gunzipping when needed) into the pure
// reader. Nothing else in the analysis touches node:fs.
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as zlibConstants, createGunzip } from 'node:zlib';
import { UserError } from '../errors.ts';
import { assembleTraceSet } from '../parse/assemble.ts';
import { splitLines } from '../parse/lines.ts';
import { readRun, type ReadOptions, type ReadResult } from '../parse/trace-reader.ts';
import type { TraceSet } from '../types.ts';
import type { Warning } from '../warnings.ts';

const TRACE_FILE = /\.jsonl(\.gz)?$/;

/** The repository root, found from this file's location (analysis/src/load/files.ts). */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && TRACE_FILE.test(e.name))
    // parentPath is Node ≥ 20.12; earlier 20.x name it path.
    .map((e) => path.join(e.parentPath ?? (e as { path?: string }).path ?? dir, e.name))
    .sort();
}

/** Every datasets/**\/*.jsonl{,.gz} under the repo root, as paths relative to the working directory. */
export async function findDatasets(root = repoRoot()): Promise<string[]> {
  const dir = path.join(root, 'datasets');
  const files = await walk(dir).catch(() => []);
  return files.map((f) => path.relative(process.cwd(), f) || f);
}

/** Files as given; directories expanded to the trace files under them. Sorted, without duplicates. */
export async function expandInputs(inputs: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (!info) throw new UserError(`${input}: no such file or directory`);
    if (info.isDirectory()) {
      const found = await walk(input);
      if (found.length === 0) throw new UserError(`${input}: directory holds no *.jsonl or *.jsonl.gz traces`);
      for (const f of found) files.add(f);
    } else {
      files.add(input);
    }
  }
  return [...files].sort();
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Stream one trace file (plain or gzip, detected by magic bytes) through the reader. */
export async function readTraceFile(file: string, options: ReadOptions = {}): Promise<ReadResult> {
  const gz = await isGzip(file).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`${file}: cannot read (${err.code ?? err.message})`);
  });
  const raw = createReadStream(file);
  // Z_SYNC_FLUSH: a gzip cut short by a killed recorder yields what it has instead of an error; the reader
  // then sees an unterminated last line and reports it.
  const stream = gz ? raw.pipe(createGunzip({ finishFlush: zlibConstants.Z_SYNC_FLUSH })) : raw;
  raw.on('error', (err) => stream.destroy(err));
  stream.setEncoding('utf8');
  try {
    return await readRun(splitLines(stream as AsyncIterable<string>), file, options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code && code.startsWith('Z_')) throw new UserError(`${file}: not a readable gzip file (${(err as Error).message})`);
    throw err;
  } finally {
    stream.destroy();
  }
}

export interface LoadOptions extends ReadOptions {}

export interface LoadResult {
  traces: TraceSet;
  warnings: Warning[];
  files: string[];
}

/** Load several traces (files or directories) into one canonically ordered TraceSet. */
export async function loadTraces(inputs: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const files = await expandInputs(inputs);
  if (files.length === 0) throw new UserError('no trace files given');
  const results: ReadResult[] = [];
  for (const file of files) results.push(await readTraceFile(file, options));
  const { traces, warnings } = assembleTraceSet(results);
  return { traces, warnings, files };
}

// Notebook plumbing for the Deno kernel: where the data is, reading trace files with Deno's own APIs into
// the analysis package's pure reader, and showing charts and tables inline. Everything analytic comes from
// @bootlab/analysis/core; this file only does what the core leaves to its host (files, display).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assembleTraceSet,
  groupWarnings,
  RunReader,
  splitLines,
  type ChartSpec,
  type ReadOptions,
  type ReadResult,
  type TraceSet,
  type Warning,
  type Labels,
} from '@bootlab/analysis/core';
import { isPaperClass } from '@bootlab/analysis/core';

// ---------------------------------------------------------------------------------------------------------
// Where things are

/** Environment variable naming the datasets directory (default: the repository's datasets/). */
export const DATA_ENV = 'BOOTLAB_DATA';
/** Environment variable naming your own traces for 02-classify-your-guests (files or directories). */
export const TRACES_ENV = 'BOOTLAB_TRACES';
/** Environment variable naming where notebooks write exported files (default: the repository's out/notebooks/). */
export const OUT_ENV = 'BOOTLAB_OUT';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function fromEnv(name: string): string | undefined {
  const value = Deno.env.get(name)?.trim();
  return value ? value : undefined;
}

/** The datasets directory: $BOOTLAB_DATA (absolute, or relative to the notebook) or <repo>/datasets. */
export function dataDir(): string {
  const env = fromEnv(DATA_ENV);
  return env ? path.resolve(env) : path.join(REPO, 'datasets');
}

/** Where exports go: $BOOTLAB_OUT or <repo>/out/notebooks (git-ignored). Created on demand. */
export async function outDir(): Promise<string> {
  const env = fromEnv(OUT_ENV);
  const dir = env ? path.resolve(env) : path.join(REPO, 'out', 'notebooks');
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/** Environment variable naming a labels file ({ "guest": { "class": "LibOS" } }) for 02-classify-your-guests. */
export const LABELS_ENV = 'BOOTLAB_LABELS';

/** `bootlab classify`'s default output, <repo>/out/classify/traces, when it holds traces; else null. */
export async function classifyOutput(): Promise<string[] | null> {
  const dir = path.join(REPO, 'out', 'classify', 'traces');
  return (await findTraces([dir]).catch(() => [])).length ? [dir] : null;
}

/** Known classes of guests: $BOOTLAB_LABELS, or the stress set's guests/stress/labels.json; {} when neither exists. */
export async function readLabels(): Promise<Labels> {
  const file = fromEnv(LABELS_ENV) ?? path.join(REPO, 'guests', 'stress', 'labels.json');
  let raw: Record<string, { class?: string }>;
  try {
    raw = JSON.parse(await Deno.readTextFile(file)) as Record<string, { class?: string }>;
  } catch {
    return {};
  }
  return Object.fromEntries(Object.entries(raw).flatMap(([guest, v]) => (v.class && isPaperClass(v.class) ? [[guest, v.class]] : [])));
}

/** $BOOTLAB_TRACES split on the path delimiter (":" on Linux), or the fallback when it is unset. */
export function tracesFromEnv(fallback: readonly string[]): string[] {
  const env = fromEnv(TRACES_ENV);
  return env ? env.split(path.delimiter).filter(Boolean).map((p) => path.resolve(p)) : [...fallback];
}

// ---------------------------------------------------------------------------------------------------------
// Finding and reading traces

const TRACE_FILE = /\.jsonl(\.gz)?$/;

async function statOrNull(p: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(p);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

async function walk(dir: string, out: string[]): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory) await walk(p, out);
    else if (entry.isFile && TRACE_FILE.test(entry.name)) out.push(p);
  }
}

/** Trace files (*.jsonl, *.jsonl.gz) among the given files and directories (searched recursively); sorted.
 * Paths that do not exist are skipped: a notebook section checks for an empty result and says so. */
export async function findTraces(paths: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  for (const p of paths) {
    const info = await statOrNull(p);
    if (!info) continue;
    if (info.isDirectory) {
      const found: string[] = [];
      await walk(p, found);
      for (const f of found) files.add(f);
    } else {
      files.add(p);
    }
  }
  return [...files].sort();
}

/** Read one trace (plain or gzip, by magic bytes) through the analysis package's RunReader. */
export async function readTrace(file: string, options: ReadOptions = {}): Promise<ReadResult> {
  const bytes = await Deno.readFile(file);
  const gzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const raw = new Blob([bytes]).stream();
  const stream = gzip ? raw.pipeThrough(new DecompressionStream('gzip')) : raw;
  const reader = new RunReader(file, options);
  let cutShort: string | null = null;
  try {
    for await (const line of splitLines(stream.pipeThrough(new TextDecoderStream()))) reader.add(line);
  } catch (err) {
    // A gzip cut short (recorder killed while compressing): keep what decompressed, as the Node loader does.
    if (!gzip || !(err instanceof TypeError)) throw err;
    cutShort = err.message;
  }
  const result = reader.finish();
  if (cutShort !== null) {
    result.warnings.push({ kind: 'truncated-line', file, message: `${file}: gzip data ends early (${cutShort}); the records before the cut are used` });
  }
  return result;
}

export interface Loaded {
  traces: TraceSet;
  warnings: Warning[];
  files: string[];
  /** Per-file read results, kept so that loaded sets can be merged without reading the files again. */
  results: ReadResult[];
}

function assemble(results: readonly ReadResult[], files: readonly string[]): Loaded {
  const { traces, warnings } = assembleTraceSet(results);
  return { traces, warnings, files: [...files].sort(), results: [...results] };
}

/** Load every trace under the given files/directories into one canonically ordered TraceSet; null (with a
 * printed note) when there are none. */
export async function loadTraces(paths: readonly string[], options: ReadOptions = {}): Promise<Loaded | null> {
  const files = await findTraces(paths);
  if (files.length === 0) {
    await say(`No traces under ${paths.join(', ') || '(nothing given)'}.`);
    return null;
  }
  const results: ReadResult[] = [];
  for (const file of files) results.push(await readTrace(file, options));
  return assemble(results, files);
}

/** Load <data dir>/<name> (one of the datasets' subdirectories, e.g. "single"); null with a note when absent. */
export async function loadDataset(name: string, options: ReadOptions = {}): Promise<Loaded | null> {
  const dir = path.join(dataDir(), name);
  const files = await findTraces([dir]);
  if (files.length === 0) {
    await say(`Skipping "${name}": no traces under ${dir} (set ${DATA_ENV} to a directory holding ${name}/*.jsonl.gz).`);
    return null;
  }
  return loadTraces(files, options);
}

/** Pool loaded sets into one (runs deduplicated, canonical order); null when all are null. */
export function merge(...parts: (Loaded | null)[]): Loaded | null {
  const present = parts.filter((p): p is Loaded => p !== null);
  if (present.length === 0) return null;
  return assemble(present.flatMap((p) => p.results), [...new Set(present.flatMap((p) => p.files))]);
}

function shortName(file: string): string {
  const rel = path.relative(dataDir(), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** One line per run: file, mode, guests, boots — what was actually loaded. */
export function runSummary(loaded: Loaded): string[] {
  return loaded.traces.runs.map((run) => {
    const h = run.header;
    const guests = [...new Set(run.boots.map((b) => b.guest))].sort().join(', ');
    const how = h.plan.mode === 'single' ? 'single' : `multi, N=${h.plan.n.join(',')} at ${h.plan.intervals_ms.join('/')} ms${h.plan.keep_alive ? ', keep-alive' : ''}`;
    const ended = run.end ? run.end.status : 'no end record';
    return `${shortName(run.file)}: ${how}; ${run.boots.length} boots of ${guests || 'no guest'}; ${h.host.accel}@${h.host.hostname}; ${ended}`;
  });
}

/** Show runSummary(). */
export function describe(loaded: Loaded): Promise<void> {
  return say(...runSummary(loaded));
}

export interface InventoryRow {
  trace: string;
  guest: string;
  launch: string;
  status: string;
  boots: number;
}

/** Boots per trace file, guest, launch setting and outcome: what the data holds, before any statistics. */
export function inventory(loaded: Loaded): InventoryRow[] {
  const rows = new Map<string, InventoryRow>();
  for (const b of loaded.traces.boots) {
    const launch = b.mode === 'single' ? 'single' : `multi ${b.interval_ms} ms${b.keep_alive ? ' keep-alive' : ''}`;
    const row = { trace: shortName(b.file), guest: b.guest, launch, status: b.status, boots: 0 };
    const key = JSON.stringify([row.trace, row.guest, row.launch, row.status]);
    const existing = rows.get(key) ?? row;
    existing.boots++;
    rows.set(key, existing);
  }
  return [...rows.values()];
}

/** Bar chart of inventory(): boots per guest, coloured by outcome, one panel per trace file and launch setting. */
export function inventoryChart(loaded: Loaded): ChartSpec {
  const statuses = ['ok', 'timeout', 'exited', 'vmm_error', 'spawn_error', 'interrupted'];
  return {
    title: { text: 'Boots loaded, per guest and outcome', subtitle: `${loaded.files.length} trace file(s), ${loaded.traces.boots.length} boots` },
    data: { values: inventory(loaded) },
    transform: [{ calculate: "datum.trace + ' · ' + datum.launch", as: 'panel' }],
    facet: {
      row: { field: 'panel', type: 'nominal', title: null, header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelFontWeight: 'bold' } },
    },
    spec: {
      width: 480,
      height: { step: 18 },
      mark: 'bar',
      encoding: {
        y: { field: 'guest', type: 'nominal', title: null },
        x: { aggregate: 'sum', field: 'boots', type: 'quantitative', title: 'boots' },
        color: {
          field: 'status',
          type: 'nominal',
          title: 'outcome',
          scale: { domain: statuses, range: ['#54a24b', '#e45756', '#f58518', '#b279a2', '#9d755d', '#bab0ac'] },
        },
        tooltip: [{ field: 'trace' }, { field: 'launch' }, { field: 'guest' }, { field: 'status' }, { field: 'boots' }],
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as ChartSpec;
}

/** Warnings grouped by kind, as text lines (loading, features and classification all produce them as data). */
export function warningLines(warnings: readonly Warning[]): string[] {
  if (warnings.length === 0) return ['No warnings.'];
  return groupWarnings(warnings).flatMap((group) => [`${group.title}:`, ...group.messages.map((m) => `  - ${m}`)]);
}

/** Show warningLines(). */
export function printWarnings(warnings: readonly Warning[]): Promise<void> {
  return say(...warningLines(warnings));
}

// ---------------------------------------------------------------------------------------------------------
// Display

const DISPLAY = Symbol.for('Jupyter.display');

/** A MIME bundle, keyed by MIME type. */
export type MimeBundle = Record<string, unknown>;

/** Something the Deno kernel displays through its Jupyter.display hook (as a cell's last value or via show). */
export interface Displayable {
  [DISPLAY](): MimeBundle;
}

function displayable(bundle: MimeBundle): Displayable {
  return { [DISPLAY]: () => bundle };
}

const NOTEBOOK_CONFIG = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  background: 'white',
  padding: 8,
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start', subtitleColor: '#555' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
};

export const VEGA_LITE_V6 = 'application/vnd.vegalite.v6+json';
export const VEGA_LITE_V5 = 'application/vnd.vegalite.v5+json';

/**
 * A Vega-Lite chart. The bundle carries the spec twice: as v6 (what the analysis writes) and as v5, the
 * newest Vega-Lite that JupyterLab's and VS Code's built-in renderers accept. A front end renders the best
 * one it knows; the specs use nothing v5 lacks.
 */
export function vegaLite(spec: ChartSpec | Record<string, unknown>): Displayable {
  const own = spec as Record<string, unknown>;
  // Charts built in a notebook get the look of the analysis package's charts unless they bring a config.
  const v6 = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', ...own, config: own.config ?? NOTEBOOK_CONFIG };
  const v5 = { ...v6, $schema: 'https://vega.github.io/schema/vega-lite/v5.json' };
  const title = (v6 as { title?: unknown }).title;
  const text = typeof title === 'string' ? title : typeof title === 'object' && title !== null ? String((title as { text?: unknown }).text ?? '') : '';
  return displayable({ [VEGA_LITE_V6]: v6, [VEGA_LITE_V5]: v5, 'text/plain': `<Vega-Lite chart${text ? `: ${text}` : ''}>` });
}

type Cell = unknown;

/** What table() accepts: a danfo DataFrame (anything with columns and row values) or plain row objects. */
export type Tabular = { columns: string[]; values: unknown } | readonly Record<string, Cell>[];

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Integers as they are; other numbers to 1 decimal from 100 up, 2 from 1 up, else 3 significant digits;
 * null, undefined and NaN as blanks. */
export function formatCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '';
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
  }
  return String(v);
}

function toRows(data: Tabular): { columns: string[]; rows: Cell[][] } {
  if (Array.isArray(data)) {
    const objects = data as readonly Record<string, Cell>[];
    const columns = [...new Set(objects.flatMap((r) => Object.keys(r)))];
    return { columns, rows: objects.map((r) => columns.map((c) => r[c])) };
  }
  const frame = data as { columns: string[]; values: unknown };
  const values = frame.values as Cell[][];
  return { columns: [...frame.columns], rows: values.map((r) => (Array.isArray(r) ? r : [r])) };
}

/** An HTML table (plain-text twin for consoles) of a DataFrame or rows; long tables show their first rows. */
export function table(data: Tabular, options: { maxRows?: number; caption?: string } = {}): Displayable {
  const maxRows = options.maxRows ?? 40;
  const { columns, rows } = toRows(data);
  const shown = rows.slice(0, maxRows);
  const more = rows.length - shown.length;
  const note = more > 0 ? `… ${more} more row(s) of ${rows.length}` : '';
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = shown
    .map((r) => `<tr>${r.map((v) => `<td${typeof v === 'number' ? ' style="text-align:right"' : ''}>${escapeHtml(formatCell(v))}</td>`).join('')}</tr>`)
    .join('');
  const caption = options.caption ? `<caption style="text-align:left">${escapeHtml(options.caption)}</caption>` : '';
  const html = `<table>${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${note ? `<p>${escapeHtml(note)}</p>` : ''}`;
  const cells = [columns, ...shown.map((r) => r.map(formatCell))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const text = cells.map((r) => r.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  if (options.caption) text.unshift(options.caption);
  if (note) text.push(note);
  return displayable({ 'text/html': html, 'text/plain': text.join('\n') });
}

/** Deno.jupyter, or null outside `deno jupyter` (where merely reading it throws). */
function jupyter(): typeof Deno.jupyter | null {
  try {
    return Deno.jupyter;
  } catch {
    return null;
  }
}

/**
 * How long show() waits after publishing. Deno's kernel (2.x) can send a cell's "idle" status ahead of
 * display messages published just before it; front ends (JupyterLab, nbconvert) then drop or misplace those
 * outputs. Waiting a moment before the cell ends lets them out first.
 */
const FLUSH_MS = 150;

/** Display now, in order; usable inside if-blocks and loops, where a cell's last value is not shown.
 * Outside a Jupyter kernel (deno run) the plain-text form is printed instead. */
export async function show(...items: Displayable[]): Promise<void> {
  const kernel = jupyter();
  for (const item of items) {
    const bundle = item[DISPLAY]();
    if (kernel) await kernel.display(bundle, { raw: true });
    else console.log(String(bundle['text/plain'] ?? ''));
  }
  if (kernel) await new Promise((resolve) => setTimeout(resolve, FLUSH_MS));
}

/** Plain text as an output (through the same ordered path as charts; console.log output can be lost or land
 * in the next cell under Deno's kernel). */
export function text(...lines: string[]): Displayable {
  return displayable({ 'text/plain': lines.join('\n') });
}

/** show(text(...)). */
export function say(...lines: string[]): Promise<void> {
  return show(text(...lines));
}

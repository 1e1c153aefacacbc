// The layout check `npm test` runs before the tests (issue 21): it fails on
//   - an import circle, found by madge over every TypeScript source, with checks that madge read them all
//     and that it does find a circle where one is planted (a bare `npx madge --circular` reads 0 files);
//   - an import that runs up the layers, relative or through the @bootlab/* package names (which madge skips),
//     or that reaches into another package's internals instead of its package name;
//   - a path named in README.md, docs/ or guests/README.md that no longer exists;
//   - paths the packages build from their own place (REPO_ROOT, the engine and launcher sources) that miss;
//   - a test file the test command does not run, or a source file (not a test or fixture) over 500 lines.
//
//   node --import tsx scripts/check-layout.ts
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const problems: string[] = [];
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Every tracked file (also new ones not yet committed, but not ignored ones). */
const tracked = execFileSync('git', ['-C', ROOT, 'ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && existsSync(join(ROOT, f)));
const sources = tracked.filter((f) => /\.(ts|mts|mjs)$/.test(f) && !f.startsWith('node_modules/'));

// ----------------------------------------------------------------------------------------------- layers

/**
 * Who may import whom: a package may import only packages of a lower rank (and itself). The recorder and
 * the analysis share a rank, so neither imports the other; the tools at the top are imported by nobody.
 */
const RANK: Record<string, number> = { trace: 0, recorder: 1, analysis: 1, cli: 2, bin: 3 };
const TOOLS = ['bench', 'reliability', 'datasets', 'notebooks', 'scripts'];
const PACKAGES = ['trace', 'recorder', 'analysis'];
const rankOf = (part: string) => RANK[part] ?? (TOOLS.includes(part) ? 4 : undefined);

export interface ImportEdge {
  from: string;
  specifier: string;
}

/** What is wrong with one import, or null. `from` is repo-relative. */
export function layerProblem({ from, specifier }: ImportEdge): string | null {
  const fromPart = from.split('/')[0]!;
  let toPart: string;
  let to: string | null = null;
  if (specifier.startsWith('@bootlab/')) toPart = specifier.slice('@bootlab/'.length).split('/')[0]!;
  else if (specifier.startsWith('.')) {
    to = posix.normalize(posix.join(posix.dirname(from), specifier));
    toPart = to.split('/')[0]!;
  } else return null;
  if (toPart === fromPart) return null;
  const a = rankOf(fromPart);
  const b = rankOf(toPart);
  if (a === undefined || b === undefined) return `${from}: imports '${specifier}', outside the known layers`;
  if (b >= a) return `${from}: imports '${specifier}' — ${fromPart}/ may not import ${toPart}/ (imports run down: bin → cli → recorder, analysis → trace; tools at the top)`;
  // Another package's internals: only its test fixtures may be reached by path; the rest goes through its name.
  if (to && PACKAGES.includes(toPart) && !/^[^/]+\/test\/fixtures\//.test(to)) {
    return `${from}: imports '${specifier}' — another package's internals; use @bootlab/${toPart} (its index.ts${toPart === 'recorder' ? ' or @bootlab/recorder/test-support' : ''})`;
  }
  return null;
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

let edges = 0;
for (const file of sources) {
  for (const specifier of importsOf(file)) {
    edges++;
    const p = layerProblem({ from: file, specifier });
    if (p) problems.push(p);
  }
}
// Sanity: the rule catches an upward import through a package name and a deep relative one.
if (!layerProblem({ from: 'trace/src/x.ts', specifier: '@bootlab/recorder' })) problems.push('layer check: missed trace → @bootlab/recorder');
if (!layerProblem({ from: 'bench/x.ts', specifier: '../recorder/src/record/record.ts' })) problems.push('layer check: missed a deep import');
if (sources.length < 100 || edges < 500) problems.push(`layer check: read only ${sources.length} files and ${edges} imports`);
say(`layers: ${sources.length} files, ${edges} imports read`);

// ---------------------------------------------------------------------------------------------- circles

const CIRCLE_DIRS = ['trace', 'recorder', 'analysis', 'cli', 'bench', 'reliability', 'datasets', 'notebooks', 'scripts'];
const madgeOptions = { fileExtensions: ['ts'], excludeRegExp: [/node_modules/, /\/build\//] };

const graph = await madge(CIRCLE_DIRS.map((d) => join(ROOT, d)), { ...madgeOptions, baseDir: ROOT, tsConfig: join(ROOT, 'tsconfig.json') });
const read = new Set(Object.keys(graph.obj()));
const expected = sources.filter((f) => f.endsWith('.ts') && CIRCLE_DIRS.includes(f.split('/')[0]!) && !f.includes('/build/'));
const unread = expected.filter((f) => !read.has(f));
if (unread.length) problems.push(`madge did not read ${unread.length} of ${expected.length} files, e.g. ${unread.slice(0, 3).join(', ')}`);
const madgeEdges = Object.values(graph.obj()).reduce((s, deps) => s + deps.length, 0);
if (madgeEdges < 300) problems.push(`madge resolved only ${madgeEdges} imports: is it reading TypeScript?`);
for (const circle of graph.circular()) problems.push(`import circle: ${circle.join(' → ')} → ${circle[0]}`);
say(`circles: madge read ${read.size} files (${madgeEdges} imports), found ${graph.circular().length} circle(s)`);

// Sanity: a planted circle (type-only in one direction, as three of the old four were) is found.
const planted = mkdtempSync(join(tmpdir(), 'bootlab-layout-'));
try {
  writeFileSync(join(planted, 'a.ts'), "import { b } from './b.ts';\nexport type A = { n: number };\nexport const a = b;\n");
  writeFileSync(join(planted, 'b.ts'), "import type { A } from './a.ts';\nexport const b: A = { n: 1 };\n");
  const probe = await madge(planted, { ...madgeOptions, baseDir: planted, tsConfig: join(ROOT, 'tsconfig.json') });
  if (probe.circular().length !== 1) problems.push(`madge found ${probe.circular().length} circles in a folder with one planted`);
} finally {
  rmSync(planted, { recursive: true, force: true });
}

// ------------------------------------------------------------------------------------ paths in the docs

const DOCS = tracked.filter((f) => f === 'README.md' || f === 'guests/README.md' || (f.startsWith('docs/') && f.endsWith('.md')));
const TOP = new Set(tracked.map((f) => f.split('/')[0]!).filter((p) => !p.includes('.')));
const isIgnored = (path: string) => {
  try {
    execFileSync('git', ['-C', ROOT, 'check-ignore', '-q', '--no-index', path]);
    return true;
  } catch {
    return false;
  }
};

/** Path-like names in a Markdown file: `code` spans and link targets. Placeholders and globs are skipped. */
export function pathsIn(markdown: string): { text: string; link: boolean }[] {
  const found: { text: string; link: boolean }[] = [];
  for (const m of markdown.matchAll(/`([^`\n]+)`/g)) found.push({ text: m[1]!, link: false });
  for (const m of markdown.matchAll(/\]\(([^)\s]+)\)/g)) found.push({ text: m[1]!, link: true });
  return found.filter(({ text }) => !/[<>*{}$…\s|]|\.\.\.|^[a-z]+:|^#/.test(text));
}

let docPaths = 0;
for (const doc of DOCS) {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  for (const { text: raw, link } of pathsIn(text)) {
    const clean = raw.replace(/#.*$/, '').replace(/:\d+(-\d+)?$/, '').replace(/[.,;:]$/, '');
    const candidates: string[] = [];
    if (link) candidates.push(normalize(join(dirname(doc), clean)));
    if (TOP.has(clean.split('/')[0]!) && clean.includes('/')) candidates.push(normalize(clean));
    if (!candidates.length) continue;
    docPaths++;
    const rel = candidates[candidates.length - 1]!.replace(/\/$/, '');
    if (candidates.some((c) => existsSync(join(ROOT, c)))) continue;
    // A build output (guest images, recorder/build/…): made by setup, not committed; a folder matches with its slash.
    if (isIgnored(rel) || isIgnored(`${rel}/`)) continue;
    problems.push(`${doc}: names ${raw}, which does not exist`);
  }
}
if (docPaths < 20) problems.push(`docs check: found only ${docPaths} paths in ${DOCS.length} files`);
say(`docs: ${docPaths} paths named in ${DOCS.length} files checked`);

// ------------------------------------------------------------------------- paths built from the layout

const recorder = await import('@bootlab/recorder');
const analysis = await import('@bootlab/analysis');
const repoPkg = (root: string) => existsSync(join(root, 'package.json')) && (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string }).name === 'bootlab';
if (!repoPkg(recorder.REPO_ROOT)) problems.push(`recorder REPO_ROOT ${recorder.REPO_ROOT} is not the repository`);
if (!repoPkg(analysis.repoRoot())) problems.push(`analysis repoRoot() ${analysis.repoRoot()} is not the repository`);
for (const [name, path] of [['GUESTS_DIR', recorder.GUESTS_DIR], ['ENGINE_SOURCE', recorder.ENGINE_SOURCE], ['LAUNCHER_SOURCE', recorder.LAUNCHER_SOURCE]] as const) {
  if (!existsSync(path)) problems.push(`recorder ${name} ${path} does not exist`);
}

// ------------------------------------------------------------------------------- tests and file sizes

const testScript = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.test ?? '';
const globs = testScript.split(/\s+/).filter((w) => w.endsWith('.test.ts'));
const globRe = globs.map((g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`));
const tests = tracked.filter((f) => f.endsWith('.test.ts') && !f.includes('/fixtures/'));
const notRun = tests.filter((f) => !globRe.some((re) => re.test(f)));
for (const f of notRun) problems.push(`${f}: not run by \`npm test\` (its globs: ${globs.join(' ')})`);
if (tests.length < 40) problems.push(`tests check: found only ${tests.length} test files`);

const MAX_LINES = 500;
for (const f of sources) {
  if (/(^|\/)test\/|\/fixtures\//.test(f)) continue;
  const lines = readFileSync(join(ROOT, f), 'utf8').split('\n').length;
  if (lines > MAX_LINES) problems.push(`${f}: ${lines} lines (over ${MAX_LINES}: split it by concern)`);
}
say(`tests: ${tests.length} test files, all run by npm test: ${notRun.length === 0}`);

if (problems.length) {
  process.stderr.write(`layout check: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exitCode = 1;
} else say('layout check: ok');

// `bootlab analyze` and `bootlab compare`, registered on the root program by the lead's cli/main.ts.
// User errors are thrown as UserError / TraceFormatError (one line, no stack, from the root handler);
// warnings are printed once, at the end, on stderr. With --json, stdout carries exactly one JSON document
// (report/summary.ts) and the human-readable lines move to stderr.
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { KOption } from './classify/classify.ts';
import { parseReferenceSpec } from './classify/references.ts';
import { compareTraces } from './compare/compare.ts';
import { formatComparison } from './compare/table.ts';
import { formatHostSummary } from './hosts/terminal.ts';
import { UserError } from './errors.ts';
import { findDatasets, loadTraces, repoRoot } from './load/files.ts';
import { analyze } from './report/analyze.ts';
import { classLines } from './report/class-lines.ts';
import { analysisSummary } from './report/summary.ts';
import { prepareOutputDir, writeReport } from './report/write.ts';
import { sortWarnings, type Warning } from './warnings.ts';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Warnings printed on the terminal before "see the report". */
const SHOWN_WARNINGS = 12;

function parseK(value: string): KOption {
  if (value === 'auto') return 'auto';
  const k = Number(value);
  if (!Number.isInteger(k) || k < 2 || k > 10) throw new InvalidArgumentError('k must be an integer from 2 to 10, or "auto"');
  return k;
}

function parseCount(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer ≥ ${min}`);
    return n;
  };
}

function printWarnings(warnings: readonly Warning[], io: CliIo, where: string): void {
  const sorted = sortWarnings(warnings);
  for (const w of sorted.slice(0, SHOWN_WARNINGS)) io.err(`warning: ${w.message}\n`);
  if (sorted.length > SHOWN_WARNINGS) io.err(`warning: … and ${sorted.length - SHOWN_WARNINGS} more (${where})\n`);
}

export interface AnalyzeCliOptions {
  output: string;
  k: KOption;
  skipBadLines?: boolean;
  seed: number;
  resamples: number;
  classResamples: number;
  /** Extra references, NAME=CLASS. */
  reference?: string[];
  png: boolean;
  /** Print the JSON summary on stdout; everything else goes to stderr. */
  json?: boolean;
}

export async function runAnalyze(
  traces: readonly string[],
  opts: AnalyzeCliOptions,
  io: CliIo = defaultIo,
  root: string = repoRoot(),
): Promise<void> {
  let inputs = [...traces];
  if (inputs.length === 0) {
    inputs = await findDatasets(root);
    if (inputs.length === 0) {
      throw new UserError(`no traces given and none found under ${path.join(root, 'datasets')} (looked for **/*.jsonl and **/*.jsonl.gz)`);
    }
  }
  // Fail on an unwritable -o before reading gigabytes of traces.
  await prepareOutputDir(opts.output);
  const loaded = await loadTraces(inputs, { skipBadLines: opts.skipBadLines ?? false });
  const analysis = analyze(loaded.traces, loaded.warnings, {
    k: opts.k,
    seed: opts.seed,
    resamples: opts.resamples,
    classResamples: opts.classResamples,
    references: Object.fromEntries((opts.reference ?? []).map(parseReferenceSpec)),
  });
  const result = await writeReport(analysis, opts.output, { png: opts.png });
  const { files, model } = result;

  // Human-readable lines: stdout normally, stderr under --json (stdout is the JSON document alone).
  const say = opts.json ? io.err : io.out;
  const c = analysis.classification;
  say(`${loaded.files.length} trace file(s), ${analysis.traces.boots.length} boots, ${c.guests.length} guest(s)\n`);
  if (c.guests.some((g) => g.class !== null)) {
    const refs = c.references.filter((r) => r.recorded).map((r) => r.guest);
    say(`classes (anchored on the references recorded beside each guest: ${refs.join(', ') || 'none'}):\n`);
    for (const line of classLines(c)) say(`${line}\n`);
  }
  say(`wrote ${files.length} files to ${opts.output}${path.sep} (report.html, report.md, classes.{json,csv,tex}, features.{csv,tex}, charts/)\n`);
  for (const line of formatHostSummary(analysis)) say(`${line}\n`);
  printWarnings(model.analysis.warnings, io, `see ${path.join(opts.output, 'report.html')}`);
  if (opts.json) io.out(`${JSON.stringify(analysisSummary(result, opts.output, loaded.files), null, 2)}\n`);
}

interface CompareCliOptions {
  skipBadLines?: boolean;
  seed: number;
  resamples: number;
}

export async function runCompare(a: string, b: string, opts: CompareCliOptions, io: CliIo = defaultIo): Promise<void> {
  const load = { skipBadLines: opts.skipBadLines ?? false };
  const left = await loadTraces([a], load);
  const right = await loadTraces([b], load);
  const rows = compareTraces(left.traces, right.traces, { seed: opts.seed, resamples: opts.resamples });
  if (rows.length === 0) throw new UserError(`${a} and ${b} hold no boots to compare`);
  io.out(formatComparison(rows, { a: 'A', b: 'B' }));
  io.out(`A = ${a}\nB = ${b}\n`);
  const unmatched = rows.filter((r) => r.nA === 0 || r.nB === 0).length;
  // Label each side's warnings; drop exact repeats (both sides on TCG says the same thing twice).
  const seen = new Set<string>();
  const warnings: Warning[] = [
    ...left.warnings.map((w) => ({ ...w, message: `A: ${w.message}` })),
    ...right.warnings.map((w) => ({ ...w, message: `B: ${w.message}` })),
  ].filter((w) => !seen.has(w.message.slice(3)) && seen.add(w.message.slice(3)));
  if (unmatched) warnings.push({ kind: 'mixed-conditions', message: `${unmatched} guest/condition row(s) have successful boots on one side only` });
  // compare matches rows across hosts on purpose (comparing hosts is its usual use), so a side spanning several
  // hosts would mix them in its own medians: say so instead of pooling silently.
  for (const [side, set] of [['A', left], ['B', right]] as const) {
    const hosts = [...new Set(set.traces.runs.map((r) => `${r.header.host.accel}@${r.header.host.hostname}`))].sort();
    if (hosts.length > 1) warnings.push({ kind: 'mixed-conditions', message: `${side} holds boots from ${hosts.length} hosts (${hosts.join(', ')}), pooled on that side: compare one host per side (e.g. one campaign shard per side)` });
  }
  printWarnings(warnings, io, 'run analyze on each side for details');
}

export function registerAnalysisCommands(program: Command, io: CliIo = defaultIo): Command {
  program
    .command('analyze')
    .description('Analyse traces: ΔT statistics, scaling slopes, guest classes, charts and a report')
    .argument('[trace...]', 'trace files or directories (.jsonl or .jsonl.gz); default: every datasets/**/*.jsonl{,.gz}')
    .option('-o, --output <dir>', 'output directory', 'report')
    .option('--reference <name=class...>', 'treat a recorded guest as a reference of a class (baseline, LibOS, gpos), besides the built-ins')
    .option('--k <n|auto>', 'clusters of the exploratory k-means view, or "auto" (silhouette); classes come from the references', parseK, 3 as KOption)
    .option('--skip-bad-lines', 'skip malformed trace lines (counted and reported) instead of stopping')
    .option('--seed <n>', 'seed of every bootstrap and of k-means', parseCount(0), 1)
    .option('--resamples <n>', 'bootstrap resamples for confidence intervals', parseCount(0), 1000)
    .option('--class-resamples <n>', 'bootstrap replicates for the exploratory clusters\' stability', parseCount(0), 200)
    .option('--no-png', 'skip PNG rendering of the charts')
    .option('--json', 'print a JSON summary (classes, key features, caveats, warnings, output paths) on stdout; everything else on stderr')
    .action(async (traces: string[], opts: AnalyzeCliOptions) => runAnalyze(traces, opts, io));

  program
    .command('compare')
    .description('Compare two traces (or directories of traces): median ΔT change per guest, with CI and p-value')
    .argument('<a>', 'baseline trace file or directory')
    .argument('<b>', 'trace file or directory to compare against A')
    .option('--skip-bad-lines', 'skip malformed trace lines instead of stopping')
    .option('--seed <n>', 'bootstrap seed', parseCount(0), 1)
    .option('--resamples <n>', 'bootstrap resamples for the CI of the change', parseCount(1), 1000)
    .action(async (a: string, b: string, opts: CompareCliOptions) => runCompare(a, b, opts, io));
  return program;
}

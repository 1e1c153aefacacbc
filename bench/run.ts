// `npm run bench [-- --full] [-- --only fidelity,recorder-cost,spawn,scale,analysis] [-- --label NAME] [-- --table]`
// Runs the benchmarks (quick by default: a few minutes in all; --full: the paper's sizes, much longer),
// writes bench/results/<name>.json for each, and regenerates the results table in bench/README.md.
// Benchmarks are not tests: the exit code says only whether they ran, never whether a target was met.
import { parseArgs } from 'node:util';
import { analysisThroughput } from './analysis.ts';
import { fidelity } from './fidelity.ts';
import { checkLabel, updateReadme } from './lib/results.ts';
import { recorderCost } from './recorder-cost.ts';
import { scale } from './scale.ts';
import { spawnCost } from './spawn.ts';
import type { BenchContext, Result } from './lib/results.ts';

const BENCHMARKS: Record<string, (ctx: BenchContext) => Promise<Result>> = {
  fidelity,
  'recorder-cost': recorderCost,
  spawn: spawnCost,
  scale,
  analysis: analysisThroughput,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      only: { type: 'string' },
      label: { type: 'string' },
      table: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench -- [--full] [--only NAME[,NAME…]] [--label NAME] [--table]\n' +
        `  benchmarks: ${Object.keys(BENCHMARKS).join(', ')}\n` +
        '  --full   the full sizes (1500 VMs up to the memory guard, 1,000,000-boot trace, more rounds)\n' +
        '  --label  keep this run as bench/results/<name>[-full]-NAME.json beside the others (e.g. before, after-1)\n' +
        '  --table  only regenerate bench/README.md from bench/results/*.json\n',
    );
    return;
  }
  if (!values.table) {
    const names = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : Object.keys(BENCHMARKS);
    const unknown = names.filter((n) => !(n in BENCHMARKS));
    if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(', ')} (have ${Object.keys(BENCHMARKS).join(', ')})`);
    const label = values.label === undefined ? undefined : checkLabel(values.label);
    const ctx: BenchContext = { full: values.full ?? false, label, log: (line) => process.stderr.write(`${line}\n`) };
    const t0 = performance.now();
    for (const name of names) await BENCHMARKS[name]!(ctx);
    process.stderr.write(`[bench] all done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  process.stderr.write(`[bench] table written to ${updateReadme()}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

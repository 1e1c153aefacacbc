// Records the datasets: `node --import tsx datasets/record.ts [name-prefix…]` (all when none given).
// Each experiment runs the public CLI, then the trace is gzipped in place; the README is regenerated.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { EXPERIMENTS } from './experiments.ts';

const DATASETS = dirname(fileURLToPath(import.meta.url));
const BIN = join(DATASETS, '..', 'bin', 'bootlab.mjs');
const only = process.argv.slice(2);
const selected = EXPERIMENTS.filter((e) => !only.length || only.some((p) => e.name.startsWith(p)));
if (!selected.length) {
  process.stderr.write(`no experiment matches ${only.join(', ')}; known: ${EXPERIMENTS.map((e) => e.name).join(', ')}\n`);
  process.exit(2);
}

for (const exp of selected) {
  const jsonl = join(DATASETS, `${exp.name}.jsonl`);
  mkdirSync(dirname(jsonl), { recursive: true });
  const started = Date.now();
  process.stderr.write(`[datasets] ${exp.name}: bootlab record ${exp.args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [BIN, 'record', ...exp.args, '-o', jsonl, '--force'], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(jsonl)) {
    process.stderr.write(`[datasets] ${exp.name}: record failed (exit ${r.status}); keeping what was written\n`);
    if (!existsSync(jsonl)) continue;
  }
  writeFileSync(`${jsonl}.gz`, gzipSync(readFileSync(jsonl), { level: 9 }));
  rmSync(jsonl);
  process.stderr.write(`[datasets] ${exp.name}: done in ${((Date.now() - started) / 60000).toFixed(1)} min\n`);
}

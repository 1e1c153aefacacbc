// A small stand-in for datasets/, laid out the same way (single/, sweep/, multi/, multi-keepalive/,
// figure2/, each holding trace.jsonl.gz), made of the analysis tests' seeded synthetic traces: deterministic,
// quick to execute, and independent of whether the real recordings have been committed yet.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PAPER_GUESTS, syntheticTrace, type SyntheticGuest, type SyntheticRun } from '../../analysis/test/fixtures/synthetic.ts';

function guests(...names: string[]): SyntheticGuest[] {
  return PAPER_GUESTS.filter((g) => names.includes(g.name));
}

/** The synthetic generator records kill-after-ready batches; mark a run keep-alive as the recorder would. */
function keepAlive(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (!line) return line;
      const record = JSON.parse(line) as { type: string; keep_alive?: boolean; plan?: { keep_alive: boolean } };
      if (record.type === 'header' && record.plan) record.plan.keep_alive = true;
      if (record.type === 'boot' || record.type === 'batch') record.keep_alive = true;
      return JSON.stringify(record);
    })
    .join('\n');
}

const DATASETS: { dir: string; run: SyntheticRun; keepAlive?: boolean }[] = [
  { dir: 'single', run: { runId: 'nb-single', seed: 11, mode: 'single', guests: PAPER_GUESTS, singleBoots: 12 } },
  { dir: 'sweep', run: { runId: 'nb-sweep', seed: 12, mode: 'multi', guests: PAPER_GUESTS, sizes: [1, 2, 4, 8], intervalsMs: [3] } },
  {
    dir: 'multi',
    run: { runId: 'nb-multi', seed: 13, mode: 'multi', guests: guests('minkernel', 'unikraft', 'linux-virt'), sizes: [10], intervalsMs: [3, 5, 7] },
  },
  {
    dir: 'multi-keepalive',
    run: { runId: 'nb-multi-keepalive', seed: 14, mode: 'multi', guests: guests('minkernel', 'unikraft'), sizes: [10], intervalsMs: [3] },
    keepAlive: true,
  },
  { dir: 'figure2', run: { runId: 'nb-figure2', seed: 15, mode: 'multi', guests: guests('minkernel'), sizes: [40], intervalsMs: [3] }, keepAlive: true },
];

/** The paper-like guests with two of them under the built-in reference names, as `bootlab classify` records them. */
const CLASSIFY_GUESTS: SyntheticGuest[] = PAPER_GUESTS.map((g) => ({ ...g, name: g.name === 'unikraft' ? 'unikernel' : g.name === 'linux-virt' ? 'linux' : g.name }));

/** Write the fixture datasets under `root`; returns the directories written. */
export async function writeFixtureDatasets(root: string): Promise<string[]> {
  const dirs: string[] = [];
  const classification = path.join(root, 'classification');
  await mkdir(classification, { recursive: true });
  await writeFile(path.join(classification, 'single.jsonl.gz'), gzipSync(syntheticTrace({ runId: 'nb-cls-single', seed: 16, mode: 'single', guests: CLASSIFY_GUESTS, singleBoots: 6 })));
  await writeFile(path.join(classification, 'sweep.jsonl.gz'), gzipSync(syntheticTrace({ runId: 'nb-cls-sweep', seed: 17, mode: 'multi', guests: CLASSIFY_GUESTS, sizes: [1, 2, 4], intervalsMs: [3] })));
  dirs.push(classification);
  for (const d of DATASETS) {
    const text = syntheticTrace(d.run);
    const dir = path.join(root, d.dir);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'trace.jsonl.gz'), gzipSync(d.keepAlive ? keepAlive(text) : text));
    dirs.push(dir);
  }
  return dirs;
}

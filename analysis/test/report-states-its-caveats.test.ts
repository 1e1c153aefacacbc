// The report states its own caveats — accelerator, host load, outliers, low class confidence, memory guard —
// each one whether or not it applies, in report.md, report.html and the analysis warnings alike.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { SampleRecord } from '@bootlab/trace';
import { analyze, type Analysis } from '../src/report/analyze.ts';
import { caveats, type Caveat, type CaveatId } from '../src/report/caveats.ts';
import { writeReport } from '../src/report/write.ts';
import { PAPER_GUESTS, SYNTHETIC_REFERENCES, syntheticTrace, type SyntheticGuest, type SyntheticRun } from './fixtures/synthetic.ts';
import { tempDir, traceSetOf } from './helpers.ts';

const OPTS = { resamples: 50, classResamples: 30, references: SYNTHETIC_REFERENCES };
const GUESTS: SyntheticGuest[] = [PAPER_GUESTS[0]!, PAPER_GUESTS[1]!, PAPER_GUESTS[3]!, PAPER_GUESTS[4]!, PAPER_GUESTS[6]!, PAPER_GUESTS[7]!];

/** A trace whose host load1 is raised by `background` in every sample (other work on the host). */
function withBackgroundLoad(text: string, background: number): string {
  return text
    .split('\n')
    .map((line) => {
      if (!line.includes('"type":"sample"')) return line;
      const s = JSON.parse(line) as SampleRecord;
      return JSON.stringify({ ...s, load1: s.load1 + background });
    })
    .join('\n');
}

/** A trace whose header says how many other tasks were runnable just before the run. */
function withRunnableAtStart(text: string, procs: number): string {
  return text
    .split('\n')
    .map((line) => {
      if (!line.includes('"type":"header"')) return line;
      const h = JSON.parse(line) as { host: Record<string, unknown> };
      return JSON.stringify({ ...h, host: { ...h.host, procs_running_at_start: procs } });
    })
    .join('\n');
}

type RunSpec = Omit<SyntheticRun, 'guests'> & { guests?: readonly SyntheticGuest[]; background?: number; runnableAtStart?: number };

function analysisOf(runs: RunSpec[]): Analysis {
  const files = runs.map((r) => {
    let text = syntheticTrace({ guests: GUESTS, ...r });
    if (r.background) text = withBackgroundLoad(text, r.background);
    if (r.runnableAtStart !== undefined) text = withRunnableAtStart(text, r.runnableAtStart);
    return { name: `${r.runId}.jsonl`, text };
  });
  const { traces, warnings } = traceSetOf(files);
  return analyze(traces, warnings, OPTS);
}

function byId(a: Analysis): Record<CaveatId, Caveat> {
  return Object.fromEntries(caveats(a).map((c) => [c.id, c])) as Record<CaveatId, Caveat>;
}

test('a clean KVM analysis states every caveat as clear', () => {
  const a = analysisOf([
    { runId: 'kvm-single', seed: 1, mode: 'single', accel: 'kvm', singleBoots: 12 },
    { runId: 'kvm-sweep', seed: 2, mode: 'multi', accel: 'kvm', sizes: [1, 2, 5, 10] },
  ]);
  const c = caveats(a);
  assert.deepEqual(
    c.map((x) => x.id),
    ['accelerator', 'host-load', 'outliers', 'low-confidence', 'memory-guard'],
  );
  const ids = byId(a);
  assert.equal(ids.accelerator.flagged, false);
  assert.match(ids.accelerator.summary, /Both runs used KVM/);
  assert.equal(ids['host-load'].flagged, false);
  assert.match(ids['host-load'].details[0]!, /load1 0\.00 at the start, median [\d.]+, peak [\d.]+/);
  assert.equal(ids['memory-guard'].flagged, false);
  assert.match(ids['memory-guard'].summary, /No run stopped on the memory guard/);
  assert.equal(ids['low-confidence'].flagged, false);
  assert.ok(!a.warnings.some((w) => w.kind === 'host-load' || w.kind === 'accelerator'));
});

test('TCG mixed with KVM is flagged: do not compare ΔT across the two', () => {
  const a = analysisOf([
    { runId: 'a-kvm', seed: 1, mode: 'single', accel: 'kvm', singleBoots: 8 },
    { runId: 'b-tcg', seed: 2, mode: 'single', accel: 'tcg', singleBoots: 8, hostname: 'other' },
  ]);
  const acc = byId(a).accelerator;
  assert.equal(acc.flagged, true);
  assert.match(acc.summary, /1 of 2 runs used TCG .* do not compare ΔT across the two/);
  assert.ok(acc.details.some((d) => d.includes('b-tcg') && d.includes('TCG on other')));
  assert.ok(acc.details.some((d) => d.includes('a-kvm') && d.includes('KVM on testhost')));
});

test('a run started on a busy host is flagged, warned about and named', () => {
  const a = analysisOf([
    { runId: 'busy', seed: 1, mode: 'single', accel: 'kvm', singleBoots: 8, background: 5 },
    { runId: 'quiet', seed: 2, mode: 'multi', accel: 'kvm', sizes: [1, 2, 5] },
  ]);
  const load = byId(a)['host-load'];
  assert.equal(load.flagged, true);
  assert.match(load.summary, /^1 of 2 runs started on a busy host/);
  assert.ok(load.details.some((d) => d.startsWith('run busy (single, 8 cores): load1 5.00 at the start') && d.endsWith('busy host')));
  assert.ok(load.details.some((d) => d.startsWith('run quiet') && !d.endsWith('busy host')));
  const warning = a.warnings.find((w) => w.kind === 'host-load');
  assert.ok(warning, 'host-load warning for the terminal and --json');
  assert.match(warning.message, /run busy .*load1 was 5\.00 at the start .* on 8 cores/);
  assert.match(load.summary, /1 of them predate the instantaneous reading and are judged by load1/);
});

test('with a runnable-task reading at the start, a high load1 left over from the minute before is not "busy"', () => {
  // Back-to-back runs: load1 during this short single-mode run still holds the previous run (12 on 8 cores,
  // above the cores + 1 of the load1-only rule), but nothing else was runnable when it started.
  const quiet = analysisOf([{ runId: 'after-another', seed: 1, mode: 'single', accel: 'kvm', singleBoots: 8, background: 12, runnableAtStart: 0 }]);
  const q = byId(quiet)['host-load'];
  assert.equal(q.flagged, false);
  assert.match(q.details[0]!, /^run after-another \(single, 8 cores\): 0 other tasks runnable at the start, load1 12\.00 at the start/);
  assert.ok(!quiet.warnings.some((w) => w.kind === 'host-load'));

  // Four other runnable tasks on eight cores: busy, whatever load1 says.
  const busy = analysisOf([{ runId: 'shared', seed: 2, mode: 'multi', accel: 'kvm', sizes: [1, 2, 5], runnableAtStart: 4 }]);
  const b = byId(busy)['host-load'];
  assert.equal(b.flagged, true);
  assert.match(b.summary, /^1 of 1 run started on a busy host \(0\.5 or more other runnable tasks per core/);
  assert.doesNotMatch(b.summary, /predate the instantaneous reading/);
  const warning = busy.warnings.find((w) => w.kind === 'host-load');
  assert.match(warning?.message ?? '', /run shared .*: 4 other tasks runnable at the start on 8 cores .*other work competed/);
});

test('outliers and memory-guard stops are flagged with the conditions and batches concerned', () => {
  const a = analysisOf([
    { runId: 's', seed: 1, mode: 'single', singleBoots: 6, outlier: { guest: 'minkernel', boot: 2, factor: 4 } },
    { runId: 'm', seed: 2, mode: 'multi', sizes: [1, 2, 5], guardLargest: true },
  ]);
  const ids = byId(a);
  assert.equal(ids.outliers.flagged, true);
  assert.match(ids.outliers.summary, /^1 boot of \d+ successful boots, in 1 condition, has \|modified z\| > 3\.5/);
  assert.match(ids.outliers.details[0]!, /^minkernel \(single, tcg@testhost\): 1 of 6 — \d+ ms \(z [\d.]+\); median \d+ ms$/);
  const guard = ids['memory-guard'];
  assert.equal(guard.flagged, true);
  assert.match(guard.summary, /^1 run stopped on the memory guard and 6 batches launched fewer instances than planned/);
  assert.match(guard.details[0]!, /^run m \(m\.jsonl\): stopped on the memory guard \(MemAvailable below the memory floor\); 6 batches cut short \(minkernel N = 5: 3 launched;/);
});

test('a guest between two classes is listed under low class confidence', () => {
  // Halfway between the LibOS and the Linux references on every axis: nearer one, but not clearly.
  const guests = [...GUESTS, { name: 'between', dtMs: 1900, slope: 190, memKb: 80_000, consoleLines: 40, noise: 0.3 }];
  const a = analysisOf([
    { runId: 's', seed: 1, mode: 'single', guests, singleBoots: 6 },
    { runId: 'm', seed: 2, mode: 'multi', guests, sizes: [1, 2, 5] },
  ]);
  const low = byId(a)['low-confidence'];
  assert.equal(low.flagged, true);
  // Intended change (issue 19): nearer one class but not clearly is now "A or B (uncertain)", with both distances.
  assert.match(low.summary, /^1 guest lies between two classes and is reported as "A or B \(uncertain\)" with both distances/);
  assert.deepEqual(low.details.map((d) => d.split(':')[0]), ['between']);
  assert.match(low.details[0]!, /^between: LibOS or general-purpose OS \(uncertain\) — .+; distances LibOS 0\.\d\d, general-purpose OS 0\.\d\d$/);
});

test('report.md and report.html list the five caveats before the other warnings', async () => {
  const a = analysisOf([
    { runId: 's', seed: 1, mode: 'single', singleBoots: 6, background: 6 },
    { runId: 'm', seed: 2, mode: 'multi', sizes: [1, 2, 5], guardLargest: true },
  ]);
  const dir = await tempDir();
  await writeReport(a, dir, { png: false });
  const md = await readFile(path.join(dir, 'report.md'), 'utf8');
  const section = md.slice(md.indexOf('## Caveats'), md.indexOf('## Charts'));
  for (const title of ['Accelerator', 'Host load', 'Outliers', 'Low class confidence', 'Memory guard']) assert.match(section, new RegExp(`^- \\*\\*(⚠ applies|✓ clear) — ${title}\\.\\*\\*`, 'm'), title);
  assert.match(section, /⚠ applies — Host load/);
  assert.match(section, /⚠ applies — Memory guard/);
  assert.ok(section.indexOf('### Other warnings') > section.indexOf('Memory guard'), 'other warnings follow the five');
  assert.match(section, /#### Runs that did not complete/);
  const html = await readFile(path.join(dir, 'report.html'), 'utf8');
  assert.match(html, /<li class="caveat flagged" id="caveat-host-load"><span class="mark">applies<\/span> <strong>Host load\.<\/strong>/);
  assert.match(html, /<li class="caveat flagged" id="caveat-memory-guard">/);
  assert.match(html, /<li class="caveat" id="caveat-low-confidence"><span class="mark">clear<\/span>/);
});

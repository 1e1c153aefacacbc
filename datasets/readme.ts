// Generates datasets/README.md from the committed traces: provenance of each dataset (read from its own
// header and end record) and the results table (from the analysis, never typed by hand).
// `node --import tsx datasets/readme.ts` rewrites the README; the datasets test checks it is current.
import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, densityPeaks, findDatasets, loadTraces, steadyStates, type Analysis, type Run } from '@bootlab/analysis';
import { EXPERIMENTS } from './experiments.ts';

const DATASETS = dirname(fileURLToPath(import.meta.url));

export interface ResultRow {
  guest: string;
  class: string;
  confidence: string;
  singleMedianMs: string;
  singleTkMs: string;
  scalingSlope: string;
  slopeCi: string;
}

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '—' : v.toFixed(digits));

/** The rows of the results table: one per guest, fastest class first. */
export function resultRows(a: Analysis): ResultRow[] {
  return [...a.classification.guests]
    .sort((x, y) => (x.rank ?? 99) - (y.rank ?? 99) || (x.features.singleMedianMs ?? 0) - (y.features.singleMedianMs ?? 0))
    .map((g) => ({
      guest: g.guest,
      class: g.class ?? 'unclassified',
      confidence: g.reference ? 'reference' : g.confidence === null ? '—' : `${Math.round(g.confidence * 100)} %`,
      singleMedianMs: fmt(g.features.singleMedianMs),
      singleTkMs: fmt(g.features.singleTkMedianMs),
      scalingSlope: fmt(g.features.scalingSlope),
      slopeCi: g.features.scalingSlopeCi ? `[${fmt(g.features.scalingSlopeCi.lo)}, ${fmt(g.features.scalingSlopeCi.hi)}]` : '—',
    }));
}

export function resultsTable(rows: readonly ResultRow[]): string {
  const lines = [
    '| guest | class | confidence | single-instance median ΔT (ms) | median TK (ms) | scaling slope (ms/instance) | 95 % CI |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.guest} | ${r.class} | ${r.confidence} | ${r.singleMedianMs} | ${r.singleTkMs} | ${r.scalingSlope} | ${r.slopeCi} |`),
  ];
  return lines.join('\n');
}

/** Parse the results table back out of a README (the datasets test compares it with a fresh analysis). */
export function parseResultsTable(markdown: string): ResultRow[] {
  const block = markdown.split('<!-- results:begin -->')[1]?.split('<!-- results:end -->')[0] ?? '';
  return block
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| guest') && !l.startsWith('| ---'))
    .map((l) => {
      const [guest, cls, confidence, singleMedianMs, singleTkMs, scalingSlope, slopeCi] = l.slice(2, -2).split(' | ');
      return {
        guest: guest!,
        class: cls!,
        confidence: confidence!,
        singleMedianMs: singleMedianMs!,
        singleTkMs: singleTkMs!,
        scalingSlope: scalingSlope!,
        slopeCi: slopeCi!,
      };
    });
}

function runSummary(run: Run): string {
  const h = run.header;
  const recordArgs = h.argv.slice(h.argv.findIndex((a) => a === 'record'));
  const command = `bootlab ${recordArgs.map((a) => (/[\s,]/.test(a) && !a.includes('/') ? a : a)).join(' ')}`.replace(/ -o \S+/, '').replace(/ --force/, '');
  const counts = run.end
    ? Object.entries(run.end.counts).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ')
    : `${run.boots.length} boots (no end record)`;
  const guarded = run.batches.filter((b) => b.stopped_by === 'memory_guard');
  const guard = guarded.length
    ? `; memory guard stopped ${guarded.length} batch(es): ${guarded.map((b) => `${b.guest} n=${b.n} at ${b.launched}`).join(', ')}`
    : '';
  return [
    `- command: \`${command}\``,
    `- recorded: ${h.started_at} with bootlab ${h.bootlab.version} (commit ${h.bootlab.commit?.slice(0, 10) ?? 'unknown'})`,
    `- host: ${h.host.cpu_model}, ${h.host.cores} cores, ${Math.round(h.host.mem_total_kb / 1048576)} GiB, ${h.host.os}, kernel ${h.host.kernel}, QEMU ${h.host.qemu_version}, accelerator **${h.host.accel}** (${h.host.accel_reason})`,
    `- outcome: ${run.end?.status ?? 'no end record'} — ${counts}${guard}`,
  ].join('\n');
}

/** Launched, ok, launch span, lag p99, ΔT median and the lowest MemAvailable of a Figure 2 run. */
function figure2Facts(run: Run): string {
  const ts = run.boots.map((b) => b.ts_ns);
  const lags = run.boots.map((b) => b.launch_lag_ms).sort((x, y) => x - y);
  const dts = run.boots.flatMap((b) => (b.dt_ms === null ? [] : [b.dt_ms])).sort((x, y) => x - y);
  const ok = run.boots.filter((b) => b.status === 'ok').length;
  const p = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
  const minAvail = Math.min(...run.samples.map((s) => s.mem_available_kb));
  const dense = run.header.plan.dense ? ' --dense' : '';
  const ksm = run.header.plan.ksm ? ' --ksm' : '';
  const late = run.boots.filter((b) => b.launch_lag_ms > 1);
  const lateFirst = late.filter((b) => b.index < 10).length;
  const lateRunning = late.map((b) => b.running_at_launch).sort((x, y) => x - y);
  return (
    `Recorded${dense}${ksm} with the launch engine: ${ok} of ${run.boots.length} launched ok, launched over ` +
    `${((Math.max(...ts) - Math.min(...ts)) / 1e9).toFixed(2)} s, launch lag p99 ${p(lags, 0.99).toFixed(2)} ms ` +
    `(max ${lags.at(-1)?.toFixed(2) ?? '—'} ms; ${late.length} launches more than 1 ms late, ${lateFirst} of them among the first 10` +
    (late.length ? `; the late ones found a median of ${p(lateRunning, 0.5)} VMMs already running` : '') +
    `), ΔT median ${(p(dts, 0.5) / 1000).toFixed(0)} s, MemAvailable at its lowest ${(minAvail / 1048576).toFixed(1)} GiB.`
  );
}

export async function datasetAnalysis(): Promise<{ analysis: Analysis; runs: Run[]; files: string[] }> {
  // The classifier's validation set has its own document (docs/classification.md); this table is the paper's.
  const files = (await findDatasets()).filter((f) => !f.includes(`${join('datasets', 'classification')}`));
  const loaded = await loadTraces(files);
  return { analysis: analyze(loaded.traces, loaded.warnings), runs: loaded.traces.runs, files: loaded.files };
}

export async function renderReadme(): Promise<string> {
  const { analysis, runs } = await datasetAnalysis();
  const sections: string[] = [];
  for (const exp of EXPERIMENTS) {
    const file = join(DATASETS, `${exp.name}.jsonl.gz`);
    const run = runs.find((r) => r.file.endsWith(relative(join(DATASETS, '..'), file)) || r.file === file);
    sections.push(`### \`${exp.name}.jsonl.gz\` — ${exp.purpose}\n${run ? runSummary(run) : '- not recorded yet'}`);
  }
  const figure2 = runs.find((r) => r.file.includes('figure2'));
  const fig2Batch = figure2?.batches[0];
  const fig2Line = fig2Batch && figure2
    ? `Figure 2 reached **${fig2Batch.launched}** concurrent keep-alive minkernels of ${fig2Batch.n} planned` +
      (fig2Batch.stopped_by ? ` (stopped by: ${fig2Batch.stopped_by}; ${figure2.events.find((e) => e.kind === 'memory_guard')?.message ?? ''})` : '') +
      `. ${figure2Facts(figure2)}`
    : 'Figure 2 has not been recorded yet.';
  const densityRuns = runs.filter((r) => r.file.includes('density'));
  const flags = (settings: string) => (settings === '—' ? 'without --dense or --ksm' : `with ${settings.split(', ').map((x) => `--${x}`).join(' ')}`);
  const densityLine = [
    ...steadyStates(densityRuns).map(
      (d) =>
        `${flags(d.settings)}: **${d.aliveEnd}** idle minkernels alive through ${d.seconds.toFixed(0)} s of steady state (fewest sampled ${d.aliveMinSampled ?? '—'}), **${(d.memoryPerVmKb / 1024).toFixed(2)} MiB** (${((d.memoryPerVmKb * 1024) / 1e6).toFixed(2)} MB) host memory and ${d.cpuMsPerSecondPerVm.toFixed(3)} ms/s VMM CPU per VM; longest gap between samples ${d.longestSampleGapS?.toFixed(1) ?? '—'} s`,
    ),
    // A density run that never reached its steady state (stopped by the guard or by hand): how far it got.
    ...densityPeaks(densityRuns).map(
      (d) =>
        `${flags(d.settings)} only: the run ended ${d.status ?? 'without an end record'} with **${d.peakRunning}** VMs alive at most, MemAvailable then ${(d.memAvailableKb / 1048576).toFixed(1)} GiB: ${(d.memoryPerVmKb / 1024).toFixed(1)} MiB per VM (from the first sample, page cache not dropped for this reading; no steady state)`,
    ),
  ].join('; ');
  return `# Datasets

Real recordings made with \`bootlab record\` on the development machine, analysed by \`bootlab analyze\`
(which reads these files when given no trace). **Every number here is a TCG number**: this machine's
\`/dev/kvm\` is a software nested KVM (\`kvm_pvm\`) under which guests hang, so the recorder chose TCG —
absolute times are far above KVM's, the classes and their order are what carries over. The machine
was shared with other work while recording; each trace's samples record the host load.

Re-record with \`node --import tsx datasets/record.ts [name…]\` (see \`experiments.ts\`), then regenerate this
file with \`node --import tsx datasets/readme.ts\`. A test checks that this table still comes out of the
analysis of the committed traces.

## Results (generated)
<!-- results:begin -->
${resultsTable(resultRows(analysis))}
<!-- results:end -->

Classes: the built-in guests are the references that define the classes (minkernel = baseline, unikernel =
LibOS, linux and debian = general-purpose OS); any other guest is placed by its resemblance to them,
recorded at the same place ([docs/classification.md](../docs/classification.md): method and validation).
ΔT is the paper's end-to-end time; TK = Te − the guest's \`kernel\` marker, its own boot without the
~60–100 ms of QEMU and SeaBIOS every guest shares. ${fig2Line}

Why not all 1500 here: under TCG every minkernel needs ~0.15 s of CPU to boot, and keep-alive with 3 ms between
launches starts all of them within 4.5 s — on 2 cores they all boot at once (1500 × 0.15 s = 225 s of boot
work; ΔT medians of 2 to 7 min). While booting each VMM holds ~16 MB before ksmd can merge it (idle, with --dense --ksm,
3.1 MB; without anything, 24.7 MB), so 1500 booting at once need ~24 GB, the whole host; the memory guard
stops launching where the booting VMMs still fit (the trace's memory_guard event says why, the batch record
how many launched). The first engine attempt with --dense --ksm launched 1192 but left 329 unbooted after
600 s: idle minkernels still cost 3.3 ms of CPU per second each (SeaBIOS's 18.2 Hz PIT), 863 idle of them
took both cores; minkernel now silences its timers after its ready line (0.29 ms/s). In that attempt and the
next, the engine's launch thread stalled 30-42 s after ~1000 launches, so the last ~150 launched late: each VMM
was marked merge-any by a prctl in the engine's clone(CLONE_VM) child, which takes the shared mm's lock from a
child starved of CPU by a thousand booting guests. The engine now sets merge-any once on its own mm (each VMM
inherits it at exec), and the recording above, made after that change, has no stall: the launch span above is
the schedule's. Since 2026-12-07 the engine also gets a long schedule in writes of 64 launches, so the first
ones no longer wait for Node to build the whole batch, and it prepares each launch (pipes, stack) before
sleeping until its instant. On a KVM host, where a
minkernel boots in milliseconds and nothing piles up, the full figure is
\`bootlab record minkernel --mode multi -n 1500 --interval 3 --keep-alive --dense --ksm --accel kvm\`.

Density, beyond the paper (waves of 100, each once the previous has booted, then a steady state of \`--hold\` seconds; page
cache dropped; memory per VM = MemAvailable drop ÷ VMMs present): ${densityLine || 'not recorded yet'}.

## Datasets
${sections.join('\n\n')}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(join(DATASETS, 'README.md'), await renderReadme());
  process.stderr.write(`wrote ${join(DATASETS, 'README.md')}\n`);
}

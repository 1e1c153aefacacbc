// docs/classification.md from a validation: method in brief, the data, and the tables. Generated; never edited.
import { readFileSync } from 'node:fs';
import { matrixRows } from '../../cli/reference-matrix.ts';
import { AXIS_LABELS, AXIS_WEIGHTS, classText, confusion, decidedByText, nearestText, tally, UNCERTAINTY_THRESHOLD, UNLIKE_DISTANCE, type CalibrationRow, type Labels, type TraceSet, type Validation, type ValidationRow } from '@bootlab/analysis';

/**
 * Stress guests the classifier is known to get wrong, and why: what the trace cannot show. The datasets test fails
 * when a guest not listed here is wrong, and when a listed one is no longer wrong (then delete its entry).
 */
export const KNOWN_MISSES: Readonly<Record<string, string>> = {};

const f = (v: number | null | undefined, digits = 0) => (v === null || v === undefined ? '—' : v.toFixed(digits));
const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)} %`);
const mark = (r: ValidationRow) => (r.verdict === 'right' ? '✓' : r.verdict === 'uncertain' ? '? uncertain' : r.verdict === 'unlike' ? '≈ unlike' : '✗');

function rowsTable(rows: readonly ValidationRow[]): string {
  const head = '| guest | truth | bootlab | | confidence | nearest reference | decided by | own time (ms) | own CPU (ms) | memory (MB) | the VMM’s own (MB) | console lines | slope × baseline | VMM |';
  const lines = rows.map((r) => {
    const g = r.placement;
    const e = g.excess;
    return `| ${r.guest} | ${r.truth} | ${r.predicted === null ? 'not classified' : classText(g)} | ${mark(r)} | ${pct(g.confidence)} | ${nearestText(g)} | ${decidedByText(g)} | ${f(e?.ownTimeMs)} | ${f(e?.ownCpuMs)} | ${f(e?.memoryMb, 1)} | ${f(e?.vmmMemoryMb, 1)} | ${f(e?.consoleLines)} | ${f(e?.slopeRatio, 1)} | ${g.place?.vmm ?? '—'} |`;
  });
  return [head, `|${' --- |'.repeat(14)}`, ...lines].join('\n');
}

function confusionTable(rows: readonly ValidationRow[]): string {
  const c = confusion(rows);
  return [
    `| truth \\ bootlab | ${c.columns.join(' | ')} |`,
    `| --- |${' ---: |'.repeat(c.columns.length)}`,
    ...c.rows.map((r) => `| ${r.truth} | ${r.counts.join(' | ')} |`),
  ].join('\n');
}

const tallyText = (rows: readonly ValidationRow[]) => {
  const t = tally(rows);
  return `${t.right} of ${rows.length} right, ${t.uncertain} uncertain (the truth one of the two candidates), ${t.unlike} reported as unlike any reference, ${t.wrong} wrong`;
};

function misses(rows: readonly ValidationRow[]): string {
  const wrong = rows.filter((r) => r.verdict === 'wrong');
  if (!wrong.length) return 'No stress guest gets a wrong class: no confident wrong answer.';
  return ['**Wrong, and why:**', '', ...wrong.map((r) => `- **${r.guest}** (${r.truth}, placed as ${r.predicted}: ${r.placement.reason}): ${KNOWN_MISSES[r.guest] ?? 'not yet understood.'}`)].join('\n');
}

/** The calibration table from calibration.json (written by calibrate.ts), or a note when it is missing. */
function calibrationSection(file: string): string {
  let data: { maxNewlyUncertain: number; chosen: number; rows: CalibrationRow[] };
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as typeof data;
  } catch {
    return 'Not calibrated yet: run `node --import tsx datasets/classification/calibrate.ts`.';
  }
  const t = (x: CalibrationRow['production']) => `${x.right} / ${x.uncertain} / ${x.wrong}`;
  const shown = data.rows.filter((r, i, all) => i === 0 || r.threshold === data.chosen || JSON.stringify({ ...r, threshold: 0 }) !== JSON.stringify({ ...all[i - 1]!, threshold: 0 }));
  return `\`datasets/classification/calibrate.ts\` tries every threshold from 0.50 (uncertainty off: the answers of old) to
0.85 on the stress guests (production) and on leave-one-out over the whole labelled pool. A threshold is admissible
when every reference held out that is right with uncertainty off stays right and confident, and at most
${data.maxNewlyUncertain} stress guests right with uncertainty off become uncertain; among admissible ones the fewest confident
wrong answers win, then the fewest uncertain ones, then the lowest threshold. **Chosen: ${data.chosen}.** (Rows where
nothing changes from the row above are left out; right / uncertain / wrong.)

| threshold | production | leave-one-out | confident wrong | admissible | right today, no longer right |
| ---: | --- | --- | ---: | --- | --- |
${shown.map((r) => `| ${r.threshold.toFixed(2)}${r.threshold === data.chosen ? ' **(chosen)**' : ''} | ${t(r.production)} | ${t(r.leaveOneOut)} | ${r.confidentWrong} | ${r.admissible ? 'yes' : 'no'} | ${[...r.rightMadeUnsure, ...r.referencesMadeUnsure].join(', ') || '—'} |`).join('\n')}`;
}

export function renderValidation(v: Validation, traces: TraceSet, files: readonly string[], labels: Labels, calibrationFile: string): string {
  const kvmChanged = v.kvm.filter((r) => r.predicted !== v.production.find((p) => p.guest === r.guest)?.predicted).map((r) => r.guest);
  const vmmAblated = v.ablation.find((a) => a.axis === 'vmmMemory')?.changed ?? [];
  const sameSet = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((g) => y.includes(g));
  const hosts = [...new Set(traces.runs.map((r) => `${r.header.host.accel.toUpperCase()} on ${r.header.host.cpu_model} (${r.header.host.cores} cores), QEMU ${r.header.host.qemu_version}`))];
  const started = traces.runs.map((r) => r.header.started_at).sort();
  const load = traces.runs.map((r) => r.header.host.procs_running_at_start).filter((x): x is number => typeof x === 'number');
  const weights = Object.entries(AXIS_WEIGHTS).map(([a, w]) => `${AXIS_LABELS[a as keyof typeof AXIS_LABELS]} ${w}`).join(', ');
  const stress = Object.keys(labels).length;
  return `# How bootlab classifies guests, and how well it does

<!-- Generated by datasets/classification/validation.ts from the recordings in datasets/classification/; do not edit. -->

**Method** (analysis/src/classify/): classes are defined by reference guests recorded beside the guest under the
same conditions — same host, accelerator and VMM variant — not by the rank of a k-means cluster. The built-in
guests are the references: minkernel = baseline, unikernel = LibOS, linux and debian = general-purpose OS
(\`--reference NAME=CLASS\` adds more). Every quantity is the guest's excess over the baseline reference at the
same place, so the VMM's and firmware's start-up drops out: own time, own CPU (VMM CPU to Te), memory (RSS at
Te, split into the guest's RAM — its resident part of QEMU's \`-m\` mapping — and the VMM's own memory, which under
TCG is mostly the translation cache and so grows with the distinct code the guest ran), console lines up to the ready line, scaling slope ÷ the baseline's, the idle share of the own time, and the
user-space share ΔTR/TK where markers exist. Each becomes a coordinate, 0 at the baseline and 1 at the lightest
general-purpose reference, log-scaled over the quantity's noise floor. A guest whose own time is within the
baseline's noise and that uses no more CPU, memory or console is a **baseline**, as is one that touches and prints
no more than the baseline and is nearest it by distance (own time and CPU are noise-limited); any other goes to its nearest
LibOS or general-purpose reference by weighted RMS distance (weights: ${weights}; idle time counts only against
a general-purpose OS, whose kernel phase is CPU-bound, while a LibOS may wait). Farther than ${UNLIKE_DISTANCE} from every
reference it is reported as **unlike any reference**. Confidence = d₂/(d₁+d₂) between the nearest class and the
runner-up. **Uncertain** (\`class: "uncertain"\` with \`candidates\`, two adjacent classes, and both distances): the two
nearest classes are adjacent and either about equally near (confidence below ${UNCERTAINTY_THRESHOLD}) or split — the
definition axes (user-space share, console volume, guest memory) point at one and the work axes (own CPU, slope, idle
share and the VMM's own memory, which under TCG grows with the distinct code a guest runs and does not exist under
KVM) at the other, each with a partial confidence of at least ${UNCERTAINTY_THRESHOLD}. The threshold is calibrated by
\`datasets/classification/calibrate.ts\` (leave-one-out below). Why these axes: shared/CLASSES.md — the code a full kernel and a user space run (the VMM's own memory under
TCG), console output from many subsystems and a user space after the kernel are what a general-purpose OS has and a
LibOS has not; CPU, slope and the guest RAM written say how much work was done, which a LibOS may also do (a big
heap, a computation), so they weigh less.

**Data**: ${files.length} traces (${files.map((x) => `\`${x}\``).join(', ')}), recorded by \`bootlab classify\` on
${hosts.join('; ')}, ${started[0] ?? '?'} – ${started.at(-1) ?? '?'}; tasks runnable at the runs' starts (other work
on the host): ${load.length ? `${Math.min(...load)}–${Math.max(...load)}` : 'not recorded'}. ${stress} labelled guests
(guests/stress/labels.json, what each is and the naive rule it breaks: guests/stress/README.md).

## What \`bootlab classify\` says (stress set against the built-in references)
${tallyText(v.production)}.

${rowsTable(v.production)}

${confusionTable(v.production)}

${misses(v.production)}

## Uncertainty threshold, calibrated by leave-one-out
${calibrationSection(calibrationFile)}

## Leave-one-out over the whole labelled pool
Each labelled guest — references included — is held out and placed against all the other labelled guests as
references (no built-ins assumed). ${tallyText(v.leaveOneOut)}.

${confusionTable(v.leaveOneOut)}

${rowsTable(v.leaveOneOut)}

## What each axis contributes (ablation)
The stress set classified with one axis' weight set to 0 (all: ${tallyText(v.production)}).

| axis left out | right | unlike | wrong | guests whose class changes |
| --- | ---: | ---: | ---: | --- |
${v.ablation.map((a) => `| ${AXIS_LABELS[a.axis]} | ${a.tally.right} | ${a.tally.unlike} | ${a.tally.wrong} | ${a.changed.join(', ') || '—'} |`).join('\n')}

## Under KVM
The same traces rewritten as KVM would have run them (analysis/src/validation/kvm-like.ts: VMM start-up 1.5×
faster, the guest's own time and CPU 15× faster; where the guest RAM was recorded apart, the same guest RAM and the
VMM's own memory no more than the baseline's — no translation cache —, else half the memory beyond the baseline's): ${tallyText(v.kvm)};
${kvmChanged.join(', ') || 'no guest'} changed class. ${kvmChanged.length ? `There is no translation cache under KVM, so the VMM's own memory — the TCG evidence of how much code a guest ran — says nothing there; ${sameSet(kvmChanged, vmmAblated) ? 'these are exactly the guests that also change when that axis is left out (ablation above): no ratio feature moved a class' : `the ablation without that axis moves ${vmmAblated.join(', ') || 'no guest'}`}. A LibOS that writes a big heap or computes before it is ready is, without that evidence, nearer a general-purpose OS.` : ''}

${confusionTable(v.kvm)}

## Where the references boot (the reference matrix)
\`bootlab classify\` records the references on every VMM variant its guests use: profile × machine type × firmware
(cli/reference-matrix.ts). "boots": the reference is recorded there (and has been booted there; "expected, not yet
tried" where it has not). "→ machine/firmware/profile": it cannot boot
there, is never started there (no boot waits out a timeout), and its boots on that nearest variant stand in, with a
warning. A cell the table does not know (a firmware file of the user's) is tried; a reference or guest whose first
boot on a variant fails gets no more boots there, and the run goes on with what did boot. The unikernel boots with
the bare profile (no virtio-net, no virtio-rng): its ready line then says \`mac=none rng=none\`.

| profile | machine | firmware | minkernel | unikernel | linux | debian |
| --- | --- | --- | --- | --- | --- | --- |
${matrixRows(['minkernel', 'unikernel', 'linux', 'debian']).join('\n')}

## Independence from the other guests
Each stress guest classified alone with the references gets ${v.subsetChanges.length ? `a different class or confidence for: ${v.subsetChanges.join(', ')}` : 'the same class and confidence as with every other guest present'}.
`;
}

// `bootlab classify <guest…>`: the command a user runs on their own images. It records the reference guests
// and the given guests under the same conditions — same host, accelerator and VMM variant (machine type and
// firmware of each user guest), single instances plus a small scaling sweep — and places each guest among the
// references (analysis/src/classify). References already recorded in the output folder under the same
// conditions are reused, so classifying a second guest costs only its own boots.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  buildGuests,
  createProgress,
  decideAccel,
  probeQemu,
  record,
  resolveGuest,
  summarizeRecord,
  type AccelRequest,
  type RecordOptions,
  type ProfileName,
  type ResolvedGuest,
} from '@bootlab/recorder';
import { whyNotReusable, type ReferenceConditions } from './reference-traces.ts';
import { firmwareKind, nearestBootingCell, whyNotBooting, type Cell } from './reference-matrix.ts';
import { bootTimeLines } from './boot-times.ts';

/** A bad argument found inside the action (commander only reports its own parse errors): one line, exit 2. */
class ClassifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** The built-in references, in recording order (cheapest first). */
export const DEFAULT_REFERENCES = ['minkernel', 'unikernel', 'linux', 'debian'] as const;

interface ClassifyCliOptions {
  output: string;
  count: number;
  sizes: string;
  interval: number;
  references: string;
  reference?: string[];
  accel: AccelRequest;
  timeout: number;
  qemu: string;
  png: boolean;
}

/**
 * A VMM variant the references must be recorded on: the machine type, firmware and profile some user guest
 * uses. A guest's own device list cannot be given to the references; the analysis then compares it with the
 * references' nearest variant and says so.
 */
interface Variant {
  key: string;
  machine: 'pc' | 'q35' | 'microvm';
  firmware: string;
  profile: ProfileName;
  cell: Cell;
}

function variantKey(machine: string, firmware: string, profile: ProfileName): string {
  const name = firmware === 'seabios' || firmware === 'qboot' || firmware === 'ovmf' ? firmware : (firmware.split('/').pop() ?? 'bios').replace(/[^A-Za-z0-9._-]/g, '_');
  return `${machine}-${name}${profile === 'paper' ? '' : `-${profile}`}`;
}

function variantOf(g: ResolvedGuest): Variant {
  const machine = g.descriptor.machine;
  const firmware = g.descriptor.firmware;
  const profile = g.descriptor.profile ?? 'paper';
  return { key: variantKey(machine, firmware, profile), machine, firmware: g.firmware ?? firmware, profile, cell: { machine, firmware: firmwareKind(firmware), profile } };
}

/** The variant of a matrix cell with a built-in firmware (a reference's fallback). */
function variantOfCell(cell: Cell): Variant {
  return { key: variantKey(cell.machine, cell.firmware, cell.profile), machine: cell.machine, firmware: cell.firmware, profile: cell.profile, cell };
}

const positiveInt = (name: string) => (text: string) => {
  const v = Number(text);
  if (!Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return v;
};

function sizesOf(text: string): number[] {
  const sizes = text.split(',').map((s) => Number(s.trim()));
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new ClassifyError('--sizes needs at least two batch sizes, e.g. 1,2,5');
  return sizes;
}

export function registerClassifyCommand(program: Command): void {
  program
    .command('classify')
    .description('record the reference guests beside your guests under the same conditions, then place each guest in a class')
    .argument('<guest...>', 'paths to guest.json descriptors (or built-in guest names)')
    .option('-o, --output <dir>', 'traces and report go here; references recorded here before under the same conditions are reused', 'out/classify')
    .option('-n, --count <n>', 'single-instance boots per guest', positiveInt('--count'), 5)
    .option('--sizes <list>', 'batch sizes of the scaling sweep', '1,2,5')
    .option('--interval <ms>', 'launch interval of the sweep, ms', positiveInt('--interval'), 3)
    .option('--references <list>', 'reference guests to record beside yours', DEFAULT_REFERENCES.join(','))
    .option('--reference <name=class...>', 'also treat one of your guests as a reference of a class (baseline, LibOS, gpos)')
    .addOption(new Option('--accel <accel>', 'accelerator; auto avoids a software-nested KVM').choices(['auto', 'kvm', 'tcg']).default('auto'))
    .option('--timeout <s>', 'seconds per boot before it counts as timeout', positiveInt('--timeout'), 120)
    .option('--qemu <path>', 'QEMU binary', 'qemu-system-x86_64')
    .option('--no-png', 'skip PNG rendering of the charts')
    .action(async (specs: string[], opts: ClassifyCliOptions) => runClassify(specs, opts));
}

async function runClassify(specs: string[], opts: ClassifyCliOptions): Promise<void> {
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`[classify] ${line}\n`);
  const dir = resolve(opts.output);
  const sizes = sizesOf(opts.sizes);
  const unknown = (opts.references.split(',').map((x) => x.trim()).filter(Boolean)).filter((n) => !(DEFAULT_REFERENCES as readonly string[]).includes(n));
  if (unknown.length) throw new ClassifyError(`--references: ${unknown.join(', ')} is not a built-in reference (${DEFAULT_REFERENCES.join(', ')}); name your own with --reference NAME=CLASS`);
  const referenceNames = opts.references.split(',').map((s) => s.trim()).filter(Boolean);
  // Everything that can fail fails before the first VM: descriptors, images, QEMU, the analysis options.
  const { parseReferenceSpec } = await import('@bootlab/analysis/core');
  const extraReferences = Object.fromEntries((opts.reference ?? []).map(parseReferenceSpec));
  const guests = specs.map((s) => resolveGuest(s));
  const userNames = guests.map((g) => g.descriptor.name);
  const clash = userNames.find((n) => referenceNames.includes(n));
  if (clash) throw new ClassifyError(`guest '${clash}' is also a reference; leave it out of --references or rename the guest`);
  const qemu = probeQemu(opts.qemu);
  const verdict = decideAccel(opts.accel);
  await buildGuests(referenceNames, { log: (l) => log(l) });

  const variants = new Map<string, { variant: Variant; guests: string[]; references: string[] }>();
  for (const g of guests) {
    const v = variantOf(g);
    const entry = variants.get(v.key) ?? { variant: v, guests: [], references: [] };
    entry.guests.push(g.descriptorPath ?? g.descriptor.name);
    variants.set(v.key, entry);
  }
  // The reference matrix (reference-matrix.ts): a reference that cannot boot on a variant is not started there;
  // the nearest variant where it boots stands in, recorded too if no guest uses it.
  const fallbackWarnings: string[] = [];
  for (const entry of [...variants.values()]) {
    for (const ref of referenceNames) {
      const why = whyNotBooting(ref, entry.variant.cell);
      if (why === null) {
        entry.references.push(ref);
        continue;
      }
      const near = nearestBootingCell(ref, entry.variant.cell);
      if (!near) {
        fallbackWarnings.push(`${ref} does not boot on ${entry.variant.key} (${why}) nor on any nearer variant: left out there`);
        continue;
      }
      const v = variantOfCell(near);
      const stand = variants.get(v.key) ?? { variant: v, guests: [], references: [] };
      if (!stand.references.includes(ref)) stand.references.push(ref);
      variants.set(v.key, stand);
      fallbackWarnings.push(`${ref} does not boot on ${entry.variant.key} (${why}): its boots on ${v.key} stand in, so guests there are compared with it across VMM variants`);
    }
  }
  for (const entry of variants.values()) entry.references.sort((a, b) => referenceNames.indexOf(a) - referenceNames.indexOf(b));
  for (const w of fallbackWarnings) log(`warning: ${w}`);
  const bootlabVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const common: Omit<RecordOptions, 'guests' | 'mode' | 'n' | 'repeat' | 'intervalsMs' | 'output' | 'keepAlive' | 'profile'> = {
    timeoutS: opts.timeout,
    sampleMs: 100,
    accel: opts.accel,
    force: true,
    qemu: opts.qemu,
    cooldownMs: 300,
    progress: createProgress(),
    handleSignals: true,
    argv: process.argv,
    // A guest or reference whose first boot on a variant fails is not booted again there: the run goes on.
    stopGuestAfterFailedFirstBoot: true,
  };
  // Single boots as n=1 × repeat: the guests of a run take turns boot by boot, so a change of host load during
  // the run weighs on every guest alike instead of on whichever was recorded last.
  const runs = [
    { mode: 'single' as const, n: [1], repeat: opts.count, intervalsMs: [] as number[], label: 'single' },
    { mode: 'multi' as const, n: sizes, repeat: 1, intervalsMs: [opts.interval], label: 'sweep' },
  ];
  // The baseline is cheap (a few seconds) and is recorded again beside the user's guests in every run: the
  // classifier measures a guest against the baseline of its own run, under the same host load (reused
  // reference traces may be from another hour).
  const traces: string[] = [];
  log(`${verdict.accel.toUpperCase()} (${verdict.reason}); references ${referenceNames.join(', ')}; ${opts.count} single boots and batches of ${sizes.join(', ')} at ${opts.interval} ms`);
  for (const { variant, guests: members, references: refsHere } of variants.values()) {
    const overrides = { machine: variant.machine, firmware: variant.firmware, profile: variant.profile };
    // A reference or guest whose first boot on this variant failed is not booted again here (not in the sweep either).
    const gaveUpHere = new Set<string>();
    const nameOf = (spec: string) => userNames[guests.findIndex((g) => (g.descriptorPath ?? g.descriptor.name) === spec)] ?? spec;
    const noteGaveUp = (result: { gaveUp: { guest: string; status: string; skippedBoots: number }[] }) => {
      for (const g of result.gaveUp) {
        gaveUpHere.add(g.guest);
        fallbackWarnings.push(`${g.guest}: its first boot on ${variant.key} ended ${g.status}; no more boots of it there (${g.skippedBoots} skipped)`);
      }
    };
    for (const run of runs) {
      const refsNow = refsHere.filter((n) => !gaveUpHere.has(n));
      const membersNow = members.filter((m) => !gaveUpHere.has(nameOf(m)));
      const baselines = refsNow.filter((n) => n === 'minkernel');
      const refTrace = join(dir, 'traces', `references-${verdict.accel}-${variant.key}-${run.label}.jsonl`);
      const want: ReferenceConditions = {
        hostname: hostname(),
        accel: verdict.accel,
        qemuVersion: qemu.version,
        bootlabVersion,
        guests: refsNow,
        plan: { mode: run.mode, n: run.n, repeat: run.repeat, intervals_ms: run.intervalsMs, profile: variant.profile, timeout_s: opts.timeout, machine_override: variant.machine, firmware_override: variant.firmware },
      };
      const why = refsNow.length === 0 ? null : whyNotReusable(refTrace, want);
      if (refsNow.length === 0) {
        log(`references on ${variant.key}: none boots there`);
      } else if (why === null) {
        log(`references on ${variant.key}, ${run.label}: reusing ${refTrace}`);
      } else {
        log(`references on ${variant.key}, ${run.label}: recording (${why})`);
        const result = await record({ ...common, ...overrides, guests: refsNow, mode: run.mode, n: run.n, repeat: run.repeat, intervalsMs: run.intervalsMs, keepAlive: false, output: refTrace });
        log(summarizeRecord(result));
        noteGaveUp(result);
        if (result.status === 'interrupted') return void (process.exitCode = 130);
      }
      if (refsNow.length) traces.push(refTrace);
      if (membersNow.length === 0) continue;
      const guestTrace = join(dir, 'traces', `guests-${verdict.accel}-${variant.key}-${run.label}.jsonl`);
      log(`${membersNow.length === 1 ? nameOf(membersNow[0]!) : `${membersNow.length} guests`} (and ${baselines.join(', ') || 'no baseline'} beside them) on ${variant.key}, ${run.label}: recording`);
      const result = await record({ ...common, ...overrides, guests: [...baselines, ...membersNow], mode: run.mode, n: run.n, repeat: run.repeat, intervalsMs: run.intervalsMs, keepAlive: false, output: guestTrace });
      log(summarizeRecord(result));
      noteGaveUp(result);
      if (result.status === 'interrupted') return void (process.exitCode = 130);
      traces.push(guestTrace);
    }
  }

  const { analyze, classLines, loadTraces, writeReport } = await import('@bootlab/analysis');
  const { traces: set, warnings } = await loadTraces(traces);
  const analysis = analyze(set, warnings, { references: extraReferences });
  const reportDir = join(dir, 'report');
  await writeReport(analysis, reportDir, { png: opts.png });
  const c = analysis.classification;
  const shown = new Set([...userNames, ...referenceNames]);
  process.stdout.write(`${classLines(c, shown).join('\n')}\n`);
  for (const g of c.guests.filter((x) => userNames.includes(x.guest))) {
    const e = g.excess;
    const facts = e
      ? `own time ${fmt(e.ownTimeMs)} ms, own CPU ${fmt(e.ownCpuMs)} ms, memory ${fmt(e.memoryMb, 1)} MB${e.vmmMemoryMb !== null ? ` (the VMM's own ${fmt(e.vmmMemoryMb, 1)})` : ''}, console ${fmt(e.consoleLines)} lines, slope ×${fmt(e.slopeRatio, 1)} the baseline's`
      : 'no evidence';
    process.stdout.write(`\n${g.guest}: ${g.class ?? 'not classified'} — ${g.reason}\n  beyond the baseline: ${facts}\n`);
    if (g.distances.length) process.stdout.write(`  distances: ${g.distances.map((d) => `${d.class} ${Number.isFinite(d.distance) ? d.distance.toFixed(2) : '—'} (${d.reference})`).join(', ')}\n`);
  }
  for (const w of fallbackWarnings) process.stderr.write(`warning: ${w}\n`);
  for (const w of analysis.warnings.filter((x) => ['unlike', 'low-confidence', 'uncertain', 'not-classified', 'mixed-conditions', 'no-references', 'failed-boots'].includes(x.kind))) {
    process.stderr.write(`warning: ${w.message}\n`);
  }
  // Where the time went: per reference and guest, the wall time of its boots (single boots and sweep batches).
  for (const line of bootTimeLines(set.boots, referenceNames)) process.stdout.write(`${line}\n`);
  log(`report: ${join(reportDir, 'report.html')} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
}

function fmt(v: number | null, digits = 0): string {
  return v === null ? '?' : v.toFixed(digits);
}

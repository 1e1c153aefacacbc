// The report's own caveats: five things a reader must know before quoting a number, each stated whether or
// not it applies ("all runs used KVM" is as much a statement as "TCG inflates ΔT"). Built from the analysis
// itself, so report.html, report.md and the --json summary say the same thing. Pure.
import { classText } from '../classify/describe.ts';
import { median } from 'simple-statistics';
import { LOW_CONFIDENCE } from '../classify/classify.ts';
import { UNLIKE } from '../classify/references.ts';
import { conditionLabel } from '../features/conditions.ts';
import { MODIFIED_Z_THRESHOLD } from '../features/outliers.ts';
import { fmtMs } from '../export/format.ts';
import type { Run, TraceSet } from '../types.ts';
import type { Warning, WarningKind } from '../warnings.ts';
import type { Analysis } from './analysis.ts';

export type CaveatId = 'accelerator' | 'host-load' | 'outliers' | 'low-confidence' | 'memory-guard';

export interface Caveat {
  id: CaveatId;
  title: string;
  /** True when the caveat applies to these data (the reader should act on it). */
  flagged: boolean;
  summary: string;
  /** One line per run, condition or guest concerned. */
  details: string[];
}

/** Warning kinds the caveat list states in full; reports list the other warnings after it. */
export const CAVEAT_WARNING_KINDS: ReadonlySet<WarningKind> = new Set(['accelerator', 'host-load', 'outliers', 'low-confidence', 'unlike', 'no-references', 'memory-guard']);

/**
 * Other work per core at a run's start from which it is taken to compete with the guests: tasks runnable just
 * before the run (header host.procs_running_at_start) or, in older traces without it, load1 at the first sample.
 */
export const BUSY_HOST_LOAD_PER_CORE = 0.5;

/** Details listed per caveat before "… and N more". */
const MAX_DETAILS = 12;

function capped(lines: string[]): string[] {
  return lines.length <= MAX_DETAILS ? lines : [...lines.slice(0, MAX_DETAILS), `… and ${lines.length - MAX_DETAILS} more`];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const load = (v: number) => v.toFixed(2);
/** "The run" / "All 3 runs". */
const allRuns = (n: number) => (n === 1 ? 'The run' : n === 2 ? 'Both runs' : `All ${n} runs`);

export interface RunLoad {
  run: Run;
  cores: number;
  samples: number;
  /** load1 of the first sample: mostly what ran before the run (load1 is a one-minute average). */
  start: number | null;
  /** Tasks runnable on the host just before the run, the recorder not counted; null in older traces. */
  background: number | null;
  median: number | null;
  peak: number | null;
  /**
   * Other work was competing: at the start (background, else start load1, per core ≥ BUSY_HOST_LOAD_PER_CORE),
   * or, in older traces without the background reading, during a single-mode run (median load1 above cores + 1:
   * one guest keeps at most its vCPU and its VMM's I/O thread busy).
   */
  busy: boolean;
}

export function runLoads(traces: TraceSet): RunLoad[] {
  return traces.runs.map((run) => {
    const cores = run.header.host.cores;
    const background = run.header.host.procs_running_at_start ?? null;
    const loads = run.samples.map((s) => s.load1);
    if (loads.length === 0) {
      return { run, cores, samples: 0, start: null, background, median: null, peak: null, busy: background !== null && background / cores >= BUSY_HOST_LOAD_PER_CORE };
    }
    const start = loads[0] as number;
    const med = median(loads);
    const single = run.header.plan.mode === 'single';
    // load1 at the start still holds the minute before it (a previous run of the same session, say): use it
    // only when the trace has no instantaneous reading.
    const atStart = background ?? start;
    return {
      run,
      cores,
      samples: loads.length,
      start,
      background,
      median: med,
      peak: Math.max(...loads),
      // The single-mode rule reads load1 during the run, which for a short run is mostly the minute before it:
      // only for older traces, which have nothing better.
      busy: atStart / cores >= BUSY_HOST_LOAD_PER_CORE || (background === null && single && med > cores + 1),
    };
  });
}

/** Warnings for runs recorded on a busy host (they join the analysis's warnings: terminal, --json, report). */
export function hostLoadWarnings(traces: TraceSet): Warning[] {
  return runLoads(traces)
    .filter((l) => l.busy)
    .map((l) => ({
      kind: 'host-load' as const,
      file: l.run.file,
      message:
        l.background !== null
          ? `run ${l.run.runId} (${l.run.file}): ${plural(l.background, 'other task')} runnable at the start on ${plural(l.cores, 'core')}` +
            `${l.median !== null ? ` (load1 median ${load(l.median)} during the run)` : ''}: other work competed with the guests, so ΔT may be inflated`
          : `run ${l.run.runId} (${l.run.file}): host load1 was ${load(l.start as number)} at the start (median ${load(l.median as number)}) on ${plural(l.cores, 'core')}: ` +
            'other work competed with the guests, so ΔT may be inflated (load1 is a one-minute average: it includes whatever ran in the minute before the run)',
    }));
}

function acceleratorCaveat(a: Analysis): Caveat {
  const runs = a.traces.runs;
  const tcg = runs.filter((r) => r.header.host.accel === 'tcg');
  const details = runs.map((r) => {
    const h = r.header.host;
    return `run ${r.runId} (${r.file}): ${h.accel.toUpperCase()} on ${h.hostname} (${h.accel_reason || 'no reason recorded'}; KVM: ${h.kvm_flavour})`;
  });
  let summary: string;
  if (runs.length === 0) summary = 'No runs.';
  else if (tcg.length === 0) summary = `${allRuns(runs.length)} used KVM (hardware virtualisation).`;
  else if (tcg.length === runs.length) {
    summary = `${allRuns(runs.length)} used TCG, software emulation: ΔT is several times what KVM gives. Compare these numbers only with other TCG measurements.`;
  } else {
    summary = `${tcg.length} of ${runs.length} runs used TCG (software emulation), the others KVM: do not compare ΔT across the two; each guest is classified on the accelerator where it has most boots.`;
  }
  return { id: 'accelerator', title: 'Accelerator', flagged: tcg.length > 0, summary, details: capped(details) };
}

function hostLoadCaveat(a: Analysis): Caveat {
  const loads = runLoads(a.traces);
  const measured = loads.filter((l) => l.samples > 0);
  const busy = loads.filter((l) => l.busy);
  const details = loads.map((l) =>
    l.samples === 0
      ? `run ${l.run.runId}: no samples, host load unknown`
      : `run ${l.run.runId} (${l.run.header.plan.mode}, ${plural(l.cores, 'core')}): ${l.background !== null ? `${plural(l.background, 'other task')} runnable at the start, ` : ''}` +
        `load1 ${load(l.start as number)} at the start, median ${load(l.median as number)}, peak ${load(l.peak as number)}${l.busy ? ' — busy host' : ''}`,
  );
  let summary: string;
  if (measured.length === 0) summary = 'No run recorded host samples: host load is unknown.';
  else if (busy.length) {
    const old = busy.filter((l) => l.background === null).length;
    summary =
      `${busy.length} of ${plural(loads.length, 'run')} started on a busy host (${BUSY_HOST_LOAD_PER_CORE} or more other runnable tasks per core just before the run, ` +
      `or, in older traces, load1 above cores + 1 during a single-mode run): other work competed with the guests and may inflate ΔT. Re-record on an idle host before quoting these numbers.` +
      (old
        ? ` ${old} of them predate the instantaneous reading and are judged by load1 at their first sample, a one-minute average that also holds the minute before the run (e.g. the previous run of a back-to-back session): they may have started on a quiet host.`
        : '');
  } else {
    summary = `Every run with samples started on a quiet host (fewer than ${BUSY_HOST_LOAD_PER_CORE} other runnable tasks per core). Peaks during multi-instance batches are the guests' own load.`;
  }
  if (measured.length && measured.length < loads.length) summary += ` ${loads.length - measured.length} run(s) have no samples.`;
  return { id: 'host-load', title: 'Host load', flagged: busy.length > 0, summary, details: capped(details) };
}

function outlierCaveat(a: Analysis): Caveat {
  const flagged = a.features.conditions.filter((c) => c.outliers.boots.length > 0);
  const total = flagged.reduce((s, c) => s + c.outliers.boots.length, 0);
  const ok = a.features.conditions.reduce((s, c) => s + c.ok, 0);
  const details = flagged.map((c) => {
    const values = c.outliers.boots
      .slice(0, 4)
      .map((b) => `${fmtMs(b.dtMs)} ms (z ${b.z.toFixed(1)})`)
      .join(', ');
    const more = c.outliers.boots.length > 4 ? ', …' : '';
    return `${c.guest} (${conditionLabel(c)}): ${c.outliers.boots.length} of ${c.ok} — ${values}${more}${c.dt ? `; median ${fmtMs(c.dt.median)} ms` : ''}`;
  });
  const summary = total
    ? `${plural(total, 'boot')} of ${ok} successful boots, in ${plural(flagged.length, 'condition')}, ${total === 1 ? 'has' : 'have'} |modified z| > ${MODIFIED_Z_THRESHOLD}. They are reported and kept in every statistic; medians and the classification are robust to them.`
    : `No outliers: no ΔT has |modified z| > ${MODIFIED_Z_THRESHOLD} within its condition.`;
  return { id: 'outliers', title: 'Outliers', flagged: total > 0, summary, details: capped(details) };
}

function confidenceCaveat(a: Analysis): Caveat {
  const c = a.classification;
  const placed = c.guests.filter((g) => g.class !== null && g.reference === null);
  const uncertain = placed.filter((g) => g.class === 'uncertain');
  const low = placed.filter((g) => g.class !== 'uncertain' && g.confidence !== null && g.confidence < LOW_CONFIDENCE);
  const unlike = placed.filter((g) => g.class === UNLIKE);
  // A class without any recorded reference cannot be recognised; a missing second reference of a class is fine.
  const missing = c.classes.filter((cls) => !c.references.some((r) => r.recorded && r.class === cls));
  const threshold = `${Math.round(LOW_CONFIDENCE * 100)}%`;
  const parts: string[] = [];
  if (placed.length === 0) parts.push('No guest besides the references was classified.');
  if (low.length) parts.push(`${plural(low.length, 'guest')} ${low.length === 1 ? 'is' : 'are'} barely nearer ${low.length === 1 ? 'its' : 'their'} class than the next one (confidence below ${threshold}).`);
  if (uncertain.length) parts.push(`${plural(uncertain.length, 'guest')} ${uncertain.length === 1 ? 'lies' : 'lie'} between two classes and ${uncertain.length === 1 ? 'is' : 'are'} reported as "A or B (uncertain)" with both distances.`);
  if (unlike.length) parts.push(`${plural(unlike.length, 'guest')} resemble${unlike.length === 1 ? 's' : ''} no reference and ${unlike.length === 1 ? 'is' : 'are'} reported as such rather than forced into a class.`);
  if (missing.length) parts.push(`No reference recorded for ${missing.join(', ')}: guests are placed only among the classes that have one (bootlab classify records them all).`);
  if (placed.length && !parts.length) parts.push(`Every classified guest is clearly nearer its class than any other (confidence ≥ ${threshold}).`);
  const details = [
    ...low.map((g) => `${g.guest}: "${g.class}", confidence ${((g.confidence as number) * 100).toFixed(0)}% — ${g.reason}`),
    ...uncertain.map((g) => `${g.guest}: ${classText(g)} — ${g.uncertainty?.reason ?? g.reason}; distances ${g.uncertainty ? `${g.uncertainty.candidates[0]} ${g.uncertainty.distances[0].toFixed(2)}, ${g.uncertainty.candidates[1]} ${g.uncertainty.distances[1].toFixed(2)}` : '—'}`),
    ...unlike.map((g) => `${g.guest}: ${g.reason}`),
  ];
  return { id: 'low-confidence', title: 'Low class confidence', flagged: low.length + uncertain.length + unlike.length + missing.length > 0, summary: parts.join(' '), details: capped(details) };
}

function memoryGuardCaveat(a: Analysis): Caveat {
  const details: string[] = [];
  let guardedRuns = 0;
  let guardedBatches = 0;
  for (const run of a.traces.runs) {
    const batches = run.batches.filter((b) => b.stopped_by === 'memory_guard');
    const guarded = run.end?.status === 'guarded';
    if (!guarded && batches.length === 0) continue;
    if (guarded) guardedRuns++;
    guardedBatches += batches.length;
    const reason = run.end?.reason ? ` (${run.end.reason})` : '';
    const cut = batches.map((b) => `${b.guest} N = ${b.n}: ${b.launched} launched`);
    const listed = cut.length > 6 ? [...cut.slice(0, 6), `… ${cut.length - 6} more`] : cut;
    details.push(
      `run ${run.runId} (${run.file}): ${guarded ? `stopped on the memory guard${reason}` : 'completed'}; ` +
        (batches.length ? `${plural(batches.length, 'batch', 'batches')} cut short (${listed.join('; ')})` : 'no batch cut short'),
    );
  }
  const summary =
    guardedRuns || guardedBatches
      ? `${plural(guardedRuns, 'run')} stopped on the memory guard and ${plural(guardedBatches, 'batch', 'batches')} launched fewer instances than planned. Cut-short batches enter the scaling fit at the number actually launched; the largest planned batch sizes are missing.`
      : 'No run stopped on the memory guard: every batch launched as planned.';
  return { id: 'memory-guard', title: 'Memory guard', flagged: guardedRuns + guardedBatches > 0, summary, details: capped(details) };
}

/** The five caveats, always in this order. */
export function caveats(a: Analysis): Caveat[] {
  return [acceleratorCaveat(a), hostLoadCaveat(a), outlierCaveat(a), confidenceCaveat(a), memoryGuardCaveat(a)];
}

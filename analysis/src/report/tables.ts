// The report's tables as plain string grids. Exporters decide the markup and do the escaping, so the
// Markdown and HTML reports cannot drift apart in content.
import { conditionLabel, type ConditionKey } from '../features/conditions.ts';
import { fmtInterval, fmtKb, fmtMs, fmtPct } from '../export/format.ts';
import type { GuestClass } from '../classify/classify.ts';
import { classText, decidedByText, nearestText } from '../classify/describe.ts';
import type { Analysis } from './analyze.ts';
import { hostComparisonTable, hostTable, showHostTables } from '../hosts/tables.ts';
import { steadyStates } from '../features/steady-state.ts';
import type { Table } from '../export/table.ts';

export type { Table } from '../export/table.ts';

/** 95% CI of a guest's single-instance median ΔT: from its single-mode condition where it was classified. */
export function singleMedianCi(a: Analysis, guest: string): { lo: number; hi: number } | null {
  const f = a.classification.guests.find((g) => g.guest === guest)?.features;
  if (!f || f.singleSource !== 'single') return null;
  const c = a.features.conditions.find((x) => x.guest === guest && x.host === f.host && x.accel === f.accel && x.mode === 'single');
  return c?.dt?.medianCi ?? null;
}

/**
 * Condition labels for the per-condition tables. When every condition ran in one place (accelerator and
 * host), the place goes into the caption once and the column says only "single" / "multi 3 ms".
 */
function conditionLabels(a: Analysis): { label: (c: ConditionKey) => string; where: string } {
  const places = new Set(a.features.conditions.map((c) => `${c.accel}@${c.host}`));
  if (places.size !== 1) return { label: conditionLabel, where: '' };
  return { label: (c) => (c.mode === 'single' ? 'single' : `multi ${c.intervalMs} ms`), where: ` — every condition on ${[...places][0]}` };
}

/** Class rank (unclassified last), then single-instance median ΔT, then name. */
export function byClass(x: GuestClass, y: GuestClass): number {
  const rank = (g: GuestClass) => g.rank ?? Number.POSITIVE_INFINITY;
  const dt = (g: GuestClass) => g.features.singleMedianMs ?? Number.POSITIVE_INFINITY;
  return rank(x) - rank(y) || dt(x) - dt(y) || (x.guest < y.guest ? -1 : x.guest > y.guest ? 1 : 0);
}

export function classTable(a: Analysis): Table {
  const num = (v: number | null | undefined, digits = 0) => (v === null || v === undefined ? '—' : v.toFixed(digits));
  return {
    caption: 'Guest classes, placed among the references recorded beside each guest (excess over the baseline reference at the same place)',
    headers: ['guest', 'class', 'confidence', 'nearest reference (distance)', 'decided by', 'median ΔT (ms)', 'own time (ms)', 'own CPU (ms)', 'memory (MB)', 'console lines', 'slope ÷ baseline', 'where'],
    numeric: [2, 5, 6, 7, 8, 9, 10],
    wrap: [4],
    // By class, then single-instance ΔT: the order a reader compares guests in.
    rows: [...a.classification.guests].sort(byClass).map((g) => [
      g.guest,
      classText(g),
      g.reference ? 'reference' : fmtPct(g.confidence),
      nearestText(g),
      decidedByText(g),
      fmtMs(g.features.singleMedianMs),
      num(g.excess?.ownTimeMs),
      num(g.excess?.ownCpuMs),
      num(g.excess?.memoryMb, 1),
      num(g.excess?.consoleLines),
      num(g.excess?.slopeRatio, 1),
      g.place ? `${g.place.accel}@${g.place.host}, ${g.place.vmm}` : `${g.features.accel}@${g.features.host}`,
    ]),
  };
}

export function conditionTable(a: Analysis): Table {
  const cond = conditionLabels(a);
  return {
    caption: `ΔT per guest and condition (all ok boots of the condition; multi pools every batch size)${cond.where}`,
    headers: ['guest', 'condition', 'boots', 'ok', 'failed', 'median', '95% CI', 'mean', 'sd', 'MAD', 'IQR', 'p5', 'p95', 'p99', 'CV', 'outliers', 'launch lag p95'],
    numeric: [2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
    rows: a.features.conditions.map((c) => [
      c.guest,
      cond.label(c),
      String(c.boots),
      String(c.ok),
      String(c.failed),
      fmtMs(c.dt?.median),
      fmtInterval(c.dt?.medianCi),
      fmtMs(c.dt?.mean),
      fmtMs(c.dt?.sd),
      fmtMs(c.dt?.mad),
      fmtMs(c.dt?.iqr),
      fmtMs(c.dt?.p5),
      fmtMs(c.dt?.p95),
      fmtMs(c.dt?.p99),
      fmtPct(c.dt?.cv, 1),
      String(c.outliers.boots.length),
      fmtMs(c.launch.launchLagMs?.p95),
    ]),
  };
}

export function scalingTable(a: Analysis): Table {
  const cond = conditionLabels(a);
  const multi = a.features.conditions.filter((c) => c.scaling);
  return {
    caption: `Scaling per guest and launch interval (ms per extra instance; ΔT in ms)${cond.where}`,
    headers: ['guest', 'condition', 'batch sizes', 'Theil–Sen slope', '95% CI', 'OLS slope', 'OLS R²', 'slope vs launch index', 'slope vs running at launch', 'host mem / instance'],
    numeric: [3, 5, 6, 7, 8],
    rows: multi.map((c) => {
      const s = c.scaling!;
      return [
        c.guest,
        cond.label(c),
        [...new Set(s.batches.map((b) => b.launched))].sort((x, y) => x - y).join(', '),
        fmtMs(s.vsBatchSize?.slope),
        fmtInterval(s.vsBatchSize?.ci),
        fmtMs(s.vsBatchSizeOls?.slope),
        s.vsBatchSizeOls ? s.vsBatchSizeOls.r2.toFixed(3) : '—',
        fmtMs(s.vsLaunchIndex?.slope),
        fmtMs(s.vsRunningAtLaunch?.slope),
        fmtKb(c.resources.hostMemKbPerInstance?.slope),
      ];
    }),
  };
}

export function phaseTable(a: Analysis): Table {
  const cond = conditionLabels(a);
  const rows = a.features.conditions
    .filter((c) => c.phases.phases.length || c.phases.firstOutputMs)
    .map((c) => [
      c.guest,
      cond.label(c),
      fmtMs(c.phases.firstOutputMs?.median),
      fmtMs(c.phases.vmmFirmwareMs?.median),
      fmtMs(c.phases.tkMs?.median),
      fmtMs(c.phases.dtrMs?.median),
      c.phases.phases.map((p) => `${p.name} ${fmtMs(p.medianMs)}`).join('; ') || '—',
    ]);
  return {
    caption: `Phases (medians, ms): first output, VMM + firmware (Ts → \`kernel\` marker), TK = Te − \`kernel\` (the guest's own boot) and ΔTR = Te − \`init\` (kernel up → ready)${cond.where}`,
    headers: ['guest', 'condition', 'Ts → first output', 'VMM + firmware', 'TK', 'ΔTR', 'phases'],
    numeric: [2, 3, 4, 5],
    wrap: [6],
    rows,
  };
}

export function resourceTable(a: Analysis): Table {
  const cond = conditionLabels(a);
  return {
    caption: `Resources (medians): CPU time of the VMM at Te, memory per running instance from samples${cond.where}`,
    headers: ['guest', 'condition', 'CPU at Te (ms)', 'RSS at Te', 'PSS / instance', 'RSS / instance', 'samples'],
    numeric: [2, 3, 4, 5, 6],
    rows: a.features.conditions.map((c) => [
      c.guest,
      cond.label(c),
      fmtMs(c.resources.cpuMsAtTe?.median),
      fmtKb(c.resources.rssKbAtTe?.median),
      fmtKb(c.resources.pssKbPerInstance?.median),
      fmtKb(c.resources.rssKbPerInstance?.median),
      String(c.resources.samples),
    ]),
  };
}

export function runTable(a: Analysis): Table {
  return {
    caption: 'Runs',
    headers: ['run', 'file', 'started', 'mode', 'host', 'CPU', 'cores', 'kernel', 'QEMU', 'accelerator', 'end', 'boots'],
    numeric: [6, 11],
    // Run ids (UUIDs), paths, CPU names and QEMU binaries are long: let every text cell wrap.
    wrap: [0, 1, 2, 3, 4, 5, 7, 8, 9, 10],
    rows: a.traces.runs.map((r) => {
      const h = r.header;
      const plan = h.plan.mode === 'multi' ? `multi, N = ${h.plan.n.join('/')}, every ${h.plan.intervals_ms.join('/')} ms` : `single × ${h.plan.n.join('/')}`;
      return [
        r.runId,
        r.file,
        h.started_at,
        `${plan}${h.plan.repeat > 1 ? `, ×${h.plan.repeat}` : ''}${h.plan.keep_alive ? ', keep-alive' : ''}`,
        h.host.hostname,
        h.host.cpu_model,
        String(h.host.cores),
        h.host.kernel,
        `${h.host.qemu_version} (${h.host.qemu_binary})`,
        `${h.host.accel} (${h.host.accel_reason}; KVM: ${h.host.kvm_flavour})`,
        r.end ? `${r.end.status}${r.end.reason ? `: ${r.end.reason}` : ''}` : 'no end record',
        String(r.boots.length),
      ];
    }),
  };
}

/** Density runs (record --hold): VMs kept alive, host memory and idle VMM CPU per VM. */
export function steadyStateTable(a: Analysis): Table {
  return {
    caption: 'Steady state (record --hold): VMs kept alive, host memory per VM (MemAvailable drop ÷ VMMs present) and idle VMM CPU per VM',
    headers: ['run', 'guest', 'settings', 'VMs alive (start / end / fewest sampled)', 'held (s)', 'MiB per VM', 'CPU per VM (ms/s)', 'page cache dropped', 'longest sample gap to the end of the hold (s)'],
    numeric: [4, 5, 6, 8],
    wrap: [0],
    rows: steadyStates(a.traces.runs).map((s) => [
      s.runId,
      s.guest,
      s.settings,
      `${s.aliveStart} / ${s.aliveEnd} / ${s.aliveMinSampled ?? '—'}`,
      s.seconds.toFixed(0),
      (s.memoryPerVmKb / 1024).toFixed(2),
      s.cpuMsPerSecondPerVm.toFixed(3),
      s.cachesDropped ? 'yes' : 'no',
      s.longestSampleGapS === null ? '—' : s.longestSampleGapS.toFixed(1),
    ]),
  };
}

export function allTables(a: Analysis): Table[] {
  const hosts = showHostTables(a) ? [hostTable(a), hostComparisonTable(a)] : [];
  return [classTable(a), conditionTable(a), ...hosts, scalingTable(a), phaseTable(a), resourceTable(a), steadyStateTable(a)].filter((t) => t.rows.length > 0);
}

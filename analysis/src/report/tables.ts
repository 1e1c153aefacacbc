// The report's tables as plain string grids. Exporters decide the markup and do the escaping, so the
// Markdown and HTML reports cannot drift apart in content.
import { conditionLabel } from '../features/conditions.ts';
import { fmtInterval, fmtKb, fmtMs, fmtPct } from '../export/format.ts';
import type { Analysis } from './analyze.ts';

export interface Table {
  caption: string;
  headers: string[];
  rows: string[][];
  /** Columns holding numbers (right-aligned). */
  numeric?: number[];
}

export function classTable(a: Analysis): Table {
  const medianCi = (guest: string) => {
    const f = a.classification.guests.find((g) => g.guest === guest)!.features;
    const c = a.features.conditions.find((x) => x.guest === guest && x.host === f.host && x.accel === f.accel && x.mode === 'single');
    return c?.dt?.medianCi ?? null;
  };
  return {
    caption: `Guest classes (k = ${a.classification.k}${a.classification.kRequested === 'auto' ? ', chosen by silhouette' : ''})`,
    headers: ['guest', 'class', 'confidence', 'median ΔT (ms)', '95% CI', 'scaling slope (ms/inst.)', '95% CI', 'placed on', 'ok', 'failed', 'where'],
    numeric: [2, 3, 5, 8, 9],
    rows: a.classification.guests.map((g) => [
      g.guest,
      g.class ?? 'unclassified',
      fmtPct(g.confidence),
      fmtMs(g.features.singleMedianMs),
      g.features.singleSource === 'single' ? fmtInterval(medianCi(g.guest)) : (g.features.singleSource ?? '—'),
      fmtMs(g.features.scalingSlope),
      fmtInterval(g.features.scalingSlopeCi),
      g.basis === 'dt+slope' ? 'ΔT + slope' : g.basis === 'dt' ? 'ΔT only' : '—',
      String(g.features.okBoots),
      String(g.features.failedBoots),
      `${g.features.accel}@${g.features.host}`,
    ]),
  };
}

export function conditionTable(a: Analysis): Table {
  return {
    caption: 'ΔT per guest and condition (all ok boots of the condition; multi pools every batch size)',
    headers: ['guest', 'condition', 'boots', 'ok', 'failed', 'median', '95% CI', 'mean', 'sd', 'MAD', 'IQR', 'p5', 'p95', 'p99', 'CV', 'outliers', 'launch lag p95'],
    numeric: [2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
    rows: a.features.conditions.map((c) => [
      c.guest,
      conditionLabel(c),
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
  const multi = a.features.conditions.filter((c) => c.scaling);
  return {
    caption: 'Scaling per guest and launch interval (ms per extra instance; ΔT in ms)',
    headers: ['guest', 'condition', 'batch sizes', 'Theil–Sen slope', '95% CI', 'OLS slope', 'OLS R²', 'slope vs launch index', 'slope vs running at launch', 'host mem / instance'],
    numeric: [3, 5, 6, 7, 8],
    rows: multi.map((c) => {
      const s = c.scaling!;
      return [
        c.guest,
        conditionLabel(c),
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
  const rows = a.features.conditions
    .filter((c) => c.phases.phases.length || c.phases.firstOutputMs)
    .map((c) => [
      c.guest,
      conditionLabel(c),
      fmtMs(c.phases.firstOutputMs?.median),
      fmtMs(c.phases.vmmFirmwareMs?.median),
      fmtMs(c.phases.tkMs?.median),
      fmtMs(c.phases.dtrMs?.median),
      c.phases.phases.map((p) => `${p.name} ${fmtMs(p.medianMs)}`).join('; ') || '—',
    ]);
  return {
    caption: 'Phases (medians, ms): first output, VMM + firmware (Ts → first marker), TK − Ts and ΔTR = Te − TK (from the `kernel` marker)',
    headers: ['guest', 'condition', 'Ts → first output', 'VMM + firmware', 'TK − Ts', 'ΔTR', 'phases'],
    numeric: [2, 3, 4, 5],
    rows,
  };
}

export function resourceTable(a: Analysis): Table {
  return {
    caption: 'Resources (medians): CPU time of the VMM at Te, memory per running instance from samples',
    headers: ['guest', 'condition', 'CPU at Te (ms)', 'RSS at Te', 'PSS / instance', 'RSS / instance', 'samples'],
    numeric: [2, 3, 4, 5, 6],
    rows: a.features.conditions.map((c) => [
      c.guest,
      conditionLabel(c),
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

export function allTables(a: Analysis): Table[] {
  return [classTable(a), conditionTable(a), scalingTable(a), phaseTable(a), resourceTable(a)].filter((t) => t.rows.length > 0);
}

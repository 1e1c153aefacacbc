import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeFeatures } from '../src/features/compute.ts';
import { bootPhases } from '../src/features/phases.ts';
import { PAPER_GUESTS, syntheticTrace } from './fixtures/synthetic.ts';
import { paperAnalysis, traceSetOf } from './helpers.ts';

test('each guest has a single and a multi condition with the right boot counts', () => {
  const { features } = paperAnalysis();
  const linux = features.conditions.filter((c) => c.guest === 'linux-virt');
  assert.deepEqual(linux.map((c) => [c.mode, c.intervalMs, c.boots, c.ok]), [['multi', 3, 38, 38], ['single', null, 20, 20]]);
});

test('the sweep slope of every synthetic guest is within 15% of the planted slope', () => {
  const { features } = paperAnalysis();
  for (const g of PAPER_GUESTS) {
    const f = features.guests.find((x) => x.guest === g.name)!;
    assert.ok(Math.abs((f.scalingSlope as number) / g.slope - 1) < 0.15, `${g.name}: ${f.scalingSlope} vs ${g.slope}`);
    assert.ok(Math.abs((f.singleMedianMs as number) / g.dtMs - 1) < 0.1, `${g.name}: ${f.singleMedianMs}`);
  }
});

test('phases follow the markers in time order and end at Te', () => {
  const { traces, features } = paperAnalysis();
  const boot = traces.boots.find((b) => b.guest === 'linux-virt' && b.mode === 'single')!;
  const phases = bootPhases(boot);
  assert.deepEqual(phases.map((p) => p.name), ['Ts→firmware', 'firmware→kernel', 'kernel→init', 'init→Te']);
  const total = phases.reduce((s, p) => s + p.ms, 0);
  assert.ok(Math.abs(total - (boot.dt_ms as number)) < 1e-6);
  const c = features.conditions.find((x) => x.guest === 'linux-virt' && x.mode === 'single')!;
  // Markers at 0.05 (firmware), 0.3 (kernel) and 0.8 (init) of ΔT: VMM+firmware = Ts→kernel = 0.3 ΔT,
  // TK = Te − kernel = 0.7 ΔT (the guest's own boot), ΔTR = Te − init = 0.2 ΔT (kernel up → ready).
  const ratio = (s: { median: number } | null) => s!.median / c.dt!.median;
  assert.ok(Math.abs(ratio(c.phases.vmmFirmwareMs) - 0.3) < 0.02, 'VMM + firmware');
  assert.ok(Math.abs(ratio(c.phases.tkMs) - 0.7) < 0.02, 'TK');
  assert.ok(Math.abs(ratio(c.phases.dtrMs) - 0.2) < 0.02, 'ΔTR');
  assert.equal(features.conditions.find((x) => x.guest === 'minkernel' && x.mode === 'single')!.phases.phases.length, 0);
});

test('memory per instance and host memory slope come from the samples during the guest’s batches', () => {
  const { features } = paperAnalysis();
  const osv = features.conditions.find((c) => c.guest === 'osv' && c.mode === 'multi')!;
  assert.equal(osv.resources.pssKbPerInstance?.median, 60_000);
  assert.equal(osv.resources.rssKbPerInstance?.median, 62_000);
  // Synthetic host memory grows by memKb + 5000 KB per running instance.
  assert.ok(Math.abs((osv.resources.hostMemKbPerInstance?.slope ?? 0) - 65_000) < 2_000);
  assert.ok((osv.resources.cpuMsAtTe?.median ?? 0) > 0);
});

test('failed boots are counted by status, kept out of ΔT, and warned about', () => {
  const text = syntheticTrace({ runId: 'f', seed: 3, mode: 'single', singleBoots: 12, failures: { guest: 'g', every: 4 }, guests: [{ name: 'g', dtMs: 400, slope: 1 }] });
  const f = computeFeatures(traceSetOf([{ name: 'f.jsonl', text }]).traces, { resamples: 20 });
  const c = f.conditions[0]!;
  assert.equal(c.boots, 12);
  assert.equal(c.ok, 9);
  assert.equal(c.statusCounts.timeout, 3);
  assert.equal(c.dt?.n, 9);
  assert.ok(f.warnings.some((w) => w.kind === 'failed-boots' && /3 of 12 boots failed \(3 timeout\)/.test(w.message)));
});

test('outliers are reported with their boot and kept in the statistics', () => {
  const text = syntheticTrace({ runId: 'o', seed: 3, mode: 'single', singleBoots: 30, outlier: { guest: 'g', boot: 7, factor: 8 }, guests: [{ name: 'g', dtMs: 400, slope: 1 }] });
  const f = computeFeatures(traceSetOf([{ name: 'o.jsonl', text }]).traces, { resamples: 20 });
  const c = f.conditions[0]!;
  assert.equal(c.outliers.boots.length, 1);
  assert.equal(c.outliers.boots[0]?.index, 7);
  assert.equal(c.dt?.n, 30);
  assert.ok((c.dt?.max ?? 0) > 3000);
});

test('a batch stopped by the memory guard is a caveat, and the slope uses instances actually launched', () => {
  const text = syntheticTrace({ runId: 'g', seed: 3, mode: 'multi', guardLargest: true, guests: [{ name: 'g', dtMs: 400, slope: 30, noise: 0.01 }] });
  const { traces, warnings } = traceSetOf([{ name: 'g.jsonl', text }]);
  assert.ok(warnings.some((w) => w.kind === 'memory-guard' && /stopped by memory_guard after 12 of 20 launches/.test(w.message)));
  assert.ok(warnings.some((w) => w.kind === 'run-status' && /ended "guarded"/.test(w.message)));
  const f = computeFeatures(traces, { resamples: 20 });
  const s = f.conditions[0]!.scaling!;
  assert.deepEqual(s.batches.map((b) => b.launched), [1, 2, 5, 10, 12]);
  // Fitting against the planned n = 20 would give about 17 ms/instance here.
  assert.ok(Math.abs((s.vsBatchSize?.slope ?? 0) - 30) < 3, String(s.vsBatchSize?.slope));
});

test('markers seen in the same read keep the recorded (descriptor) order, so every boot has one phase chain', async () => {
  const { bootPhases: phasesOf } = await import('../src/features/phases.ts');
  const base = paperAnalysis().traces.boots.find((b) => b.status === 'ok')!;
  // "platform" and "devices" arrived in one read: equal times, recorded in descriptor order.
  const tied = { ...base, markers: { platform: base.ts_ns + 10, devices: base.ts_ns + 10 } };
  assert.deepEqual(phasesOf(tied).map((p) => p.name), ['Ts→platform', 'platform→devices', 'devices→Te']);
});

test('failed boots explain themselves in the warning: the most common last console line and QEMU message', async () => {
  const { failureWhy } = await import('../src/features/compute.ts');
  type B = Parameters<typeof failureWhy>[0][number];
  const failed = (lines: string[] | undefined, error: string | null = null) => ({ status: 'exited', last_lines: lines, error }) as unknown as B;
  const why = failureWhy([
    failed(['Booting from ROM..', 'virtio-net device 0 not in manifest. Aborting', 'qemu: qemu-system-x86_64: guest aborted']),
    failed(['virtio-net device 0 not in manifest. Aborting']),
    failed(['virtio-net device 0 not in manifest. Aborting', 'qemu: qemu-system-x86_64: guest aborted']),
    { status: 'ok' } as unknown as B,
  ]);
  assert.equal(why, '; last console line "virtio-net device 0 not in manifest. Aborting", "qemu: qemu-system-x86_64: guest aborted" (2 boots)');
  assert.equal(failureWhy([failed(undefined, 'no ready line within 60 s')]), '; "no ready line within 60 s"', 'older traces: the error');
  assert.equal(failureWhy([{ status: 'ok' } as unknown as B]), '');
});

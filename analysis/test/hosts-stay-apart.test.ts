// Host is a condition: boots of different hosts (a Slurm campaign's shards, or any traces) are never pooled;
// the report gets per-host tables and a host-comparison chart, and the warnings say what a campaign lacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze } from '../src/report/analyze.ts';
import { campaigns, hostFacts, hostWarnings } from '../src/hosts/hosts.ts';
import { hostComparisonTable, hostTable } from '../src/hosts/tables.ts';
import { formatHostSummary } from '../src/hosts/terminal.ts';
import { syntheticTrace } from './fixtures/synthetic.ts';
import { FAST, traceSetOf } from './helpers.ts';

/** A campaign shard: a synthetic run with the campaign block and a host's facts in its header. */
function shard(host: string, shard: number, shards: number, dtMs: number, cpu: string): { name: string; text: string } {
  const text = syntheticTrace({ runId: `run-${host}-${shard}`, seed: shard + 1, mode: 'single', hostname: host, guests: [{ name: 'g', dtMs, slope: 1 }], singleBoots: 15 });
  const lines = text.split('\n');
  const header = JSON.parse(lines[0]!) as Record<string, Record<string, unknown>>;
  header.host = { ...header.host, cpu_model: cpu, ksm: { run: shard % 2, pages_sharing: 0 } };
  header.campaign = { id: 'camp-1', shard, shards, batches: [shard], node: host, slurm_job_id: '42', slurm_array_task_id: shard } as unknown as Record<string, unknown>;
  lines[0] = JSON.stringify(header);
  return { name: `${host}-${shard}.jsonl`, text: lines.join('\n') };
}

test('two hosts of one campaign stay two conditions, side by side in the host tables and chart', () => {
  const { traces, warnings } = traceSetOf([shard('node-a', 0, 3, 100, 'Intel Xeon'), shard('node-b', 1, 3, 300, 'AMD EPYC')]);
  const a = analyze(traces, warnings, FAST);
  const conds = a.features.conditions.filter((c) => c.guest === 'g');
  assert.deepEqual(conds.map((c) => c.host), ['node-a', 'node-b'], 'one condition per host');
  assert.ok(conds[0]!.dt!.median < 150 && conds[1]!.dt!.median > 250, 'medians are per host, not pooled');

  const cmp = hostComparisonTable(a);
  assert.deepEqual(cmp.headers.slice(2), ['tcg@node-a', 'tcg@node-b']);
  assert.equal(cmp.rows.length, 1);
  assert.deepEqual(hostTable(a).rows.map((r) => [r[0], r[1], r[6]]), [['node-a', 'Intel Xeon', 'off'], ['node-b', 'AMD EPYC', 'on']]);
  const chart = a.charts.find((c) => c.name === 'host-comparison');
  assert.ok(chart, 'host-comparison chart');
  const values = (chart.spec as { data: { values: { host: string }[] } }).data.values;
  assert.deepEqual(values.map((v) => v.host).sort(), ['tcg@node-a', 'tcg@node-b']);

  const messages = a.warnings.map((w) => w.message).join('\n');
  assert.match(messages, /boots from 2 hosts .* keeps hosts apart/);
  assert.match(messages, /campaign camp-1: shard\(s\) 2 of 3 missing/);
  const c = campaigns(traces)[0]!;
  assert.deepEqual([c.shards, c.missing, c.hosts], [3, [2], ['node-a', 'node-b']]);
  assert.match(formatHostSummary(a).join('\n'), /campaign camp-1: 2\/3 shard\(s\)/);
});

test('one host name with two different machines is warned about', () => {
  const { traces } = traceSetOf([shard('node-a', 0, 2, 100, 'Intel Xeon'), shard('node-a', 1, 2, 100, 'AMD EPYC')]);
  assert.equal(hostFacts(traces)[0]!.variants, 2);
  const messages = hostWarnings(traces).map((w) => w.message).join('\n');
  assert.match(messages, /host node-a: its runs report 2 different machines/);
});

test('traces without a campaign or a second host get no host section', () => {
  const { traces, warnings } = traceSetOf([{ name: 'x.jsonl', text: syntheticTrace({ runId: 'solo', seed: 3, mode: 'single', guests: [{ name: 'g', dtMs: 100, slope: 1 }], singleBoots: 10 }) }]);
  const a = analyze(traces, warnings, FAST);
  assert.deepEqual(formatHostSummary(a), []);
  assert.equal(a.charts.some((c) => c.name === 'host-comparison'), false);
  assert.deepEqual(hostWarnings(traces), []);
});

test('compare warns when one side pools boots from several hosts', async () => {
  const { writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { runCompare } = await import('../src/cli.ts');
  const { tempDir } = await import('./helpers.ts');
  const dirA = await tempDir();
  const dirB = await tempDir();
  for (const f of [shard('node-a', 0, 2, 100, 'Intel Xeon'), shard('node-b', 1, 2, 300, 'AMD EPYC')]) await writeFile(join(dirA, f.name), f.text);
  const single = shard('node-c', 0, 1, 200, 'Intel Xeon');
  await writeFile(join(dirB, single.name), single.text);
  let out = '';
  let err = '';
  await runCompare(dirA, dirB, { seed: 1, resamples: 50 }, { out: (t) => (out += t), err: (t) => (err += t) });
  assert.match(err, /A holds boots from 2 hosts \(tcg@node-a, tcg@node-b\), pooled on that side/);
  assert.doesNotMatch(err, /B holds boots from/);
  assert.ok(out.length > 0);
});

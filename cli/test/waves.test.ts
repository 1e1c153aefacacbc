// --waves and --hold with real QEMU: each wave is launched only once the previous one has booted, every
// instance stays up through the steady state (bracketed by two steady_state events that count the VMMs
// present), any descriptor works (minkernel and a unikernel), and a Ctrl-C during the steady state leaves
// no VMM.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventRecord } from '@bootlab/trace';
import { record } from '@bootlab/recorder';
import { loadTraces, steadyStates } from '@bootlab/analysis';
import { boots, ensureBuilt, privateGuest, processesWith, readTrace, runOptions, tempDir, waitFor } from '@bootlab/recorder/test-support';

const BIN = fileURLToPath(new URL('../../bin/bootlab.mjs', import.meta.url));
const out = tempDir('waves');

before(async () => {
  await ensureBuilt('minkernel');
  await ensureBuilt('unikernel');
});

for (const [base, n, wave] of [['minkernel', 6, 3], ['unikernel', 4, 2]] as const) {
  test(`${base}: ${n} instances in waves of ${wave}, each wave after the previous booted, all kept alive through the hold`, async () => {
    const guest = privateGuest(base, { name: `waves-${base}` });
    const output = join(out, `${base}.jsonl`);
    let seenDuringHold = -1;
    const result = await record(
      runOptions({ guests: [guest.path], output, mode: 'multi', n: [n], intervalsMs: [3], keepAlive: true, waves: wave, holdS: 1.5, timeoutS: 120 }),
    );
    seenDuringHold = processesWith(guest.kernel).length;
    assert.equal(result.status, 'complete');
    assert.equal(seenDuringHold, 0, 'nothing left after the run');
    const records = readTrace(output);
    const header = records[0];
    assert.ok(header?.type === 'header');
    assert.equal(header.plan.waves, wave);
    assert.equal(header.plan.hold_s, 1.5);
    const bs = boots(records).sort((a, b) => a.index - b.index);
    assert.equal(bs.length, n);
    assert.ok(bs.every((b) => b.status === 'ok'), 'every boot ok');
    for (let w = 1; w * wave < n; w++) {
      const previous = bs.slice((w - 1) * wave, w * wave);
      const first = bs[w * wave]!;
      const lastReady = Math.max(...previous.map((b) => b.te_ns!));
      assert.ok(first.ts_ns > lastReady, `wave ${w} starts after wave ${w - 1} has booted`);
      // Within a wave the interval holds from the wave's own start.
      assert.equal(bs[w * wave + 1]!.scheduled_ns - first.scheduled_ns, 3_000_000);
      // Each instance of a wave found the earlier waves still running.
      assert.ok(first.running_at_launch >= w * wave, 'earlier waves kept alive');
    }
    const steady = records.filter((r): r is EventRecord => r.type === 'event' && r.kind === 'steady_state');
    assert.deepEqual(steady.map((e) => e.data?.phase), ['start', 'end']);
    for (const e of steady) assert.equal(e.data?.alive, n, 'every VMM present at both ends of the steady state');
    assert.ok(steady[1]!.t_ns - steady[0]!.t_ns >= 1_500_000_000, 'held for --hold');
    assert.ok((steady[1]!.data?.vmm_cpu_ms as number) >= (steady[0]!.data?.vmm_cpu_ms as number));
    // Analysis reads the steady state back: VMs alive at both ends, a per-VM CPU figure.
    const [state] = steadyStates((await loadTraces([output])).traces.runs);
    assert.ok(state);
    assert.equal(state.aliveStart, n);
    assert.equal(state.aliveEnd, n);
    assert.ok(state.seconds >= 1.5);
    assert.ok(Number.isFinite(state.memoryPerVmKb) && state.cpuMsPerSecondPerVm >= 0);
    // Its longest sample gap is the longest up to the steady state's end (helpers sample every 100 ms).
    const ts = records.flatMap((r) => (r.type === 'sample' && r.t_ns <= steady[1]!.t_ns ? [r.t_ns] : []));
    const gaps = ts.slice(1).map((t, i) => (t - ts[i]!) / 1e9);
    assert.equal(state.longestSampleGapS, Math.max(...gaps));
  });
}

test('Ctrl-C during the steady state of a waves run leaves no VMM and an interrupted trace', async () => {
  const guest = privateGuest('minkernel', { name: 'waves-sigint' });
  const output = join(out, 'sigint.jsonl');
  const child = spawn(
    process.execPath,
    [BIN, 'record', guest.path, '--mode', 'multi', '-n', '4', '--interval', '3', '--waves', '2', '--keep-alive', '--hold', '600', '--accel', 'tcg', '-o', output],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const holding = () => existsSync(output) && readFileSync(output, 'utf8').includes('"kind":"steady_state"');
  assert.ok(await waitFor(holding, 90_000), `no steady state reached: ${stderr}`);
  assert.equal(processesWith(guest.kernel).length, 4, 'all four kept alive');
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.deepEqual(processesWith(guest.kernel), [], 'no VMM outlives the recorder');
  const records = readTrace(output);
  const end = records.at(-1);
  assert.ok(end?.type === 'end' && end.status === 'interrupted');
  assert.equal(boots(records).filter((b) => b.status === 'ok').length, 4);
});

test('--waves outside multi mode and --hold without --keep-alive are refused before any VM', async () => {
  const guest = privateGuest('minkernel', { name: 'waves-bad' });
  await assert.rejects(record(runOptions({ guests: [guest.path], output: join(out, 'bad1.jsonl'), waves: 2 })), /--waves: only in multi mode/);
  await assert.rejects(record(runOptions({ guests: [guest.path], output: join(out, 'bad2.jsonl'), mode: 'multi', holdS: 5 })), /--hold: only with --keep-alive/);
  assert.equal(existsSync(join(out, 'bad1.jsonl')), false);
});

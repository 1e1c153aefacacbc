// --dense with real QEMU: the header records it, and the flags are really set on each VMM — THP off
// (/proc/PID/status THP_enabled, no huge pages in smaps), ASLR off (/proc/PID/personality, and two VMMs of
// one command line get the same addresses) — while a Ctrl-C still leaves no VMM. Without the engine it is
// refused before any VM.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngine, Engine, record } from '@bootlab/recorder';
import { loadTraces } from '@bootlab/analysis';
import { ensureBuilt, privateGuest, processesWith, readTrace, runOptions, tempDir, waitFor } from '@bootlab/recorder/test-support';

const BIN = fileURLToPath(new URL('../../bin/bootlab.mjs', import.meta.url));
const out = tempDir('dense');
const ADDR_NO_RANDOMIZE = 0x0040000;

before(async () => {
  await ensureBuilt('minkernel');
});

function status(pid: number, field: string): string | null {
  return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.trim() ?? null;
}

/** Sum of a smaps field over every mapping of the process, KiB. */
function smapsTotalKb(pid: number, field: string): number {
  let kb = 0;
  for (const m of readFileSync(`/proc/${pid}/smaps`, 'utf8').matchAll(new RegExp(`^${field}:\\s+(\\d+) kB`, 'gm'))) kb += Number(m[1]);
  return kb;
}

/** Start addresses of the process's mappings of `file` (e.g. libc), in order. */
function mappingsOf(pid: number, file: RegExp): string[] {
  return readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .filter((l) => file.test(l))
    .map((l) => l.split('-')[0]!);
}

async function keepAliveRun(name: string, extra: string[]) {
  const guest = privateGuest('minkernel', { name });
  const output = join(out, `${name}.jsonl`);
  const child = spawn(
    process.execPath,
    [BIN, 'record', guest.path, '--mode', 'multi', '-n', '20', '--interval', '150', '--keep-alive', '--accel', 'tcg', '--timeout', '60', '-o', output, ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const booted = () => existsSync(output) && (readFileSync(output, 'utf8').match(/"type":"boot"/g)?.length ?? 0) >= 2;
  assert.ok(await waitFor(booted, 60_000), `run did not reach 2 boots: ${stderr}`);
  return { child, exited, output, kernel: guest.kernel, stderr: () => stderr };
}

test('--dense: recorded in the header, THP and ASLR really off in every VMM, Ctrl-C leaves no VMM', async () => {
  const run = await keepAliveRun('dense-on', ['--dense']);
  const pids = processesWith(run.kernel);
  assert.ok(pids.length >= 2, 'keep-alive VMMs are running');
  for (const pid of pids) {
    assert.equal(status(pid, 'THP_enabled'), '0', `VMM ${pid}: transparent huge pages off`);
    const personality = Number.parseInt(readFileSync(`/proc/${pid}/personality`, 'utf8').trim(), 16);
    assert.ok((personality & ADDR_NO_RANDOMIZE) !== 0, `VMM ${pid}: ADDR_NO_RANDOMIZE in personality ${personality.toString(16)}`);
    assert.equal(smapsTotalKb(pid, 'AnonHugePages'), 0, `VMM ${pid}: no anonymous huge pages`);
  }
  // Without randomization two VMMs of one command line map libc (and their heap) at the same addresses.
  // Compare libc's base, the one address ASLR picks: a VMM caught while ld.so is still mapping libc's
  // segments (the run launches a VM every 150 ms) shows fewer mappings, all at the same offsets.
  const libc = pids.map((pid) => mappingsOf(pid, /libc\.so/));
  assert.ok(libc[0]!.length > 0, 'libc mapped');
  const bases = libc.filter((m) => m.length > 0).map((m) => m[0]!);
  assert.equal(new Set(bases).size, 1, `libc at the same base in every VMM: ${libc.map((m) => m.join(',')).join(' | ')}`);
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 130, run.stderr());
  assert.deepEqual(processesWith(run.kernel), [], 'no VMM outlives the recorder');
  const records = readTrace(run.output);
  const header = records[0];
  assert.ok(header?.type === 'header');
  assert.deepEqual(header.plan.dense, { thp_disabled: true, aslr_disabled: true });
  assert.equal(records.at(-1)?.type === 'end' && records.at(-1)?.type, 'end');
  // Analysis keeps dense boots apart: their VMM variant says so.
  const { traces } = await loadTraces([run.output]);
  const vmms = new Set(traces.runs.flatMap((r) => r.boots.map((b) => b.vmm)));
  assert.deepEqual([...vmms], ['pc dense']);
});

test('without --dense the VMMs keep randomization and the header says null', async () => {
  const run = await keepAliveRun('dense-off', []);
  const pids = processesWith(run.kernel);
  const libc = pids.map((pid) => mappingsOf(pid, /libc\.so/)[0]).filter((base) => base !== undefined);
  for (const pid of pids) {
    const personality = Number.parseInt(readFileSync(`/proc/${pid}/personality`, 'utf8').trim(), 16);
    assert.equal(personality & ADDR_NO_RANDOMIZE, 0, `VMM ${pid}: randomized`);
  }
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 130, run.stderr());
  assert.deepEqual(processesWith(run.kernel), []);
  // With the host's randomization on, two VMMs practically never share libc's address.
  if (readFileSync('/proc/sys/kernel/randomize_va_space', 'utf8').trim() !== '0') assert.equal(new Set(libc).size, libc.length);
  const header = readTrace(run.output)[0];
  assert.ok(header?.type === 'header');
  assert.equal(header.plan.dense, null);
});

test('--dense without the launch engine is refused before any VM, in one line', async () => {
  const guest = privateGuest('minkernel', { name: 'dense-no-engine' });
  await assert.rejects(
    record(runOptions({ guests: [guest.path], output: join(out, 'no-engine.jsonl'), engine: false, dense: true })),
    (err: Error) => /^--dense needs the launch engine/.test(err.message) && !err.message.includes('\n'),
  );
  assert.equal(existsSync(join(out, 'no-engine.jsonl')), false, 'no trace started');
  assert.deepEqual(processesWith(guest.kernel), []);
});

test('the engine sets THP off and merge-any once on its own mm: a VMM gets both at exec, and ASLR off', async () => {
  const engine = await Engine.start(buildEngine(), { priority: false, dense: true, mergeAny: true });
  assert.equal(engine.dense, 'thp-off,aslr-off');
  const argv = engine.defineArgv(['sleep', `30.${process.hrtime.bigint() % 1000000n}`]);
  const seen = await new Promise<{ ksm: string; thp: string | null; personality: number }>((resolve, reject) =>
    engine.launch(
      argv,
      null,
      true,
      (s) => {
        // Read once the child has exec'd (its comm is sleep's).
        const look = () => {
          if (readFileSync(`/proc/${s.pid}/comm`, 'utf8').trim() !== 'sleep') return setTimeout(look, 20);
          resolve({
            ksm: readFileSync(`/proc/${s.pid}/ksm_stat`, 'utf8'),
            thp: status(s.pid!, 'THP_enabled'),
            personality: Number.parseInt(readFileSync(`/proc/${s.pid}/personality`, 'utf8').trim(), 16),
          });
          engine.kill(s.id);
        };
        look();
        return { stdout() {}, stderr() {}, exit() {} };
      },
      () => reject(new Error('cancelled')),
    ),
  );
  await engine.close();
  assert.match(seen.ksm, /^ksm_merge_any: yes$/m);
  assert.equal(seen.thp, '0');
  assert.ok((seen.personality & ADDR_NO_RANDOMIZE) !== 0);
});

// The launch engine with real processes: it keeps absolute launch times, stamps Ts before the spawn and
// each read when it happens, reports stderr, exits, signals and exec failures, and leaves no process
// behind when it or the recorder is SIGKILLed. No timing thresholds: only orderings that must hold.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildEngine, Engine, type EngineExit, type EngineSpawn } from '../../src/launch/engine.ts';
import { record } from '../../src/record/record.ts';
import { boots, ensureBuilt, privateGuest, processesWith, readTrace, runOptions, tempDir, waitFor } from '../helpers.ts';

const binary = buildEngine();
let engine: Engine;

before(async () => {
  engine = await Engine.start(binary, { priority: true });
});
after(async () => {
  await engine.close();
});

interface Seen {
  spawn: EngineSpawn | null;
  stdout: { text: string; t: bigint }[];
  stderr: { text: string; t: bigint }[];
  exit: (EngineExit & { t: bigint }) | null;
  cancelled: boolean;
}

/** Launch `argv` at `at` and collect everything the engine reports about it. */
function run(argv: string[], at: bigint | null = null): { id: number; seen: Seen; exited: Promise<Seen> } {
  const seen: Seen = { spawn: null, stdout: [], stderr: [], exit: null, cancelled: false };
  let done!: (s: Seen) => void;
  const exited = new Promise<Seen>((resolve) => (done = resolve));
  const id = engine.launch(
    engine.defineArgv(argv),
    at,
    false,
    (s) => {
      seen.spawn = s;
      return {
        stdout: (chunk, t) => seen.stdout.push({ text: chunk.toString(), t }),
        stderr: (chunk, t) => seen.stderr.push({ text: chunk.toString(), t }),
        exit: (how, t) => {
          seen.exit = { ...how, t };
          done(seen);
        },
      };
    },
    () => {
      seen.cancelled = true;
      done(seen);
    },
  );
  return { id, seen, exited };
}

/** A `sleep` whose argument is unique to this call, so /proc shows exactly our process. */
function uniqueSleep(): string {
  return `900.${process.hrtime.bigint() % 1_000_000_000n}`;
}

test('the engine reports the priority it got, and is built once per source version', () => {
  assert.match(engine.priority, /^(fifo:\d+|nice:-\d+|none)/);
  assert.equal(buildEngine(), binary);
});

test('launches at absolute times, never early, in order; Ts before the process exists, Te = the stamp of its read', async () => {
  // Each child prints its own CLOCK_MONOTONIC reading (process.hrtime.bigint) as soon as it runs.
  const print = [process.execPath, '-e', 'process.stdout.write(process.hrtime.bigint() + "\\n")'];
  const first = process.hrtime.bigint() + 50_000_000n;
  const step = 40_000_000n;
  const runs = [0, 1, 2, 3].map((k) => ({ at: first + step * BigInt(k), ...run(print, first + step * BigInt(k)) }));
  const results = await Promise.all(runs.map((r) => r.exited));
  let previousTs = 0n;
  results.forEach((seen, k) => {
    const at = runs[k]!.at;
    assert.ok(seen.spawn, 'spawned');
    const { ts, spawned } = seen.spawn!;
    assert.ok(ts >= at, `launch ${k} not before its planned instant`);
    assert.ok(ts > previousTs, 'in plan order');
    previousTs = ts;
    assert.ok(spawned >= ts);
    const childNow = BigInt(seen.stdout.map((o) => o.text).join('').trim());
    assert.ok(ts < childNow, 'Ts is taken before the child runs');
    const readAt = seen.stdout.at(-1)!.t;
    assert.ok(childNow <= readAt, 'the read is stamped after the child wrote');
    assert.equal(seen.exit?.code, 0);
    assert.ok(seen.exit!.t >= readAt);
  });
});

test('stderr, exit codes, signals and exec failures are reported with their stamps', async () => {
  const failing = await run(['sh', '-c', 'echo oops >&2; exit 3']).exited;
  assert.equal(failing.stderr.map((e) => e.text).join(''), 'oops\n');
  assert.ok(failing.stderr[0]!.t >= failing.spawn!.ts);
  assert.deepEqual([failing.exit?.code, failing.exit?.signal, failing.exit?.execError], [3, null, null]);

  const sleeper = run(['sleep', uniqueSleep()]);
  assert.ok(await waitFor(() => sleeper.seen.spawn !== null, 5000, 10));
  engine.kill(sleeper.id, 'SIGTERM');
  const killed = await sleeper.exited;
  assert.deepEqual([killed.exit?.code, killed.exit?.signal], [null, 'SIGTERM']);

  const missing = await run(['/nonexistent/bootlab-vmm']).exited;
  assert.match(missing.exit?.execError ?? '', /ENOENT/);
  assert.equal(missing.exit?.code, 127);
});

test('launches not started yet are cancelled, and never run', async () => {
  const arg = uniqueSleep();
  const later = run(['sleep', arg], process.hrtime.bigint() + 30_000_000_000n);
  engine.cancelPending();
  const seen = await later.exited;
  assert.equal(seen.cancelled, true);
  assert.equal(seen.spawn, null);
  assert.deepEqual(processesWith(arg), []);
});

test('a SIGKILLed engine leaves no VMM behind, and the recorder hears of it', async () => {
  let death = '';
  const doomed = await Engine.start(binary, { priority: false, onDeath: (reason) => (death = reason) });
  const arg = uniqueSleep();
  let exit: EngineExit | null = null;
  doomed.launch(doomed.defineArgv(['sleep', arg]), null, false, () => ({ stdout() {}, stderr() {}, exit: (how) => (exit = how) }), () => {});
  assert.ok(await waitFor(() => processesWith(arg).length === 1, 5000, 20), 'the VMM stand-in runs');
  doomed.process.kill('SIGKILL');
  await doomed.close();
  assert.ok(await waitFor(() => processesWith(arg).length === 0, 5000, 20), 'the VMM died with the engine');
  assert.match(death, /SIGKILL/);
  assert.equal((exit as EngineExit | null)?.signal, 'SIGKILL');
});

test('an engine ended by a signal while idle is reported with that signal; one that is closed is not', async () => {
  const heard: Array<NodeJS.Signals | null> = [];
  const idle = await Engine.start(binary, { priority: false, onDeath: (_reason, signal) => heard.push(signal) });
  const gone = new Promise((resolve) => idle.process.once('close', resolve));
  idle.process.kill('SIGTERM');
  await gone;
  await idle.close();
  assert.deepEqual(heard, ['SIGTERM']);
  let cancelled = false;
  idle.launch(0, null, false, () => ({ stdout() {}, stderr() {}, exit() {} }), () => (cancelled = true));
  assert.ok(cancelled, 'a launch on a dead engine is cancelled at once');
  const closed = await Engine.start(binary, { priority: false, onDeath: (_reason, signal) => heard.push(signal) });
  await closed.close();
  assert.deepEqual(heard, ['SIGTERM'], 'closing is not a death');
});

test('a SIGKILLed recorder takes the engine and every VMM with it', async (t) => {
  const arg = uniqueSleep();
  const engineModule = fileURLToPath(new URL('../../src/launch/engine.ts', import.meta.url));
  const script = `
    import { Engine } from ${JSON.stringify(engineModule)};
    const e = await Engine.start(${JSON.stringify(binary)}, { priority: false });
    for (let k = 0; k < 3; k++) e.launch(e.defineArgv(['sleep', process.env.SLEEP_ARG]), null, false, () => ({ stdout() {}, stderr() {}, exit() {} }), () => {});
    console.log(e.pid);`;
  const recorder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SLEEP_ARG: arg }, // not in the script: its command line must not match
  });
  let stderr = '';
  recorder.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  t.after(() => recorder.kill('SIGKILL')); // also when an assertion fails first
  let enginePid = 0;
  recorder.stdout.on('data', (d: Buffer) => (enginePid = Number(d.toString().trim())));
  assert.ok(await waitFor(() => processesWith(arg).length === 3 && enginePid > 0, 20_000, 50), `three VMM stand-ins run: ${stderr}`);
  recorder.kill('SIGKILL');
  assert.ok(await waitFor(() => processesWith(arg).length === 0, 5000, 20), 'no VMM outlives the recorder');
  assert.ok(await waitFor(() => processesWith(binary).every((p) => p !== enginePid), 5000, 20), 'nor does the engine');
});

test('a real minkernel under TCG through record(): Ts <= first output <= Te, schedule kept in order, engine in the header', async () => {
  await ensureBuilt('minkernel');
  const guest = privateGuest('minkernel');
  const output = `${tempDir('engine-record')}/trace.jsonl`;
  const result = await record(runOptions({ guests: [guest.path], output, mode: 'multi', n: [3], intervalsMs: [3], keepAlive: true }));
  assert.equal(result.status, 'complete');
  const records = readTrace(output);
  const header = records[0]!;
  assert.ok(header.type === 'header' && header.plan.engine?.binary === binary);
  assert.deepEqual(header.type === 'header' && header.plan.launcher, []);
  const bs = boots(records).sort((a, b) => a.index - b.index);
  assert.equal(bs.length, 3);
  for (const b of bs) {
    assert.equal(b.status, 'ok');
    assert.ok(b.launch_lag_ms >= 0, 'never launched before its planned instant');
    assert.ok(b.ts_ns <= b.spawned_ns && b.ts_ns < b.first_output_ns! && b.first_output_ns! <= b.te_ns!);
    assert.equal(b.dt_ms, (b.te_ns! - b.ts_ns) / 1e6);
  }
  assert.ok(bs[0]!.ts_ns < bs[1]!.ts_ns && bs[1]!.ts_ns < bs[2]!.ts_ns);
  assert.equal(bs[1]!.scheduled_ns - bs[0]!.scheduled_ns, 3_000_000);
  assert.deepEqual(processesWith(guest.kernel), []);
});

test('memory brake: under its floor the engine kills every VMM, cancels what is not launched, and says so', async () => {
  const warnings: string[] = [];
  // A floor above all the memory there is: the brake fires at the engine's first check.
  const braking = await Engine.start(binary, { priority: false, memoryFloorKb: 2 ** 40, onWarning: (m) => warnings.push(m) });
  const arg = uniqueSleep();
  const outcome = new Promise<string>((resolve) =>
    braking.launch(braking.defineArgv(['sleep', arg]), null, false, () => ({ stdout() {}, stderr() {}, exit: (how) => resolve(`exit ${how.signal}`) }), () => resolve('cancelled')),
  );
  assert.match(await outcome, /^(exit SIGKILL|cancelled)$/);
  assert.ok(await waitFor(() => warnings.some((w) => /memory emergency/.test(w)), 5000, 20), warnings.join('; '));
  let later = '';
  braking.launch(braking.defineArgv(['sleep', arg]), null, false, () => ((later = 'spawned'), { stdout() {}, stderr() {}, exit() {} }), () => (later = 'cancelled'));
  assert.ok(await waitFor(() => later !== '', 5000, 20));
  assert.equal(later, 'cancelled', 'nothing is launched after the brake');
  assert.deepEqual(processesWith(arg), []);
  await braking.close();
});

test('sample ticks: the engine reads MemAvailable and counts its live VMMs at each stamp, in time order', async () => {
  const ticks: { t: bigint; memAvailableKb: number | null; running: number }[] = [];
  const sampling = await Engine.start(binary, { priority: false, sampleMs: 20, onSample: (tick) => ticks.push(tick) });
  const arg = uniqueSleep();
  const noop = () => ({ stdout() {}, stderr() {}, exit() {} });
  const argv = sampling.defineArgv(['sleep', arg]);
  sampling.launch(argv, null, false, noop, () => {});
  sampling.launch(argv, null, false, noop, () => {});
  assert.ok(await waitFor(() => ticks.some((t) => t.running === 2), 10_000, 10), `a tick sees both VMMs: ${ticks.map((t) => t.running).join(',')}`);
  assert.ok(await waitFor(() => ticks.length >= 3, 10_000, 10), `${ticks.length} ticks`);
  await sampling.close();
  assert.ok(ticks.every((t, i) => i === 0 || t.t > ticks[i - 1]!.t), 'stamps increase');
  assert.ok(ticks.every((t) => t.memAvailableKb !== null && t.memAvailableKb > 0), 'MemAvailable read');
  assert.deepEqual(processesWith(arg), []);
});

test('a long schedule leaves in several writes, the first before the rest is built', async () => {
  const writer = await Engine.start(binary, { priority: false });
  const stdin = writer.process.stdin!;
  const writes: number[] = [];
  let built = 0;
  const original = stdin.write.bind(stdin) as (chunk: Buffer) => boolean;
  (stdin as unknown as { write: (chunk: Buffer) => boolean }).write = (chunk: Buffer) => {
    writes.push(built);
    return original(chunk);
  };
  const argv = writer.defineArgv(['true']);
  const far = process.hrtime.bigint() + 60_000_000_000n;
  let cancelled = 0;
  for (; built < 200; built++) writer.launch(argv, far + BigInt(built) * 3_000_000n, false, () => ({ stdout() {}, stderr() {}, exit() {} }), () => cancelled++);
  await new Promise((resolve) => setImmediate(resolve));
  writer.cancelPending();
  assert.ok(await waitFor(() => cancelled === 200, 10_000, 10), `${cancelled} of 200 cancelled`);
  await writer.close();
  assert.ok(writes.length >= 4, `${writes.length} writes for 200 launches (+1 argv)`);
  assert.ok(writes[0]! < 200, 'the first launches left before the last one was planned');
});

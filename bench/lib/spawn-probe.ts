// Child process of bench/spawn.ts: measures child_process.spawn exactly as recorder/src/launch/launch.ts calls
// it (stdio ignore/pipe/pipe), in a fresh Node process so the harness's own heap does not inflate fork().
// Input: one JSON argument (ProbePlan). Output: one JSON line (ProbeResult) on stdout.
//
// For each spawn: Ts before spawn(), "spawned" when it returns (libuv forks and then blocks until the
// child has exec'd, so this is fork + exec of the first binary), Te at the first stdout chunk (the
// trivial guest prints "ready" at once). Variants run round-robin, so load drift falls on all alike.
import { spawn } from 'node:child_process';
import { RECORDER_PID } from './recorder-pid.ts';

export interface ProbeVariant {
  name: string;
  file: string;
  args: string[];
  /** Pass a minimal environment instead of inheriting process.env. */
  minimalEnv?: boolean;
  /** args with RECORDER_PID replaced (set by the probe). */
  resolvedArgs?: string[];
}


export interface ProbePlan {
  variants: ProbeVariant[];
  iterations: number;
  /** Touched memory added before measuring (MiB), to see fork() cost against resident size. */
  ballastMb: number;
  /** Long-lived children (running `keepCommand`) kept open during the measurement. */
  liveChildren: number;
  keepCommand: string;
}

export interface ProbeSeries {
  spawn_ms: number[];
  dt_ms: number[];
}

export interface ProbeResult {
  rss_kb: number;
  ballast_mb: number;
  live_children: number;
  series: Record<string, ProbeSeries>;
}

const clock = process.hrtime.bigint;
const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;

async function once(v: ProbeVariant): Promise<{ spawn: number; dt: number }> {
  const env = v.minimalEnv ? { PATH: process.env.PATH ?? '/usr/bin:/bin' } : process.env;
  const ts = clock();
  const child = spawn(v.file, v.resolvedArgs ?? v.args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const spawned = clock();
  const te = await new Promise<bigint>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', () => resolve(clock()));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('close', r));
  return { spawn: ms(ts, spawned), dt: ms(ts, te) };
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '{}') as ProbePlan;
  // bootlab-launch wants the pid of the process spawning it (ours), which the harness cannot know.
  for (const v of plan.variants) v.resolvedArgs = v.args.map((a) => (a === RECORDER_PID ? String(process.pid) : a));
  const ballast: Buffer[] = [];
  // Buffer.alloc(fill) touches every page: resident, so fork() copies its page-table entries.
  for (let i = 0; i < plan.ballastMb; i += 64) ballast.push(Buffer.alloc(Math.min(64, plan.ballastMb - i) << 20, 1));
  const live = [];
  for (let i = 0; i < plan.liveChildren; i++) {
    const c = spawn(plan.keepCommand, [], { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout.resume();
    live.push(c);
  }
  const series: Record<string, ProbeSeries> = Object.fromEntries(plan.variants.map((v) => [v.name, { spawn_ms: [], dt_ms: [] }]));
  // One unrecorded round first: the first spawn pays for lazy initialisation (signal handlers, pipes).
  for (const v of plan.variants) await once(v);
  for (let i = 0; i < plan.iterations; i++) {
    for (const v of plan.variants) {
      const r = await once(v);
      series[v.name]!.spawn_ms.push(r.spawn);
      series[v.name]!.dt_ms.push(r.dt);
    }
  }
  const rssKb = Math.round(process.memoryUsage().rss / 1024);
  for (const c of live) c.kill('SIGKILL');
  await Promise.all(live.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('close', r)))));
  const result: ProbeResult = { rss_kb: rssKb, ballast_mb: plan.ballastMb, live_children: plan.liveChildren, series };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  void ballast.length;
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

// Waiting for a submitted campaign: task states from Slurm, boots so far from the shard traces, one progress
// line; Ctrl-C cancels the array with scancel (the recorders end their traces with an `interrupted` record);
// at the end a per-shard summary, the log tail of every failed task, and the commands to analyse or resume.
import { existsSync, readFileSync } from 'node:fs';
import { logPath, shardTracePath, type CampaignManifest } from './campaign.ts';
import { ShardTraceTail, type ShardTraceStatus } from './shard-trace.ts';
import { arrayTaskStates, scancel, TERMINAL_STATES, type TaskState } from './slurm.ts';

export interface WatchIo {
  /** Summary and results (stdout by default). */
  out: (text: string) => void;
  /** Progress (stderr by default). */
  err: (text: string) => void;
  tty?: boolean;
}

export interface ShardOutcome {
  shard: number;
  state: string;
  node: string | null;
  exitCode: string | null;
  reason: string | null;
  boots: number;
  trace: ShardTraceStatus;
  /** Last lines of the task's log, for tasks that did not complete. */
  logTail: string[];
}

export interface CampaignOutcome {
  manifest: CampaignManifest;
  jobId: string | null;
  shards: ShardOutcome[];
  /** Every submitted shard completed with a complete trace. */
  ok: boolean;
  interrupted: boolean;
}

export interface WatchOptions {
  dir: string;
  /** The folder as the user named it, for the commands printed at the end. */
  displayDir: string;
  manifest: CampaignManifest;
  jobId: string;
  shards: readonly number[];
  pollMs: number;
  handleSignals: boolean;
  io?: WatchIo | undefined;
}

const LOG_TAIL_LINES = 12;

function tailOf(path: string, lines: number): string[] {
  if (!existsSync(path)) return [`(no log at ${path})`];
  const text = readFileSync(path, 'utf8').replace(/\r/g, '\n');
  return text.split('\n').filter((l) => l.trim() !== '').slice(-lines);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export async function watchCampaign(options: WatchOptions): Promise<CampaignOutcome> {
  const io: WatchIo = options.io ?? { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), tty: Boolean(process.stderr.isTTY) };
  const { manifest, jobId, dir } = options;
  const tails = new Map(options.shards.map((s) => [s, new ShardTraceTail(shardTracePath(dir, s))]));
  const planned = manifest.shards.filter((s) => options.shards.includes(s.index)).reduce((sum, s) => sum + s.boots, 0);
  const started = Date.now();
  let states = new Map<number, TaskState>();
  let traces = new Map<number, ShardTraceStatus>();
  let cancelRequested = false;
  let stopWaiting = false;
  let lastLine = '';
  let wake: (() => void) | null = null;

  const onSigint = () => {
    if (cancelRequested) {
      stopWaiting = true;
      io.err(`\n[campaign] not waiting any longer; job array ${jobId} was cancelled\n`);
    } else {
      cancelRequested = true;
      io.err(`\n[campaign] Ctrl-C: cancelling job array ${jobId} (scancel); the traces written so far stay valid. Ctrl-C again to stop waiting.\n`);
      scancel(jobId).catch((err: Error) => io.err(`[campaign] ${err.message}\n`));
    }
    wake?.();
  };
  if (options.handleSignals) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
  }

  const allEnded = () =>
    options.shards.every((s) => {
      const st = states.get(s);
      // A task Slurm has forgotten (purged) has ended; its trace tells how.
      return st ? TERMINAL_STATES.has(st.state) : traces.get(s)?.end !== undefined && states.size > 0;
    });

  try {
    for (;;) {
      states = await arrayTaskStates(jobId);
      traces = new Map([...tails].map(([s, t]) => [s, t.read()]));
      const count = (pred: (st: string) => boolean) => options.shards.filter((s) => pred(states.get(s)?.state ?? 'UNKNOWN')).length;
      const pending = count((st) => st === 'PENDING' || st === 'CONFIGURING' || st === 'REQUEUED');
      const running = count((st) => st === 'RUNNING' || st === 'COMPLETING');
      const done = count((st) => st === 'COMPLETED');
      const failed = count((st) => TERMINAL_STATES.has(st) && st !== 'COMPLETED');
      const boots = [...traces.values()].reduce((s, t) => s + t.boots, 0);
      const secs = Math.round((Date.now() - started) / 1000);
      const line = `[campaign] job ${jobId}: ${pending} pending, ${running} running, ${done} done${failed ? `, ${failed} failed/cancelled` : ''} · ${boots}/${planned} boots · ${secs} s`;
      if (io.tty) io.err(`\r\x1b[2K${line}`);
      else if (line.replace(/ · \d+ s$/, '') !== lastLine.replace(/ · \d+ s$/, '')) io.err(`${line}\n`);
      lastLine = line;
      if (allEnded() || stopWaiting) break;
      await new Promise<void>((r) => {
        const t = setTimeout(r, options.pollMs);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      wake = null;
    }
  } finally {
    if (io.tty) io.err('\n');
    if (options.handleSignals) {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  }

  const shards: ShardOutcome[] = options.shards.map((s) => {
    const st = states.get(s);
    const trace = traces.get(s) ?? { exists: false, boots: 0, end: null };
    const state = st?.state ?? (trace.end === 'complete' ? 'COMPLETED' : 'UNKNOWN');
    const good = state === 'COMPLETED' && trace.end === 'complete';
    return {
      shard: s,
      state,
      node: st?.node ?? null,
      exitCode: st?.exitCode ?? null,
      reason: st?.reason ?? null,
      boots: trace.boots,
      trace,
      logTail: good ? [] : tailOf(logPath(dir, s, jobId), LOG_TAIL_LINES),
    };
  });
  const ok = shards.every((s) => s.state === 'COMPLETED' && s.trace.end === 'complete');
  io.out(formatSummary(options, shards, ok, cancelRequested, Date.now() - started));
  return { manifest, jobId, shards, ok, interrupted: cancelRequested };
}

function formatSummary(options: WatchOptions, shards: readonly ShardOutcome[], ok: boolean, cancelled: boolean, ms: number): string {
  const { manifest, displayDir } = options;
  const lines: string[] = [];
  const boots = shards.reduce((s, x) => s + x.boots, 0);
  lines.push(`campaign ${manifest.id}, job array ${options.jobId}: ${ok ? 'complete' : cancelled ? 'cancelled' : 'incomplete'}, ${boots} boots in ${(ms / 1000).toFixed(1)} s`);
  lines.push(`  ${pad('shard', 6)} ${pad('node', 14)} ${pad('slurm state', 12)} ${pad('boots', 6)} ${pad('trace', 12)} file`);
  for (const s of shards) {
    const file = shardTracePath(displayDir, s.shard);
    const trace = s.trace.exists ? (s.trace.end ?? 'no end record') : 'none';
    lines.push(`  ${pad(String(s.shard), 6)} ${pad(s.node ?? '-', 14)} ${pad(s.state, 12)} ${pad(String(s.boots), 6)} ${pad(trace, 12)} ${s.trace.exists ? file : '-'}`);
  }
  for (const s of shards) {
    if (!s.logTail.length) continue;
    const why = [s.state, s.exitCode ? `exit ${s.exitCode}` : null, s.reason ? `reason ${s.reason}` : null].filter(Boolean).join(', ');
    lines.push(`shard ${s.shard} did not complete (${why}); last lines of ${logPath(displayDir, s.shard, options.jobId ?? '?')}:`);
    for (const l of s.logTail) lines.push(`    ${l}`);
  }
  if (shards.some((s) => s.trace.exists)) lines.push(`analyse it with: bootlab analyze ${displayDir} -o ${displayDir}/report`);
  if (!ok) lines.push(`record the missing shards with: bootlab record --slurm --resume -o ${displayDir}`);
  return `${lines.join('\n')}\n`;
}

// Spawns and watches one VMM instance: how one boot is executed (hyperfine's executor), nothing about
// which boots happen when (schedule.ts). The timed path uses child_process.spawn directly rather than
// execa: between Ts and the spawn we want nothing but the fork/exec itself, and execa's promise and
// option handling would add its own cost to every ΔT.
import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { BootStatus } from '@bootlab/trace';
import { ConsoleMatcher } from '../console/console-matcher.ts';
import type { LaunchFail } from '../guests/descriptor.ts';
import { READY_NAME, SignalWatcher, type NonConsoleSignals, type SignalHit } from '../console/ready-signals.ts';
import { readCpuMs, readGuestRamKb, readRssKb } from '../host/proc.ts';
import type { Clock } from './clock.ts';

export type { Clock } from './clock.ts';

export interface LaunchSpec {
  /** The QEMU command line, argv[0] being the binary. */
  argv: readonly string[];
  /** Prefix the VMM runs under (e.g. setpriv --pdeathsig KILL --); empty for none. */
  launcher: readonly string[];
  ready: string;
  markers: Record<string, string>;
  timeoutMs: number;
  /** Keep the instance running after Te (until the caller stops it) instead of killing it at once. */
  keepAlive: boolean;
  clock: Clock;
  /** The -m size in KiB whose resident part is read at Te (readGuestRamKb); null or absent: not read. */
  guestRamKb?: number | null | undefined;
  /** tcp/http/exit signals (ready-signals.ts); the ready one, if any, is named READY_NAME and `ready` never matches. */
  signals?: Omit<NonConsoleSignals, 'clock' | 'onHit'> | undefined;
  /** The descriptor's fail signal: a console line or VMM exit code that ends the boot as failed at once. */
  fail?: LaunchFail | null | undefined;
}

/** Everything observed about one boot; the scheduler turns it into a trace record. */
export interface BootOutcome {
  status: BootStatus;
  ts: bigint;
  spawned: bigint;
  firstOutput: bigint | null;
  te: bigint | null;
  readyMatch: string | null;
  /** Console lines and characters up to the end of the ready line (ok boots only). */
  consoleAtTe: { lines: number; chars: number } | null;
  markers: Map<string, bigint>;
  end: bigint;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  /** The console line the fail regex matched, or "exit N" for a fail exit code; null when no fail signal fired. */
  failMatch: string | null;
  consoleTail: string | null;
  pid: number | null;
  cpuMsAtTe: number | null;
  rssKbAtTe: number | null;
  /** Of rssKbAtTe, the guest's RAM (single-instance boots; null otherwise). */
  guestRamKbAtTe: number | null;
  cpuMsEnd: number | null;
  rssKbEnd: number | null;
}

/** QEMU messages that mean the VM cannot go on; QEMU may keep running after them, so act at once. */
const FATAL_VMM = /KVM internal error|emulation failure|^qemu-system-[^:]*: (?!warning:|terminating on signal)/m;
const STDERR_TAIL = 2048;
/** How long a fail line whose newline has not come yet may take to complete before the boot ends anyway. */
export const FAIL_LINE_WAIT_MS = 200;

/** How an instance was started: Ts, when the spawn returned, and the pid or why there is none. */
export interface VmmStart {
  ts: bigint;
  spawned: bigint;
  pid: number | null;
  error: string | null;
}

/** Stops the VMM process (through the launch engine, or Node's ChildProcess). */
export interface VmmControl {
  kill(): void;
}

/**
 * One running (or finished) instance. `concluded` resolves when the boot's outcome is known: ready seen,
 * failed, timed out or stopped. `closed` resolves when the process is gone and its pipes are drained.
 * The process side is fed in: `console`, `stderr` and `exited` carry the time of the read (or exit),
 * stamped by the launch engine, or by Node when Node spawned the process itself.
 */
export class Instance {
  readonly ts: bigint;
  readonly spawned: bigint;
  readonly pid: number | null;
  readonly concluded: Promise<BootOutcome>;
  readonly closed: Promise<void>;
  private readonly control: VmmControl | null;
  private readonly matcher: ConsoleMatcher;
  private readonly spec: Omit<LaunchSpec, 'argv' | 'launcher'>;
  private outcome: BootOutcome | null = null;
  private resolveConcluded!: (outcome: BootOutcome) => void;
  private resolveClosed!: () => void;
  private timer: NodeJS.Timeout | null = null;
  private failTimer: NodeJS.Timeout | null = null;
  private stderrTail = '';
  private alive = true;
  private lastCpuMs: number | null = null;
  private lastRssKb: number | null = null;
  private readonly consoleText = new StringDecoder('utf8');
  private readonly stderrText = new StringDecoder('utf8');
  private readonly watcher: SignalWatcher | null;
  private readonly signalHits = new Map<string, SignalHit>();

  constructor(spec: Omit<LaunchSpec, 'argv' | 'launcher'>, start: VmmStart, control: VmmControl | null) {
    this.spec = spec;
    this.matcher = new ConsoleMatcher({ ready: spec.ready, markers: spec.markers, fail: spec.fail?.console ?? null });
    this.watcher = spec.signals?.signals.size ? new SignalWatcher({ ...spec.signals, clock: spec.clock, onHit: (hit) => this.onSignal(hit) }) : null;
    this.concluded = new Promise((resolve) => (this.resolveConcluded = resolve));
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.ts = start.ts;
    this.spawned = start.spawned;
    this.pid = start.pid;
    this.control = control;
    if (start.error !== null) {
      this.conclude('spawn_error', { error: start.error });
      // Without a process handle there is no process (spawn threw); otherwise its exit is still to come.
      if (!control) {
        this.alive = false;
        this.resolveClosed();
      }
      return;
    }
    this.watcher?.start();
    this.timer = setTimeout(() => {
      this.conclude('timeout', { error: `no ready line within ${spec.timeoutMs / 1000} s` }, true);
    }, spec.timeoutMs);
  }

  /** Console (stdout) bytes read at `t`. */
  console(chunk: Buffer | string, t: bigint): void {
    const text = typeof chunk === 'string' ? chunk : this.consoleText.write(chunk);
    if (text.length) this.onConsole(text, t);
  }

  /** VMM stderr bytes read at `t`. */
  stderr(chunk: Buffer | string, t: bigint): void {
    const text = typeof chunk === 'string' ? chunk : this.stderrText.write(chunk);
    if (text.length) this.onStderr(text);
  }

  /** The process is gone and its output drained; `t` is when it exited (before the drain), if known. */
  exited(code: number | null, signal: string | null, t: bigint | null = null): void {
    if (!this.alive) return;
    this.alive = false;
    this.clearTimer();
    // An exit ready signal is met here, after the pipes are drained, so that console markers are all in.
    this.watcher?.exited(code, t ?? this.spec.clock());
    // A fail line still waiting for its newline is complete now: nothing more will come.
    if (this.failPending()) this.concludeFail();
    if (this.outcome === null && code !== null && this.spec.fail?.exit.includes(code)) {
      this.conclude('vmm_error', { exitCode: code, signal, error: `guest failed: VMM exited with ${code} (descriptor fail exit code)`, failMatch: `exit ${code}` });
    }
    const error = this.vmmMessage();
    this.conclude(error && code !== 0 ? 'vmm_error' : 'exited', { exitCode: code, signal, error });
    this.resolveClosed();
  }

  /** The spawn failed after the fact (Node reports ENOENT asynchronously). */
  spawnFailed(message: string): void {
    this.conclude('spawn_error', { error: message });
  }

  get isAlive(): boolean {
    return this.alive;
  }

  get isBooting(): boolean {
    return this.outcome === null;
  }

  get outcomeSoFar(): BootOutcome | null {
    return this.outcome;
  }

  /** Called by the sampler so that instances which exit by themselves still have a last reading. */
  noteReading(cpuMs: number | null, rssKb: number | null): void {
    if (cpuMs !== null) this.lastCpuMs = cpuMs;
    if (rssKb !== null) this.lastRssKb = rssKb;
  }

  /** Stop the instance; if its boot has not concluded yet, it concludes with `status`. */
  stop(status: BootStatus = 'interrupted', error: string | null = null): void {
    this.conclude(status, { error }, true);
    this.kill();
  }

  kill(): void {
    if (this.alive && this.control) this.control.kill();
  }

  private onConsole(chunk: string, t: bigint): void {
    const hits = this.matcher.feed(chunk, t);
    if (this.outcome !== null) return;
    if (this.failPending()) {
      // Complete lines end the boot at once; a line still arriving gets a moment for its reason to be whole.
      if (this.matcher.fail?.complete) this.concludeFail();
      else this.failTimer ??= setTimeout(() => this.concludeFail(), FAIL_LINE_WAIT_MS);
      return;
    }
    if (hits.length && this.matcher.readyAt !== null) {
      this.conclude('ok', {}, !this.spec.keepAlive);
    }
  }

  /** Whether the fail regex matched before the ready line ended (a failure, not a line printed after Te). */
  private failPending(): boolean {
    const fail = this.matcher.fail;
    if (this.outcome !== null || !fail) return false;
    const readyEnd = this.matcher.readyEndsAt;
    return readyEnd === null || fail.at < readyEnd;
  }

  private concludeFail(): void {
    const line = this.matcher.fail?.line.trim() ?? '';
    this.conclude('vmm_error', { error: `guest failed: "${line}" (descriptor fail regex)`, failMatch: line }, true);
  }

  private onSignal(hit: SignalHit): void {
    if (this.outcome !== null) return;
    this.signalHits.set(hit.name, hit);
    if (hit.name === READY_NAME) this.conclude('ok', {}, !this.spec.keepAlive);
  }

  private onStderr(chunk: string): void {
    this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL);
    if (this.outcome === null && FATAL_VMM.test(chunk)) {
      this.conclude('vmm_error', { error: this.vmmMessage() }, true);
    }
  }

  private vmmMessage(): string | null {
    const lines = this.stderrTail.split('\n').map((l) => l.trim()).filter(Boolean);
    const fatal = lines.find((l) => FATAL_VMM.test(l));
    return fatal ?? null;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.failTimer) clearTimeout(this.failTimer);
    this.timer = null;
    this.failTimer = null;
  }

  private conclude(
    status: BootStatus,
    detail: { exitCode?: number | null; signal?: string | null; error?: string | null; failMatch?: string | null },
    killAfter = false,
  ): void {
    if (this.outcome !== null) return;
    const end = this.spec.clock();
    this.clearTimer();
    const pid = this.pid;
    this.watcher?.stop();
    const signalReady = this.signalHits.get(READY_NAME) ?? null;
    const te = status === 'ok' ? (signalReady?.t ?? this.matcher.readyAt) : null;
    const markers = this.matcher.markerTimes();
    for (const [name, hit] of this.signalHits) if (name !== READY_NAME) markers.set(name, hit.t);
    // Read the process's CPU time and memory right at Te, before anything else runs.
    const cpuNow = pid !== null && this.alive ? readCpuMs(pid) : null;
    const rssNow = pid !== null && this.alive ? readRssKb(pid) : null;
    const ramSize = this.spec.guestRamKb ?? null;
    const guestRamNow = status === 'ok' && pid !== null && this.alive && ramSize !== null ? readGuestRamKb(pid, ramSize) : null;
    if (cpuNow !== null) this.lastCpuMs = cpuNow;
    if (rssNow !== null) this.lastRssKb = rssNow;
    this.outcome = {
      status,
      ts: this.ts,
      spawned: this.spawned,
      firstOutput: this.matcher.firstOutputAt,
      te,
      readyMatch: status === 'ok' ? (signalReady ? signalReady.detail : this.matcher.readyMatch) : null,
      // Console volume up to Te: to the ready line, or everything printed before a network/exit signal.
      consoleAtTe: status === 'ok' ? (this.matcher.volumeAtReady ?? this.matcher.volumeSoFar) : null,
      markers,
      end,
      exitCode: detail.exitCode ?? null,
      signal: detail.signal ?? null,
      error: detail.error ?? null,
      failMatch: detail.failMatch ?? null,
      consoleTail: status === 'ok' ? null : this.failureTail(),
      pid,
      cpuMsAtTe: status === 'ok' ? cpuNow : null,
      rssKbAtTe: status === 'ok' ? rssNow : null,
      guestRamKbAtTe: guestRamNow,
      cpuMsEnd: this.lastCpuMs,
      rssKbEnd: this.lastRssKb,
    };
    if (killAfter) this.kill();
    this.resolveConcluded(this.outcome);
  }

  private failureTail(): string {
    const stderr = this.stderrTail.trim();
    const console = this.matcher.tail;
    return stderr ? `${console}\n[stderr]\n${stderr}`.slice(-4096) : console;
  }
}

/**
 * Start one instance now with Node's own spawn(): the path used when the launch engine cannot be built
 * (or another launcher is asked for). Reads are stamped when Node's event loop gets to them.
 */
export function launch(spec: LaunchSpec): Instance {
  const [file, ...args] = [...spec.launcher, ...spec.argv];
  let child: ChildProcess | null = null;
  let spawnError: Error | null = null;
  // Ts is taken immediately before the spawn, as in the paper (just before fork()).
  const ts = spec.clock();
  try {
    child = spawn(file ?? '', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    spawnError = err as Error;
  }
  const spawned = spec.clock();
  if (!child || spawnError) {
    return new Instance(spec, { ts, spawned, pid: null, error: spawnError?.message ?? 'spawn failed' }, null);
  }
  // An asynchronous spawn failure (ENOENT, EACCES) comes with no pid, then 'error', then 'close'.
  const started = child;
  const inst = new Instance(spec, { ts, spawned, pid: child.pid ?? null, error: null }, { kill: () => started.kill('SIGKILL') });
  child.stdout?.on('data', (chunk: Buffer) => inst.console(chunk, spec.clock()));
  child.stderr?.on('data', (chunk: Buffer) => inst.stderr(chunk, spec.clock()));
  child.once('error', (err) => inst.spawnFailed(err.message));
  // The exit itself is stamped on 'exit'; 'close' comes once the pipes are drained (console markers all in).
  let exitStamp: bigint | null = null;
  child.once('exit', () => (exitStamp = spec.clock()));
  child.once('close', (code, signal) => inst.exited(code, signal, exitStamp));
  return inst;
}

// The Node half of the launch engine (recorder/engine/bootlab-engine.c): builds it on first use like
// bootlab-launch, runs it as one long-lived child, sends it command lines and absolute launch instants,
// and turns its framed event stream back into per-instance callbacks. The engine stamps Ts, every console
// read and every exit on CLOCK_MONOTONIC — the clock of process.hrtime.bigint() — so these callbacks carry
// the engine's stamps, and nothing Node does (matching, sampling, writing) moves a timestamp.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { buildLauncher, LAUNCHER_BUILD_DIR } from './launcher.ts';
import { REPO_ROOT } from '../guests/guests.ts';

export const ENGINE_SOURCE = join(REPO_ROOT, 'recorder', 'engine', 'bootlab-engine.c');

/** What the engine reports about one spawn. `ts` is Ts, stamped immediately before vfork(). */
export interface EngineSpawn {
  id: number;
  ts: bigint;
  spawned: bigint;
  pid: number | null;
  /** Why the VMM could not be started (pipe or clone error), or null. An exec failure comes with the exit. */
  error: string | null;
  /** VMMs of this engine alive at Ts, not counting this one. */
  running: number;
}

/** How the process ended, beyond its wait status. */
export interface EngineExit {
  code: number | null;
  signal: string | null;
  /** The command could not be executed (ENOENT, EACCES, …): the VMM never ran. */
  execError: string | null;
  /** PR_SET_MEMORY_MERGE: 'done', 'not asked', or the kernel's refusal (e.g. EINVAL before Linux 6.4). */
  merge: string;
  /** personality(ADDR_NO_RANDOMIZE) under --dense: 'done', 'not asked', or the kernel's refusal. */
  dense: string;
}

export interface EngineHandlers {
  stdout(chunk: Buffer, t: bigint): void;
  stderr(chunk: Buffer, t: bigint): void;
  /** The VMM is gone and its pipes are drained; `t` is the engine's stamp of the exit. */
  exit(how: EngineExit, t: bigint): void;
}

interface Pending {
  onSpawn: (spawn: EngineSpawn) => EngineHandlers;
  onCancel: () => void;
  handlers: EngineHandlers | null;
}

export interface EngineOptions {
  /** Raise the engine's priority (SCHED_FIFO, else nice -10) when permitted. */
  priority: boolean;
  /**
   * The engine's own memory brake: under this MemAvailable (KiB) it cancels every launch and kills every
   * VMM, then reports a warning starting "memory emergency". It checks every 50 ms at its raised priority,
   * where the recorder may be starved of CPU by hundreds of booting guests. 0 or absent: off.
   */
  memoryFloorKb?: number;
  /**
   * --dense: transparent huge pages off for the engine's mm (so for every VMM: the flag is copied at exec)
   * and ASLR off (personality) in each VMM. Per engine, hence per run.
   */
  dense?: boolean;
  /**
   * --ksm: PR_SET_MEMORY_MERGE once on the engine's mm (every VMM inherits it at exec), not in each child
   * before exec, where it takes the shared mm's lock from a child that may wait long for a CPU.
   */
  mergeAny?: boolean;
  /**
   * Called when the engine ends without being closed (it was killed), with the signal that ended it. Its
   * VMMs went with it; every later launch is cancelled.
   */
  onDeath?: (reason: string, signal: NodeJS.Signals | null) => void;
  onWarning?: (message: string) => void;
  /**
   * Sample ticks: every this many ms the engine's reader (at raised priority while VMMs run) reads
   * MemAvailable and counts its live VMMs, stamped like every other event, and reports them through
   * onSample. Node's own timer came up to 3.5 s late at thousands of VMMs on 2 cores. 0 or absent: off.
   */
  sampleMs?: number;
  onSample?: (tick: EngineSampleTick) => void;
  buildDirs?: readonly string[];
}

/** One sample tick of the engine: what it read at `t` (CLOCK_MONOTONIC ns). */
export interface EngineSampleTick {
  t: bigint;
  /** /proc/meminfo MemAvailable, KiB; null if unreadable. */
  memAvailableKb: number | null;
  /** VMMs of this engine alive at `t`. */
  running: number;
}

/**
 * A schedule leaves in writes of at most this many frames. One write for a whole batch (1048 launches at
 * Figure 2's start) reached the engine only once Node had built all of it, ~30 ms, after the first
 * launches' instants: they went out 2-10 ms late. In writes of 64, the engine has the first launches while
 * Node builds the rest, and building 64 (~2 ms) is far shorter than the 64 × 3 ms they span.
 */
const FRAMES_PER_WRITE = 64;

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));
const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/** Compile the engine if this source version has not been compiled yet; throws LauncherBuildError. */
export function buildEngine(buildDirs?: readonly string[]): string {
  return buildLauncher({ source: ENGINE_SOURCE, name: 'bootlab-engine', buildDirs: buildDirs ?? [LAUNCHER_BUILD_DIR] });
}

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32LE(body.length + 1, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

export class Engine {
  readonly binary: string;
  /** What the engine's launch thread got, e.g. "fifo:20", "nice:-10 (…)", "off". */
  priority = 'unknown';
  /** What --dense got: "off", "thp-off,aslr-off", or "error:…" (start() then throws). */
  dense = 'unknown';
  private readonly child: ChildProcess;
  private readonly options: EngineOptions;
  private readonly instances = new Map<number, Pending>();
  private nextId = 0;
  private nextArgv = 0;
  private buffered: Buffer = Buffer.alloc(0);
  private outgoing: Buffer[] = [];
  private alive = true;
  private closing = false;
  private readonly exited: Promise<void>;
  private hello!: (value: void) => void;
  private readonly ready: Promise<void>;

  private constructor(binary: string, options: EngineOptions) {
    this.binary = binary;
    this.options = options;
    this.ready = new Promise((resolve) => (this.hello = resolve));
    const brake = options.memoryFloorKb ? ['--memory-floor-kb', String(Math.round(options.memoryFloorKb))] : [];
    // Its own process group: a Ctrl-C at the terminal is the recorder's to handle (it stops the run and then
    // closes the engine), not a second, racing death of the engine. Slurm's scancel signals every process of
    // the job all the same: onDeath carries the signal so that the recorder can tell a stop from a crash.
    const dense = [...(options.dense ? ['--dense'] : []), ...(options.mergeAny ? ['--merge-any'] : [])];
    const sampling = options.sampleMs && options.sampleMs > 0 ? ['--sample-ms', String(Math.max(1, Math.round(options.sampleMs)))] : [];
    this.child = spawn(binary, [String(process.pid), '--priority', options.priority ? 'on' : 'off', ...brake, ...dense, ...sampling], {
      stdio: ['pipe', 'pipe', 'inherit'],
      detached: true,
    });
    this.child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    // A write after the engine died must not crash the recorder: the death is handled on 'exit'.
    this.child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.alive = false;
        this.hello();
        const orphans = [...this.instances.values()];
        this.instances.clear();
        if (!this.closing || orphans.length) {
          this.options.onDeath?.(`launch engine ended (${signal ?? `exit code ${code}`}) with ${orphans.length} instance(s) in its care`, signal);
        }
        const t = process.hrtime.bigint();
        for (const p of orphans) {
          // Its VMMs died with it (PR_SET_PDEATHSIG); launches not yet made never will be.
          if (p.handlers) p.handlers.exit({ code: null, signal: 'SIGKILL', execError: null, merge: 'unknown', dense: 'unknown' }, t);
          else p.onCancel();
        }
        resolve();
      });
    });
  }

  /** Start the engine and wait until it has said hello (and so has set its priority). */
  static async start(binary: string, options: EngineOptions): Promise<Engine> {
    const engine = new Engine(binary, options);
    await engine.ready;
    if (!engine.alive) throw new Error(`launch engine ${binary} did not start`);
    if (engine.dense.startsWith('error:')) {
      await engine.close();
      throw new Error(`--dense: the launch engine could not turn transparent huge pages off (${engine.dense.slice(6)})`);
    }
    return engine;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** Register a command line; launches refer to it by the returned id. */
  defineArgv(argv: readonly string[]): number {
    const id = this.nextArgv++;
    const strings = argv.map((a) => Buffer.from(`${a}\0`, 'utf8'));
    const head = Buffer.alloc(8);
    head.writeUInt32LE(id, 0);
    head.writeUInt32LE(argv.length, 4);
    this.send(frame('A', Buffer.concat([head, ...strings])));
    return id;
  }

  /**
   * Plan one launch at `at` (CLOCK_MONOTONIC ns, absolute; null = now). `onSpawn` runs when the engine
   * reports the spawn and returns the handlers of that instance's output; `onCancel` if it never happens.
   */
  launch(argvId: number, at: bigint | null, merge: boolean, onSpawn: Pending['onSpawn'], onCancel: () => void): number {
    const id = this.nextId++;
    if (!this.alive) {
      onCancel();
      return id;
    }
    this.instances.set(id, { onSpawn, onCancel, handlers: null });
    const body = Buffer.alloc(20);
    body.writeUInt32LE(id, 0);
    body.writeUInt32LE(argvId, 4);
    body.writeBigInt64LE(at ?? 0n, 8);
    body.writeUInt32LE(merge ? 1 : 0, 16);
    this.send(frame('L', body));
    return id;
  }

  kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): void {
    const body = Buffer.alloc(8);
    body.writeUInt32LE(id, 0);
    body.writeInt32LE(constants.signals[signal], 4);
    this.send(frame('K', body));
  }

  /** Drop every launch not started yet; each is reported back through its onCancel. */
  cancelPending(): void {
    this.send(frame('C', Buffer.alloc(0)));
  }

  /** Close the commands pipe: the engine kills what still runs, reports it, and exits. */
  async close(): Promise<void> {
    this.closing = true;
    this.flush();
    if (this.alive) this.child.stdin!.end();
    await this.exited;
  }

  /** For tests of the death path: the engine's process. */
  get process(): ChildProcess {
    return this.child;
  }

  /**
   * Frames sent in one synchronous stretch (a batch's schedule) leave in few write(2)s, FRAMES_PER_WRITE
   * each: written one by one, a recorder descheduled between two writes on a loaded host delayed the later
   * launches' arrival.
   */
  private send(data: Buffer): void {
    if (!this.alive) return;
    this.outgoing.push(data);
    if (this.outgoing.length === 1) queueMicrotask(() => this.flush());
    else if (this.outgoing.length >= FRAMES_PER_WRITE) this.flush();
  }

  private flush(): void {
    const frames = this.outgoing;
    this.outgoing = [];
    if (this.alive && this.child.stdin!.writable && frames.length) this.child.stdin!.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }

  private onData(chunk: Buffer): void {
    let buf = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32LE(off);
      if (buf.length - off - 4 < len) break;
      this.onEvent(buf.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    buf = buf.subarray(off);
    // Copy the tail so the (possibly large) chunk it came from can be freed.
    this.buffered = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  private onEvent(ev: Buffer): void {
    const type = String.fromCharCode(ev[0]!);
    const id = ev.readUInt32LE(1);
    const t = ev.readBigInt64LE(5);
    const payload = ev.subarray(13);
    if (type === 'H') {
      const text = payload.toString('utf8');
      this.priority = /priority=([^;]*)/.exec(text)?.[1] ?? 'unknown';
      this.dense = /dense=([^;]*)/.exec(text)?.[1] ?? 'off';
      this.hello();
      return;
    }
    if (type === 'W') {
      this.options.onWarning?.(`launch engine: ${payload.toString('utf8')}`);
      return;
    }
    if (type === 'M') {
      const kb = Number(payload.readBigInt64LE(0));
      this.options.onSample?.({ t, memAvailableKb: kb >= 0 ? kb : null, running: payload.readUInt32LE(8) });
      return;
    }
    const pending = this.instances.get(id);
    if (!pending) return;
    if (type === 'S') {
      const pid = payload.readInt32LE(8);
      const errno = payload.readInt32LE(12);
      pending.handlers = pending.onSpawn({
        id,
        ts: t,
        spawned: payload.readBigInt64LE(0),
        pid: pid > 0 ? pid : null,
        error: errno ? `cannot start the VMM: ${errnoName(errno)}` : null,
        running: payload.readUInt32LE(16),
      });
    } else if (type === 'Z') {
      this.instances.delete(id);
      pending.onCancel();
    } else if (type === 'O') {
      pending.handlers?.stdout(Buffer.from(payload), t);
    } else if (type === 'E') {
      pending.handlers?.stderr(Buffer.from(payload), t);
    } else if (type === 'X') {
      this.instances.delete(id);
      const status = payload.readInt32LE(0);
      const execErrno = payload.readInt32LE(4);
      const merge = payload.readInt32LE(8);
      const dense = payload.length >= 16 ? payload.readInt32LE(12) : -1;
      const signal = status & 0x7f;
      pending.handlers?.exit(
        {
          code: signal ? null : (status >> 8) & 0xff,
          signal: signal ? (SIGNAL_NAMES.get(signal) ?? `signal ${signal}`) : null,
          execError: execErrno ? `cannot execute the VMM: ${errnoName(execErrno)}` : null,
          merge: merge === 0 ? 'done' : merge === -1 ? 'not asked' : errnoName(merge),
          dense: dense === 0 ? 'done' : dense === -1 ? 'not asked' : errnoName(dense),
        },
        t,
      );
    }
  }
}

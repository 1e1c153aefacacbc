// Ready signals that are not console lines: a guest port answering over TCP, an HTTP response, the VMM
// exiting with a given code. Kept apart from the launch path so that either launch engine (Node's spawn
// or the C engine) can drive it through the instance's lifecycle: spawned → (hits) → exited(code, stamp).
// Stamps use the recorder's clock (process.hrtime.bigint, CLOCK_MONOTONIC), like console Te.
import { connect, createServer, type Socket } from 'node:net';
import type { Signal } from '../guests/descriptor.ts';
import type { Clock } from '../launch/clock.ts';

/** At most one connection attempt per signal per this many ms: probing must not load the host. */
export const PROBE_MIN_INTERVAL_MS = 20;
/** Connections kept open per signal while waiting for the guest to answer one. */
export const MAX_OPEN = 4;
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SignalHit {
  name: string;
  t: bigint;
  /** e.g. "HTTP/1.0 200 OK" or the first bytes a TCP server sent; null for exit. */
  detail: string | null;
}

export interface NonConsoleSignals {
  /** Name → signal, only the tcp/http/exit ones (the ready signal under the name READY_NAME). */
  signals: Map<string, Exclude<Signal, string | { console: string }>>;
  /** Guest port → 127.0.0.1 host port forwarded to it for this instance. */
  ports: ReadonlyMap<number, number>;
  clock: Clock;
  onHit: (hit: SignalHit) => void;
}

export const READY_NAME = '__ready__';

type ProbeSignal = { tcp: number; send?: string | undefined } | { http: number; path: string; status?: number | undefined };

/** Pick `count` free 127.0.0.1 TCP ports (the kernel chooses; QEMU binds them a moment later). */
export async function freePorts(count: number): Promise<number[]> {
  const out: number[] = [];
  const servers = [];
  for (let i = 0; i < count; i++) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address && typeof address === 'object') out.push(address.port);
    servers.push(server);
  }
  // Held until all are chosen, so the same port is not handed out twice.
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return out;
}

/**
 * Watches one instance's tcp/http/exit signals. `start()` once the VMM is spawned; `exited()` with the
 * exit stamp; `stop()` when the instance is done. Each signal fires at most once.
 */
export class SignalWatcher {
  private readonly pending = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private attempts = 0;

  constructor(private readonly spec: NonConsoleSignals) {
    for (const name of spec.signals.keys()) this.pending.add(name);
  }

  get empty(): boolean {
    return this.spec.signals.size === 0;
  }

  /** Connections opened so far (all signals): what the bounded rate limits. */
  get attemptCount(): number {
    return this.attempts;
  }

  start(): void {
    for (const [name, signal] of this.spec.signals) {
      if ('tcp' in signal || 'http' in signal) this.probe(name, signal);
    }
  }

  /** The VMM has exited with `code` (null when killed by a signal) at `t`. */
  exited(code: number | null, t: bigint): void {
    for (const [name, signal] of this.spec.signals) {
      if ('exit' in signal && code === signal.exit) this.hit(name, t, `exit ${code}`);
    }
    this.stop();
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.sockets) s.destroy();
    for (const t of this.timers) clearTimeout(t);
    this.sockets.clear();
    this.timers.clear();
  }

  private hit(name: string, t: bigint, detail: string | null): void {
    if (!this.pending.delete(name)) return;
    this.spec.onHit({ name, t, detail });
  }

  /**
   * Probe one tcp/http signal: a new connection every PROBE_MIN_INTERVAL_MS while none has answered, at
   * most MAX_OPEN open at once (the oldest is dropped for the next). QEMU accepts the host side at once
   * and only then offers the connection to the guest, so a connection made before the guest listened may
   * stay silent; the fresh ones find the guest as soon as it answers.
   */
  private probe(name: string, signal: ProbeSignal): void {
    const open: Socket[] = [];
    const tick = () => {
      if (this.stopped || !this.pending.has(name)) return;
      if (open.length >= MAX_OPEN) open.shift()?.destroy();
      const socket: Socket | null = this.connectOnce(name, signal, () => {
        const i = socket ? open.indexOf(socket) : -1;
        if (i >= 0) open.splice(i, 1);
      });
      if (socket) open.push(socket);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        tick();
      }, PROBE_MIN_INTERVAL_MS);
      this.timers.add(timer);
    };
    tick();
  }

  private connectOnce(name: string, signal: ProbeSignal, gone: () => void): Socket | null {
    const guestPort = 'tcp' in signal ? signal.tcp : signal.http;
    const hostPort = this.spec.ports.get(guestPort);
    if (hostPort === undefined) return null;
    this.attempts++;
    const socket = connect({ host: '127.0.0.1', port: hostPort });
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let received = Buffer.alloc(0);
    const finish = (t: bigint, detail: string | null) => {
      this.hit(name, t, detail);
      socket.destroy();
    };
    socket.once('connect', () => {
      if ('http' in signal) socket.write(`GET ${signal.path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      else if (signal.send) socket.write(signal.send);
    });
    socket.on('data', (chunk: Buffer) => {
      const t = this.spec.clock();
      if ('tcp' in signal) return finish(t, printable(chunk));
      received = Buffer.concat([received, chunk]).subarray(0, MAX_RESPONSE_BYTES);
      const response = completeResponse(received, false);
      if (response && (signal.status === undefined || response.status === signal.status)) finish(t, response.statusLine);
    });
    socket.once('end', () => {
      const t = this.spec.clock();
      if (!('http' in signal)) return;
      const response = completeResponse(received, true);
      if (response && (signal.status === undefined || response.status === signal.status)) finish(t, response.statusLine);
    });
    socket.once('close', () => {
      this.sockets.delete(socket);
      gone();
    });
    // ECONNREFUSED before QEMU listens, ECONNRESET when the guest refuses: the next tick tries again.
    socket.once('error', () => undefined);
    return socket;
  }
}
interface HttpResponse {
  status: number;
  statusLine: string;
}

/**
 * The response if `bytes` hold a complete one: a status line and headers, then a body of Content-Length
 * bytes, or (without Content-Length) everything up to the server's close.
 */
export function completeResponse(bytes: Buffer, closed: boolean): HttpResponse | null {
  const headerEnd = bytes.indexOf('\r\n\r\n');
  if (headerEnd < 0) return null;
  const head = bytes.subarray(0, headerEnd).toString('latin1');
  const statusLine = head.split('\r\n')[0] ?? '';
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine);
  if (!m) return null;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const body = bytes.length - (headerEnd + 4);
  if (length ? body < Number(length[1]) : !closed) return null;
  return { status: Number(m[1]), statusLine: statusLine.slice(0, 120) };
}

function printable(chunk: Buffer): string {
  // eslint-disable-next-line no-control-regex
  return chunk.subarray(0, 120).toString('latin1').replace(/[\x00-\x1f\x7f-\xff]+/g, ' ').trim();
}

/** A console regex that never matches: the console matcher's ready slot when Te comes from another signal. */
export const NEVER_MATCHES = '(?!)';

export interface LaunchSignals {
  /** Console regex of the ready line, or NEVER_MATCHES. */
  consoleReady: string;
  consoleMarkers: Record<string, string>;
  other: Map<string, Exclude<Signal, string | { console: string }>>;
}

/** Split a descriptor's ready signal and markers into what the console matcher and the watcher take. */
export function splitSignals(ready: Signal, markers: Record<string, Signal>): LaunchSignals {
  const consoleMarkers: Record<string, string> = {};
  const other: LaunchSignals['other'] = new Map();
  const consoleOf = (s: Signal) => (typeof s === 'string' ? s : 'console' in s ? s.console : null);
  for (const [name, signal] of Object.entries(markers)) {
    const source = consoleOf(signal);
    if (source !== null) consoleMarkers[name] = source;
    else other.set(name, signal as Exclude<Signal, string | { console: string }>);
  }
  const readySource = consoleOf(ready);
  if (readySource === null) other.set(READY_NAME, ready as Exclude<Signal, string | { console: string }>);
  return { consoleReady: readySource ?? NEVER_MATCHES, consoleMarkers, other };
}

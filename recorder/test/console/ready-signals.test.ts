// The tcp/http/exit watcher against real sockets on 127.0.0.1 (a Node server stands in for the guest's
// forwarded port: the boot-path tests do the same through QEMU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { completeResponse, freePorts, PROBE_MIN_INTERVAL_MS, READY_NAME, SignalWatcher, splitSignals, NEVER_MATCHES, type SignalHit } from '../../src/console/ready-signals.ts';

const clock = process.hrtime.bigint;

function listen(onConnection: (socket: import('node:net').Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

test('an HTTP response is complete at Content-Length, or at close without it', () => {
  const head = 'HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n';
  assert.equal(completeResponse(Buffer.from(`${head}abc`), false), null);
  assert.deepEqual(completeResponse(Buffer.from(`${head}abcde`), false), { status: 200, statusLine: 'HTTP/1.0 200 OK' });
  assert.equal(completeResponse(Buffer.from('HTTP/1.1 503 Busy\r\n\r\npartial'), false), null);
  assert.equal(completeResponse(Buffer.from('HTTP/1.1 503 Busy\r\n\r\npartial'), true)?.status, 503);
  assert.equal(completeResponse(Buffer.from('SSH-2.0\r\n\r\n'), true), null);
});

test('descriptor signals split into console regexes and watched ones; a non-console ready never matches the console', () => {
  const s = splitSignals({ exit: 1 }, { kernel: '^k', up: { console: '^up' }, web: { http: 80, path: '/' } });
  assert.equal(s.consoleReady, NEVER_MATCHES);
  assert.deepEqual(s.consoleMarkers, { kernel: '^k', up: '^up' });
  assert.deepEqual([...s.other.keys()].sort(), [READY_NAME, 'web'].sort());
});

test('tcp fires on the first byte the server sends, http on the first response with the wanted status', async () => {
  let httpConnections = 0;
  const banner = await listen((s) => s.end('hello\r\n'));
  const web = await listen((s) => {
    httpConnections++;
    // The first two answers are 503 (not ready yet), then 200.
    s.once('data', () => s.end(httpConnections < 3 ? 'HTTP/1.0 503 Busy\r\n\r\n' : 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  });
  const hits: SignalHit[] = [];
  const done = new Promise<void>((resolve) => {
    const watcher = new SignalWatcher({
      signals: new Map([['banner', { tcp: 7 }], [READY_NAME, { http: 80, path: '/', status: 200 }]]),
      ports: new Map([[7, banner.port], [80, web.port]]),
      clock,
      onHit: (hit) => {
        hits.push(hit);
        if (hits.length === 2) {
          watcher.stop();
          resolve();
        }
      },
    });
    watcher.start();
  });
  await done;
  banner.server.close();
  web.server.close();
  const byName = new Map(hits.map((h) => [h.name, h]));
  assert.equal(byName.get('banner')?.detail, 'hello');
  assert.equal(byName.get(READY_NAME)?.detail, 'HTTP/1.0 200 OK');
  assert.equal(httpConnections, 3, 'retried after each 503');
});

test('probing a port nobody listens on is rate-bounded, and exit fires only for its code', async () => {
  const [port] = await freePorts(1);
  const hits: SignalHit[] = [];
  const watcher = new SignalWatcher({
    signals: new Map([['web', { http: 80, path: '/' }], ['bye', { exit: 1 }]]),
    ports: new Map([[80, port!]]),
    clock,
    onHit: (hit) => hits.push(hit),
  });
  const started = Date.now();
  watcher.start();
  await new Promise((r) => setTimeout(r, 300));
  const elapsed = Date.now() - started;
  watcher.exited(3, clock());
  assert.equal(hits.length, 0);
  // Each refused connect is one attempt; at most one per PROBE_MIN_INTERVAL_MS (plus the first).
  assert.ok(watcher.attemptCount <= Math.floor(elapsed / PROBE_MIN_INTERVAL_MS) + 1, `${watcher.attemptCount} attempts in ${elapsed} ms`);
  assert.ok(watcher.attemptCount >= 3, 'it did keep trying');
  const w2 = new SignalWatcher({ signals: new Map([['bye', { exit: 1 }]]), ports: new Map(), clock, onHit: (hit) => hits.push(hit) });
  const t = clock();
  w2.exited(1, t);
  assert.deepEqual(hits.map((h) => [h.name, h.t]), [['bye', t]]);
});

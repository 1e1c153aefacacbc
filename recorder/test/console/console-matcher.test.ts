import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleMatcher, TAIL_CHARS, WINDOW_CHARS } from '../../src/console/console-matcher.ts';

const ready = '^minkernel: ready';

test('a ready line in one chunk is found with the chunk time', () => {
  const m = new ConsoleMatcher({ ready });
  assert.deepEqual(m.feed('minkernel: ready\r\n', 5n).map((h) => h.t), [5n]);
  assert.equal(m.readyAt, 5n);
});

test('a marker split across two reads is still found, at the second read', () => {
  const m = new ConsoleMatcher({ ready });
  assert.equal(m.feed('boot...\r\nminker', 1n).length, 0);
  assert.equal(m.readyAt, null);
  m.feed('nel: ready\r\n', 2n);
  assert.equal(m.readyAt, 2n);
});

test('a marker split into single characters is found', () => {
  const m = new ConsoleMatcher({ ready });
  let t = 0n;
  for (const ch of '\r\nminkernel: ready\r\n') m.feed(ch, ++t);
  assert.equal(m.readyAt, 18n);
});

test('SeaBIOS\'s real preamble (ESC c, ESC[?7l, ESC[2J) does not hide an anchored banner', () => {
  const m = new ConsoleMatcher({ ready: '^SeaBIOS \\(version' });
  m.feed('\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n', 4n);
  assert.equal(m.readyAt, 4n);
});

test('ANSI escapes inside and around the line do not hide it', () => {
  const m = new ConsoleMatcher({ ready: '^SeaBIOS \\(version' });
  m.feed('\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HSea\x1b[0mBIOS (version 1.16)', 7n);
  assert.equal(m.readyAt, 7n);
});

test('an escape sequence split across reads is removed, not matched as text', () => {
  const m = new ConsoleMatcher({ ready: '^ready$' });
  m.feed('\x1b[01', 1n);
  m.feed(';01Hready\n', 2n);
  assert.equal(m.readyAt, 2n);
});

test('CRLF line endings still satisfy ^ and $ anchors', () => {
  const m = new ConsoleMatcher({ ready: '^bootlab: ready$' });
  m.feed('noise\r\nbootlab: ready\r\nmore', 3n);
  assert.equal(m.readyAt, 3n);
});

test('named markers record their first match only, ready included', () => {
  const m = new ConsoleMatcher({ ready: '^ready', markers: { kernel: '^Linux version', init: '^init' } });
  m.feed('Linux version 6.1\n', 1n);
  m.feed('Linux version 6.1\ninit\n', 2n);
  m.feed('ready\n', 3n);
  assert.deepEqual([...m.markerTimes()], [['kernel', 1n], ['init', 2n]]);
  assert.equal(m.readyAt, 3n);
});

test('first output time is the first non-empty chunk', () => {
  const m = new ConsoleMatcher({ ready });
  m.feed('', 1n);
  m.feed('x', 2n);
  m.feed('y', 3n);
  assert.equal(m.firstOutputAt, 2n);
});

test('a 100 MB flood without a newline keeps memory bounded, and a later ready line is found', () => {
  const m = new ConsoleMatcher({ ready });
  const chunk = 'A'.repeat(64 * 1024);
  for (let i = 0; i < 1600; i++) m.feed(chunk, BigInt(i));
  assert.ok(m.charsSeen >= 100e6);
  assert.ok(m.bufferedChars <= WINDOW_CHARS + TAIL_CHARS + 128, `buffered ${m.bufferedChars}`);
  m.feed('\nminkernel: ready\n', 9999n);
  assert.equal(m.readyAt, 9999n);
});

test('text cut from the window mid-line cannot fake a line start', () => {
  const m = new ConsoleMatcher({ ready: '^ready' });
  // One long line whose last WINDOW_CHARS characters begin with "ready": after trimming, the window
  // starts there, but it is the middle of a line and must not satisfy ^.
  m.feed(`${'x'.repeat(100)}ready${'y'.repeat(WINDOW_CHARS - 5)}`, 1n);
  m.feed('z', 2n);
  assert.equal(m.readyAt, null);
});

test('the console tail keeps the last output for failure reports', () => {
  const m = new ConsoleMatcher({ ready });
  m.feed('z'.repeat(10_000), 1n);
  m.feed('the end', 2n);
  assert.equal(m.tail.length, TAIL_CHARS);
  assert.ok(m.tail.endsWith('the end'));
});

test('console volume at Te counts the lines up to the ready line, whatever the chunking and escapes', () => {
  const text = '\x1bc\x1b[2JSeaBIOS (version 1)\r\nBooting\r\nkernel: a\r\nkernel: b\r\nminkernel: ready\r\nafter ready\r\nmore\r\n';
  const whole = new ConsoleMatcher({ ready });
  whole.feed(text, 1n);
  assert.deepEqual(whole.volumeAtReady, { lines: 5, chars: 'SeaBIOS (version 1)\nBooting\nkernel: a\nkernel: b\nminkernel: ready'.length });
  const bytewise = new ConsoleMatcher({ ready });
  let t = 0n;
  for (const ch of text) bytewise.feed(ch, ++t);
  assert.deepEqual(bytewise.volumeAtReady, whole.volumeAtReady);
  const none = new ConsoleMatcher({ ready });
  none.feed('no ready here\n', 1n);
  assert.equal(none.volumeAtReady, null);
});

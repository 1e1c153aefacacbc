import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceWriter, TraceWriterError } from '../../src/record/trace-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'bootlab-writer-'));
const event = { type: 'event' as const, t_ns: 1, kind: 'warning' as const, message: 'x' };

test('an existing trace is never overwritten without --force', () => {
  const path = join(dir, 'old.jsonl');
  writeFileSync(path, 'precious\n');
  assert.throws(() => new TraceWriter(path), (e: Error) => e instanceof TraceWriterError && /already exists/.test(e.message));
  assert.equal(readFileSync(path, 'utf8'), 'precious\n');
});

test('an unwritable path fails at open, naming the file', () => {
  assert.throws(() => new TraceWriter('/proc/bootlab/trace.jsonl'), /\/proc\/bootlab\/trace\.jsonl: cannot create trace file/);
});

test('each record is one complete line on disk as soon as it is written', () => {
  const path = join(dir, 'new.jsonl');
  const w = new TraceWriter(path);
  w.write(event);
  assert.equal(readFileSync(path, 'utf8'), `${JSON.stringify(event)}\n`);
  w.close();
});

test('an invalid record is refused rather than written', () => {
  const w = new TraceWriter(join(dir, 'bad.jsonl'));
  assert.throws(() => w.write({ ...event, t_ns: -5 }), /invalid event record \(t_ns/);
  w.close();
});

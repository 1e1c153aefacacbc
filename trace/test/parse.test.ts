import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTraceLine, MAX_LINE_CHARS, parseTraceLine, TraceFormatError, type TraceRecord } from '../src/index.ts';

const at = { file: 'run.jsonl', line: 7 };
const sample: TraceRecord = {
  type: 'sample', t_ns: 100, running: 2, booting: 1, mem_total_kb: 1000, mem_available_kb: 500,
  pss_kb_sum: null, pss_known: 0, pss_oldest_ms: null, rss_kb_sum: 40, load1: 0.5, sampler_cost_ms: 0.2,
};

test('a record survives format → parse unchanged', () => {
  assert.deepEqual(parseTraceLine(formatTraceLine(sample).trimEnd(), at), sample);
});

test('malformed JSON is reported as file:line', () => {
  assert.throws(() => parseTraceLine('{"type":"sample",', at), (e: Error) => e instanceof TraceFormatError && e.message.startsWith('run.jsonl:7: not valid JSON'));
});

test('a wrong field names the field', () => {
  const bad = JSON.stringify({ ...sample, running: -1 });
  assert.throws(() => parseTraceLine(bad, at), /run\.jsonl:7: running: /);
});

test('another schema version is refused with the version named', () => {
  const header = JSON.stringify({ type: 'header', schema: 'bootlab.trace/9' });
  assert.throws(() => parseTraceLine(header, at), /run\.jsonl:7: schema: unsupported trace schema "bootlab\.trace\/9"/);
});

test('an unknown record type is an error, not silently skipped', () => {
  assert.throws(() => parseTraceLine('{"type":"mystery"}', at), /run\.jsonl:7: type: /);
});

test('arrays and scalars are not records', () => {
  assert.throws(() => parseTraceLine('[1,2]', at), /must be a JSON object/);
  assert.throws(() => parseTraceLine('42', at), /must be a JSON object/);
});

test('__proto__ keys do not pollute Object.prototype and are dropped', () => {
  const evil = `{"__proto__":{"polluted":true},${JSON.stringify(sample).slice(1)}`;
  const parsed = parseTraceLine(evil, at) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(parsed, '__proto__'), false);
});

test('over-long lines are refused before parsing', () => {
  assert.throws(() => parseTraceLine('x'.repeat(MAX_LINE_CHARS + 1), at), /over the \d+ limit/);
});

test('non-finite and negative times are refused', () => {
  assert.throws(() => parseTraceLine(JSON.stringify({ ...sample, t_ns: -3 }), at), /t_ns/);
  assert.throws(() => parseTraceLine(JSON.stringify({ ...sample, t_ns: 1.5 }), at), /t_ns/);
});

test('a boot record written before ready_match existed still parses, as null', () => {
  const boot = {
    type: 'boot', run_id: 'r', guest: 'g', mode: 'single', batch: 0, repetition: 0, interval_ms: null, n: 1, index: 0,
    keep_alive: false, scheduled_ns: 0, ts_ns: 1, spawned_ns: 2, first_output_ns: 3, te_ns: 4, markers: {}, end_ns: 5,
    dt_ms: 0.000003, launch_lag_ms: 0.000001, spawn_ms: 0.000001, status: 'ok', exit_code: null, signal: null, error: null,
    console_tail: null, running_at_launch: 0, pid: 9, argv: ['qemu'], cpu_ms_at_te: 1, rss_kb_at_te: 1, cpu_ms_end: 1, rss_kb_end: 1,
  };
  const parsed = parseTraceLine(JSON.stringify(boot), at);
  assert.equal(parsed.type === 'boot' && parsed.ready_match, null);
});

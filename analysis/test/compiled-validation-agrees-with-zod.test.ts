// parseTraceLine validates with zod's ahead-of-time compiled schema (z.compile) for speed. The schema stays the
// source of truth: every record, valid or broken, must get exactly what the runtime parser gives — the same
// value (same keys, same order, defaults filled in, unknown keys dropped) or the same `file:line: field:
// problem` error. Here every field of every record type is broken in every way a JSON line can break it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTraceLine, TRACE_SCHEMA, TraceFormatError, TraceRecord } from '@bootlab/trace';
import { z } from 'zod';
import { paperRuns } from './fixtures/synthetic.ts';

const at = { file: 'run.jsonl', line: 3 };

/** parseTraceLine as it was before compilation: the runtime zod parser, same checks, same messages. */
function runtimeParse(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: new TraceFormatError(at, null, 'a record must be a JSON object').message };
  const obj = value as Record<string, unknown>;
  if (obj.type === 'header' && obj.schema !== TRACE_SCHEMA) {
    return { ok: false, message: new TraceFormatError(at, 'schema', `unsupported trace schema ${JSON.stringify(obj.schema)} (this bootlab reads ${TRACE_SCHEMA})`).message };
  }
  const result = TraceRecord.safeParse(obj);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  return { ok: false, message: new TraceFormatError(at, issue.path.length ? issue.path.map(String).join('.') : null, issue.message).message };
}

function compiledParse(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: parseTraceLine(text, at) };
  } catch (err) {
    if (!(err instanceof TraceFormatError)) throw err;
    return { ok: false, message: err.message };
  }
}

/** Values a hostile or buggy writer could put in any field. */
const HOSTILE: readonly unknown[] = [
  null, true, false, 0, -0, 1, -1, 0.5, -0.5, 2 ** 31, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324,
  '', 'x', 'ok', 'multi', 'single', 'boot', 'kernel', '0', '1e3', 'a'.repeat(256), 'a'.repeat(257), 'ab'.repeat(32), 'AB'.repeat(32),
  [], [1], ['x'], ['x', 1], [null], {}, { a: 1 }, { kernel: 5 }, { kernel: -1 }, { kernel: 1.5 }, { kernel: 'x' },
  { __proto__: null, x: 1 },
];

function mutations(record: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const key of Object.keys(record)) {
    const { [key]: _dropped, ...without } = record;
    out.push(without);
    for (const value of HOSTILE) out.push({ ...record, [key]: value });
    const nested = record[key];
    if (nested && typeof nested === 'object' && !Array.isArray(nested)) {
      for (const inner of Object.keys(nested)) for (const value of HOSTILE.slice(0, 20)) out.push({ ...record, [key]: { ...nested, [inner]: value } });
    }
    if (Array.isArray(nested) && nested.length > 0) {
      for (const value of HOSTILE.slice(0, 20)) out.push({ ...record, [key]: [...nested.slice(0, -1), value] });
    }
  }
  out.push({ ...record, unknown_field: 1 }, { extra: [1, 2], ...record });
  return out;
}

test('the schema compiles: parseTraceLine is on the fast path', () => {
  assert.doesNotThrow(() => z.compile(TraceRecord, { strict: true }));
});

test('compiled validation accepts, rejects and reports exactly as the runtime schema does', () => {
  // One record of each type from a paper-like trace (single and multi: every boot field is exercised).
  const byType = new Map<string, Record<string, unknown>>();
  for (const { text } of paperRuns()) {
    for (const line of text.split('\n')) {
      if (!line) continue;
      const record = JSON.parse(line) as Record<string, unknown>;
      const key = `${String(record.type)}${record.type === 'boot' ? `:${String(record.status)}:${String(record.mode)}` : ''}`;
      if (!byType.has(key)) byType.set(key, record);
    }
  }
  byType.set('event', { type: 'event', t_ns: 5, kind: 'warning', message: 'm', data: { a: 1 } });
  assert.ok([...byType.keys()].some((k) => k.startsWith('boot:ok')) && byType.has('header') && byType.has('sample') && byType.has('end'));
  let accepted = 0;
  let rejected = 0;
  for (const record of byType.values()) {
    for (const mutated of [record, ...mutations(record)]) {
      const text = JSON.stringify(mutated);
      const expected = runtimeParse(text);
      const actual = compiledParse(text);
      assert.deepEqual(actual, expected, text.slice(0, 300));
      if (expected.ok) assert.equal(JSON.stringify(actual.ok && actual.value), JSON.stringify(expected.value), 'same keys in the same order');
      if (expected.ok) accepted++;
      else rejected++;
    }
  }
  assert.ok(accepted > 100 && rejected > 1000, `${accepted} accepted, ${rejected} rejected`);
});

// Pure parsing of trace lines: text in, validated record out. No I/O, so it runs in Node and Deno alike;
// reading files, gunzip and streaming belong to the callers (analysis/src/load).
import { z } from 'zod';
import { TRACE_SCHEMA, TraceRecord } from './schema.ts';

/** Where a line came from, for error messages of the form `file:line: field: problem`. */
export interface LineSource {
  file: string;
  line: number;
}

/**
 * Text from a hostile line (a JSON.parse snippet, a key in a field path) as it may appear in a one-line error:
 * control characters and bidi overrides escaped, so the message cannot break lines or rewrite a terminal,
 * and cut to `max` characters.
 */
function printable(text: string, max: number): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

export class TraceFormatError extends Error {
  readonly file: string;
  readonly line: number;
  readonly field: string | null;
  constructor(source: LineSource, field: string | null, problem: string) {
    super(`${source.file}:${source.line}: ${field ? `${printable(field, 200)}: ` : ''}${printable(problem, 500)}`);
    this.name = 'TraceFormatError';
    this.file = source.file;
    this.line = source.line;
    this.field = field;
  }
}

/**
 * The schema as zod compiles it ahead of time (z.compile): generated code validates a well-formed record about
 * ten times faster than the runtime parser and builds the same output; anything it does not accept falls back
 * to the runtime parser, so what is refused, and the issue reported, is exactly what TraceRecord says. A schema
 * zod cannot compile comes back unchanged (runtime speed, same answers); trace/test checks that ours compiles.
 */
const CompiledTraceRecord = z.compile(TraceRecord);

/** Lines longer than this are refused before JSON.parse, so a hostile file cannot make us build huge objects. */
export const MAX_LINE_CHARS = 1 << 20;

function describeIssue(issue: z.core.$ZodIssue): { field: string | null; problem: string } {
  const field = issue.path.length ? issue.path.map(String).join('.') : null;
  return { field, problem: issue.message };
}

/**
 * Parse one JSONL line into a validated record. Throws TraceFormatError naming file, line and field.
 * A header with another schema version is refused with the version it declared.
 */
export function parseTraceLine(text: string, source: LineSource): TraceRecord {
  if (text.length > MAX_LINE_CHARS) {
    throw new TraceFormatError(source, null, `line is ${text.length} characters, over the ${MAX_LINE_CHARS} limit`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TraceFormatError(source, null, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceFormatError(source, null, 'a record must be a JSON object');
  }
  const obj = value as Record<string, unknown>;
  if (obj.type === 'header' && obj.schema !== TRACE_SCHEMA) {
    throw new TraceFormatError(
      source,
      'schema',
      `unsupported trace schema ${JSON.stringify(obj.schema)} (this bootlab reads ${TRACE_SCHEMA})`,
    );
  }
  const result = CompiledTraceRecord.safeParse(obj);
  if (!result.success) {
    const first = result.error.issues[0];
    const { field, problem } = first ? describeIssue(first) : { field: null, problem: 'invalid record' };
    throw new TraceFormatError(source, field, problem);
  }
  return result.data;
}

/** Serialise a record as one JSONL line (with the trailing newline). Validation is the writer's choice. */
export function formatTraceLine(record: TraceRecord): string {
  return `${JSON.stringify(record)}\n`;
}

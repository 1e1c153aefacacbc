import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { TraceFormatError } from '@bootlab/trace';
import { UserError } from '../src/errors.ts';
import { loadTraces } from '../src/load/files.ts';
import { parseTraceText } from '../src/parse/trace-reader.ts';
import { syntheticTrace } from './fixtures/synthetic.ts';
import { tempDir } from './helpers.ts';

const small = () =>
  syntheticTrace({ runId: 'r1', seed: 5, mode: 'single', singleBoots: 3, guests: [{ name: 'minkernel', dtMs: 300, slope: 20 }] });

function replaceLine(text: string, line: number, replacement: string): string {
  const lines = text.split('\n');
  lines[line - 1] = replacement;
  return lines.join('\n');
}

test('a malformed line fails with file:line: field: problem', () => {
  const lines = small().split('\n');
  const bootLine = lines.findIndex((l) => l.includes('"type":"boot"')) + 1;
  const broken = replaceLine(small(), bootLine, lines[bootLine - 1]!.replace(/"dt_ms":[0-9.]+/, '"dt_ms":"fast"'));
  assert.throws(
    () => parseTraceText(broken, 'runs/a.jsonl'),
    (err: unknown) => err instanceof TraceFormatError && err.message.startsWith(`runs/a.jsonl:${bootLine}: dt_ms: `),
  );
  assert.throws(() => parseTraceText(replaceLine(small(), 2, '{"type": '), 'b.jsonl'), /^TraceFormatError: b\.jsonl:2: not valid JSON/);
});

test('an unknown schema version is refused, naming the version', () => {
  const text = small().replace('"schema":"bootlab.trace/1"', '"schema":"bootlab.trace/9"');
  assert.throws(() => parseTraceText(text, 'v9.jsonl'), /v9\.jsonl:1: schema: unsupported trace schema "bootlab\.trace\/9"/);
});

test('records before the header, or a second header, are errors with a line number', () => {
  const [header, ...rest] = small().trimEnd().split('\n');
  assert.throws(() => parseTraceText(`${rest[0]}\n${header}\n`, 'x.jsonl'), /x\.jsonl:1: /);
  assert.throws(() => parseTraceText(`${header}\n${header}\n`, 'y.jsonl'), /y\.jsonl:2: type: second header record/);
  assert.throws(() => parseTraceText('', 'empty.jsonl'), /empty\.jsonl:1: empty trace/);
});

test('--skip-bad-lines skips malformed lines, counts them and quotes the first', () => {
  let text = replaceLine(small(), 3, 'garbage');
  text = replaceLine(text, 4, '{"type":"boot"}');
  const { run, warnings } = parseTraceText(text, 'c.jsonl', { skipBadLines: true });
  assert.equal(run.skippedLines, 2);
  const w = warnings.find((x) => x.kind === 'bad-lines');
  assert.ok(w && /skipped 2 malformed line\(s\): c\.jsonl:3: not valid JSON/.test(w.message), w?.message);
});

test('a truncated last line (killed recorder) is skipped with a warning, not fatal', () => {
  const full = small();
  const cut = full.slice(0, full.length - 40); // inside the end record, no trailing newline
  const { run, warnings } = parseTraceText(cut, 'killed.jsonl');
  assert.equal(run.end, null);
  assert.equal(run.boots.length, 3);
  const lastLine = cut.split('\n').length;
  assert.ok(warnings.some((w) => w.kind === 'truncated-line' && w.message.startsWith(`killed.jsonl:${lastLine}: last line is truncated`)));
  assert.ok(warnings.some((w) => w.kind === 'no-end-record'));
});

test('a complete last line without its newline is accepted silently', () => {
  const { run, warnings } = parseTraceText(small().trimEnd(), 'nonl.jsonl');
  assert.ok(run.end);
  assert.ok(!warnings.some((w) => w.kind === 'truncated-line'));
});

test('CRLF line endings are read', () => {
  const { run } = parseTraceText(small().replace(/\n/g, '\r\n'), 'crlf.jsonl');
  assert.equal(run.boots.length, 3);
});

test('.jsonl.gz traces load like plain ones, and a cut-off gzip still yields its complete lines', async () => {
  const dir = await tempDir();
  const gz = gzipSync(small());
  await writeFile(path.join(dir, 'a.jsonl.gz'), gz);
  const loaded = await loadTraces([path.join(dir, 'a.jsonl.gz')]);
  assert.equal(loaded.traces.boots.length, 3);
  assert.equal(loaded.traces.boots[0]?.file, path.join(dir, 'a.jsonl.gz'));

  const other = await tempDir();
  await writeFile(path.join(other, 'cut.jsonl.gz'), gz.subarray(0, Math.floor(gz.length * 0.8)));
  const partial = await loadTraces([other]);
  assert.ok(partial.warnings.some((w) => w.kind === 'no-end-record'));
});

test('several traces load together and every boot keeps its run id, host and accelerator', async () => {
  const dir = await tempDir();
  const a = syntheticTrace({ runId: 'ra', seed: 1, mode: 'single', singleBoots: 2, hostname: 'h1', accel: 'kvm', guests: [{ name: 'g', dtMs: 100, slope: 1 }] });
  const b = syntheticTrace({ runId: 'rb', seed: 2, mode: 'single', singleBoots: 2, hostname: 'h2', accel: 'tcg', guests: [{ name: 'g', dtMs: 900, slope: 1 }] });
  await writeFile(path.join(dir, 'a.jsonl'), a);
  await writeFile(path.join(dir, 'b.jsonl'), b);
  const { traces, warnings } = await loadTraces([dir]);
  assert.deepEqual(
    traces.boots.map((x) => [x.run_id, x.host, x.accel]),
    [['ra', 'h1', 'kvm'], ['ra', 'h1', 'kvm'], ['rb', 'h2', 'tcg'], ['rb', 'h2', 'tcg']],
  );
  assert.ok(warnings.some((w) => w.kind === 'accelerator' && /1 of 2 run\(s\) used TCG/.test(w.message)));
});

test('a missing path is a user error', async () => {
  await assert.rejects(loadTraces(['/nonexistent/trace.jsonl']), (e: unknown) => e instanceof UserError && /no such file/.test((e as Error).message));
});

test('__proto__ keys in a trace pollute nothing', () => {
  const lines = small().split('\n');
  const i = lines.findIndex((l) => l.includes('"type":"boot"'));
  // JSON.parse makes "__proto__" an own key, which JSON.stringify writes back: a hostile line, built safely.
  const boot = JSON.parse(lines[i]!.replace(/^{/, '{"__proto__":{"polluted":2},')) as Record<string, unknown>;
  boot.markers = JSON.parse('{"__proto__":{"polluted":1},"constructor":5}');
  lines[i] = JSON.stringify(boot);
  assert.match(lines[i]!, /"__proto__":\{"polluted":2\}.*"markers":\{"__proto__"/);
  lines.splice(i + 1, 0, '{"type":"event","t_ns":1,"kind":"warning","message":"m","data":{"__proto__":{"polluted":3}}}');
  const { run } = parseTraceText(lines.join('\n'), 'proto.jsonl');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  const first = run.boots.find((b) => b.index === boot.index)!;
  assert.equal((first as unknown as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(first), Object.prototype);
});

test('a guest called __proto__ is analysed like any other', async () => {
  const text = syntheticTrace({ runId: 'p', seed: 3, mode: 'single', singleBoots: 4, guests: [{ name: '__proto__', dtMs: 300, slope: 1 }, { name: 'constructor', dtMs: 900, slope: 1 }] });
  const { run } = parseTraceText(text, 'names.jsonl');
  const { computeFeatures } = await import('../src/features/compute.ts');
  const { assembleTraceSet } = await import('../src/parse/assemble.ts');
  const f = computeFeatures(assembleTraceSet([{ run, warnings: [] }]).traces, { resamples: 20 });
  assert.deepEqual(f.guests.map((g) => [g.guest, g.okBoots]), [['__proto__', 4], ['constructor', 4]]);
});

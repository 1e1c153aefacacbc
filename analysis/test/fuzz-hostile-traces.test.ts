// Hostile and damaged traces — random bytes, truncation, huge numbers, NaN/Infinity as text, negative times,
// duplicates, wrong schema versions, __proto__/constructor/prototype keys, 10 MB lines, empty files, gzip
// garbage, deep nesting, markup in every string — go through load → analyze → compare → report. Each must
// give a result or a one-line error naming the file (and line): never a JS crash, never a hang (20 s of CPU
// per case, enforced from outside the process), never a polluted prototype, never unescaped markup.
//
// Seeded and reproducible: BOOTLAB_FUZZ_SEED=<seed> BOOTLAB_FUZZ_CASES=<n> reruns a campaign; a failing
// case is named by its id and rebuilt by fuzzCase(seed, id) in fixtures/fuzz-cases.ts.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MAX_LINE_CHARS, TraceFormatError } from '@bootlab/trace';
import { splitLines, splitText, type TextLine } from '../src/parse/lines.ts';
import { readRun } from '../src/parse/trace-reader.ts';
import { mulberry32 } from '../src/stats/random.ts';
import { MUTATION_KINDS } from './fixtures/fuzz-cases.ts';
import { syntheticTrace } from './fixtures/synthetic.ts';
import type { Verdict, WorkerMessage } from './fixtures/fuzz-worker.ts';

const SEED = Number(process.env.BOOTLAB_FUZZ_SEED ?? 20250101);
const CASES = Number(process.env.BOOTLAB_FUZZ_CASES ?? 300);
/**
 * A case hangs if it burns 20 s of CPU, or gets no answer in 120 s of wall time (a wait that never ends). CPU
 * time, not wall time, is the main limit: on a host loaded by other work a case may wait long for a core.
 */
const CASE_CPU_LIMIT_MS = 20_000;
const CASE_WALL_LIMIT_MS = 120_000;

/** utime + stime of a process, ms (/proc/PID/stat, 100 ticks per second); null once it is gone. */
function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}
const WORKER = fileURLToPath(new URL('./fixtures/fuzz-worker.ts', import.meta.url));

interface CaseResult {
  id: number;
  label: string;
  mutations: string[];
  verdict: Verdict | { kind: 'hang' | 'worker-died'; message: string };
  ms: number;
  reported: boolean;
}

/** Run cases [from, to) in one worker; resolves with the results so far and where it stopped. */
function runWorker(from: number, to: number): Promise<{ results: CaseResult[]; next: number }> {
  return new Promise((resolve) => {
    const child = fork(WORKER, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, FUZZ_SEED: String(SEED), FUZZ_FROM: String(from), FUZZ_TO: String(to) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const results: CaseResult[] = [];
    let current: { id: number; label: string } | null = null;
    let timer: NodeJS.Timeout | null = null;
    let settled = false;
    const finish = (next: number) => {
      if (settled) return;
      settled = true;
      if (timer) clearInterval(timer);
      child.kill('SIGKILL');
      resolve({ results, next });
    };
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'start') {
        current = { id: m.id, label: m.label };
        const cpu0 = cpuMs(child.pid!) ?? 0;
        const wall0 = performance.now();
        timer = setInterval(() => {
          const cpu = (cpuMs(child.pid!) ?? cpu0) - cpu0;
          const wall = performance.now() - wall0;
          if (cpu < CASE_CPU_LIMIT_MS && wall < CASE_WALL_LIMIT_MS) return;
          const message = `no result after ${(cpu / 1000).toFixed(1)} s of CPU, ${(wall / 1000).toFixed(1)} s of wall time`;
          results.push({ id: m.id, label: m.label, mutations: [], verdict: { kind: 'hang', message }, ms: Math.round(wall), reported: false });
          finish(m.id + 1);
        }, 250);
      } else if (m.type === 'done') {
        if (timer) clearInterval(timer);
        current = null;
        results.push({ id: m.id, label: m.label, mutations: m.mutations, verdict: m.verdict, ms: m.ms, reported: m.reported });
      } else {
        finish(to);
      }
    });
    child.on('exit', (code, signal) => {
      if (settled) return;
      if (current) {
        results.push({ id: current.id, label: current.label, mutations: [], verdict: { kind: 'worker-died', message: `worker exited (${code ?? signal}) during the case: ${stderr.trim().split('\n').slice(-3).join(' / ')}` }, ms: 0, reported: false });
        finish(current.id + 1);
      } else {
        // Died between cases (while building the next one): that case counts as failed, not as skipped.
        const id = results.length ? results.at(-1)!.id + 1 : from;
        if (id < to) results.push({ id, label: '(while generating)', mutations: [], verdict: { kind: 'worker-died', message: `worker exited (${code ?? signal}): ${stderr.trim().split('\n').slice(-3).join(' / ')}` }, ms: 0, reported: false });
        finish(id + 1);
      }
    });
  });
}

test(`${CASES} seeded hostile traces (seed ${SEED}): a result or a file:line error, never a crash, hang, pollution or raw markup`, { timeout: 30 * 60_000 }, async () => {
  const started = performance.now();
  const results: CaseResult[] = [];
  for (let next = 0; next < CASES; ) {
    const r = await runWorker(next, CASES);
    results.push(...r.results);
    next = r.next;
  }
  const seconds = (performance.now() - started) / 1000;
  const by = new Map<string, number>();
  for (const r of results) by.set(r.verdict.kind, (by.get(r.verdict.kind) ?? 0) + 1);
  const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 3).map((r) => `#${r.id} ${r.ms} ms (${r.label.slice(0, 80)})`);
  const summary = `${results.length} cases in ${seconds.toFixed(1)} s: ${[...by].map(([k, v]) => `${k} ${v}`).join(', ')}; ${results.filter((r) => r.reported).length} reports written; slowest: ${slowest.join('; ')}`;
  process.stderr.write(`# fuzz: ${summary}\n`);

  const bad = results.filter((r) => !['ok', 'file-line-error', 'file-error', 'user-error'].includes(r.verdict.kind));
  assert.deepEqual(
    bad.map((r) => `#${r.id} [${r.label}] → ${r.verdict.kind}: ${'message' in r.verdict ? r.verdict.message : ''}${'why' in r.verdict ? ` (${r.verdict.why})` : ''}${'stack' in r.verdict ? `\n${r.verdict.stack}` : ''}`),
    [],
    summary,
  );
  assert.equal(results.length, CASES, 'every case ran once');
  // The generator really exercised what it claims: every mutation kind, both outcomes, and reports.
  const seen = new Set(results.flatMap((r) => r.mutations));
  assert.deepEqual(MUTATION_KINDS.filter((k) => !seen.has(k)), [], 'mutation kinds never tried');
  assert.ok((by.get('ok') ?? 0) > CASES / 10, 'a fair share of cases load and analyse');
  assert.ok((by.get('file-line-error') ?? 0) > CASES / 10, 'a fair share of cases are refused with file:line');
  assert.ok(results.filter((r) => r.reported).length >= CASES / 10, 'reports were written');
});

async function collect(lines: AsyncIterable<TextLine>): Promise<TextLine[]> {
  const out: TextLine[] = [];
  for await (const l of lines) out.push(l);
  return out;
}

test('streamed lines equal in-memory lines however the text is chunked (CRLF, blank lines, no final newline)', async () => {
  const rng = mulberry32(99);
  const base = syntheticTrace({ runId: 'chunks', seed: 1, mode: 'single', singleBoots: 2, guests: [{ name: 'g', dtMs: 100, slope: 1 }] });
  const variants = [base, base.replace(/\n/g, '\r\n'), `\n\n${base}\r\n\r\n`, base.trimEnd(), '\r', '\r\n', 'a\rb\n\r\r\n', ''];
  for (const text of variants) {
    for (let trial = 0; trial < 30; trial++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; ) {
        const n = 1 + Math.floor(rng() * (rng() < 0.5 ? 8 : 4000));
        chunks.push(text.slice(i, i + n));
        i += n;
      }
      assert.deepEqual(await collect(splitLines(chunks)), splitText(text));
    }
  }
});

test('a line longer than V8 can hold as a string (560 MiB, no newline) is refused with file:line, in bounded memory', async () => {
  const mib = 'A'.repeat(2 ** 20);
  function* chunks() {
    yield '{"type":"header"}\n';
    for (let i = 0; i < 560; i++) yield mib;
    yield '\n';
  }
  const started = performance.now();
  const lines = await collect(splitLines(chunks()));
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.chars, 560 * 2 ** 20);
  assert.equal(lines[1]!.text.length, MAX_LINE_CHARS + 1);
  await assert.rejects(
    readRun(lines, 'huge.jsonl'),
    (e: unknown) => e instanceof TraceFormatError && e.message.startsWith('huge.jsonl:1: '),
  );
  // With a header first, the over-long line itself is the error, named by its line and true length.
  const header = syntheticTrace({ runId: 'h', seed: 1, mode: 'single', singleBoots: 1, guests: [{ name: 'g', dtMs: 100, slope: 1 }] }).split('\n')[0]!;
  await assert.rejects(
    readRun([{ text: header, line: 1, terminated: true }, lines[1]!], 'huge.jsonl'),
    new RegExp(`^TraceFormatError: huge\\.jsonl:2: line is ${560 * 2 ** 20} characters, over the ${MAX_LINE_CHARS} limit$`),
  );
  assert.ok(performance.now() - started < 120_000);
});

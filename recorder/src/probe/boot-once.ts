// Boots a candidate guest once and captures its console line by line with the recorder's clock, until the
// console has been quiet for a while, the VMM exits, or a time limit. Discovery, not measurement: the
// timed path stays in launch.ts; this only needs to see what the guest prints and when.
import { spawn } from 'node:child_process';
import { lastMeaningfulLines } from '../console/failure-lines.ts';

export interface ConsoleLine {
  /** ms since the spawn. */
  atMs: number;
  text: string;
}

export interface BootCapture {
  lines: ConsoleLine[];
  /** Why capture ended: the console went quiet, the VMM exited, or the time limit passed. */
  ended: 'quiet' | 'exited' | 'limit';
  exitCode: number | null;
  stderr: string;
  /** The last meaningful console lines and QEMU's stderr (failure-lines.ts). */
  lastLines: string[];
  /** ms from spawn to the last console byte. */
  lastOutputMs: number | null;
}

export interface BootOnceOptions {
  argv: readonly string[];
  /** The console is considered done after this long without output (ms). */
  quietMs: number;
  limitMs: number;
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[0-Z\\^_`-~]/g;

export function bootOnce(options: BootOnceOptions): Promise<BootCapture> {
  const [file, ...args] = options.argv;
  const start = process.hrtime.bigint();
  const sinceStart = () => Number(process.hrtime.bigint() - start) / 1e6;
  return new Promise((resolve) => {
    const child = spawn(file ?? '', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: ConsoleLine[] = [];
    let partial = '';
    let raw = '';
    let stderr = '';
    let lastOutputMs: number | null = null;
    let ended: BootCapture['ended'] | null = null;
    let quiet: NodeJS.Timeout | null = null;
    const finish = (why: BootCapture['ended']) => {
      if (ended) return;
      ended = why;
      clearTimeout(limit);
      if (quiet) clearTimeout(quiet);
      child.kill('SIGKILL');
    };
    const armQuiet = () => {
      if (quiet) clearTimeout(quiet);
      quiet = setTimeout(() => finish('quiet'), options.quietMs);
    };
    // Quiet counts only once the guest has printed: firmware such as OVMF under TCG is silent for seconds.
    const limit = setTimeout(() => finish('limit'), options.limitMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const at = sinceStart();
      lastOutputMs = at;
      raw = (raw + chunk).slice(-4096);
      // Escapes are removed per line: QEMU may hand over an escape sequence split across reads.
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) {
        // A carriage return redraws the line: what follows the last one is what showed.
        const text = (part.replace(ESCAPES, '').split('\r').filter((p) => p.trim()).pop() ?? '').trim();
        if (text) lines.push({ atMs: at, text });
      }
      armQuiet();
    });
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2048);
    });
    child.once('error', (err) => {
      stderr += err.message;
      finish('exited');
    });
    child.once('close', (code) => {
      const tail = partial.replace(ESCAPES, '').trim();
      if (tail) lines.push({ atMs: lastOutputMs ?? sinceStart(), text: tail });
      if (!ended) finish('exited');
      resolve({
        lines,
        ended: ended ?? 'exited',
        exitCode: ended === 'exited' ? code : null,
        stderr: stderr.trim(),
        lastLines: lastMeaningfulLines(stderr.trim() ? `${raw}\n[stderr]\n${stderr.trim()}` : raw),
        lastOutputMs,
      });
    });
  });
}

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
  /**
   * Why capture ended: the console went quiet after a guest line, the VMM exited, the time limit passed,
   * no guest line came within guestWaitMs, `stopOn` stopped it (see stopReason), or the console flooded
   * past maxLines.
   */
  ended: 'quiet' | 'exited' | 'limit' | 'no-guest' | 'stopped' | 'flood';
  /** What `stopOn` said when it stopped the capture. */
  stopReason: string | null;
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
  /** Lines printed by the guest, not firmware or boot loader: quiet counts only after the first. */
  isGuestLine?: (text: string) => boolean;
  /** How long to wait for the first guest line (a silent boot loader is waited for, within this bound). */
  guestWaitMs?: number;
  /** Called with each line and all lines so far; a string stops the capture with that reason. */
  stopOn?: (line: ConsoleLine, lines: readonly ConsoleLine[]) => string | null;
  /** The console is a flood past this many lines: capture stops. */
  maxLines?: number;
}

/**
 * A console line as the recorder's matcher sees it: escapes and carriage returns removed, leading blanks
 * kept (console-matcher.ts cleans the stream the same way), trailing blanks dropped.
 */
export function cleanLine(raw: string): string {
  return raw.replace(ESCAPES, '').replace(/\r/g, '').trimEnd();
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
    let stopReason: string | null = null;
    let quiet: NodeJS.Timeout | null = null;
    let guestSeen = false;
    const isGuest = options.isGuestLine ?? (() => true);
    const finish = (why: BootCapture['ended']) => {
      if (ended) return;
      ended = why;
      clearTimeout(limit);
      if (guestWait) clearTimeout(guestWait);
      if (quiet) clearTimeout(quiet);
      child.kill('SIGKILL');
    };
    const armQuiet = () => {
      if (quiet) clearTimeout(quiet);
      quiet = setTimeout(() => finish('quiet'), options.quietMs);
    };
    // Quiet counts only once the guest has printed: firmware and boot loaders may be silent for seconds.
    const limit = setTimeout(() => finish('limit'), options.limitMs);
    const guestWait = options.guestWaitMs !== undefined && options.guestWaitMs < options.limitMs ? setTimeout(() => !guestSeen && finish('no-guest'), options.guestWaitMs) : null;
    const addLine = (line: ConsoleLine) => {
      if (ended) return;
      lines.push(line);
      if (!guestSeen && isGuest(line.text)) guestSeen = true;
      const stop = options.stopOn?.(line, lines) ?? null;
      if (stop) {
        stopReason = stop;
        finish('stopped');
      } else if (options.maxLines !== undefined && lines.length >= options.maxLines) finish('flood');
    };
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
        const text = cleanLine(part);
        if (text.trim()) addLine({ atMs: at, text });
      }
      if (guestSeen) armQuiet();
    });
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2048);
    });
    child.once('error', (err) => {
      stderr += err.message;
      finish('exited');
    });
    child.once('close', (code) => {
      const tail = cleanLine(partial);
      if (tail.trim() && !ended) lines.push({ atMs: lastOutputMs ?? sinceStart(), text: tail });
      if (!ended) finish('exited');
      resolve({
        lines,
        ended: ended ?? 'exited',
        exitCode: ended === 'exited' ? code : null,
        stopReason,
        stderr: stderr.trim(),
        lastLines: lastMeaningfulLines(stderr.trim() ? `${raw}\n[stderr]\n${stderr.trim()}` : raw),
        lastOutputMs,
      });
    });
  });
}

// Why a boot failed, in a few lines a person can read: the last meaningful console lines and QEMU's
// stderr, taken from the tail the launch path keeps. Used in the trace (boot.last_lines) and in the
// recorder's end-of-run summary; the analysis repeats them in its warnings and the report.

/** How many lines a failed boot keeps. */
export const LAST_LINES = 5;
const LINE_CHARS = 200;
/** Separator the launch path puts between console tail and QEMU's stderr (launch.ts failureTail). */
const STDERR_MARK = '\n[stderr]\n';

// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[0-Z\\^_`-~]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

function cleanLines(text: string): string[] {
  return text
    .replace(ESCAPES, '')
    .split('\n')
    // A carriage return without newline redraws the line: what is left after the last one is what showed.
    .map((line) => (line.split('\r').filter((part) => part.trim()).pop() ?? '').replace(CONTROL, '').trim())
    .filter((line) => line.length > 0 && /[A-Za-z0-9]/.test(line))
    .map((line) => (line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS - 1)}…` : line));
}

/** The last meaningful console lines, then QEMU's stderr lines prefixed "qemu: ". */
export function lastMeaningfulLines(tail: string | null, count = LAST_LINES): string[] {
  if (!tail) return [];
  const at = tail.indexOf(STDERR_MARK);
  const consoleText = at >= 0 ? tail.slice(0, at) : tail;
  const stderrText = at >= 0 ? tail.slice(at + STDERR_MARK.length) : '';
  const stderr = cleanLines(stderrText).slice(-2).map((l) => `qemu: ${l}`);
  const console = cleanLines(consoleText).slice(-Math.max(1, count - stderr.length));
  return [...console, ...stderr];
}

// Finds the ready line and named markers in a guest's console stream as it arrives.
// Console bytes come in arbitrary chunks: a marker may be split across two reads, firmware paints
// the screen with ANSI escapes, and lines end in CRLF. The matcher keeps only a bounded window of
// recent text, so a guest that prints 100 MB without a newline costs a constant amount of memory.

/** How much cleaned text is kept between chunks; a marker longer than this cannot be matched across reads. */
export const WINDOW_CHARS = 4096;
/** How much raw console output is kept for the trace when a boot fails. */
export const TAIL_CHARS = 2048;
/** How much of the ready match is kept for the trace. */
export const MATCH_CHARS = 256;

// CSI sequences (ESC [ … final byte), OSC (ESC ] … BEL/ST), charset selection and two-byte escapes.
// eslint-disable-next-line no-control-regex
// The last alternative covers every two-byte escape (ESC 0x30–0x7E except '[' and ']'), e.g. the
// "ESC c" terminal reset SeaBIOS prints first.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[0-Z\\^_`-~]/g;
// An escape that may still be incomplete at the end of a chunk; held back until the next chunk.
// eslint-disable-next-line no-control-regex
const PARTIAL_ESCAPE = /\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[()])?$/;

export interface MarkerHit {
  name: string;
  /** The time passed with the chunk in which the match completed. */
  t: bigint;
}

export interface ConsoleMatcherOptions {
  /** Regex source of the ready line. */
  ready: string;
  /** Named milestone regex sources. */
  markers?: Record<string, string>;
  /** Regex source of a line that means the boot failed (descriptor `fail`); watched until it matches. */
  fail?: string | null;
}

/** A fail line as seen so far: its text from the line start, and whether its newline has arrived. */
export interface FailHit {
  t: bigint;
  line: string;
  complete: boolean;
  /** Characters of cleaned console before the match: compared with the ready line's end. */
  at: number;
}

/** Name used for the ready pattern in MarkerHit results. */
export const READY = '__ready__';

export class ConsoleMatcher {
  private window = '';
  private pendingEscape = '';
  private tailText = '';
  private readonly pending: Map<string, RegExp>;
  private readonly hits = new Map<string, bigint>();
  private readyText: string | null = null;
  private firstOutput: bigint | null = null;
  private totalChars = 0;
  /** Console text seen before this chunk, ANSI escapes and CRs removed: lines (newlines) and characters. */
  private cleanedLines = 0;
  private cleanedChars = 0;
  private readyVolume: { lines: number; chars: number } | null = null;
  private readonly failRe: RegExp | null;
  private failHit: FailHit | null = null;

  constructor(options: ConsoleMatcherOptions) {
    this.pending = new Map();
    for (const [name, source] of Object.entries(options.markers ?? {})) {
      this.pending.set(name, new RegExp(source, 'm'));
    }
    this.pending.set(READY, new RegExp(options.ready, 'm'));
    this.failRe = options.fail ? new RegExp(options.fail, 'm') : null;
  }

  /** Feed one chunk received at time `t`; returns the patterns that matched for the first time. */
  feed(chunk: string, t: bigint): MarkerHit[] {
    if (chunk.length === 0) return [];
    if (this.firstOutput === null) this.firstOutput = t;
    this.totalChars += chunk.length;
    this.tailText = (this.tailText + chunk).slice(-TAIL_CHARS);
    if (this.pending.size === 0 && !this.watchingFail) return [];

    let text = this.pendingEscape + chunk;
    const partial = PARTIAL_ESCAPE.exec(text);
    // Only hold back a short suffix: a lone ESC followed by a flood must not grow the held text.
    if (partial && text.length - partial.index < 64) {
      this.pendingEscape = text.slice(partial.index);
      text = text.slice(0, partial.index);
    } else {
      this.pendingEscape = '';
    }
    const cleaned = text.replace(ANSI, '').replace(/\r/g, '');
    // Search the previous window plus the new text, so a match split across reads is found; a match that
    // lies wholly inside the old window was already tested last time and failed, so re-testing is harmless.
    const haystack = this.window + cleaned;
    const found: MarkerHit[] = [];
    for (const [name, re] of this.pending) {
      const match = re.exec(haystack);
      if (match) {
        found.push({ name, t });
        this.hits.set(name, t);
        if (name === READY) {
          this.readyText = match[0].slice(0, MATCH_CHARS);
          // How much the guest printed up to the end of its ready line: the part of this chunk before the
          // match's end, plus everything before the chunk.
          const inChunk = cleaned.slice(0, Math.max(0, match.index + match[0].length - this.window.length));
          this.readyVolume = { lines: this.cleanedLines + countNewlines(inChunk) + 1, chars: this.cleanedChars + inChunk.length };
        }
      }
    }
    for (const hit of found) this.pending.delete(hit.name);
    this.watchFail(haystack, t);
    this.cleanedLines += countNewlines(cleaned);
    this.cleanedChars += cleaned.length;
    this.window = haystack.length > WINDOW_CHARS ? trimToLineStart(haystack) : haystack;
    return found;
  }

  /** A fail line is looked for until the ready line (after it, it no longer fails the boot) and completed once found. */
  private get watchingFail(): boolean {
    if (this.failRe === null) return false;
    return this.failHit === null ? !this.hits.has(READY) : !this.failHit.complete;
  }

  /** The fail line: found once, then completed up to its newline as more text arrives. */
  private watchFail(haystack: string, t: bigint): void {
    if (!this.failRe || (this.failHit && this.failHit.complete)) return;
    // Ready seen in an earlier chunk and no fail line before it: nothing to watch (this chunk's ready is compared by position).
    if (this.failHit === null && this.hits.has(READY) && this.readyVolume !== null && this.readyVolume.chars <= this.cleanedChars) return;
    const base = this.cleanedChars - this.window.length;
    let from: number;
    if (this.failHit === null) {
      const match = this.failRe.exec(haystack);
      if (!match) return;
      from = haystack.lastIndexOf('\n', match.index) + 1;
      this.failHit = { t, line: '', complete: false, at: base + match.index };
    } else {
      // The line start, in this haystack's coordinates (it may have scrolled out of the window: keep what we have).
      from = haystack.lastIndexOf('\n', Math.max(0, this.failHit.at - base)) + 1;
    }
    const end = haystack.indexOf('\n', from);
    const line = (end >= 0 ? haystack.slice(from, end) : haystack.slice(from)).replace(CUT, '');
    if (line.length >= this.failHit.line.length) this.failHit.line = line.slice(0, MATCH_CHARS);
    this.failHit.complete = end >= 0;
  }

  /** The fail line, once the fail regex has matched (complete once its newline came). */
  get fail(): FailHit | null {
    return this.failHit;
  }

  /** Characters of cleaned console up to the end of the ready match, or null. */
  get readyEndsAt(): number | null {
    return this.readyVolume?.chars ?? null;
  }

  /** Time of the ready match, if seen. */
  get readyAt(): bigint | null {
    return this.hits.get(READY) ?? null;
  }

  /** The text the ready pattern matched, cut to MATCH_CHARS. */
  get readyMatch(): string | null {
    return this.readyText;
  }

  /**
   * Console volume up to the end of the ready match: lines (the ready line included) and characters of
   * cleaned text. A general-purpose OS logs from many subsystems before it is ready; a LibOS prints a few lines.
   */
  get volumeAtReady(): { lines: number; chars: number } | null {
    return this.readyVolume;
  }

  /** Console volume so far (counted while a pattern is still pending): for a ready signal that is not a console line. */
  get volumeSoFar(): { lines: number; chars: number } {
    return { lines: this.cleanedLines, chars: this.cleanedChars };
  }

  /** First-match times of named markers (the ready pattern excluded). */
  markerTimes(): Map<string, bigint> {
    const out = new Map(this.hits);
    out.delete(READY);
    return out;
  }

  get firstOutputAt(): bigint | null {
    return this.firstOutput;
  }

  /** The last TAIL_CHARS characters of raw console output. */
  get tail(): string {
    return this.tailText;
  }

  get charsSeen(): number {
    return this.totalChars;
  }

  /** Memory held by the matcher's buffers, in characters: bounded whatever the guest prints. */
  get bufferedChars(): number {
    return this.window.length + this.pendingEscape.length + this.tailText.length;
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Sentinel put where the window was cut mid-line, so `^` cannot match a line's middle. */
const CUT = '\u0001';

function trimToLineStart(text: string): string {
  const kept = text.slice(-WINDOW_CHARS);
  const newline = kept.indexOf('\n');
  // Prefer cutting at a line boundary; a window that is one long line keeps the sentinel instead.
  if (newline >= 0 && newline < kept.length - 1) return kept.slice(newline + 1);
  return CUT + kept;
}

// Split decoded text chunks into lines, remembering whether each line ended with a newline: a final line
// without one is the signature of a recorder killed mid-write. Pure (async iterables only): runs in Deno.
import { MAX_LINE_CHARS } from '@bootlab/trace';

export interface TextLine {
  text: string;
  /** 1-based line number. */
  line: number;
  /** false only for a last line that had no trailing newline. */
  terminated: boolean;
  /**
   * Set only when the line was longer than the reader keeps (MAX_LINE_CHARS): its true length in characters.
   * `text` then holds just its first MAX_LINE_CHARS + 1 characters, enough for the reader to refuse it.
   */
  chars?: number;
}

/**
 * Lines of a stream, in one pass: each chunk is searched for newlines once (a huge line is not rescanned for
 * every chunk that extends it), and a line is kept only up to MAX_LINE_CHARS + 1 characters, so a hostile file
 * (say a 30 KB gzip holding a 1 GB line) costs neither quadratic time nor a string longer than V8 allows.
 */
export async function* splitLines(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<TextLine> {
  const keep = MAX_LINE_CHARS + 1;
  let parts: string[] = [];
  let kept = 0;
  let chars = 0;
  let line = 0;
  const add = (piece: string) => {
    chars += piece.length;
    if (kept < keep && piece.length > 0) {
      const head = piece.length <= keep - kept ? piece : piece.slice(0, keep - kept);
      parts.push(head);
      kept += head.length;
    }
  };
  const take = (terminated: boolean): TextLine => {
    let text = parts.length === 1 ? parts[0]! : parts.join('');
    let length = chars;
    if (terminated && length > 0 && length === text.length && text.charCodeAt(text.length - 1) === 13) {
      text = text.slice(0, -1);
      length--;
    }
    parts = [];
    kept = 0;
    chars = 0;
    return length > text.length ? { text, line: ++line, terminated, chars: length } : { text, line: ++line, terminated };
  };
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      add(chunk.slice(start, nl));
      yield take(true);
      start = nl + 1;
    }
    add(start === 0 ? chunk : chunk.slice(start));
  }
  if (chars > 0) yield take(false);
}

/** Synchronous variant for text already in memory. */
export function splitText(text: string): TextLine[] {
  const parts = text.split('\n');
  const last = parts.pop() as string;
  const lines = parts.map((t, i) => ({ text: t.endsWith('\r') ? t.slice(0, -1) : t, line: i + 1, terminated: true }));
  if (last.length > 0) lines.push({ text: last, line: lines.length + 1, terminated: false });
  return lines;
}

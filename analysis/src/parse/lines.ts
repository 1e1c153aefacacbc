// Split decoded text chunks into lines, remembering whether each line ended with a newline: a final line
// without one is the signature of a recorder killed mid-write. Pure (async iterables only): runs in Deno.

export interface TextLine {
  text: string;
  /** 1-based line number. */
  line: number;
  /** false only for a last line that had no trailing newline. */
  terminated: boolean;
}

export async function* splitLines(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<TextLine> {
  let pending = '';
  let line = 0;
  for await (const chunk of chunks) {
    pending += chunk;
    let start = 0;
    for (let nl = pending.indexOf('\n', start); nl !== -1; nl = pending.indexOf('\n', start)) {
      const end = nl > start && pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield { text: pending.slice(start, end), line: ++line, terminated: true };
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  if (pending.length > 0) yield { text: pending, line: ++line, terminated: false };
}

/** Synchronous variant for text already in memory. */
export function splitText(text: string): TextLine[] {
  const parts = text.split('\n');
  const last = parts.pop() as string;
  const lines = parts.map((t, i) => ({ text: t.endsWith('\r') ? t.slice(0, -1) : t, line: i + 1, terminated: true }));
  if (last.length > 0) lines.push({ text: last, line: lines.length + 1, terminated: false });
  return lines;
}

// Appends validated records to a JSONL trace. Each record is one write(2) of one whole line, straight
// to the file descriptor: a run killed at any moment leaves a file whose every line parses.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatTraceLine, TraceRecord } from '@bootlab/trace';

export class TraceWriterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceWriterError';
  }
}

/**
 * Create a folder and its parents one level at a time. Node's mkdirSync({recursive: true}) never returns
 * for a path under /proc (it retries ENOENT forever), and a typo in -o must fail, not hang.
 */
function ensureDir(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) ensureDir(parent);
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

export class TraceWriter {
  readonly path: string;
  private fd: number | null;
  private count = 0;
  /** Bytes of complete lines on disk: a failed write is cut back to here. */
  private goodBytes = 0;

  /**
   * Opens (creates) the file now, so a bad path fails before the first VM starts (as hyperfine creates
   * its export files up front). An existing non-empty trace is never overwritten unless `force`.
   */
  constructor(path: string, options: { force?: boolean } = {}) {
    this.path = path;
    try {
      ensureDir(dirname(path));
      this.fd = openSync(path, options.force ? 'w' : 'wx');
      this.goodBytes = 0;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        throw new TraceWriterError(`${path}: already exists; choose another -o or pass --force to overwrite it`);
      }
      throw new TraceWriterError(`${path}: cannot create trace file (${code ?? (err as Error).message})`);
    }
  }

  get records(): number {
    return this.count;
  }

  /** Validate and write one record. Validation failure is a bootlab bug and throws. */
  write(record: TraceRecord): void {
    if (this.fd === null) throw new TraceWriterError(`${this.path}: trace already closed`);
    const checked = TraceRecord.safeParse(record);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new TraceWriterError(
        `internal error: refusing to write an invalid ${record.type} record (${issue?.path.join('.')}: ${issue?.message})`,
      );
    }
    const line = Buffer.from(formatTraceLine(checked.data));
    let written = 0;
    try {
      // One write(2) per line normally; a full disk may take part of a line and then fail.
      while (written < line.length) written += writeSync(this.fd, line, written);
    } catch (err) {
      // Cut off the partial line so every line on disk still parses (best effort: the file may be a pipe).
      try {
        if (written > 0) ftruncateSync(this.fd, this.goodBytes);
      } catch {
        // not truncatable; the analysis skips a cut-off last line anyway
      }
      const code = (err as NodeJS.ErrnoException).code;
      throw new TraceWriterError(`${this.path}: write failed (${code ?? (err as Error).message})`);
    }
    this.goodBytes += line.length;
    this.count++;
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

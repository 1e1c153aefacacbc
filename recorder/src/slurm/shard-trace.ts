// What the campaign folder says about each shard, read from the shard traces themselves: boots written so
// far and how the run ended. Read incrementally (only new bytes), so watching a long campaign stays cheap.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import type { EndRecord } from '@bootlab/trace';

export interface ShardTraceStatus {
  exists: boolean;
  boots: number;
  /** The end record's status; null while running or when the recorder died without one. */
  end: EndRecord['status'] | null;
}

export class ShardTraceTail {
  #offset = 0;
  #partial = '';
  #boots = 0;
  #end: EndRecord['status'] | null = null;
  constructor(readonly path: string) {}

  read(): ShardTraceStatus {
    if (!existsSync(this.path)) return { exists: false, boots: 0, end: null };
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < this.#offset) {
        // Replaced (a resubmitted shard starts a fresh trace): count again from the start.
        this.#offset = 0;
        this.#partial = '';
        this.#boots = 0;
        this.#end = null;
      }
      const buf = Buffer.alloc(1 << 20);
      while (this.#offset < size) {
        const n = readSync(fd, buf, 0, buf.length, this.#offset);
        if (n <= 0) break;
        this.#offset += n;
        const lines = (this.#partial + buf.toString('utf8', 0, n)).split('\n');
        this.#partial = lines.pop() ?? '';
        for (const line of lines) this.#take(line);
      }
    } finally {
      closeSync(fd);
    }
    return { exists: true, boots: this.#boots, end: this.#end };
  }

  #take(line: string): void {
    // Boot records are most lines; the type is the first key the recorder writes.
    if (line.startsWith('{"type":"boot"')) this.#boots++;
    else if (line.startsWith('{"type":"end"')) {
      try {
        this.#end = (JSON.parse(line) as EndRecord).status;
      } catch {
        this.#end = null;
      }
    }
  }
}

/** One-shot read of a shard trace. */
export function shardTraceStatus(path: string): ShardTraceStatus {
  return new ShardTraceTail(path).read();
}

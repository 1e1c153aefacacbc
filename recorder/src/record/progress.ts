// What a person watching a run sees: a status line redrawn in place on a terminal, plain lines
// otherwise (CI logs, files). Progress goes to stderr; stdout stays free for machine output.
import type { BootStatus, SampleRecord } from '@bootlab/trace';
import type { AccelVerdict } from '../host/host.ts';
import type { BatchPlan } from './plan.ts';

export interface Progress {
  start(totalBoots: number, accel: AccelVerdict): void;
  batch(plan: BatchPlan): void;
  boot(status: BootStatus): void;
  sample(sample: SampleRecord): void;
  note(message: string): void;
  finish(): void;
}

export const silentProgress: Progress = {
  start() {},
  batch() {},
  boot() {},
  sample() {},
  note() {},
  finish() {},
};

function describeBatch(b: BatchPlan): string {
  return b.mode === 'single'
    ? `${b.guest}: ${b.n} single boot(s)`
    : `${b.guest}: ${b.n} instance(s) ${b.intervalMs} ms apart`;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  let total = 0;
  let done = 0;
  let failed = 0;
  let running = 0;
  let availMb = 0;
  let current = '';
  let timer: NodeJS.Timeout | null = null;
  const tty = Boolean(stream.isTTY);
  const line = () =>
    `[bootlab] ${done}/${total} boots, ${failed} failed, ${running} running, ${availMb} MiB available — ${current}`;
  const redraw = () => stream.write(`\r\x1b[2K${line()}`);
  return {
    start(totalBoots, accel) {
      // One Progress may serve several runs (bootlab demo: single, then the sweep): count each run afresh,
      // or the second run's line read "112/72 boots".
      total = totalBoots;
      done = 0;
      failed = 0;
      stream.write(`[bootlab] accelerator: ${accel.accel} (${accel.reason})\n`);
      if (tty) timer = setInterval(redraw, 200);
    },
    batch(plan) {
      current = describeBatch(plan);
      if (!tty) stream.write(`[bootlab] batch ${plan.batch}: ${current}\n`);
    },
    boot(status) {
      done++;
      if (status !== 'ok') failed++;
    },
    sample(sample) {
      running = sample.running;
      availMb = Math.round(sample.mem_available_kb / 1024);
    },
    note(message) {
      stream.write(`${tty ? '\r\x1b[2K' : ''}[bootlab] ${message}\n`);
    },
    finish() {
      if (timer) clearInterval(timer);
      if (tty) stream.write(`\r\x1b[2K${line()}\n`);
      else stream.write(`${line()}\n`);
    },
  };
}

// Before `bootlab guests probe` writes a descriptor it boots it a few times the way `record` will: the same
// QEMU command line (buildQemuArgv), the recorder's own Instance and console matcher, and the descriptor's
// ready and fail regexes. A boot passes when it is ok and, for a moment after Te, no failure line appears,
// the firmware banner does not come back (a reset) and the VMM does not exit with a non-zero code.
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { launchFail, type ResolvedGuest } from '../guests/descriptor.ts';
import { Instance } from '../launch/launch.ts';
import { cleanLine } from './boot-once.ts';
import { FAILURE_LINE, LOADER_NOISE, RESET_BANNER } from './propose.ts';

export interface VerifyBoot {
  ok: boolean;
  /** ΔT (Te − Ts) in ms when the ready line was seen. */
  dtMs: number | null;
  /** Why the boot does not pass, or null. */
  why: string | null;
}

export interface VerifyOptions {
  argv: readonly string[];
  guest: ResolvedGuest;
  timeoutMs: number;
  /** How long to keep watching after Te (ms). */
  afterMs: number;
}

const clock = () => process.hrtime.bigint();

/** One boot with the proposed descriptor, watched past Te. */
export function verifyBoot(options: VerifyOptions): Promise<VerifyBoot> {
  const d = options.guest.descriptor;
  const ready = typeof d.ready === 'string' ? d.ready : 'console' in d.ready ? d.ready.console : '(?!)';
  const [file, ...args] = options.argv;
  const ts = clock();
  const child = spawn(file ?? '', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const inst = new Instance(
    { ready, markers: {}, fail: launchFail(d.fail), timeoutMs: options.timeoutMs, keepAlive: true, clock },
    { ts, spawned: clock(), pid: child.pid ?? null, error: null },
    { kill: () => child.kill('SIGKILL') },
  );
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let guestPrinted = false;
  let problem: string | null = null;
  const onLine = (text: string) => {
    if (problem) return;
    if (!LOADER_NOISE.test(text)) guestPrinted = true;
    if (!guestPrinted) return;
    if (FAILURE_LINE.test(text)) problem = `a failure line: "${text.trim()}"`;
    else if (RESET_BANNER.test(text)) problem = `the firmware banner came back ("${text.trim()}"): the guest reset`;
  };
  child.stdout.on('data', (chunk: Buffer) => {
    const t = clock();
    inst.console(chunk, t);
    partial += decoder.write(chunk);
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) {
      const text = cleanLine(p);
      if (!text.trim()) continue;
      onLine(text);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => inst.stderr(chunk, clock()));
  child.once('error', (err) => inst.spawnFailed(err.message));
  let exitStamp: bigint | null = null;
  let exitCode: number | null | undefined;
  child.once('exit', (code) => {
    exitStamp = clock();
    exitCode = code;
  });
  child.once('close', (code, signal) => inst.exited(code, signal, exitStamp));
  return inst.concluded.then(async (outcome) => {
    if (outcome.status !== 'ok' || outcome.te === null) {
      inst.kill();
      await inst.closed;
      const why = outcome.error ?? `${outcome.status}${outcome.exitCode !== null ? ` (exit ${outcome.exitCode})` : ''}`;
      return { ok: false, dtMs: null, why: `${outcome.status}: ${why}` };
    }
    const dtMs = Number(outcome.te - outcome.ts) / 1e6;
    await Promise.race([inst.closed, new Promise((r) => setTimeout(r, options.afterMs))]);
    inst.kill();
    await inst.closed;
    if (problem) return { ok: false, dtMs, why: problem };
    if (exitCode !== undefined && exitCode !== null && exitCode !== 0 && exitStamp !== null && Number(exitStamp - outcome.te) / 1e6 <= options.afterMs) {
      return { ok: false, dtMs, why: `the VMM exited with ${exitCode} right after Te` };
    }
    return { ok: true, dtMs, why: null };
  });
}

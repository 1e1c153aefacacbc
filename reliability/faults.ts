// Single-shot faults: what else an unattended run meets besides signals (full disks, floods, a guest that
// never gets ready, bad input, a second recorder, …), one real run each; each says what it checked in notes.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { BatchRecord, BootRecord, EndRecord, TraceRecord } from '@bootlab/trace';
import { readMemInfo } from '@bootlab/recorder';
import { privateGuest } from '@bootlab/recorder/test-support';
import { FAKE_VMM, inspectTrace, killAll, lastLine, leftovers, runCli, sleep, TAG_VAR, type TraceInspection } from './lib.ts';

export interface ShotOutcome {
  ok: boolean;
  leaked: number;
  linesLost?: number;
  bytesLost?: number;
  notes: string[];
  details: Record<string, unknown>;
}

export type Shot = { name: string; title: string; run: (work: string) => Promise<ShotOutcome> };

function bootsOf(records: readonly TraceRecord[]): BootRecord[] {
  return records.filter((r): r is BootRecord => r.type === 'boot');
}

/** After a finished run: nothing of it alive; kill and count anything that is. */
async function reap(tag: string, needles: readonly string[]): Promise<number> {
  // A finished recorder has already killed and reaped its instances; allow the kernel a moment anyway.
  const end = performance.now() + 2000;
  let left = leftovers(tag, needles);
  while (left.length && performance.now() < end) {
    await sleep(50);
    left = leftovers(tag, needles);
  }
  killAll(left);
  return left.length;
}

function check(notes: string[], cond: boolean, problem: string): boolean {
  if (!cond) notes.push(`FAILED: ${problem}`);
  return cond;
}

/** A one-line `bootlab: error: …` on stderr, exit code 2. */
function oneLineError(r: { code: number | null; stderr: string }, pattern: RegExp, notes: string[]): boolean {
  const lines = r.stderr.trim().split('\n');
  const last = lines.at(-1) ?? '';
  const ok = r.code === 2 && pattern.test(last) && !/internal error|\n\s+at /.test(r.stderr);
  const shown = last.replace(/\/tmp\/bootlab-[^/ ]+\//g, '…/').replace(/^bootlab: error: /, '');
  if (ok) notes.push(`exit 2, "${shown.length > 90 ? `${shown.slice(0, 89)}…` : shown}"`);
  else notes.push(`FAILED: expected exit 2 and one line matching ${pattern}, got exit ${r.code}: ${last}`);
  return ok;
}

/** Every line on disk parses, nothing cut off. */
function allLinesParse(t: TraceInspection, notes: string[]): boolean {
  const ok = t.bad.length === 0 && t.cutOff === null;
  if (!ok) notes.push(`FAILED: ${t.bad.length} bad line(s), cut-off ${t.cutOff?.bytes ?? 0} bytes`);
  return ok;
}

function guestRun(name: string, overrides: Record<string, unknown> = {}) {
  const guest = privateGuest('minkernel', { name, ...overrides });
  return { guest, dir: dirname(guest.kernel), tag: `${name}-${process.pid}-${Date.now()}` };
}

/** Two single boots of a private minkernel variant, then its VMMs reaped and its trace read. */
async function twoBoots(name: string, overrides: Record<string, unknown>, timeoutS: number) {
  const { guest, dir, tag } = guestRun(name, overrides);
  const out = join(dir, 't.jsonl');
  const r = await runCli(['record', guest.path, '-n', '2', '--timeout', String(timeoutS), '--accel', 'tcg', '-o', out], { env: { [TAG_VAR]: tag } });
  const leaked = await reap(tag, [dir]);
  const t = inspectTrace(out);
  return { r, leaked, t, bs: bootsOf(t.records), dir };
}

/**
 * A keep-alive run whose trace file fills up mid-run: one-line error naming the errno, every complete line
 * parses, the partial line is cut back, instances are killed.
 */
async function diskFullRun(
  name: string,
  outputIn: (guestDir: string) => string,
  errno: 'EFBIG' | 'ENOSPC',
  prefix?: readonly string[],
): Promise<ShotOutcome> {
  const { guest, dir, tag } = guestRun(name);
  const out = outputIn(dir);
  const r = await runCli(
    ['record', guest.path, '--mode', 'multi', '-n', '60', '--interval', '20', '--keep-alive', '--accel', 'tcg', '-o', out],
    { env: { [TAG_VAR]: tag }, ...(prefix ? { prefix } : {}) },
  );
  const leaked = await reap(tag, [dir]);
  const t = inspectTrace(out);
  const notes: string[] = [];
  let ok = oneLineError(r, new RegExp(`^bootlab: error: .*t\\.jsonl: write failed \\(${errno}\\)$`), notes);
  ok = allLinesParse(t, notes) && ok;
  ok = check(notes, t.records[0]?.type === 'header' && t.lines > 3, `only ${t.lines} lines`) && ok;
  notes.push(`${t.lines} complete lines (${t.bytes} bytes) kept, partial line cut back; instances killed`);
  rmSync(dir, { recursive: true, force: true });
  return { ok, leaked, notes, details: { lines: t.lines, bytes: t.bytes, boots: bootsOf(t.records).length } };
}

export const SINGLE_SHOTS: Shot[] = [
  {
    name: 'never-ready',
    title: 'guest never prints its ready line',
    run: async () => {
      const { r, leaked, t, bs, dir } = await twoBoots('never-ready', { ready: '^this line is never printed' }, 3);
      const notes: string[] = [];
      let ok = check(notes, r.code === 0, `exit ${r.code}: ${lastLine(r.stderr)}`);
      ok = check(notes, bs.length === 2 && bs.every((b) => b.status === 'timeout' && b.dt_ms === null), `statuses ${bs.map((b) => b.status)}`) && ok;
      const watched = bs.map((b) => Math.round((b.end_ns - b.ts_ns) / 1e6));
      ok = check(notes, watched.every((w) => w >= 3000 && w < 8000), `watched ${watched} ms for a 3 s timeout`) && ok;
      ok = allLinesParse(t, notes) && ok;
      if (ok) notes.push(`2 boots → timeout after ${watched.join(', ')} ms (--timeout 3), console tail kept`);
      rmSync(dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { exit: r.code, statuses: bs.map((b) => b.status), watched_ms: watched } };
    },
  },
  {
    name: 'exits-early',
    title: 'guest exits before its ready line',
    run: async () => {
      const { r, leaked, t, bs, dir } = await twoBoots(
        'exits-early',
        { append: 'exit', qemu_args: ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'], ready: '^never' },
        60,
      );
      const notes: string[] = [];
      let ok = check(notes, r.code === 0, `exit ${r.code}`);
      ok = check(notes, bs.length === 2 && bs.every((b) => b.status === 'exited' && b.exit_code === 3), `statuses ${bs.map((b) => `${b.status}/${b.exit_code}`)}`) && ok;
      const after = bs.map((b) => Math.round((b.end_ns - b.ts_ns) / 1e6));
      ok = check(notes, after.every((ms) => ms < 30_000), `took ${after} ms, not at once`) && ok;
      ok = allLinesParse(t, notes) && ok;
      if (ok) notes.push(`2 boots → exited, exit code 3, after ${after.join(', ')} ms (not the 60 s timeout)`);
      rmSync(dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { statuses: bs.map((b) => b.status), ms: after } };
    },
  },
  {
    name: 'flood',
    title: 'guest floods 100 MB without a newline',
    run: async (work) => {
      const descriptor = join(work, 'flood.json');
      writeFileSync(descriptor, JSON.stringify({ name: 'flood', kernel: FAKE_VMM, ready: '^ready$' }));
      const notes: string[] = [];
      const one = async (mode: string) => {
        const tag = `flood-${mode}-${process.pid}-${Date.now()}`;
        const out = join(work, `flood-${mode}.jsonl`);
        const r = await runCli(['record', descriptor, '--qemu', FAKE_VMM, '-n', '1', '--timeout', '240', '-o', out], {
          env: { [TAG_VAR]: tag, BOOTLAB_FAKE: mode },
        });
        // Found by the run's environment tag only: the fake VMM script's path is shared with other test runs.
        return { r, t: inspectTrace(out), leaked: await reap(tag, []) };
      };
      const base = await one('ready');
      const flood = await one('flood');
      const [b] = bootsOf(flood.t.records);
      const growthMb = ((flood.r.peakRssKb ?? 0) - (base.r.peakRssKb ?? 0)) / 1024;
      let ok = check(notes, flood.r.code === 0 && base.r.code === 0, `exit ${flood.r.code}/${base.r.code}: ${lastLine(flood.r.stderr)}`);
      ok = check(notes, b?.status === 'ok', `boot status ${b?.status}`) && ok;
      ok = check(notes, flood.r.peakRssKb !== null && growthMb < 64, `recorder peak RSS ${flood.r.peakRssKb} KiB, +${growthMb.toFixed(1)} MB over the baseline`) && ok;
      ok = allLinesParse(flood.t, notes) && ok;
      const tail = b?.console_tail?.length ?? 0;
      notes.push(
        `recorder peak RSS (VmHWM) ${((flood.r.peakRssKb ?? 0) / 1024).toFixed(0)} MB vs ${((base.r.peakRssKb ?? 0) / 1024).toFixed(0)} MB without the flood (+${growthMb.toFixed(1)} MB); ready still found${tail ? `; console tail ${tail} chars` : ''}`,
      );
      return {
        ok,
        leaked: base.leaked + flood.leaked,
        notes,
        details: { peak_rss_kb: flood.r.peakRssKb, baseline_peak_rss_kb: base.r.peakRssKb, growth_mb: Number(growthMb.toFixed(1)), status: b?.status, dt_ms: b?.dt_ms },
      };
    },
  },
  {
    name: 'vmm-error',
    title: 'fatal VMM error (unknown device)',
    run: async () => {
      const { r, leaked, t, bs, dir } = await twoBoots('bad-device', { qemu_args: ['-device', 'no-such-device-model'] }, 60);
      const notes: string[] = [];
      let ok = check(notes, r.code === 0, `exit ${r.code}`);
      ok = check(notes, bs.length === 2 && bs.every((b) => b.status === 'vmm_error' && /no-such-device-model/.test(b.error ?? '')), `statuses ${bs.map((b) => b.status)}`) && ok;
      const after = bs.map((b) => Math.round((b.end_ns - b.ts_ns) / 1e6));
      ok = check(notes, after.every((ms) => ms < 10_000), `recorded after ${after} ms`) && ok;
      ok = allLinesParse(t, notes) && ok;
      if (ok) notes.push(`2 boots → vmm_error after ${after.join(', ')} ms, QEMU's message kept: "${bs[0]?.error?.replace(/^qemu-system-x86_64: /, '')}"`);
      rmSync(dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { statuses: bs.map((b) => b.status), ms: after, error: bs[0]?.error } };
    },
  },
  {
    name: 'qemu-missing',
    title: 'QEMU binary missing',
    run: async (work) => {
      const notes: string[] = [];
      let ok = true;
      for (const qemu of ['qemu-system-nonexistent', '/nonexistent/qemu-system-x86_64']) {
        const out = join(work, `noqemu-${qemu.length}.jsonl`);
        const r = await runCli(['record', 'minkernel', '--qemu', qemu, '--accel', 'tcg', '-o', out]);
        ok = oneLineError(r, /^bootlab: error: QEMU binary '.*' not found/, notes) && ok;
        ok = check(notes, !existsSync(out), `${out} was created`) && ok;
      }
      if (ok) notes.push('no trace file created');
      return { ok, leaked: 0, notes, details: {} };
    },
  },
  {
    name: 'unwritable-output',
    title: 'output file unwritable',
    run: async (work) => {
      const notes: string[] = [];
      const { guest, dir, tag } = guestRun('unwritable');
      const blocker = join(work, 'a-file');
      writeFileSync(blocker, 'not a directory\n');
      const cases: [string, string, RegExp][] = [
        ['parent is a file', join(blocker, 't.jsonl'), /cannot create trace file \(ENOTDIR\)$/],
        ['read-only /sys', '/sys/bootlab-campaign.jsonl', /cannot create trace file \((EROFS|EACCES|EPERM|ENOENT)\)$/],
        ['under /proc', '/proc/bootlab-campaign/t.jsonl', /cannot create trace file \(E[A-Z]+\)$/],
      ];
      let ok = true;
      const rows: Record<string, unknown>[] = [];
      for (const [what, out, pattern] of cases) {
        const r = await runCli(['record', guest.path, '-n', '1', '--accel', 'tcg', '-o', out], { env: { [TAG_VAR]: tag }, limitMs: 60_000 });
        ok = check(notes, !r.hung, `${what}: the recorder hung`) && ok;
        ok = oneLineError(r, pattern, notes) && ok;
        rows.push({ what, code: r.code, error: lastLine(r.stderr) });
      }
      const leaked = await reap(tag, [dir]);
      rmSync(dir, { recursive: true, force: true });
      notes.push('no VM started');
      return { ok, leaked, notes, details: { cases: rows } };
    },
  },
  {
    name: 'disk-full-efbig',
    title: 'disk full mid-run (EFBIG, ulimit -f 24 KiB)',
    // bash sets the limit and ignores SIGXFSZ, then execs the CLI with its arguments untouched ("$@").
    run: () => diskFullRun('disk-full', (dir) => join(dir, 't.jsonl'), 'EFBIG', ['bash', '-c', 'trap "" XFSZ; ulimit -f 24; exec "$@"', 'bash']),
  },
  {
    name: 'disk-full-tmpfs',
    title: 'disk full mid-run (ENOSPC, 16 KiB tmpfs)',
    run: async (work) => {
      const mnt = join(work, 'small-fs');
      mkdirSync(mnt, { recursive: true });
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'bootlab-campaign', mnt], { stdio: 'ignore' });
      } catch {
        return { ok: true, leaked: 0, notes: ['skipped: mounting a tmpfs is not permitted here'], details: { skipped: true } };
      }
      try {
        return await diskFullRun('tmpfs-full', () => join(mnt, 't.jsonl'), 'ENOSPC');
      } finally {
        try {
          execFileSync('umount', [mnt], { stdio: 'ignore' });
        } catch {
          // left mounted; the work dir removal below then fails harmlessly
        }
      }
    },
  },
  {
    name: 'dev-full',
    title: 'disk full at the first write (-o /dev/full --force)',
    run: async () => {
      const { guest, dir, tag } = guestRun('dev-full');
      const r = await runCli(['record', guest.path, '-n', '2', '--accel', 'tcg', '-o', '/dev/full', '--force'], { env: { [TAG_VAR]: tag } });
      const leaked = await reap(tag, [dir]);
      const notes: string[] = [];
      const ok = oneLineError(r, /^bootlab: error: \/dev\/full: write failed \(ENOSPC\)$/, notes);
      notes.push('no VM started');
      rmSync(dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { code: r.code } };
    },
  },
  {
    name: 'memory-guard',
    title: 'memory guard trips mid-run',
    run: async () => {
      const { guest, dir, tag } = guestRun('guarded');
      const out = join(dir, 't.jsonl');
      // A floor 1.5 GiB under what is available now: room for a dozen instances at the guard's up-front
      // estimate (guest RAM + VMM overhead each until one has booted), and for other tenants' memory to come
      // and go, yet the guard must stop well before 200 keep-alive instances.
      const floor = Math.floor(readMemInfo().availableKb / 1024) - 1536;
      const r = await runCli(
        ['record', guest.path, '--mode', 'multi', '-n', '200', '--interval', '5', '--keep-alive', '--memory-floor', String(floor), '--accel', 'tcg', '-o', out],
        { env: { [TAG_VAR]: tag } },
      );
      const leaked = await reap(tag, [dir]);
      const t = inspectTrace(out);
      const notes: string[] = [];
      const batch = t.records.find((x): x is BatchRecord => x.type === 'batch');
      const end = t.records.find((x): x is EndRecord => x.type === 'end');
      const event = t.records.find((x) => x.type === 'event' && x.kind === 'memory_guard');
      let ok = check(notes, r.code === 0, `exit ${r.code}: ${lastLine(r.stderr)}`);
      ok = check(notes, end?.status === 'guarded', `end status ${end?.status}`) && ok;
      ok = check(notes, batch?.stopped_by === 'memory_guard' && batch.launched > 0 && batch.launched < 200, `batch ${JSON.stringify(batch && { stopped_by: batch.stopped_by, launched: batch.launched })}`) && ok;
      ok = check(notes, event !== undefined, 'no memory_guard event') && ok;
      ok = check(notes, bootsOf(t.records).length === batch?.launched, 'a launched instance has no boot record') && ok;
      ok = allLinesParse(t, notes) && ok;
      notes.push(`stopped after ${batch?.launched} of 200 launches, end "guarded", every launched instance recorded`);
      rmSync(dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { launched: batch?.launched, floor_mb: floor } };
    },
  },
  {
    name: 'two-recorders',
    title: 'two recorders at once',
    run: async (work) => {
      const a = guestRun('rec-a');
      const b = guestRun('rec-b');
      const notes: string[] = [];
      const args = (g: typeof a, out: string) => ['record', g.guest.path, '--mode', 'multi', '-n', '6', '--interval', '10', '--keep-alive', '--accel', 'tcg', '-o', out];
      const [ra, rb] = await Promise.all([
        runCli(args(a, join(work, 'two-a.jsonl')), { env: { [TAG_VAR]: a.tag } }),
        runCli(args(b, join(work, 'two-b.jsonl')), { env: { [TAG_VAR]: b.tag } }),
      ]);
      let leaked = (await reap(a.tag, [a.dir])) + (await reap(b.tag, [b.dir]));
      const ta = inspectTrace(join(work, 'two-a.jsonl'));
      const tb = inspectTrace(join(work, 'two-b.jsonl'));
      let ok = check(notes, ra.code === 0 && rb.code === 0, `exit ${ra.code}/${rb.code}`);
      for (const [t, name] of [[ta, 'rec-a'], [tb, 'rec-b']] as const) {
        const bs = bootsOf(t.records);
        ok = check(notes, bs.length === 6 && bs.every((x) => x.guest === name && x.status === 'ok' && x.running_at_launch < 6), `${name}: ${bs.map((x) => `${x.guest}/${x.status}/${x.running_at_launch}`)}`) && ok;
        ok = allLinesParse(t, notes) && ok;
      }
      const idA = ta.records[0]?.type === 'header' ? ta.records[0].run_id : 'a';
      const idB = tb.records[0]?.type === 'header' ? tb.records[0].run_id : 'a';
      ok = check(notes, idA !== idB, 'same run id') && ok;
      // The same -o for both: exactly one may write it; the other refuses at once and starts nothing.
      const same = join(work, 'two-same.jsonl');
      const [sa, sb] = await Promise.all([
        runCli(args(a, same), { env: { [TAG_VAR]: a.tag } }),
        runCli(args(b, same), { env: { [TAG_VAR]: b.tag } }),
      ]);
      leaked += (await reap(a.tag, [a.dir])) + (await reap(b.tag, [b.dir]));
      const winners = [sa, sb].filter((x) => x.code === 0).length;
      const loser = [sa, sb].find((x) => x.code !== 0);
      ok = check(notes, winners === 1 && loser !== undefined && /already exists; choose another -o or pass --force/.test(lastLine(loser.stderr)), `same -o: exits ${sa.code}/${sb.code}`) && ok;
      const ts = inspectTrace(same);
      ok = allLinesParse(ts, notes) && ok;
      ok = check(notes, bootsOf(ts.records).length === 6 && new Set(bootsOf(ts.records).map((x) => x.guest)).size === 1, 'the shared file mixes runs') && ok;
      notes.push('separate -o: each trace holds only its own 6 boots, run ids differ; same -o: one records, the other refuses ("already exists")');
      rmSync(a.dir, { recursive: true, force: true });
      rmSync(b.dir, { recursive: true, force: true });
      return { ok, leaked, notes, details: { exits: [ra.code, rb.code], same_output_exits: [sa.code, sb.code] } };
    },
  },
];

export const SINGLE_SHOT_NAMES = SINGLE_SHOTS.map((s) => s.name);

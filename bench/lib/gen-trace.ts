// A synthetic bootlab.trace/1 trace of any size, for the analysis-throughput benchmark.
//
// One run in multi mode, keep-alive, as `bootlab record … --mode multi -n 1,2,5,…,1000 --interval 3,5,7
// --repeat R` would write it: a header, boot records (every field, full QEMU argv, so lines are as long as
// real ones), a sample every 100 ms of simulated time, one batch record per batch, an end record.
// Six guests with three well-separated ΔT/slope profiles, so classification has something to find.
// Deterministic (seeded), streamed to disk in large writes.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { BatchRecord, BootRecord, EndRecord, HeaderRecord, SampleRecord, TraceRecord } from '@bootlab/trace';
import { rng } from './stats.ts';

export const GENERATOR_VERSION = 4;

interface GuestModel {
  name: string;
  /** Single-instance ΔT under TCG, ms. */
  baseMs: number;
  /** Extra ms per instance already running. */
  slopeMs: number;
  /** Lognormal noise sigma. */
  sigma: number;
  kernel: string;
  marker: string;
}

const GUESTS: GuestModel[] = [
  // baseline: tiny kernels, flat scaling
  { name: 'minkernel', baseMs: 70, slopeMs: 0.4, sigma: 0.08, kernel: 'guests/minkernel/build/minkernel.elf', marker: 'kernel' },
  { name: 'tinyos', baseMs: 95, slopeMs: 0.6, sigma: 0.08, kernel: 'bench/tinyos.elf', marker: 'kernel' },
  // LibOS: hundreds of ms, a few ms per extra instance
  { name: 'unikernel', baseMs: 600, slopeMs: 5, sigma: 0.1, kernel: 'guests/unikernel/build/unikernel.elf', marker: 'kernel' },
  { name: 'libos', baseMs: 900, slopeMs: 7, sigma: 0.1, kernel: 'bench/libos.elf', marker: 'kernel' },
  // general-purpose OS: seconds, tens of ms per extra instance
  { name: 'linux', baseMs: 4000, slopeMs: 40, sigma: 0.12, kernel: 'guests/linux/build/bzImage', marker: 'kernel' },
  { name: 'debian', baseMs: 9000, slopeMs: 60, sigma: 0.12, kernel: 'guests/debian/build/vmlinuz', marker: 'kernel' },
];

export const SIZES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
export const INTERVALS = [3, 5, 7];
const SAMPLE_NS = 100_000_000;
const RUN_ID = '00000000-0000-4000-8000-0000b0075ca1';

function argvFor(g: GuestModel): string[] {
  return [
    '/usr/bin/qemu-system-x86_64', '-nographic', '-M', 'pc', '-accel', 'tcg', '-cpu', 'max', '-m', '50',
    '-netdev', 'user,id=un0,net=192.168.122.0/24,host=192.168.122.1,restrict=on',
    '-device', 'virtio-net-pci,netdev=un0', '-device', 'virtio-rng-pci', '-kernel', `/work/main/${g.kernel}`,
  ];
}

function header(totalBoots: number, repeat: number): HeaderRecord {
  return {
    type: 'header',
    schema: 'bootlab.trace/1',
    run_id: RUN_ID,
    started_at: '2025-01-01T00:00:00.000Z',
    origin: '1000000000000',
    host: {
      hostname: 'bench-synthetic', cpu_model: 'AMD EPYC', cores: 2, mem_total_kb: 24_684_000, kernel: '6.1.0', os: 'Debian GNU/Linux 12 (bookworm)',
      qemu_binary: '/usr/bin/qemu-system-x86_64', qemu_version: '7.2.22', accel: 'tcg', accel_reason: 'synthetic trace (bench/lib/gen-trace.ts)', kvm_flavour: 'none',
    },
    bootlab: { version: '0.1.0', commit: null },
    guests: GUESTS.map((g) => ({
      name: g.name,
      descriptor_path: null,
      descriptor: { name: g.name, kernel: g.kernel, ready: `^${g.name}: ready`, markers: { kernel: `^${g.name}: entry` } },
      images: [{ role: 'kernel' as const, path: `/work/main/${g.kernel}`, bytes: 4096, sha256: 'ab'.repeat(32) }],
    })),
    plan: {
      mode: 'multi', guests: GUESTS.map((g) => g.name), n: SIZES, intervals_ms: INTERVALS, repeat, timeout_s: 900, keep_alive: true,
      sample_ms: 100, profile: 'paper', accel_requested: 'tcg', memory_floor_kb: 1_233_000, launcher: ['/opt/bootlab/recorder/build/bootlab-launch-62762f02770e53c2', '4242', '--'],
      machine_override: null, firmware_override: null,
    },
    argv: ['bin/bootlab.mjs', 'record', ...GUESTS.map((g) => g.name), '--mode', 'multi', '-n', SIZES.join(','), '--interval', INTERVALS.join(','), '--keep-alive', `--repeat`, String(repeat), `# ${totalBoots} synthetic boots`],
  };
}

export interface GenerateResult {
  path: string;
  boots: number;
  lines: number;
  bytes: number;
  batches: number;
  samples: number;
}

/** Write a trace with exactly `totalBoots` boot records to `path`. */
export function generateTrace(path: string, totalBoots: number, seed = 42): GenerateResult {
  const random = rng(seed);
  const gauss = () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const perRep = GUESTS.length * INTERVALS.length * SIZES.reduce((a, b) => a + b, 0);
  const repeat = Math.ceil(totalBoots / perRep);
  const fd = openSync(path, 'w');
  let buffer: string[] = [];
  let bufferedChars = 0;
  let bytes = 0;
  let lines = 0;
  const emit = (r: TraceRecord) => {
    const line = `${JSON.stringify(r)}\n`;
    buffer.push(line);
    bufferedChars += line.length;
    lines++;
    if (bufferedChars > 4 << 20) flush();
  };
  const flush = () => {
    const chunk = buffer.join('');
    bytes += writeSync(fd, chunk);
    buffer = [];
    bufferedChars = 0;
  };

  emit(header(totalBoots, repeat));
  let t = 5_000_000; // ns since origin
  let nextSample = SAMPLE_NS;
  let boots = 0;
  let batchNo = 0;
  let samples = 0;
  const argvs = new Map(GUESTS.map((g) => [g.name, argvFor(g)]));
  const memTotal = 24_684_000;
  const counts: EndRecord['counts'] = { ok: 0, timeout: 0, exited: 0, vmm_error: 0, spawn_error: 0, interrupted: 0 };
  const emitSamplesUntil = (until: number, running: number) => {
    while (nextSample <= until) {
      emit({
        type: 'sample', t_ns: nextSample, running, booting: Math.round(running * 0.3), mem_total_kb: memTotal,
        mem_available_kb: Math.max(0, 22_000_000 - running * 18_000), pss_kb_sum: running ? running * 17_500 : null, pss_known: Math.min(running, 40),
        pss_oldest_ms: running ? 800 : null, rss_kb_sum: running * 19_000, load1: 1.5 + running / 100, sampler_cost_ms: 0.3 + running / 2000,
      } satisfies SampleRecord);
      nextSample += SAMPLE_NS;
      samples++;
    }
  };

  outer: for (let repetition = 0; repetition < repeat; repetition++) {
    for (const intervalMs of INTERVALS) {
      for (const planned of SIZES) {
        for (const g of GUESTS) {
          const n = Math.min(planned, totalBoots - boots);
          if (n <= 0) break outer;
          const start = t;
          const intervalNs = intervalMs * 1_000_000;
          let batchEnd = start;
          const records: BootRecord[] = [];
          for (let index = 0; index < n; index++) {
            const scheduled = start + index * intervalNs;
            const lag = Math.round(20_000 + random() * 80_000 + (random() < 0.01 ? random() * 2_000_000 : 0));
            const ts = scheduled + lag;
            const spawned = ts + Math.round(1_500_000 + random() * 1_000_000);
            const dtMs = (g.baseMs + g.slopeMs * index) * Math.exp(g.sigma * gauss());
            const failed = random() < 0.002;
            const te = failed ? null : ts + Math.round(dtMs * 1e6);
            const firstOut = ts + Math.round(dtMs * 0.4e6);
            const kernelAt = ts + Math.round(dtMs * 0.6e6);
            const end = te ?? kernelAt; // a failed boot: the VMM exited after the kernel marker
            batchEnd = Math.max(batchEnd, end);
            records.push({
              type: 'boot', run_id: RUN_ID, guest: g.name, mode: 'multi', batch: batchNo, repetition, interval_ms: intervalMs, n: planned, index,
              keep_alive: true, scheduled_ns: scheduled, ts_ns: ts, spawned_ns: spawned, first_output_ns: firstOut, te_ns: te,
              ready_match: failed ? null : `${g.name}: ready`, console_lines_at_te: failed ? null : 3, console_chars_at_te: failed ? null : 60, markers: { [g.marker]: kernelAt }, end_ns: end,
              dt_ms: te === null ? null : (te - ts) / 1e6, launch_lag_ms: lag / 1e6, spawn_ms: (spawned - ts) / 1e6,
              status: failed ? 'exited' : 'ok', exit_code: failed ? 1 : null, signal: null, error: null,
              console_tail: failed ? `SeaBIOS (version 1.16.2)\r\nBooting from ROM..\r\n${g.name}: entry\r\n` : null,
              running_at_launch: index, pid: 100_000 + (boots + index) % 4_000_000, argv: argvs.get(g.name) as string[],
              cpu_ms_at_te: failed ? null : Math.round(dtMs * 0.9), rss_kb_at_te: failed ? null : 17_000 + Math.round(random() * 2000), guest_ram_kb_at_te: null,
              cpu_ms_end: Math.round(dtMs * 0.9), rss_kb_end: 17_000 + Math.round(random() * 2000),
            });
          }
          // Boot records are written when each outcome is known: in Te order, samples interleaved.
          records.sort((a, b) => a.end_ns - b.end_ns);
          for (const r of records) {
            emitSamplesUntil(r.end_ns, n);
            emit(r);
            counts[r.status]++;
          }
          boots += n;
          const batch: BatchRecord = {
            type: 'batch', batch: batchNo, guest: g.name, mode: 'multi', interval_ms: intervalMs, n: planned, repetition, keep_alive: true,
            start_ns: start, end_ns: batchEnd + 50_000_000, launched: n, stopped_by: null,
          };
          emit(batch);
          batchNo++;
          t = batchEnd + 250_000_000; // teardown + cooldown
          emitSamplesUntil(t, 0);
        }
      }
    }
  }
  const end: EndRecord = {
    type: 'end', t_ns: t, ended_at: '2025-01-02T00:00:00.000Z', status: 'complete', reason: null, boots,
    counts, samples, sampler_cost_ms_mean: 0.4, sampler_cost_ms_max: 2.1,
  };
  emit(end);
  flush();
  closeSync(fd);
  return { path, boots, lines, bytes, batches: batchNo, samples };
}

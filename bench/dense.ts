// Issue 20, --dense: host memory per idle minkernel VM under four VMM settings, and the minkernel's single
// ΔT with and without --dense (THP off may slow TCG). Run it alone on the host (it drops the page cache):
//
//   node --import tsx bench/dense.ts [--n 100] [--hold 90] [--boots 20]
//
// Memory per VM is what the host gives up, not summed PSS: (MemAvailable before the run − MemAvailable at
// the end of the steady state) ÷ VMMs present, the page cache dropped before both readings (the recorder's
// --drop-caches and steady_state events). Writes bench/results/dense.json and the table between the
// dense markers of bench/README.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTraceLine, type BootRecord, type EventRecord, type TraceRecord } from '@bootlab/trace';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const BIN = join(BENCH, '..', 'bin', 'bootlab.mjs');
const TMP = '/tmp/bootlab-bench-dense';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = arg('--n', 100);
const HOLD_S = arg('--hold', 90);
const BOOTS = arg('--boots', 20);
/** The last commit whose minkernel left SeaBIOS's timers running. */
const LOUD_COMMIT = 'c22abe2';

const CONDITIONS: ReadonlyArray<{ label: string; flags: string[] }> = [
  { label: 'nothing changed', flags: [] },
  { label: '--dense (THP off, ASLR off)', flags: ['--dense'] },
  { label: '--ksm (KSM, merge-any)', flags: ['--ksm'] },
  { label: '--dense --ksm (THP off + ASLR off + KSM merge-any)', flags: ['--dense', '--ksm'] },
];

function recordRun(name: string, args: string[]): TraceRecord[] {
  const output = join(TMP, `${name}.jsonl`);
  const r = spawnSync(process.execPath, [BIN, 'record', 'minkernel', '--accel', 'tcg', ...args, '-o', output, '--force'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`bootlab record ${args.join(' ')}: exit ${r.status}`);
  return readFileSync(output, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line, i) => parseTraceLine(line, { file: output, line: i + 1 }));
}

interface MemoryRow {
  condition: string;
  flags: string[];
  alive: number;
  mb_per_vm: number;
  vmm_cpu_ms_per_s_per_vm: number;
  ok: number;
}

function memoryRow(label: string, flags: string[]): MemoryRow {
  const records = recordRun(`mem-${flags.join('') || 'none'}`, [
    '--mode', 'multi', '-n', String(N), '--interval', '3', '--waves', String(N), '--keep-alive', '--hold', String(HOLD_S), '--drop-caches', '--sample-ms', '1000', '--timeout', '300', ...flags,
  ]);
  const steady = records.filter((r): r is EventRecord => r.type === 'event' && r.kind === 'steady_state');
  const start = steady.find((e) => e.data?.phase === 'start');
  const end = steady.find((e) => e.data?.phase === 'end');
  if (!start || !end) throw new Error(`${label}: no steady state recorded`);
  const d = end.data as { alive: number; vmm_cpu_ms: number; mem_available_kb: number; mem_available_before_kb: number };
  const s = start.data as { vmm_cpu_ms: number };
  const seconds = (end.t_ns - start.t_ns) / 1e9;
  return {
    condition: label,
    flags,
    alive: d.alive,
    mb_per_vm: Math.round(((d.mem_available_before_kb - d.mem_available_kb) / d.alive / 1024) * 10) / 10,
    vmm_cpu_ms_per_s_per_vm: Math.round(((d.vmm_cpu_ms - s.vmm_cpu_ms) / seconds / d.alive) * 100) / 100,
    ok: records.filter((r): r is BootRecord => r.type === 'boot' && r.status === 'ok').length,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

mkdirSync(TMP, { recursive: true });
const memory = CONDITIONS.map((c) => memoryRow(c.label, c.flags));
// Single ΔT, alternating rounds so drift of the host falls on both.
const dts: Record<'without' | 'with', number[]> = { without: [], with: [] };
for (let round = 0; round < 2; round++) {
  for (const which of ['without', 'with'] as const) {
    const records = recordRun(`single-${which}-${round}`, ['-n', String(BOOTS / 2), ...(which === 'with' ? ['--dense'] : [])]);
    for (const r of records) if (r.type === 'boot' && r.status === 'ok' && r.dt_ms !== null) dts[which].push(r.dt_ms);
  }
}
// The minkernel silences its timers after its ready line (idle VMM 3.3 -> 0.3 ms CPU/s): its ΔT must not move.
// The version before that change is rebuilt from git and recorded in alternating rounds with the current one.
const loudDir = join(TMP, 'minkernel-loud');
mkdirSync(loudDir, { recursive: true });
const asm = spawnSync('git', ['-C', join(BENCH, '..'), 'show', `${LOUD_COMMIT}:guests/minkernel/minkernel.asm`], { encoding: 'utf8' });
if (asm.status !== 0) throw new Error(`git show ${LOUD_COMMIT}: ${asm.stderr}`);
writeFileSync(join(loudDir, 'minkernel.asm'), asm.stdout);
for (const [cmd, args] of [
  ['nasm', ['-f', 'elf32', '-Werror', '-o', 'minkernel.o', 'minkernel.asm']],
  ['ld', ['-m', 'elf_i386', '-n', '--build-id=none', '--no-warn-rwx-segments', '-T', join(BENCH, '..', 'guests', 'minkernel', 'minkernel.ld'), '-o', 'minkernel.elf', 'minkernel.o']],
] as const) {
  const r = spawnSync(cmd, [...args], { cwd: loudDir, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} failed building the earlier minkernel`);
}
const descriptor = JSON.parse(readFileSync(join(BENCH, '..', 'guests', 'minkernel', 'guest.json'), 'utf8')) as Record<string, unknown>;
writeFileSync(join(loudDir, 'guest.json'), JSON.stringify({ ...descriptor, name: 'minkernel-loud', kernel: join(loudDir, 'minkernel.elf') }));
const quietVsLoud: Record<'loud' | 'quiet', number[]> = { loud: [], quiet: [] };
for (let round = 0; round < 2; round++) {
  for (const which of ['loud', 'quiet'] as const) {
    const guest = which === 'loud' ? join(loudDir, 'guest.json') : 'minkernel';
    const output = join(TMP, `timers-${which}-${round}.jsonl`);
    const r = spawnSync(process.execPath, [BIN, 'record', guest, '--accel', 'tcg', '-n', String(BOOTS / 2), '-o', output, '--force'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`record ${guest}: exit ${r.status}`);
    for (const line of readFileSync(output, 'utf8').split('\n').filter(Boolean)) {
      const rec = parseTraceLine(line, { file: output, line: 0 });
      if (rec.type === 'boot' && rec.status === 'ok' && rec.dt_ms !== null) quietVsLoud[which].push(rec.dt_ms);
    }
  }
}
const timers = {
  boots_each: quietVsLoud.quiet.length,
  median_ms_timers_running: Math.round(median(quietVsLoud.loud) * 10) / 10,
  median_ms_timers_silenced: Math.round(median(quietVsLoud.quiet) * 10) / 10,
  ratio_silenced_over_running: Math.round((median(quietVsLoud.quiet) / median(quietVsLoud.loud)) * 1000) / 1000,
};
const single = {
  boots_each: dts.without.length,
  median_ms_without: Math.round(median(dts.without) * 10) / 10,
  median_ms_with: Math.round(median(dts.with) * 10) / 10,
  ratio_with_over_without: Math.round((median(dts.with) / median(dts.without)) * 1000) / 1000,
};
const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const result = { recorded_at: new Date().toISOString(), n: N, hold_s: HOLD_S, load1_at_end: Number(load), memory, single, timers };
writeFileSync(join(BENCH, 'results', 'dense.json'), `${JSON.stringify(result, null, 2)}\n`);

const table = [
  `<!-- dense:begin (generated by bench/dense.ts from bench/results/dense.json; do not edit) -->`,
  `Recorded ${result.recorded_at}: ${N} idle minkernels per row (paper profile, TCG, launched 3 ms apart, kept alive`,
  `${HOLD_S} s after the last boot), page cache dropped; memory per VM = MemAvailable drop ÷ VMMs present.`,
  '',
  '| the VMM processes run with | VMMs present | host memory per idle VM (MB) | VMM CPU per idle VM (ms/s) |',
  '| --- | ---: | ---: | ---: |',
  ...memory.map((m) => `| ${m.condition} | ${m.alive} | ${m.mb_per_vm} | ${m.vmm_cpu_ms_per_s_per_vm} |`),
  '',
  `minkernel single ΔT (${single.boots_each} boots each, alternating rounds): median ${single.median_ms_without} ms without`,
  `--dense, ${single.median_ms_with} ms with it (ratio ${single.ratio_with_over_without}).`,
  '',
  `minkernel with its timers silenced after the ready line vs the version before (${LOUD_COMMIT}), ${timers.boots_each} boots`,
  `each, alternating rounds: median ΔT ${timers.median_ms_timers_silenced} ms vs ${timers.median_ms_timers_running} ms (ratio ${timers.ratio_silenced_over_running}).`,
  `<!-- dense:end -->`,
].join('\n');
const readmePath = join(BENCH, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const re = /<!-- dense:begin[\s\S]*?<!-- dense:end -->/;
writeFileSync(readmePath, re.test(readme) ? readme.replace(re, table) : `${readme.trimEnd()}\n\n## --dense: host memory per idle VM (issue 20)\n\n${table}\n`);
process.stdout.write(`${table}\n`);

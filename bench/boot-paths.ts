// `node --import tsx bench/boot-paths.ts [--n 10] [--only probe [--guests a,b]]`: ΔT of every boot path and ready signal on
// this machine, and ΔT recorded with descriptors written by `bootlab guests probe` next to the hand-written
// ones (same image, boots interleaved one by one: probed, hand-written, probed, …), with the ratio of the
// medians and its bootstrap 95 % interval. Writes bench/results/boot-paths.json and boot-paths.md; with
// `--only probe` only the probed-vs-hand-written part, to probe-vs-hand.json and .md; `--guests` re-runs only
// those images and keeps the other rows of the file (each row says when it was recorded).
// A benchmark, not a test: nothing fails on a number.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { parseTraceLine, type BootRecord } from '@bootlab/trace';
import { buildGuests, GUESTS_DIR, probeImage, record, REPO_ROOT, type ProbeOptions } from '@bootlab/recorder';
import { bootstrapMedianCi, round } from './lib/stats.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '10' }, only: { type: 'string' }, guests: { type: 'string' } } });
const ONLY_PROBE = values.only === 'probe';
const ONLY_GUESTS = values.guests?.split(',').map((s) => s.trim()).filter(Boolean) ?? null;
if (ONLY_GUESTS && !ONLY_PROBE) throw new Error('--guests goes with --only probe');
const N = Number(values.n);
const g = (...p: string[]) => join(GUESTS_DIR, ...p);
const tmp = join(REPO_ROOT, 'bench', 'results', 'tmp', 'boot-paths');
mkdirSync(tmp, { recursive: true });

function bootsOf(path: string): BootRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => parseTraceLine(l, { file: path, line: i + 1 }))
    .flatMap((r) => (r.type === 'boot' ? [r] : []));
}

/** `interleave`: one boot per guest per repetition, so that the guests' boots alternate. */
async function run(guests: string[], n: number, name: string, interleave = false): Promise<BootRecord[]> {
  const output = join(tmp, `${name}.jsonl`);
  await record({
    guests, output, mode: 'single', n: [interleave ? 1 : n], intervalsMs: [], repeat: interleave ? n : 1, timeoutS: 120, keepAlive: false, sampleMs: 200,
    accel: 'auto', profile: 'paper', force: true, qemu: 'qemu-system-x86_64', cooldownMs: 50,
  });
  return bootsOf(output);
}

function stats(bs: BootRecord[]) {
  const ok = bs.filter((b) => b.status === 'ok').map((b) => b.dt_ms as number);
  return { n: bs.length, ok: ok.length, median_ms: ok.length ? median(ok) : null, min_ms: ok.length ? Math.min(...ok) : null, max_ms: ok.length ? Math.max(...ok) : null };
}

/**
 * A kernel's command line is the user's to give (`--append`), and it moves ΔT by seconds under TCG
 * (no_timer_check, loglevel): probed and hand-written descriptors are compared with the same one.
 */
function handAppend(guest: string): string {
  return (JSON.parse(readFileSync(g(guest, 'guest.json'), 'utf8')) as { append: string }).append;
}

/** guests/stress members booting the unikernel image on -M pc with SeaBIOS, which the probe can reproduce. */
function stressUnikernels(): Array<{ name: string; hand: string; append: string; memoryMb: number | undefined }> {
  const names = ['unikernel-reboot', 'unikernel-manifest', 'unikernel-indent', 'unikernel-vga', 'unikernel-flood', 'unikernel-wait', 'unikernel-work', 'unikernel-chatty', 'unikernel-hello', 'unikernel-bigheap'];
  return names.map((name) => {
    const hand = g('stress', name, 'guest.json');
    const d = JSON.parse(readFileSync(hand, 'utf8')) as { append: string; memory_mb?: number };
    return { name, hand, append: d.append, memoryMb: d.memory_mb === 50 ? undefined : d.memory_mb };
  });
}

/**
 * guests/stress members with an image of their own (a Linux build, the heavy unikernel): the probe gets the
 * image, initrd, command line and memory of the hand-written descriptor, nothing else.
 */
function stressOwnImages(): Array<{ name: string; hand: string; extra: Partial<ProbeOptions>; image: string; slow: boolean }> {
  const names = ['unikernel-heavy', 'linux-generic', 'linux-quiet', 'linux-inittab'];
  return names.map((name) => {
    const hand = g('stress', name, 'guest.json');
    const d = JSON.parse(readFileSync(hand, 'utf8')) as { kernel: string; initrd?: string; append?: string; memory_mb?: number };
    const at = (p: string) => resolve(dirname(hand), p);
    const extra: Partial<ProbeOptions> = { append: d.append, memoryMb: d.memory_mb === 50 ? undefined : d.memory_mb, ...(d.initrd ? { initrd: at(d.initrd) } : {}) };
    return { name, hand, extra, image: at(d.kernel), slow: name.startsWith('linux') };
  });
}

async function main(): Promise<void> {
  await buildGuests(['minkernel', 'unikernel', 'linux', 'debian', 'grub']);
  // Only the probe part: the slow guests get fewer boots so that the quiet-host hold stays short.
  const load = [loadavg()[0]];

  // 1. Each boot path and ready signal.
  const paths: Array<[string, string, string]> = [
    ['kernel (-kernel, multiboot)', 'console', g('minkernel', 'guest.json')],
    ['disk only (qcow2, SeaBIOS → GRUB)', 'console', g('grub', 'guest.json')],
    ['disk only (raw), profile bare', 'console', g('grub', 'bare.json')],
    ['ISO (cdrom, SeaBIOS → GRUB)', 'console', g('grub', 'iso.json')],
    ['UEFI (OVMF → GRUB EFI, cdrom)', 'console', g('grub', 'uefi.json')],
    ['unikernel, Te = http response', 'http', g('unikernel', 'serve.json')],
    ['unikernel, Te = VMM exit (isa-debug-exit)', 'exit', g('unikernel', 'serve-exit.json')],
  ];
  const pathBoots = ONLY_PROBE ? [] : await run(paths.map((p) => p[2]), N, 'paths');
  const pathRows = paths.map(([what, signal, file]) => {
    const name = (JSON.parse(readFileSync(file, 'utf8')) as { name: string }).name;
    const bs = pathBoots.filter((b) => b.guest === name);
    // Markers relative to Ts: console-ready and tcp for the serving guests.
    const markerMedian = (m: string) => {
      const v = bs.filter((b) => b.status === 'ok' && b.markers[m] !== undefined).map((b) => (b.markers[m]! - b.ts_ns) / 1e6);
      return v.length ? median(v) : null;
    };
    return { what, signal, guest: name, ...stats(bs), console_marker_ms: markerMedian('console'), tcp_marker_ms: markerMedian('tcp'), http_marker_ms: markerMedian('http') };
  });

  // 2. Probed descriptors against hand-written ones.
  const probeOpts = (image: string, name: string, extra: Partial<ProbeOptions> = {}): ProbeOptions => ({
    image, name, output: join(tmp, `${name}.json`), accel: 'auto', qemu: 'qemu-system-x86_64', quietMs: 2000, limitMs: 120_000, force: true, log: (l) => process.stderr.write(`${l}\n`), ...extra,
  });
  const pairs: Array<{ name: string; hand: string; probe: ProbeOptions; n: number }> = [
    { name: 'minkernel', hand: g('minkernel', 'guest.json'), probe: probeOpts(g('minkernel', 'build', 'minkernel.elf'), 'p-minkernel'), n: N },
    { name: 'unikernel', hand: g('unikernel', 'guest.json'), probe: probeOpts(g('unikernel', 'build', 'unikernel.elf'), 'p-unikernel'), n: N },
    { name: 'linux', hand: g('linux', 'guest.json'), probe: probeOpts(g('linux', 'build', 'vmlinuz'), 'p-linux', { initrd: g('linux', 'build', 'initramfs.cpio.gz'), append: handAppend('linux') }), n: Math.max(4, Math.ceil(N / 2)) },
    {
      name: 'debian', hand: g('debian', 'guest.json'),
      probe: probeOpts(g('debian', 'build', 'vmlinuz'), 'p-debian', { initrd: g('debian', 'build', 'initramfs.cpio.gz'), drive: g('debian', 'build', 'rootfs.ext4'), append: handAppend('debian'), quietMs: 8000 }),
      n: Math.max(3, Math.ceil(N / 3)),
    },
    { name: 'grub-iso', hand: g('grub', 'iso.json'), probe: probeOpts(g('grub', 'build', 'grub.iso'), 'p-grub-iso'), n: N },
    { name: 'grub-disk', hand: g('grub', 'guest.json'), probe: probeOpts(g('grub', 'build', 'disk.qcow2'), 'p-grub-disk'), n: N },
    // Stress members that are the unikernel image with a command line (guests/stress/unikernel-*): the
    // probe-shaped quirk= modes and the classifier's own; the probe gets the same -append and memory.
    ...stressUnikernels().map((m) => ({
      name: m.name,
      hand: m.hand,
      probe: probeOpts(g('unikernel', 'build', 'unikernel.elf'), `p-${m.name}`, { append: m.append, memoryMb: m.memoryMb }),
      n: N,
    })),
    ...stressOwnImages().map((m) => ({ name: m.name, hand: m.hand, probe: probeOpts(m.image, `p-${m.name}`, m.extra), n: m.slow ? Math.max(4, Math.ceil(N / 2)) : N })),
  ].filter((pair) => !ONLY_GUESTS || ONLY_GUESTS.includes(pair.name));
  const unknown = (ONLY_GUESTS ?? []).filter((name) => !pairs.some((pair) => pair.name === name));
  if (unknown.length) throw new Error(`--guests: no probe pair named ${unknown.join(', ')}`);
  await buildGuests(stressOwnImages().filter((m) => pairs.some((pair) => pair.name === m.name)).map((m) => `stress/${m.name}`));
  const pairRows = [];
  for (const pair of pairs) {
    const result = await probeImage(pair.probe);
    if (!result.output) {
      pairRows.push({ guest: pair.name, recorded_at: new Date().toISOString(), probed_ready: null, error: 'probe wrote no descriptor' });
      continue;
    }
    const bs = await run([result.output, pair.hand], pair.n, `pair-${pair.name}`, true);
    const handName = (JSON.parse(readFileSync(pair.hand, 'utf8')) as { name: string }).name;
    const dts = (name: string) => bs.filter((b) => b.guest === name && b.status === 'ok').map((b) => b.dt_ms as number);
    const [p, h] = [dts(pair.probe.name!), dts(handName)];
    const ratio = p.length && h.length ? median(p) / median(h) : null;
    const ci = p.length > 1 && h.length > 1 ? bootstrapMedianCi(p, h, (x, y) => x / y) : null;
    const last = result.attempts[result.attempts.length - 1];
    pairRows.push({
      guest: pair.name,
      recorded_at: new Date().toISOString(),
      probed_ready: result.proposal?.ready ?? null,
      probed_fail: result.fail,
      probed_profile: (result.descriptor?.profile as string | undefined) ?? 'paper',
      probed_qemu_args: (result.descriptor?.qemu_args as string[] | undefined) ?? [],
      attempts: result.attempts.length,
      discovery_and_verification_s: round(result.discoveryMs / 1000, 1),
      verification_dt_ms: last?.verification.map((v) => (v.dtMs === null ? null : round(v.dtMs, 1))) ?? [],
      probed: stats(bs.filter((b) => b.guest === pair.probe.name)),
      hand: stats(bs.filter((b) => b.guest === handName)),
      ratio: ratio === null ? null : round(ratio),
      ratio_ci95: ci ? [round(ci[0]), round(ci[1])] : null,
      ci_contains_1: ci ? ci[0] <= 1 && 1 <= ci[1] : null,
    });
  }
  // The EFI application: probed only (its hand-written counterpart is the ISO's UEFI boot above).
  const efi = ONLY_PROBE ? null : await probeImage(probeOpts(g('grub', 'build', 'grub.efi'), 'p-grub-efi'));
  const efiBoots = efi?.output ? await run([efi.output], Math.ceil(N / 2), 'efi') : [];
  load.push(loadavg()[0]);

  const dir = join(REPO_ROOT, 'bench', 'results');
  if (ONLY_GUESTS && existsSync(join(dir, 'probe-vs-hand.json'))) {
    // Re-run rows replace their namesakes; the others stay as they were recorded, in the file's order.
    type Row = (typeof pairRows)[number];
    const before = JSON.parse(readFileSync(join(dir, 'probe-vs-hand.json'), 'utf8')) as { date: string; probe_vs_hand: Row[] };
    const kept = before.probe_vs_hand.map((r) => ({ ...r, recorded_at: r.recorded_at ?? before.date }));
    const fresh = new Map(pairRows.map((r) => [r.guest, r]));
    const merged = kept.map((r) => fresh.get(r.guest) ?? r);
    for (const r of pairRows) if (!kept.some((k) => k.guest === r.guest)) merged.push(r);
    pairRows.splice(0, pairRows.length, ...merged);
  }
  const result = { date: new Date().toISOString(), n: N, load1_before_after: load, paths: pathRows, probe_vs_hand: pairRows, efi_app: { ready: efi?.proposal?.ready ?? null, ...stats(efiBoots) } };
  const stem = ONLY_PROBE ? 'probe-vs-hand' : 'boot-paths';
  writeFileSync(join(dir, `${stem}.json`), `${JSON.stringify(ONLY_PROBE ? { date: result.date, n: N, load1_before_after: load, probe_vs_hand: pairRows } : result, null, 2)}\n`);
  const f = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(0));
  const ci = (r: { ratio: number | null; ratio_ci95: number[] | null }) => (r.ratio === null ? '–' : `${r.ratio.toFixed(3)} [${r.ratio_ci95?.map((v) => v.toFixed(3)).join(', ') ?? '–'}]`);
  const md = [
    `# ${ONLY_PROBE ? 'Probed vs hand-written descriptors' : 'Boot paths and ready signals'} (generated by bench/boot-paths.ts${ONLY_PROBE ? ' --only probe' : ''}, ${result.date}, load1 ${load.map((l) => l?.toFixed(2)).join(' → ')})`,
    ...(ONLY_GUESTS ? ['', `Re-run this time: ${ONLY_GUESTS.join(', ')}; the other rows as recorded on ${[...new Set(pairRows.filter((r) => !ONLY_GUESTS.includes(r.guest)).map((r) => r.recorded_at.slice(0, 16)))].join(', ')}.`] : []),
    '',
    ...(ONLY_PROBE ? [] : [
      '| boot path | Te signal | ok/n | median ΔT (ms) | min–max | console-ready (ms) | tcp (ms) | http (ms) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...pathRows.map((r) => `| ${r.what} | ${r.signal} | ${r.ok}/${r.n} | ${f(r.median_ms)} | ${f(r.min_ms)}–${f(r.max_ms)} | ${f(r.console_marker_ms)} | ${f(r.tcp_marker_ms)} | ${f(r.http_marker_ms)} |`),
      '',
    ]),
    'Boots interleaved one by one (probed, hand-written, …); ratio = median probed ΔT / median hand-written ΔT, bootstrap 95 % interval.',
    '',
    '| image | probed ready regex | profile, learnt args | verification ΔT (ms) | probed: ok/n, median ΔT (ms) | hand-written: ok/n, median ΔT (ms) | ratio [95 % CI] |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...pairRows.map((r) => ('probed' in r && r.probed && r.hand
      ? `| ${r.guest} | \`${r.probed_ready}\` | ${r.probed_profile}${r.probed_qemu_args.length ? `, ${r.probed_qemu_args.join(' ')}` : ''} | ${r.verification_dt_ms.map((v) => f(v)).join(', ')} | ${r.probed.ok}/${r.probed.n}, ${f(r.probed.median_ms)} | ${r.hand.ok}/${r.hand.n}, ${f(r.hand.median_ms)} | ${ci(r)} |`
      : `| ${r.guest} | – | probe failed | | | | |`)),
    ...(ONLY_PROBE ? [] : [`| grub.efi (EFI application, OVMF) | \`${efi?.proposal?.ready ?? '–'}\` | | | ${result.efi_app.ok}/${result.efi_app.n}, ${f(result.efi_app.median_ms)} | (UEFI row above) | |`]),
    '',
  ].join('\n');
  writeFileSync(join(dir, `${stem}.md`), md);
  process.stdout.write(md);
}

await main();

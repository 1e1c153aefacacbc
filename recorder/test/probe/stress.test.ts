// `bootlab guests probe` on the probe-shaped stress images (guests/stress/unikernel-{reboot,manifest,vga,
// indent,flood}: the unikernel's quirk= modes), real QEMU under TCG. Each gets a descriptor that passed its
// 3 verification boots, and `record` with it gives ok boots on the same ready line as the hand-written one.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUESTS_DIR } from '../../src/guests/guests.ts';
import { probeImage, summarizeProbe, type ProbeResult } from '../../src/probe/probe.ts';
import { record } from '../../src/record/record.ts';
import { boots, ensureBuilt, readTrace, runOptions, tempDir } from '../helpers.ts';

const out = tempDir('probe-stress');
const image = join(GUESTS_DIR, 'unikernel', 'build', 'unikernel.elf');
const results = new Map<string, ProbeResult>();
const log: string[] = [];

async function probe(quirk: string): Promise<ProbeResult> {
  const result = await probeImage({
    image,
    name: `p-${quirk}`,
    append: `quirk=${quirk}`,
    output: join(out, `p-${quirk}.json`),
    accel: 'tcg',
    qemu: 'qemu-system-x86_64',
    quietMs: 1500,
    limitMs: 60_000,
    force: true,
    log: (line) => log.push(line),
  });
  results.set(quirk, result);
  assert.ok(result.output, `${quirk}: ${summarizeProbe(result, image)}\n${log.join('\n')}`);
  const last = result.attempts[result.attempts.length - 1]!;
  assert.deepEqual(last.verification.map((v) => v.ok), [true, true, true], `${quirk}: verification`);
  return result;
}

before(async () => {
  await ensureBuilt('unikernel');
});

test('reboot loop: the firmware banner comes back, the probe adds -no-reboot and takes the guest\'s exit as the end', async () => {
  const r = await probe('reboot');
  assert.match(r.attempts[0]!.failure ?? '', /firmware banner came back.*reboot loop/);
  assert.ok((r.descriptor!.qemu_args as string[]).includes('-no-reboot'));
  assert.match(String(r.descriptor!.ready), /^\^unikernel: job done sum=\\d\+/);
});

test('abort on an unexpected device: paper fails on the abort lines, bare boots, and the fail regex catches the abort', async () => {
  const r = await probe('manifest');
  assert.equal(r.attempts[0]!.profile, 'paper');
  assert.match(r.attempts[0]!.failure ?? '', /not in manifest/);
  assert.equal(r.descriptor!.profile, 'bare');
  assert.match(String(r.descriptor!.ready), /manifest=ok/);
  const fail = new RegExp(r.fail ?? '(?!)', 'm');
  for (const line of ['Virtio net: PCI:00:03 not in manifest', 'PCI enumeration failed. Aborting.', 'solo5_abort() called']) assert.match(line, fail);
  assert.doesNotMatch('unikernel: ready manifest=ok pci=4', fail);
  // The proposed fail regex ends a paper-profile boot at once, naming the line.
  const paper = join(out, 'p-manifest-paper.json');
  writeFileSync(paper, JSON.stringify({ ...r.descriptor, name: 'p-manifest-paper', profile: 'paper', kernel: image }));
  const trace = join(out, 'manifest-paper.jsonl');
  await record(runOptions({ guests: [paper], output: trace, n: [1], timeoutS: 120 }));
  const [b] = boots(readTrace(trace));
  assert.equal(b?.status, 'vmm_error');
  assert.match(b?.fail_match ?? '', /not in manifest|Aborting|solo5_abort/);
});

test('console on VGA: the serial port stays silent, the probe retries with -vga none', async () => {
  const r = await probe('vga');
  assert.match(r.attempts[0]!.failure ?? '', /only firmware|no console output/);
  const args = r.descriptor!.qemu_args as string[];
  assert.deepEqual(args.slice(args.indexOf('-vga'), args.indexOf('-vga') + 2), ['-vga', 'none']);
  assert.match(String(r.descriptor!.ready), /console=serial/);
});

test('indented, coloured lines: the ready regex keeps the leading blanks and matches the line as the recorder sees it', async () => {
  const r = await probe('indent');
  const ready = String(r.descriptor!.ready);
  assert.ok(ready.startsWith('^   poppy'), ready);
  assert.match('   poppy\n', new RegExp(ready, 'm'));
  assert.doesNotMatch('poppy\n', new RegExp(ready, 'm'));
});

test('a ready line, then a flood: the probe picks the ready line', async () => {
  const r = await probe('flood');
  assert.match(String(r.descriptor!.ready), /^\^unikernel: ready, flooding/);
});

test('records with the probed descriptors are ok, on the same ready line as the hand-written ones', async (t) => {
  const quirks = [...results.keys()];
  assert.equal(quirks.length, 5, 'every probe above wrote a descriptor');
  const hand = (q: string) => join(GUESTS_DIR, 'stress', `unikernel-${q}`, 'guest.json');
  const output = join(out, 'probed-vs-hand.jsonl');
  await record(runOptions({ guests: quirks.flatMap((q) => [results.get(q)!.output!, hand(q)]), output, n: [3], cooldownMs: 20, timeoutS: 60 }));
  const bs = boots(readTrace(output));
  for (const q of quirks) {
    const p = bs.filter((b) => b.guest === `p-${q}`);
    const h = bs.filter((b) => b.guest === (JSON.parse(readFileSync(hand(q), 'utf8')) as { name: string }).name);
    assert.deepEqual(p.map((b) => b.status), ['ok', 'ok', 'ok'], `${q}: ${p.map((b) => b.error).join(', ')}`);
    assert.deepEqual(h.map((b) => b.status), ['ok', 'ok', 'ok'], `${q} hand-written`);
    const words = (s: string | null) => (s ?? '').trim().split(/\s+/).slice(0, 3).join(' ');
    assert.equal(words(p[0]!.ready_match), words(h[0]!.ready_match), `${q} ready line`);
    t.diagnostic(`${q}: probed ΔT ${p.map((b) => b.dt_ms!.toFixed(0)).join('/')} ms, hand-written ${h.map((b) => b.dt_ms!.toFixed(0)).join('/')} ms`);
  }
});

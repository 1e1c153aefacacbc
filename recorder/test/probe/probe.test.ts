// `bootlab guests probe` on real images under TCG: each built-in kernel image and each boot-path test image
// gets a descriptor that records ok boots whose ready line is the hand-written descriptor's; the EFI
// application boots under OVMF from the ISO the probe builds; a file that is no image says so.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from 'simple-statistics';
import { GUESTS_DIR } from '../../src/guests/guests.ts';
import { probeImage, summarizeProbe, type ProbeResult } from '../../src/probe/probe.ts';
import { record } from '../../src/record/record.ts';
import { boots, ensureBuilt, readTrace, runOptions, tempDir } from '../helpers.ts';

const out = tempDir('probe');
const g = (...p: string[]) => join(GUESTS_DIR, ...p);

async function probe(image: string, name: string): Promise<ProbeResult> {
  return probeImage({
    image,
    name,
    output: join(out, `${name}.json`),
    accel: 'tcg',
    qemu: 'qemu-system-x86_64',
    quietMs: 1500,
    limitMs: 60_000,
    force: true,
    log: () => {},
  });
}

before(async () => {
  await ensureBuilt('minkernel');
  await ensureBuilt('unikernel');
  await ensureBuilt('grub');
});

// Probed → hand-written pairs: [image, probed name, hand-written descriptor].
const PAIRS: Array<[string, string, string]> = [
  [g('minkernel', 'build', 'minkernel.elf'), 'p-minkernel', g('minkernel', 'guest.json')],
  [g('unikernel', 'build', 'unikernel.elf'), 'p-unikernel', g('unikernel', 'guest.json')],
  [g('grub', 'build', 'grub.iso'), 'p-grub-iso', g('grub', 'iso.json')],
  [g('grub', 'build', 'disk.qcow2'), 'p-grub-disk', g('grub', 'guest.json')],
];

test('probe detects each image, writes a loadable descriptor, and ΔT recorded with it matches the hand-written one', async (t) => {
  const probed: string[] = [];
  for (const [image, name] of PAIRS) {
    const result = await probe(image, name);
    assert.ok(result.output, `${name}: ${summarizeProbe(result, image)}`);
    probed.push(result.output);
  }
  const written = JSON.parse(readFileSync(probed[2]!, 'utf8')) as Record<string, unknown>;
  assert.match(String(written.cdrom), /grub\.iso$/);
  assert.equal(JSON.parse(readFileSync(probed[3]!, 'utf8')).drive_format, 'qcow2');

  const output = join(out, 'probed-vs-hand.jsonl');
  // Interleaved by guest so that host load drifts over both descriptors alike.
  const guests = PAIRS.flatMap(([, , hand], i) => [probed[i]!, hand]);
  await record(runOptions({ guests, output, n: [3], cooldownMs: 20 }));
  const bs = boots(readTrace(output));
  for (const [i, [, name, hand]] of PAIRS.entries()) {
    const handName = (JSON.parse(readFileSync(hand, 'utf8')) as { name: string }).name;
    const p = bs.filter((b) => b.guest === name);
    const h = bs.filter((b) => b.guest === handName);
    assert.deepEqual(p.map((b) => b.status), ['ok', 'ok', 'ok'], `${name}: ${p.map((b) => b.error).join(', ')}`);
    assert.deepEqual(h.map((b) => b.status), ['ok', 'ok', 'ok']);
    // The same line is Te under both descriptors (variable parts such as rng bytes aside).
    const line = (s: string | null) => (s ?? '').split(/\s+/).slice(0, 3).join(' ');
    assert.equal(line(p[0]!.ready_match), line(h[0]!.ready_match), `${name} ready line`);
    const pm = median(p.map((b) => b.dt_ms!));
    const hm = median(h.map((b) => b.dt_ms!));
    t.diagnostic(`${name}: probed median ΔT ${pm.toFixed(1)} ms, hand-written ${hm.toFixed(1)} ms (${probed[i]})`);
  }
});

test('an EFI application boots under OVMF from the ISO the probe builds for it', async () => {
  const result = await probe(g('grub', 'build', 'grub.efi'), 'p-grub-efi');
  assert.equal(result.detection.kind, 'efi-app');
  assert.ok(result.output, summarizeProbe(result, 'grub.efi'));
  assert.equal(result.descriptor?.firmware, 'ovmf');
  assert.equal(result.descriptor?.ready, '^minkernel: ready');
});

test('a file that is no bootable image: nothing is tried, nothing written, and the summary says why', async () => {
  const junk = join(out, 'junk.bin');
  writeFileSync(junk, Buffer.alloc(4096, 7));
  const result = await probe(junk, 'junk');
  assert.equal(result.output, null);
  assert.equal(result.attempts.length, 0);
  assert.match(summarizeProbe(result, junk), /did not boot \(no kernel header, boot sector, ISO or EFI signature found\)/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vmmVariant } from '../src/parse/vmm-variant.ts';

test('the VMM variant is read from the machine type and firmware in a boot argv', () => {
  assert.equal(vmmVariant(['/usr/bin/qemu-system-x86_64', '-nographic', '-M', 'pc', '-kernel', 'k']), 'pc');
  assert.equal(vmmVariant(['qemu', '-M', 'microvm', '-kernel', 'k']), 'microvm');
  assert.equal(vmmVariant(['qemu', '-machine', 'q35,accel=tcg']), 'q35');
  assert.equal(vmmVariant(['qemu', '-M', 'pc', '-bios', '/usr/share/qemu/qboot.rom']), 'pc+qboot.rom');
  assert.equal(vmmVariant(['qemu']), 'pc', "QEMU's default machine");
});

test('a device set other than the paper profile\'s is part of the variant; disks and isa-debug-exit are not', () => {
  const paper = ['-netdev', 'user,id=un0,restrict=on', '-device', 'virtio-net-pci,netdev=un0', '-device', 'virtio-rng-pci'];
  assert.equal(vmmVariant(['qemu', '-M', 'pc', ...paper, '-device', 'isa-debug-exit,iobase=0xf4']), 'pc');
  assert.equal(vmmVariant(['qemu', '-M', 'microvm', '-device', 'virtio-net-device,netdev=un0', '-device', 'virtio-rng-device', '-device', 'virtio-blk-device,drive=disk0']), 'microvm');
  assert.equal(vmmVariant(['qemu', '-M', 'pc', '-nic', 'none']), 'pc[bare]');
  assert.equal(vmmVariant(['qemu', '-M', 'pc', '-nic', 'none', '-device', 'virtio-rng-pci']), 'pc[virtio-rng-pci]');
  assert.equal(vmmVariant(['qemu', '-bios', '/usr/share/ovmf/OVMF.fd', '-nic', 'none']), 'pc+OVMF.fd[bare]');
});

test('a microvm run of the same guest is its own condition and does not move its class inputs', async () => {
  const { syntheticTrace } = await import('./fixtures/synthetic.ts');
  const { parseTraceText, assembleTraceSet, computeFeatures } = await import('../src/core.ts');
  const guest = { name: 'g', dtMs: 300, slope: 20 };
  const pc = syntheticTrace({ runId: 'pc-run', seed: 1, mode: 'single', guests: [guest], singleBoots: 20 });
  // The same guest under microvm, 10× faster: its argv says -M microvm.
  const micro = syntheticTrace({ runId: 'micro-run', seed: 2, mode: 'single', guests: [{ ...guest, dtMs: 30 }], singleBoots: 20 })
    .replaceAll('"argv":["qemu-system-x86_64",', '"argv":["qemu-system-x86_64","-M","microvm",');
  const runs = [parseTraceText(pc, 'pc.jsonl'), parseTraceText(micro, 'micro.jsonl')];
  const features = computeFeatures(assembleTraceSet(runs).traces, { resamples: 50 });
  const conditions = features.conditions.map((c) => c.vmm).sort();
  assert.deepEqual(conditions, ['microvm', 'pc']);
  const input = features.inputs.find((i) => i.guest === 'g');
  assert.equal(input?.vmm, 'pc');
  assert.equal(input?.single.length, 20, 'only the pc boots feed the class inputs');
  assert.ok(features.guests[0]!.singleMedianMs! > 200);
});

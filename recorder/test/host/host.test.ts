import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideAccel, HostError, probeQemu } from '../../src/host/host.ts';

function fakeHost(modules: string[], withDevKvm: boolean) {
  const root = mkdtempSync(join(tmpdir(), 'bootlab-host-'));
  const sys = join(root, 'module');
  for (const m of modules) mkdirSync(join(sys, m), { recursive: true });
  const dev = join(root, 'kvm');
  if (withDevKvm) writeFileSync(dev, '');
  return { sys, dev };
}

test('auto avoids a software-nested KVM (kvm_pvm) and says why', () => {
  const { sys, dev } = fakeHost(['kvm', 'kvm_pvm'], true);
  const v = decideAccel('auto', sys, dev);
  assert.equal(v.accel, 'tcg');
  assert.match(v.reason, /kvm_pvm/);
  assert.equal(v.kvmFlavour, 'kvm_pvm');
});

test('auto takes a real KVM when /dev/kvm is usable', () => {
  const { sys, dev } = fakeHost(['kvm', 'kvm_intel'], true);
  assert.equal(decideAccel('auto', sys, dev).accel, 'kvm');
});

test('auto falls back to TCG without /dev/kvm; --accel kvm then fails clearly', () => {
  const { sys, dev } = fakeHost([], false);
  assert.equal(decideAccel('auto', sys, dev).accel, 'tcg');
  assert.throws(() => decideAccel('kvm', sys, dev), HostError);
});

test('this machine: auto picks TCG where kvm_pvm backs /dev/kvm', () => {
  const v = decideAccel('auto');
  if (v.kvmFlavour.includes('kvm_pvm')) assert.equal(v.accel, 'tcg');
  else assert.ok(['kvm', 'tcg'].includes(v.accel));
});

test('a missing QEMU binary gives one clear line with the fix', () => {
  assert.throws(
    () => probeQemu('qemu-system-does-not-exist'),
    (e: Error) => e instanceof HostError && /not found on PATH — install it \(apt-get install qemu-system-x86\)/.test(e.message),
  );
});

test('the installed QEMU reports its version', () => {
  const q = probeQemu('qemu-system-x86_64');
  assert.match(q.version, /^\d+\.\d+/);
});

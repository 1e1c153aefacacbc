import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootingCostKb, defaultMemoryFloorKb, LiveMemoryCost, MemoryGuard, VMM_OVERHEAD_KB } from '../../src/host/memory-guard.ts';

const GiB = 1024 * 1024;
const fixedMem = (availableKb: number) => () => ({ totalKb: 24 * GiB, availableKb });

test('the default floor is max(1 GiB, 5 % of MemTotal)', () => {
  assert.equal(defaultMemoryFloorKb(8 * GiB), GiB);
  assert.equal(defaultMemoryFloorKb(40 * GiB), 2 * GiB);
});

test('before any instance booted, a booting guest may take all its RAM plus the VMM overhead', () => {
  assert.equal(bootingCostKb(256, null), 256 * 1024 + VMM_OVERHEAD_KB);
});

test('once instances booted, the cost is what they held at Te, with a margin', () => {
  assert.equal(bootingCostKb(256, 400_000), 500_000);
});

test('the guard counts every booting instance and the next one against the floor', () => {
  const guard = new MemoryGuard(GiB, fixedMem(5 * GiB));
  const cost = 400 * 1024; // 400 MiB each
  assert.equal(guard.check(8, cost).ok, true); // 9 × 400 MiB = 3.5 GiB leaves 1.5 GiB
  const verdict = guard.check(10, cost); // 11 × 400 MiB = 4.3 GiB leaves 0.7 GiB
  assert.equal(verdict.ok, false);
  if (!verdict.ok) assert.match(verdict.reason, /MemAvailable 5120 MiB minus up to 400 MiB for each of 11 booting instance\(s\) would fall under the 1024 MiB floor/);
});

test('headroom: how many more may start now, consistent with check()', () => {
  const guard = new MemoryGuard(GiB, fixedMem(3 * GiB));
  // 2 GiB above the floor, 100 MiB each: 20 in all, 5 of them already booting.
  assert.equal(guard.headroom(5, 100 * 1024), 15);
  assert.equal(guard.headroom(25, 100 * 1024), -5, 'negative: more are planned than fit');
  assert.equal(guard.check(19, 100 * 1024).ok, true);
  assert.equal(guard.headroom(19, 100 * 1024), 1);
  assert.equal(guard.check(20, 100 * 1024).ok, false);
});

test('the live cost is learned from MemAvailable per running instance, only once enough run and few boot', () => {
  const cost = new LiveMemoryCost(20 * GiB);
  cost.observe(20 * GiB - 100 * 1024, 4, 0);
  assert.equal(cost.perInstanceKb(), null, 'too few instances');
  cost.observe(20 * GiB - 800 * 1024, 32, 16);
  assert.equal(cost.perInstanceKb(), null, 'half of them still booting');
  cost.observe(20 * GiB - 800 * 1024, 32, 4);
  assert.equal(cost.learnedKb, 25 * 1024);
  assert.equal(cost.perInstanceKb(), Math.round(25 * 1024 * 1.25));
  // KSM merges minutes later: the same instances now cost less, and the estimate follows.
  cost.observe(20 * GiB - 352 * 1024, 32, 0);
  assert.equal(cost.learnedKb, 11 * 1024);
});

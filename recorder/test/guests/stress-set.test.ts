// The classifier's stress set (guests/stress/): every member loads, borrows only guests that exist, and
// has a true class in labels.json; some descriptors are plain (no markers), as a user's would be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOrder } from '../../src/guests/guest-build.ts';
import { loadDescriptorFile } from '../../src/guests/descriptor.ts';
import { builtinGuestNames, descriptorPathFor, guestSetMembers, GUESTS_DIR } from '../../src/guests/guests.ts';

const CLASSES = ['baseline', 'LibOS', 'general-purpose OS'];

test('stress set: labels name every member and built-in with a class and a reason; descriptors load', () => {
  const labels = JSON.parse(readFileSync(join(GUESTS_DIR, 'stress', 'labels.json'), 'utf8')) as Record<string, { class: string; why: string }>;
  const members = guestSetMembers().filter((m) => m.startsWith('stress/'));
  assert.ok(members.length >= 10, `only ${members.length} stress guests`);
  const names = members.map((m) => loadDescriptorFile(join(GUESTS_DIR, m, 'guest.json')).descriptor.name);
  assert.deepEqual(names, members.map((m) => m.slice('stress/'.length)), 'descriptor name = folder name');
  assert.deepEqual(Object.keys(labels).sort(), [...builtinGuestNames(), ...names].sort());
  for (const [name, label] of Object.entries(labels)) {
    assert.ok(CLASSES.includes(label.class), `${name}: class '${label.class}'`);
    assert.ok(label.why.length > 20, `${name}: a reason`);
  }
  for (const c of CLASSES) {
    assert.ok(names.some((n) => labels[n]?.class === c), `a stress guest of class ${c}`);
  }
  const plain = members.filter((m) => Object.keys(loadDescriptorFile(join(GUESTS_DIR, m, 'guest.json')).descriptor.markers).length === 0);
  assert.ok(plain.length >= 3, 'some descriptors have no markers');
  // Borrowed images resolve to guests the build knows (throws otherwise); built-ins come first.
  const order = buildOrder(['stress']);
  assert.equal(descriptorPathFor('stress/unikernel-wait'), join(GUESTS_DIR, 'stress', 'unikernel-wait', 'guest.json'), 'a member by name');
  assert.ok(order.indexOf('unikernel') < order.indexOf('stress/unikernel-wait'));
});

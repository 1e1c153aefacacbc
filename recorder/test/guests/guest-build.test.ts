// What counts as a guest build's input: a change there rebuilds the guest, a change elsewhere does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGuests, buildOrder, inputsHash, isUpToDate } from '../../src/guests/guest-build.ts';
import { builtinGuestNames, guestSetMembers, resolveGuest } from '../../src/guests/guests.ts';
import { tempDir } from '../helpers.ts';

test('inputs: the guest folder and the shared guests/lib helpers; not build/, descriptors or dotfiles', () => {
  const guests = tempDir('guest-inputs');
  const guest = join(guests, 'g');
  mkdirSync(join(guest, 'build'), { recursive: true });
  mkdirSync(join(guests, 'lib'));
  writeFileSync(join(guest, 'build.sh'), 'echo build\n');
  writeFileSync(join(guest, 'guest.json'), '{}');
  writeFileSync(join(guests, 'lib', 'debian-packages.sh'), 'fetch_deb() { :; }\n');
  const base = inputsHash(guest);

  writeFileSync(join(guest, 'build', 'vmlinuz'), 'output');
  writeFileSync(join(guest, 'guest.json'), '{"memory_mb": 128}');
  writeFileSync(join(guest, '.swp'), 'editor');
  assert.equal(inputsHash(guest), base, 'outputs, descriptors and dotfiles are not inputs');

  writeFileSync(join(guests, 'lib', 'debian-packages.sh'), 'fetch_deb() { echo changed; }\n');
  const afterLib = inputsHash(guest);
  assert.notEqual(afterLib, base, 'a shared helper is an input');

  writeFileSync(join(guest, 'init.sh'), '#!/bin/sh\n');
  assert.notEqual(inputsHash(guest), afterLib, 'a new file in the guest folder is an input');
});

/** A guests/ folder with built-in `base` (build.sh writes build/k.elf) and a set `stress` holding a
 * descriptor-only variant of it and a guest with its own build.sh. */
function guestsWithSet(): string {
  const guests = tempDir('guest-sets');
  mkdirSync(join(guests, 'lib'));
  writeFileSync(join(guests, 'lib', 'helper.sh'), 'h() { :; }\n');
  const descriptor = (kernel: string) => JSON.stringify({ name: 'x', kernel, ready: 'ready' });
  mkdirSync(join(guests, 'base'));
  writeFileSync(join(guests, 'base', 'build.sh'), 'mkdir -p "$OUT" && echo elf > "$OUT/k.elf"\n');
  writeFileSync(join(guests, 'base', 'guest.json'), descriptor('build/k.elf'));
  mkdirSync(join(guests, 'stress', 'lib'), { recursive: true });
  writeFileSync(join(guests, 'stress', 'lib', 'more.sh'), 'm() { :; }\n');
  writeFileSync(join(guests, 'stress', 'labels.json'), '{}');
  mkdirSync(join(guests, 'stress', 'variant'));
  writeFileSync(join(guests, 'stress', 'variant', 'guest.json'), descriptor('../../base/build/k.elf'));
  mkdirSync(join(guests, 'stress', 'own'));
  writeFileSync(join(guests, 'stress', 'own', 'build.sh'), 'mkdir -p "$OUT" && echo own > "$OUT/own.elf"\n');
  writeFileSync(join(guests, 'stress', 'own', 'guest.json'), descriptor('build/own.elf'));
  return guests;
}

test('guest sets: members are named set/name, are not built-ins, and a set name builds them after what they borrow', async () => {
  const guests = guestsWithSet();
  assert.deepEqual(builtinGuestNames(guests), ['base']);
  assert.deepEqual(guestSetMembers(guests), ['stress/own', 'stress/variant']);
  assert.deepEqual(buildOrder([], guests), ['base'], 'no names: the built-ins only');
  assert.deepEqual(buildOrder(['stress/variant'], guests), ['base', 'stress/variant']);
  assert.deepEqual(buildOrder(['stress'], guests), ['stress/own', 'base', 'stress/variant']);
  assert.throws(() => buildOrder(['nope'], guests), /unknown guest 'nope' \(built-in: base; sets: stress\)/);

  assert.throws(() => resolveGuest('stress/variant', guests), /k\.elf does not exist — run: npx bootlab guests build stress\/variant$/);
  const first = await buildGuests(['stress/variant'], { guestsDir: guests });
  assert.deepEqual(first.map((r) => [r.name, r.action]), [['base', 'built'], ['stress/variant', 'skipped']]);
  rmSync(join(guests, 'base', 'build'), { recursive: true });
  writeFileSync(join(guests, 'base', 'build.sh'), 'exit 0\n'); // "builds" nothing
  await assert.rejects(buildGuests(['stress/variant'], { guestsDir: guests }), /base\/build.sh succeeded but did not produce/);

  writeFileSync(join(guests, 'base', 'build.sh'), 'mkdir -p "$OUT" && echo elf > "$OUT/k.elf"\n');
  const reports = await buildGuests(['stress'], { guestsDir: guests });
  assert.deepEqual(reports.map((r) => [r.name, r.action]), [['stress/own', 'built'], ['base', 'built'], ['stress/variant', 'skipped']]);
  assert.ok(existsSync(join(guests, 'stress', 'own', 'build', 'own.elf')));
  assert.ok(isUpToDate(join(guests, 'stress', 'own'), guests));
  assert.ok(isUpToDate(join(guests, 'stress', 'variant'), guests), 'a descriptor-only guest is up to date when its borrowed images exist');
});

test('inputs of a set member include the lib/ folders of every level; a built-in hashes as before', () => {
  const guests = guestsWithSet();
  const own = join(guests, 'stress', 'own');
  const base = inputsHash(own, guests);
  writeFileSync(join(guests, 'lib', 'helper.sh'), 'h() { echo changed; }\n');
  const afterTop = inputsHash(own, guests);
  assert.notEqual(afterTop, base, 'guests/lib is an input of guests/stress/own');
  writeFileSync(join(guests, 'stress', 'lib', 'more.sh'), 'm() { echo changed; }\n');
  assert.notEqual(inputsHash(own, guests), afterTop, 'guests/stress/lib is an input too');
  const builtin = join(guests, 'base');
  assert.equal(inputsHash(builtin, guests), inputsHash(builtin), 'the default guests folder is the parent');
});

test('folders named in a guest\'s sources file are inputs too; a missing one is an error naming the line', () => {
  const guests = guestsWithSet();
  const own = join(guests, 'stress', 'own');
  const before = inputsHash(own, guests);
  writeFileSync(join(own, 'sources'), '# the base guest\'s sources\n../../base\n');
  const withSources = inputsHash(own, guests);
  assert.notEqual(withSources, before);
  writeFileSync(join(guests, 'base', 'build.sh'), 'echo changed\n');
  assert.notEqual(inputsHash(own, guests), withSources, 'editing the named folder changes the hash');
  const changed = inputsHash(own, guests);
  mkdirSync(join(guests, 'base', 'build'), { recursive: true });
  writeFileSync(join(guests, 'base', 'build', 'k.elf'), 'output');
  assert.equal(inputsHash(own, guests), changed, "the named folder's build/ is not an input");
  writeFileSync(join(own, 'sources'), '../../nowhere\n');
  assert.throws(() => inputsHash(own, guests), /sources:1: no folder \.\.\/\.\.\/nowhere/);
});

// What counts as a guest build's input: a change there rebuilds the guest, a change elsewhere does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputsHash } from '../src/guest-build.ts';
import { tempDir } from './helpers.ts';

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

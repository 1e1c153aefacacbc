// The descriptor's `fail` signal: a console line (or VMM exit code) that ends a boot as failed at once,
// the VMM killed and the boot recorded with the line as its reason, instead of waiting out the timeout.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConsoleMatcher, type FailHit } from '../../src/console/console-matcher.ts';
import { DescriptorError, launchFail, parseDescriptor } from '../../src/guests/descriptor.ts';
import { record } from '../../src/record/record.ts';
import { boots, ensureBuilt, privateGuest, readTrace, runOptions, tempDir } from '../helpers.ts';

const out = tempDir('fail-signal');

before(async () => {
  await ensureBuilt('unikernel');
});

test('fail: a regex, or console and/or exit codes; an empty object or a bad regex is refused naming the field', () => {
  const base = { name: 'x', kernel: 'k.elf', ready: '^ok' };
  assert.deepEqual(launchFail(parseDescriptor({ ...base, fail: '^oops' }, 'g.json', '/tmp').descriptor.fail), { console: '^oops', exit: [] });
  assert.deepEqual(launchFail(parseDescriptor({ ...base, fail: { exit: [3] } }, 'g.json', '/tmp').descriptor.fail), { console: null, exit: [3] });
  assert.equal(launchFail(parseDescriptor(base, 'g.json', '/tmp').descriptor.fail), null);
  assert.throws(() => parseDescriptor({ ...base, fail: {} }, 'g.json', '/tmp'), (e: Error) => e instanceof DescriptorError && /g\.json: fail/.test(e.message));
  assert.throws(() => parseDescriptor({ ...base, fail: '(' }, 'g.json', '/tmp'), (e: Error) => e instanceof DescriptorError && /g\.json: fail/.test(e.message));
});

test('the matcher finds a fail line split across reads, keeps its leading blanks and completes it at its newline', () => {
  const m = new ConsoleMatcher({ ready: '^ready', fail: 'Abort' });
  const fail = (): FailHit | null => m.fail;
  m.feed('boot 1\r\n  PCI enumeration failed. Ab', 1n);
  assert.equal(fail(), null);
  m.feed('ort', 2n);
  assert.equal(fail()?.complete, false);
  assert.equal(fail()?.t, 2n);
  m.feed('ing.\x1b[0m\r\nnext\r\n', 3n);
  assert.deepEqual({ line: fail()?.line, complete: fail()?.complete, t: fail()?.t }, { line: '  PCI enumeration failed. Aborting.', complete: true, t: 2n });
  // A fail line after the ready line is not a failed boot: it comes after its end.
  const after = new ConsoleMatcher({ ready: '^ready', fail: 'panic' });
  after.feed('ready\npanic later\n', 5n);
  assert.ok(after.fail && after.readyEndsAt !== null && after.fail.at >= after.readyEndsAt);
});

test('a unikernel that stops with an error ends at once as failed, its error line the reason', async () => {
  // heap=x is not a number: the kernel prints "unikernel: error: cmdline: heap=x is not a decimal number" and halts for ever.
  const guest = privateGuest('unikernel', { name: 'uk-fail-line', append: 'heap=x', fail: '^unikernel: error: ' });
  const output = join(out, 'line.jsonl');
  await record(runOptions({ guests: [guest.path], output, n: [2], timeoutS: 120 }));
  const bs = boots(readTrace(output));
  assert.deepEqual(bs.map((b) => b.status), ['vmm_error', 'vmm_error']);
  for (const b of bs) {
    assert.match(b.error ?? '', /^guest failed: "unikernel: error: cmdline: heap=x .+" \(descriptor fail regex\)$/);
    assert.match(b.fail_match ?? '', /^unikernel: error: cmdline: heap=x /);
    assert.ok(b.last_lines?.some((l) => l.startsWith('unikernel: error: cmdline')), String(b.last_lines));
  }
});

test('a fail exit code ends the boot as failed with "exit N"; without a fail signal the same boot is only "exited"', async () => {
  const args = { append: 'heap=x exit', qemu_args: ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'] };
  const failing = privateGuest('unikernel', { name: 'uk-fail-exit', ...args, fail: { exit: [3] } });
  const plain = privateGuest('unikernel', { name: 'uk-plain-exit', ...args, fail: undefined });
  const output = join(out, 'exit.jsonl');
  await record(runOptions({ guests: [failing.path, plain.path], output, n: [1], timeoutS: 120 }));
  const [f, p] = boots(readTrace(output));
  assert.equal(f?.status, 'vmm_error');
  assert.equal(f?.fail_match, 'exit 3');
  assert.match(f?.error ?? '', /guest failed: VMM exited with 3/);
  assert.equal(p?.status, 'exited');
  assert.equal(p?.fail_match, undefined);
});

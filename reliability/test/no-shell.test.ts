// Descriptor paths, image paths, QEMU arguments and output paths are data, never shell text: no code path
// hands them to a shell. Checked twice: statically (the sources hold no shell-spawning call), and by recording
// and analysing a guest whose every path and argument is a shell injection — the run works, nothing runs.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GUESTS_DIR } from '@bootlab/recorder';
import { ensureBuilt, tempDir } from '@bootlab/recorder/test-support';
import { inspectTrace, leftovers, runCli, TAG_VAR } from '../lib.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = ['recorder/src', 'analysis/src', 'trace/src', 'cli', 'bin'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'test' && e.name !== 'node_modules') out.push(...sourceFiles(p));
    } else if (/\.(ts|mts|mjs|js)$/.test(e.name)) out.push(p);
  }
  return out;
}

const SHELL = String.raw`(?:\/(?:usr\/)?bin\/)?(?:ba|da|z)?sh`;
const RULES: [string, RegExp][] = [
  ['a shell: option on a child process', /\bshell\s*:\s*(?!false\b)/],
  ['exec/execSync imported from child_process (they run a shell)', /import\s*\{[^}]*\bexec(?:Sync)?\b(?!File)[^}]*\}\s*from\s*['"](?:node:)?child_process['"]/],
  ['child_process.exec/execSync called', /child_process\.exec(?:Sync)?\(|\bcp\.exec(?:Sync)?\(/],
  ['execaCommand (parses a command string)', /\bexecaCommand(?:Sync)?\b/],
  ['execa $`…` template', /\$\s*`/],
  ['a shell started with -c', new RegExp(String.raw`\b(?:spawn|spawnSync|execFile|execFileSync|execa|execaSync)\(\s*['"]${SHELL}['"]\s*,\s*\[\s*['"]-c`)],
];

test('no source of the recorder, analysis, trace format or CLI spawns through a shell', () => {
  const files = SOURCES.flatMap((d) => sourceFiles(join(ROOT, d)));
  assert.ok(files.length > 40, `scanned ${files.length} files`);
  const findings: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [what, rule] of RULES) {
      const m = rule.exec(text);
      if (m) findings.push(`${relative(ROOT, file)}:${text.slice(0, m.index).split('\n').length}: ${what}: ${m[0]}`);
    }
  }
  assert.deepEqual(findings, []);
});

test('the rules catch what they are meant to catch', () => {
  const samples = [
    "spawn(cmd, args, { shell: true })",
    "import { exec } from 'node:child_process';",
    "import { spawn, execSync } from 'child_process';",
    "await execaCommand(`qemu ${path}`)",
    "await $`qemu ${path}`",
    "spawn('/bin/sh', ['-c', line])",
    "execFileSync('bash', ['-c', cmd])",
  ];
  for (const s of samples) assert.ok(RULES.some(([, r]) => r.test(s)), s);
  for (const s of ["import { execFileSync } from 'node:child_process';", "execa('bash', ['build.sh'])", '/re/.exec(text)', 'spawn(file, args, { stdio })']) {
    assert.ok(!RULES.some(([, r]) => r.test(s)), s);
  }
});

before(async () => {
  await ensureBuilt('minkernel');
});

test('a guest whose paths and arguments are shell injections records, analyses, and runs nothing', async () => {
  // Each injection would create bootlab-pwned-<pid>-… in the working directory of whatever shell ran it.
  const marker = `bootlab-pwned-${process.pid}`;
  const inject = (n: number) => `$(touch ${marker}-${n}) \`touch ${marker}-b${n}\` ; touch ${marker}-c${n} && x || y | z > ${marker}-d${n} <'"`;
  const base = tempDir('hostile-paths');
  const cwd = tempDir('hostile-cwd');
  const dir = join(base, `dir ${inject(1)}`);
  mkdirSync(dir);
  const descriptor = JSON.parse(readFileSync(join(GUESTS_DIR, 'minkernel', 'guest.json'), 'utf8')) as Record<string, unknown>;
  const kernelName = `kernel ${inject(2)}.elf`;
  const kernel = join(dir, kernelName);
  copyFileSync(join(GUESTS_DIR, 'minkernel', descriptor.kernel as string), kernel);
  const guestPath = join(dir, `guest ${inject(3)}.json`);
  writeFileSync(
    guestPath,
    JSON.stringify({
      ...descriptor,
      name: 'hostile-paths',
      kernel: `./${kernelName}`, // relative to the descriptor's folder, as a user would write it
      append: inject(4),
      qemu_args: ['-name', `guest ${inject(5)}`],
    }),
  );
  const output = join(dir, `trace ${inject(6)}.jsonl`);
  const tag = `hostile-paths-${process.pid}`;
  const r = await runCli(['record', guestPath, '-n', '2', '--accel', 'tcg', '--timeout', '60', '-o', output], { env: { [TAG_VAR]: tag }, cwd });
  assert.equal(r.code, 0, r.stderr);
  const t = inspectTrace(output);
  assert.equal(t.bad.length, 0);
  const boots = t.records.flatMap((x) => (x.type === 'boot' ? [x] : []));
  assert.deepEqual(boots.map((b) => b.status), ['ok', 'ok']);
  // The paths and arguments reached QEMU byte for byte: no quoting, no expansion.
  const argv = boots[0]!.argv;
  assert.ok(argv.includes(kernel), `kernel path passed verbatim: ${JSON.stringify(argv)}`);
  assert.ok(argv.includes(inject(4)) && argv.includes(`guest ${inject(5)}`));

  const report = join(dir, `report ${inject(7)}`);
  const a = await runCli(['analyze', output, '-o', report, '--no-png', '--resamples', '20', '--class-resamples', '5'], { cwd });
  assert.equal(a.code, 0, a.stderr);
  assert.ok(existsSync(join(report, 'report.html')));

  assert.deepEqual(leftovers(tag, [dir]), [], 'no process of the run is left');
  for (const where of [cwd, base, dir, ROOT, tmpdir(), '/']) {
    assert.deepEqual(readdirSync(where).filter((f) => f.startsWith(marker)), [], `an injected command ran (in ${where})`);
  }
});

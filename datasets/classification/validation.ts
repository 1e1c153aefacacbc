// The classifier's validation set and its report. `node --import tsx datasets/classification/validation.ts`
// rewrites docs/classification.md from the committed recordings; `--record` first re-records them with
// `bootlab classify` (every stress guest of guests/stress beside the built-in references, on each guest's VMM
// variant) and replaces the *.jsonl.gz here. The datasets test checks that the document is current.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadTraces, validate, type Labels } from '@bootlab/analysis';
import { renderValidation } from './render.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
export const LABELS_FILE = join(ROOT, 'guests', 'stress', 'labels.json');
export const DOC = join(ROOT, 'docs', 'classification.md');

export function readLabels(file = LABELS_FILE): Labels {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { class: Labels[string] }>;
  return Object.fromEntries(Object.entries(raw).map(([guest, v]) => [guest, v.class]));
}

export function validationTraces(): string[] {
  return readdirSync(HERE).filter((f) => f.endsWith('.jsonl.gz')).sort().map((f) => join(HERE, f));
}

export async function validationDoc(): Promise<string> {
  const files = validationTraces();
  const { traces } = await loadTraces(files);
  const labels = readLabels();
  return renderValidation(validate(traces, labels), traces, files.map((f) => relative(ROOT, f)), labels, join(HERE, 'calibration.json'));
}

/**
 * Linux and debian as references on microvm: the cloud kernel's PIT calibration fails there on a loaded host
 * ("tsc: Unable to calibrate against PIT") and the boot hangs until the timeout, so microvm guests are recorded
 * beside the references that boot there; the general-purpose reference then comes from the pc variant, measured
 * against the pc baseline, and the analysis says so.
 */
const MICROVM_REFERENCES = 'minkernel,unikernel';

function recordAgain(): void {
  const guests = readdirSync(join(ROOT, 'guests', 'stress'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'lib')
    .map((e) => join('guests', 'stress', e.name, 'guest.json'));
  const onMicrovm = (g: string) => (JSON.parse(readFileSync(join(ROOT, g), 'utf8')) as { machine?: string }).machine === 'microvm';
  const out = join(ROOT, 'out', 'validation');
  rmSync(out, { recursive: true, force: true });
  const bootlab = (...args: string[]) => execFileSync(process.execPath, [join(ROOT, 'bin', 'bootlab.mjs'), ...args], { cwd: ROOT, stdio: 'inherit' });
  bootlab('guests', 'build', 'stress');
  const plan = ['-o', out, '--timeout', '150', '--sizes', '1,2,4', '--no-png'];
  bootlab('classify', ...guests.filter((g) => !onMicrovm(g)), ...plan);
  bootlab('classify', ...guests.filter(onMicrovm), '--references', MICROVM_REFERENCES, ...plan);
  for (const f of validationTraces()) rmSync(f);
  for (const f of readdirSync(join(out, 'traces')).filter((x) => x.endsWith('.jsonl'))) {
    writeFileSync(join(HERE, `${f}.gz`), gzipSync(readFileSync(join(out, 'traces', f)), { level: 9 }));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--record')) recordAgain();
  writeFileSync(DOC, await validationDoc());
  process.stdout.write(`wrote ${relative(process.cwd(), DOC)}\n`);
}

// Which bootlab wrote a trace: the package version and the git commit of the tree it ran from.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HeaderRecord } from '@bootlab/trace';
import { REPO_ROOT } from '../guests/guests.ts';

export function bootlabProvenance(): HeaderRecord['bootlab'] {
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // a copied recorder without the root package.json still records, with version 0.0.0
  }
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    commit = null;
  }
  return { version, commit };
}

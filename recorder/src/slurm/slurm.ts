// The Slurm commands bootlab uses, each a thin wrapper over the real client (sbatch, scontrol, sacct,
// scancel, srun, sinfo) through execa. Slurm is the scheduler; this file only reads and forwards.
import { execa } from 'execa';
import { CampaignError } from './campaign.ts';

/** Slurm job states after which a task will not run again. */
export const TERMINAL_STATES: ReadonlySet<string> = new Set([
  'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'REVOKED',
]);

export interface TaskState {
  /** Array task id (= shard index). */
  task: number;
  /** Slurm job state, e.g. PENDING, RUNNING, COMPLETED, FAILED, CANCELLED. */
  state: string;
  reason: string | null;
  /** "code:signal" as Slurm prints it. */
  exitCode: string | null;
  node: string | null;
}

async function run(cmd: string, args: readonly string[], input?: string) {
  try {
    return await execa(cmd, args, { reject: false, input, timeout: 60_000, stripFinalNewline: true });
  } catch (err) {
    throw new CampaignError(`${cmd}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function missing(cmd: string, err: { code?: string } | undefined): never {
  throw new CampaignError(
    `${cmd} not found: run this on a Slurm login node with the Slurm client installed (Debian: apt-get install slurm-client)${err?.code ? ` [${err.code}]` : ''}`,
  );
}

function firstLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? '';
}

/** Submit a batch script (given on stdin); returns the job id. */
export async function sbatch(args: readonly string[], script: string): Promise<string> {
  const res = await run('sbatch', ['--parsable', ...args], script);
  if ((res as { code?: string }).code === 'ENOENT' || res.exitCode === undefined) missing('sbatch', res as { code?: string });
  if (res.exitCode !== 0) throw new CampaignError(`sbatch refused the job: ${firstLine(res.stderr) || `exit ${res.exitCode}`}`);
  const id = res.stdout.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new CampaignError(`sbatch printed no job id (got '${res.stdout.trim()}')`);
  return id;
}

/** "0-3", "1,3", "0-7%2" → task ids. */
export function expandTaskIds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.replace(/%\d+$/, '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    for (let i = from; i <= to; i += step) out.push(i);
  }
  return out;
}

/** One `scontrol show job -o` line → key/value pairs (values never contain spaces except Command/Comment, unused). */
export function parseScontrolLine(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const token of line.trim().split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq > 0 && !fields.has(token.slice(0, eq))) fields.set(token.slice(0, eq), token.slice(eq + 1));
  }
  return fields;
}

const nullIf = (v: string | undefined, ...empty: string[]) => (v === undefined || v === '' || empty.includes(v) ? null : v);

/** States of an array job's tasks from scontrol (live and recently finished jobs). Null when scontrol no longer knows the job. */
async function scontrolStates(jobId: string): Promise<TaskState[] | null> {
  const res = await run('scontrol', ['show', 'job', '-o', jobId]);
  if ((res as { code?: string }).code === 'ENOENT') missing('scontrol', res as { code?: string });
  if (res.exitCode !== 0) return null;
  const out: TaskState[] = [];
  for (const line of res.stdout.split('\n')) {
    if (!line.trim()) continue;
    const f = parseScontrolLine(line);
    const ids = expandTaskIds(f.get('ArrayTaskId') ?? '');
    for (const task of ids) {
      out.push({
        task,
        state: f.get('JobState') ?? 'UNKNOWN',
        reason: nullIf(f.get('Reason'), 'None'),
        exitCode: nullIf(f.get('ExitCode')),
        node: nullIf(f.get('NodeList'), '(null)'),
      });
    }
  }
  return out;
}

/** The same from the accounting database, for jobs scontrol has already forgotten (MinJobAge). */
async function sacctStates(jobId: string): Promise<TaskState[] | null> {
  const res = await run('sacct', ['-X', '-n', '-P', '-j', jobId, '--format=JobID,State,ExitCode,NodeList']);
  if (res.exitCode !== 0 || (res as { code?: string }).code === 'ENOENT') return null;
  const out: TaskState[] = [];
  for (const line of res.stdout.split('\n')) {
    const [id, state, exit, node] = line.split('|');
    const m = /_\[?([\d,\-%]+)\]?$/.exec(id ?? '');
    if (!m || !state) continue;
    for (const task of expandTaskIds(m[1] as string)) {
      out.push({ task, state: state.split(' ')[0] as string, reason: null, exitCode: nullIf(exit), node: nullIf(node, 'None assigned') });
    }
  }
  return out;
}

/** Per task of an array job, its current state; tasks Slurm no longer knows are missing from the map. */
export async function arrayTaskStates(jobId: string): Promise<Map<number, TaskState>> {
  const states = (await scontrolStates(jobId)) ?? (await sacctStates(jobId)) ?? [];
  return new Map(states.map((s) => [s.task, s]));
}

/** Cancel a whole job array (Slurm sends SIGTERM to each task's recorder, then SIGKILL after KillWait). */
export async function scancel(jobId: string): Promise<void> {
  const res = await run('scancel', [jobId]);
  if (res.exitCode !== 0) throw new CampaignError(`scancel ${jobId}: ${firstLine(res.stderr) || `exit ${res.exitCode}`}`);
}

/** Nodes of a partition (or of the default partition) that Slurm would schedule on. */
export async function partitionNodes(partition: string | null): Promise<string[]> {
  const res = await run('sinfo', ['-h', '-N', '-o', '%N %t', ...(partition ? ['-p', partition] : [])]);
  if ((res as { code?: string }).code === 'ENOENT') missing('sinfo', res as { code?: string });
  if (res.exitCode !== 0) throw new CampaignError(`sinfo: ${firstLine(res.stderr) || `exit ${res.exitCode}`}`);
  const nodes = res.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([name, state]) => name && state && !/^(down|drain|drng|fail|maint|boot|unk)/.test(state))
    .map(([name]) => name as string);
  return [...new Set(nodes)];
}

/** Run one task per node with `srun -l`; returns each task's output lines, keyed by task id. */
export async function srunPerNode(srunArgs: readonly string[], command: readonly string[]): Promise<{ byTask: Map<number, string[]>; exitCode: number; stderr: string }> {
  const res = await run('srun', ['-l', ...srunArgs, ...command]);
  if ((res as { code?: string }).code === 'ENOENT') missing('srun', res as { code?: string });
  const byTask = new Map<number, string[]>();
  for (const line of res.stdout.split('\n')) {
    const m = /^\s*(\d+):\s?(.*)$/.exec(line);
    if (!m) continue;
    const task = Number(m[1]);
    if (!byTask.has(task)) byTask.set(task, []);
    byTask.get(task)!.push(m[2] as string);
  }
  return { byTask, exitCode: res.exitCode ?? 1, stderr: res.stderr };
}

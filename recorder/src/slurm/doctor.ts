// `bootlab doctor --slurm`: the doctor's questions asked on every target node through `srun` (one task per
// node), answered in one table, so a node that would fall back to TCG or lacks a guest shows up before the
// campaign runs. Each node answers with one JSON line (`bootlab doctor-node`).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { runDoctor } from '../host/doctor.ts';
import { GUESTS_DIR, REPO_ROOT } from '../guests/guests.ts';
import { readKsm } from '../host/ksm.ts';
import { readMemInfo } from '../host/proc.ts';
import { bootlabProvenance } from '../record/record.ts';
import { CampaignError } from './campaign.ts';
import { partitionNodes, srunPerNode } from './slurm.ts';

export const NodeFacts = z.object({
  node: z.string(),
  hostname: z.string(),
  cpu_model: z.string(),
  kernel: z.string(),
  bootlab: z.object({ version: z.string(), commit: z.string().nullable() }),
  qemu: z.string().nullable(),
  qemu_error: z.string().nullable(),
  accel: z.string(),
  accel_reason: z.string(),
  ksm: z.number().int().nullable(),
  mem_available_mb: z.number(),
  guests: z.array(z.object({ name: z.string(), built: z.boolean(), buildable: z.boolean() })),
});
export type NodeFacts = z.infer<typeof NodeFacts>;

/** Debian packages a guest's build needs that this machine lacks. */
function missingPackages(guest: string): string[] {
  const list = join(GUESTS_DIR, guest, 'apt-packages.txt');
  if (!existsSync(list)) return [];
  const pkgs = readFileSync(list, 'utf8').split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((p) => p && !p.startsWith('#'));
  if (!pkgs.length) return [];
  let out = '';
  try {
    out = execFileSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...pkgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? '');
  }
  const installed = new Set(out.split('\n').filter((l) => l.endsWith('install ok installed')).map((l) => l.split(' ')[0]));
  return pkgs.filter((p) => !installed.has(p));
}

/** This node's answers (run on the node by `bootlab doctor-node`). */
export function nodeFacts(qemuName = 'qemu-system-x86_64', env: NodeJS.ProcessEnv = process.env): NodeFacts {
  const report = runDoctor(qemuName);
  const accel = 'error' in report.accel ? { accel: 'none', reason: report.accel.error } : { accel: report.accel.accel, reason: report.accel.reason };
  return {
    node: env.SLURMD_NODENAME ?? hostname(),
    hostname: hostname(),
    cpu_model: cpus()[0]?.model?.trim() || 'unknown',
    kernel: release(),
    bootlab: bootlabProvenance(),
    qemu: 'error' in report.qemu ? null : report.qemu.version,
    qemu_error: 'error' in report.qemu ? report.qemu.error : null,
    accel: accel.accel,
    accel_reason: accel.reason,
    ksm: readKsm()?.run ?? null,
    mem_available_mb: Math.round(readMemInfo().availableKb / 1024),
    guests: report.guests.map((g) => ({ name: g.name, built: g.built, buildable: g.built || missingPackages(g.name).length === 0 })),
  };
}

export interface SlurmDoctorOptions {
  partition?: string | undefined;
  nodes?: number | undefined;
  qemu: string;
  srunArgs?: string[];
}

export interface SlurmDoctorResult {
  nodes: NodeFacts[];
  /** Nodes whose task printed no usable answer, with what it printed. */
  silent: Array<{ task: number; output: string }>;
  ok: boolean;
}

export async function runSlurmDoctor(options: SlurmDoctorOptions): Promise<SlurmDoctorResult> {
  const count = options.nodes ?? (await partitionNodes(options.partition ?? null)).length;
  if (count < 1) throw new CampaignError(`no usable node in ${options.partition ? `partition ${options.partition}` : 'the default partition'} (sinfo)`);
  const srunArgs = [
    `--nodes=${count}`,
    '--ntasks-per-node=1',
    `--ntasks=${count}`,
    '--job-name=bootlab-doctor',
    ...(options.partition ? [`--partition=${options.partition}`] : []),
    ...(options.srunArgs ?? []),
  ];
  const res = await srunPerNode(srunArgs, ['node', join(REPO_ROOT, 'bin', 'bootlab.mjs'), 'doctor-node', '--qemu', options.qemu]);
  const nodes: NodeFacts[] = [];
  const silent: SlurmDoctorResult['silent'] = [];
  for (let task = 0; task < count; task++) {
    const lines = res.byTask.get(task) ?? [];
    const json = lines.find((l) => l.startsWith('{'));
    const parsed = json ? NodeFacts.safeParse((() => { try { return JSON.parse(json); } catch { return null; } })()) : null;
    if (parsed?.success) nodes.push(parsed.data);
    else silent.push({ task, output: (lines.join(' ') || res.stderr.trim().split('\n').pop() || `srun exit ${res.exitCode}`).slice(0, 300) });
  }
  const own = bootlabProvenance();
  const ok = silent.length === 0 && nodes.every((n) => n.qemu !== null && n.bootlab.version === own.version);
  return { nodes: nodes.sort((a, b) => a.node.localeCompare(b.node)), silent, ok };
}

export function formatSlurmDoctor(result: SlurmDoctorResult): string {
  const own = bootlabProvenance();
  const rows = result.nodes.map((n) => [
    n.node,
    n.cpu_model.length > 28 ? `${n.cpu_model.slice(0, 27)}…` : n.cpu_model,
    n.kernel,
    n.qemu ?? 'MISSING',
    n.accel,
    n.ksm === null ? '-' : n.ksm === 1 ? 'on' : 'off',
    `${n.mem_available_mb}`,
    n.guests.map((g) => `${g.name}${g.built ? '' : g.buildable ? '(buildable)' : '(MISSING)'}`).join(' '),
    n.bootlab.version === own.version && (n.bootlab.commit === own.commit || !n.bootlab.commit || !own.commit) ? n.bootlab.version : `${n.bootlab.version} DIFFERS`,
  ]);
  const head = ['node', 'CPU', 'kernel', 'QEMU', 'accel', 'KSM', 'free MiB', 'guests', 'bootlab'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  const lines = [fmt(head), ...rows.map(fmt)];
  for (const n of result.nodes) {
    if (n.accel !== 'kvm') lines.push(`note: ${n.node} records with ${n.accel.toUpperCase()}: ${n.accel_reason}`);
    if (n.qemu_error) lines.push(`note: ${n.node}: ${n.qemu_error}`);
  }
  for (const s of result.silent) lines.push(`task ${s.task} gave no answer: ${s.output}`);
  return lines.join('\n');
}

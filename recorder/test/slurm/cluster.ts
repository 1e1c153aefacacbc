// A throw-away single-node Slurm cluster for tests: munge key, slurm.conf, state, spool and logs in one
// temporary folder; munged, slurmctld and slurmd started in the foreground as our own children (under
// bootlab-launch, so they die with this process even if it is SIGKILLed) and stopped by stop(). Needs root
// (slurmd runs jobs as their user) and Debian's slurm-wlm + munge (scripts/apt-packages.txt).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { findExecutable } from '../../src/host/host.ts';
import { prepareLauncher } from '../../src/launch/launcher.ts';
import { tempDir, waitFor } from '../helpers.ts';

const DAEMONS = ['munged', 'slurmctld', 'slurmd'] as const;
const CLIENTS = ['sbatch', 'squeue', 'scontrol', 'scancel', 'srun', 'sinfo'] as const;

/** Why a Slurm cluster cannot start here, or null when it can. */
export function whySlurmCannotStart(): string | null {
  if (process.getuid?.() !== 0) return 'not root: slurmd must run as root to start jobs (run the test as root, as CI does)';
  const path = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
  const missing = [...DAEMONS, ...CLIENTS].filter((t) => !findExecutable(t, path));
  if (missing.length) return `missing ${missing.join(', ')}: install slurm-wlm and munge (bash scripts/setup.sh)`;
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestCluster {
  dir: string;
  node: string;
  /** Environment for Slurm clients and for `bootlab` (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  logs(): string;
  stop(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const dir = tempDir('slurm');
  chmodSync(dir, 0o755);
  const node = hostname().split('.')[0] as string;
  for (const sub of ['state', 'spool', 'log']) mkdirSync(join(dir, sub));
  const key = join(dir, 'munge.key');
  writeFileSync(key, randomFillSync(Buffer.alloc(1024)), { mode: 0o400 });
  const socket = join(dir, 'munge.sock');
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=bootlabtest',
      `SlurmctldHost=${node}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      // No cgroups (a container may not delegate them) and no accounting daemon: the test needs neither.
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'SchedulerType=sched/builtin',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'MpiDefault=none',
      'ReturnToService=2',
      // Cancelled tasks get SIGTERM, then SIGKILL after this many seconds (the recorder needs well under 1).
      'KillWait=5',
      // One node with every core: `--exclusive` tasks (one recorder per node) then run one after the other,
      // exactly as two shards would queue for one node of a real cluster. No oversubscription.
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${Math.max(1, cpus().length)} RealMemory=1000 State=UNKNOWN`,
      `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const launcher = prepareLauncher();
  const prefix = launcher.kind === 'bootlab-launch' ? launcher.prefix : [];
  const children: ChildProcess[] = [];
  const start = (cmd: string, args: string[]) => {
    const argv = [...prefix, cmd, ...args];
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.once('exit', (code) => {
      if (code) writeFileSync(join(dir, 'log', `${cmd}.exit`), `${code}\n${err}`);
    });
    children.push(child);
  };
  const logs = () =>
    ['munged.log', 'slurmctld.log', 'slurmd.log']
      .map((f) => {
        try {
          return `--- ${f}\n${readFileSync(join(dir, 'log', f), 'utf8').split('\n').slice(-15).join('\n')}`;
        } catch {
          return `--- ${f}: none`;
        }
      })
      .join('\n');
  const stop = async () => {
    // Jobs first (their recorders end their traces), then the daemons, youngest first.
    await execa('scancel', ['--full', '--partition=test'], { env, reject: false, timeout: 10_000 });
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
  };
  try {
    start('munged', ['-F', '--force', `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(dir, 'munged.pid')}`, `--log-file=${join(dir, 'log', 'munged.log')}`, `--seed-file=${join(dir, 'munged.seed')}`]);
    if (!(await waitFor(() => existsSync(socket), 5000, 50))) throw new Error(`munged did not create its socket\n${logs()}`);
    start('slurmctld', ['-D', '-i']);
    start('slurmd', ['-D', '-N', node]);
    let up = false;
    for (const until = Date.now() + 20_000; !up && Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      const r = await execa('sinfo', ['-h', '-N', '-o', '%t'], { env, reject: false, timeout: 5000 });
      up = r.exitCode === 0 && /^(idle|mix|alloc)/m.test(r.stdout);
    }
    if (!up) throw new Error(`the test Slurm cluster did not come up within 20 s\n${logs()}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, node, env, logs, stop };
}


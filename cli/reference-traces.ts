// Which reference recordings `bootlab classify` may reuse: a trace in the output folder recorded by the same
// bootlab version on this host, with the same accelerator, QEMU, VMM variant and plan, that ran to completion.
// Anything else is recorded again: references compared under other conditions would move every class.
import { existsSync, readFileSync } from 'node:fs';
import { HeaderRecord, type EndRecord, type Plan } from '@bootlab/trace';

export interface ReferenceConditions {
  hostname: string;
  accel: 'kvm' | 'tcg';
  qemuVersion: string;
  bootlabVersion: string;
  guests: readonly string[];
  plan: Pick<Plan, 'mode' | 'n' | 'repeat' | 'intervals_ms' | 'profile' | 'timeout_s' | 'machine_override' | 'firmware_override'>;
}

/** null when the trace can be reused, otherwise why not (for the progress line). */
export function whyNotReusable(path: string, want: ReferenceConditions): string | null {
  if (!existsSync(path)) return 'not recorded yet';
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  } catch (err) {
    return `unreadable (${(err as Error).message})`;
  }
  let header: HeaderRecord;
  let end: Partial<EndRecord>;
  try {
    header = HeaderRecord.parse(JSON.parse(lines[0] ?? ''));
    end = JSON.parse(lines.at(-1) ?? '') as Partial<EndRecord>;
  } catch {
    return 'not a complete bootlab trace';
  }
  if (end.type !== 'end' || end.status !== 'complete') return `its run did not complete (${end.type === 'end' ? end.status : 'no end record'})`;
  const p = header.plan;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const checks: [boolean, string][] = [
    [header.host.hostname === want.hostname, `recorded on ${header.host.hostname}`],
    [header.host.accel === want.accel, `recorded under ${header.host.accel}`],
    [header.host.qemu_version === want.qemuVersion, `recorded with QEMU ${header.host.qemu_version}`],
    [header.bootlab.version === want.bootlabVersion, `recorded by bootlab ${header.bootlab.version}`],
    [same([...p.guests].sort(), [...want.guests].sort()), `holds ${p.guests.join(', ')}`],
    [
      p.mode === want.plan.mode && same(p.n, want.plan.n) && p.repeat === want.plan.repeat && same(p.intervals_ms, want.plan.intervals_ms) && p.profile === want.plan.profile && p.timeout_s === want.plan.timeout_s,
      'another plan',
    ],
    [p.machine_override === want.plan.machine_override && p.firmware_override === want.plan.firmware_override, 'another VMM variant'],
  ];
  const failed = checks.find(([ok]) => !ok);
  return failed ? failed[1] : null;
}

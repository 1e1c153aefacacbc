// The steady state of a density run (record --hold): what the kept-alive VMMs cost the host once booted,
// read at both ends — their CPU (utime+stime summed) and MemAvailable, the page cache dropped first when
// asked (--drop-caches), so a MemAvailable difference is the VMs' and not the cache's. Statistics (memory
// and CPU per VM) are analysis's: analysis/src/features/steady-state.ts.
import { writeFileSync } from 'node:fs';
import type { EventRecord } from '@bootlab/trace';
import type { Instance } from '../launch/launch.ts';
import { readMemInfo, readProcStat } from './proc.ts';

/** Drop the page cache (root); false when not permitted. */
export function dropPageCache(): boolean {
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** One steady_state event: the VMMs of `alive` still present, their CPU, MemAvailable now and before the run. */
export function steadyStateEvent(phase: 'start' | 'end', alive: readonly Instance[], tNs: number, availableBeforeKb: number, dropCaches: boolean): EventRecord {
  const dropped = dropCaches && dropPageCache();
  let cpuMs = 0;
  let present = 0;
  for (const inst of alive) {
    const stat = inst.pid === null ? null : readProcStat(inst.pid);
    if (!stat) continue;
    cpuMs += stat.cpuMs;
    present++;
  }
  const available = readMemInfo().availableKb;
  return {
    type: 'event',
    t_ns: tNs,
    kind: 'steady_state',
    message: `steady state ${phase}: ${present} VMM(s) present, MemAvailable ${Math.round(available / 1024)} MiB`,
    data: { phase, alive: present, vmm_cpu_ms: Math.round(cpuMs), mem_available_kb: available, mem_available_before_kb: availableBeforeKb, caches_dropped: dropped },
  };
}

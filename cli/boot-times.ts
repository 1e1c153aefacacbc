// The closing lines of `bootlab classify`: how long each reference's and guest's boots took, so a user sees
// where the time went (and that no boot waited out a timeout).
interface TimedBoot {
  guest: string;
  run_id: string;
  batch: number;
  ts_ns: number;
  end_ns: number;
  status: string;
}

export interface GuestTime {
  guest: string;
  reference: boolean;
  /** Wall time of its batches: single boots one after another, a sweep batch from its first launch to its last end. */
  seconds: number;
  boots: number;
  timeouts: number;
}

export function bootTimes(boots: readonly TimedBoot[], references: readonly string[]): GuestTime[] {
  const batches = new Map<string, { guest: string; start: number; end: number }>();
  const per = new Map<string, GuestTime>();
  for (const b of boots) {
    const key = `${b.run_id}/${b.batch}`;
    const span = batches.get(key) ?? { guest: b.guest, start: b.ts_ns, end: b.end_ns };
    span.start = Math.min(span.start, b.ts_ns);
    span.end = Math.max(span.end, b.end_ns);
    batches.set(key, span);
    const g = per.get(b.guest) ?? { guest: b.guest, reference: references.includes(b.guest), seconds: 0, boots: 0, timeouts: 0 };
    g.boots++;
    if (b.status === 'timeout') g.timeouts++;
    per.set(b.guest, g);
  }
  for (const span of batches.values()) per.get(span.guest)!.seconds += (span.end - span.start) / 1e9;
  return [...per.values()]
    .sort((a, b) => Number(b.reference) - Number(a.reference) || (a.reference ? references.indexOf(a.guest) - references.indexOf(b.guest) : a.guest.localeCompare(b.guest)));
}

/** "time: linux (reference) 41.2 s in 26 boots, 0 timeouts" — one line per reference and guest. */
export function bootTimeLines(boots: readonly TimedBoot[], references: readonly string[]): string[] {
  return bootTimes(boots, references).map(
    (g) => `time: ${g.guest}${g.reference ? ' (reference)' : ''} ${g.seconds.toFixed(1)} s in ${g.boots} boots, ${g.timeouts} timeout${g.timeouts === 1 ? '' : 's'}`,
  );
}

// Analysis-side types named after trace concepts. Record types come from @bootlab/trace, defined once there.
import type { BatchRecord, BootRecord, EndRecord, EventRecord, HeaderRecord, SampleRecord } from '@bootlab/trace';

export type Accel = HeaderRecord['host']['accel'];

/** A boot record with the run context it needs once several traces are pooled. */
export interface Boot extends BootRecord {
  /** header.host.hostname of the run. */
  host: string;
  accel: Accel;
  /** VMM variant from the boot's argv: machine type and firmware, e.g. "pc", "microvm", "pc+qboot.rom". */
  vmm: string;
  /** The trace file the boot came from (for messages). */
  file: string;
}

/** One recorder run: one trace file. */
export interface Run {
  runId: string;
  file: string;
  header: HeaderRecord;
  boots: Boot[];
  samples: SampleRecord[];
  batches: BatchRecord[];
  events: EventRecord[];
  /** null when the run was killed before writing its end record. */
  end: EndRecord | null;
  /** Lines skipped because they were malformed (only with skipBadLines) or a truncated last line. */
  skippedLines: number;
}

/** Several runs loaded together, in canonical order (see load/assemble). */
export interface TraceSet {
  runs: Run[];
  /** Every boot of every run, canonically sorted. */
  boots: Boot[];
}

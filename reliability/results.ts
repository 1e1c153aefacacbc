// What a fault campaign produces (reliability/results.json) and runs with: the faults' names and phases, one
// record per signal run and burst run, the per-fault summary rows. Types and constants only, shared by the
// signal faults (signals.ts), the single-shot faults (faults.ts), the table (table.ts) and the CLI (campaign.ts).
import type { EndRecord } from '@bootlab/trace';
import type { EngineKillRun } from './engine-kill.ts';

export const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
export type CampaignSignal = (typeof SIGNALS)[number];
export const PHASES = ['before-first-boot', 'mid-launch', 'after-all-booted'] as const;
export type Phase = (typeof PHASES)[number];

/** The keep-alive multi run every signal fault interrupts: two batches of N, 40 ms apart, 0.5 s cooldown. */
export const SIGNAL_RUN = { n: 12, intervalMs: 40, repeat: 2, cooldownMs: 500 };
/** How long after the signal no process of the run may be alive. */
export const LEAK_DEADLINE_MS = 5000;

export interface Leftover {
  /** Command, parent pid (1 = orphaned) and state. */
  process: string;
  /** How long before the signal the process started (from /proc/PID/stat); null if unreadable. */
  started_ms_before_signal: number | null;
}

export interface SignalRun {
  signal: CampaignSignal;
  run: number;
  seed: number;
  moment: {
    phase: Phase;
    /** How the moment was chosen, e.g. "2nd QEMU spawned", "batch 0 all booted + 312 ms". */
    plan: string;
    reached: boolean;
    ms_after_start: number;
    /** What the run looked like when the signal was sent. */
    header_written: boolean;
    boots_written: number;
    qemu_alive: number;
  };
  exit: { code: number | null; signal: string | null; ms_after_signal: number };
  /** Processes of the run alive LEAK_DEADLINE_MS after the signal (killed by the campaign afterwards). */
  leaked: number;
  leftovers: Leftover[];
  /** When the last process of the run was last seen, ms after the signal (null: none seen after it). */
  last_seen_ms: number | null;
  trace: {
    exists: boolean;
    bytes: number;
    lines: number;
    bad_lines: number;
    cut_off_bytes: number;
    boots: number;
    end_status: EndRecord['status'] | null;
    launched: number | null;
  };
  /** Instances seen running (by pid) that have no boot record: in-flight boots a SIGKILL cannot save. */
  unrecorded_instances: number;
  /** `bootlab analyze`'s loader on the trace: "ok", "ok with N warning(s)", or its error. */
  analysis: string;
  survived: boolean;
  problems: string[];
  stderr_tail: string;
}

export interface FaultResult {
  fault: string;
  runs: number;
  survived: number;
  leaked: number;
  lines_lost: number;
  bytes_lost: number;
  notes: string;
  details: Record<string, unknown>;
}

export interface TableRow {
  fault: string;
  runs: number;
  survived: number;
  leaked: number;
  lines_lost: number;
  notes: string;
}

export interface CampaignResults {
  schema: 'bootlab.reliability/1';
  generated_at: string;
  command: string;
  seed: number;
  repeat: number;
  /** What the VMMs ran under, and how many CPU hogs loaded the host (absent in results before 2026-11-30 17:00). */
  launcher?: string;
  cpu_hogs?: number;
  runtime_s: number;
  host: Record<string, unknown>;
  table: TableRow[];
  signal_runs: SignalRun[];
  burst_runs: BurstRun[];
  /** Runs in which the launch engine, not the recorder, was signalled (absent in results before 2026-12-02). */
  engine_runs?: EngineKillRun[];
  faults: FaultResult[];
}

export interface CampaignOptions {
  repeat: number;
  seed: number;
  /** Fault names to run (SIGINT, SIGTERM, SIGKILL, or a single-shot name); all when absent. */
  only?: readonly string[];
  /** `bootlab record --launcher` for every run (default: the recorder's default, bootlab-launch). */
  launcher?: 'bootlab-launch' | 'setpriv' | 'none';
  /** CPU-bound processes kept running throughout, to load the host (0: none). */
  cpuHogs?: number;
  log?: (line: string) => void;
}

export interface BurstRun {
  run: number;
  seed: number;
  kill_after_qemu: number;
  extra_delay_ms: number;
  qemu_alive: number;
  leaked: number;
  leftovers: Leftover[];
  bad_lines: number;
  cut_off_bytes: number;
  survived: boolean;
}

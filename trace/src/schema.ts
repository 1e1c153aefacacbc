// The bootlab trace format, version 1 — the contract between recorder and analysis.
// Prose documentation lives in trace/FORMAT.md; this file is the machine-checked half of it.
// Every record type is defined once here, and its TypeScript type is inferred from the schema,
// so the recorder cannot write what the analysis would refuse to read.
import { z } from 'zod';

export const TRACE_SCHEMA = 'bootlab.trace/1';

/** Nanoseconds since the run's monotonic origin (header.origin). Integers; doubles are exact to ~104 days. */
const ns = z.number().int().nonnegative();
const ms = z.number().finite();
const kb = z.number().int().nonnegative();

export const BOOT_STATUSES = ['ok', 'timeout', 'exited', 'vmm_error', 'spawn_error', 'interrupted'] as const;
export const BootStatus = z.enum(BOOT_STATUSES);
export type BootStatus = z.infer<typeof BootStatus>;

export const MODES = ['single', 'multi'] as const;
export const Mode = z.enum(MODES);
export type Mode = z.infer<typeof Mode>;

export const ImageInfo = z.object({
  role: z.enum(['kernel', 'initrd', 'drive', 'firmware', 'cdrom']),
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ImageInfo = z.infer<typeof ImageInfo>;

export const GuestInfo = z.object({
  name: z.string().min(1),
  descriptor_path: z.string().nullable(),
  /** The descriptor as loaded (after validation), so a trace is self-describing. */
  descriptor: z.record(z.string(), z.unknown()),
  images: z.array(ImageInfo),
});
export type GuestInfo = z.infer<typeof GuestInfo>;

export const HostInfo = z.object({
  hostname: z.string(),
  cpu_model: z.string(),
  cores: z.number().int().positive(),
  mem_total_kb: kb,
  kernel: z.string(),
  os: z.string(),
  qemu_binary: z.string(),
  qemu_version: z.string(),
  /** The accelerator actually used. */
  accel: z.enum(['kvm', 'tcg']),
  /** Why that accelerator: e.g. "kvm_pvm (software nested KVM) loaded: guests fail under it". */
  accel_reason: z.string(),
  /** "none" when /dev/kvm is absent; otherwise the loaded KVM module flavour (kvm_intel, kvm_amd, kvm_pvm, …). */
  kvm_flavour: z.string(),
  /**
   * Tasks runnable host-wide just before the run, the recorder not counted (median of 20 readings of
   * /proc/loadavg over ~0.1 s): other work. Absent in traces recorded before it existed; null if unreadable.
   */
  procs_running_at_start: z.number().nonnegative().nullable().optional(),
  /**
   * Kernel samepage merging at the start of the run (/sys/kernel/mm/ksm): `run` (0 off, 1 merging, 2 unmerging)
   * and `pages_sharing`. It changes memory per instance and the CPU left to guests. Optional (absent in older
   * traces); null where the kernel has no KSM.
   */
  ksm: z.object({ run: z.number().int(), pages_sharing: z.number().int().nonnegative().nullable() }).nullable().optional(),
});
export type HostInfo = z.infer<typeof HostInfo>;

export const Plan = z.object({
  mode: Mode,
  guests: z.array(z.string()).min(1),
  /** Single mode: boots per guest (one value). Multi mode: one batch per size (the scaling sweep). */
  n: z.array(z.number().int().positive()).min(1),
  /** Launch intervals in ms (multi mode); empty in single mode. */
  intervals_ms: z.array(z.number().nonnegative()),
  repeat: z.number().int().positive(),
  timeout_s: z.number().positive(),
  keep_alive: z.boolean(),
  sample_ms: z.number().positive(),
  profile: z.string(),
  accel_requested: z.enum(['auto', 'kvm', 'tcg']),
  memory_floor_kb: kb,
  /** Command prefix every VMM is started under (bootlab-launch <recorder pid> --, or a fallback); boot argv excludes it. */
  launcher: z.array(z.string()),
  /** Overrides applied to every guest from the command line (machine, firmware), or null. */
  machine_override: z.enum(['pc', 'q35', 'microvm']).nullable(),
  firmware_override: z.string().nullable(),
  /**
   * The launch engine that spawned the VMMs and stamped Ts, console reads and exits (FORMAT.md); null when
   * Node spawned them itself. Absent in traces recorded before the engine existed.
   */
  engine: z
    .object({
      binary: z.string(),
      spawn: z.string(),
      /** What the engine's launch thread got: "fifo:20", "nice:-10 (…)", "none (…)" or "off" (--no-priority). */
      priority: z.string(),
    })
    .nullable()
    .optional(),
  /**
   * --dense: every VMM ran with transparent huge pages off (prctl(PR_SET_THP_DISABLE), set on the launch
   * engine's mm and copied at exec) and address-space randomization off (personality(ADDR_NO_RANDOMIZE) in
   * each VMM). It changes host memory per instance (and may change TCG speed): a condition of its own.
   * null or absent: the VMMs ran as the host has it (absent in traces from before the option).
   */
  dense: z.object({ thp_disabled: z.boolean(), aslr_disabled: z.boolean() }).nullable().optional(),
  /**
   * --waves: multi-mode batches launched in waves of this many instances (`interval` apart within a wave),
   * each wave once every instance of the previous one has booted. Absent or null: one wave (the whole batch).
   */
  waves: z.number().int().positive().nullable().optional(),
  /**
   * --hold: seconds a keep-alive batch stays up after its last instance booted (steady state), bracketed by
   * two `steady_state` events. Absent or 0: stopped at once.
   */
  hold_s: z.number().nonnegative().optional(),
  /** --ksm: KSM settings before the run and during it, and the counters at its start; null without --ksm. */
  ksm: z
    .object({
      previous: z.record(z.string(), z.string()),
      used: z.record(z.string(), z.string()),
      /** Each VMM asked prctl(PR_SET_MEMORY_MERGE, 1) before exec. */
      merge_any: z.boolean(),
      pages_shared_at_start: z.number().int().nonnegative().nullable(),
      pages_sharing_at_start: z.number().int().nonnegative().nullable(),
    })
    .nullable()
    .optional(),
});
export type Plan = z.infer<typeof Plan>;

/**
 * A shard of a multi-host campaign (`bootlab record … --slurm`): which campaign, which shard of how many,
 * the plan batches it ran (global batch numbers), and where Slurm ran it. Optional: absent in plain runs.
 */
export const CampaignInfo = z.object({
  id: z.string().min(1),
  shard: z.number().int().nonnegative(),
  shards: z.number().int().positive(),
  /** Global batch numbers (plan order) this shard ran; the shards together cover the plan once. */
  batches: z.array(z.number().int().nonnegative()),
  /** Slurm node name (SLURMD_NODENAME), job id and array task id; null outside Slurm. */
  node: z.string().nullable(),
  slurm_job_id: z.string().nullable(),
  slurm_array_task_id: z.number().int().nonnegative().nullable(),
});
export type CampaignInfo = z.infer<typeof CampaignInfo>;

export const HeaderRecord = z.object({
  type: z.literal('header'),
  schema: z.literal(TRACE_SCHEMA),
  run_id: z.string().min(1),
  /** Wall-clock time of the monotonic origin, ISO 8601. */
  started_at: z.string(),
  /** process.hrtime.bigint() at the origin, as a decimal string; every *_ns field is relative to it. */
  origin: z.string().regex(/^\d+$/),
  host: HostInfo,
  bootlab: z.object({ version: z.string(), commit: z.string().nullable() }),
  guests: z.array(GuestInfo).min(1),
  plan: Plan,
  /** The recorder's own command line, for provenance. */
  argv: z.array(z.string()),
  /** Set when the run is one shard of a campaign (FORMAT.md, `campaign`); absent otherwise. */
  campaign: CampaignInfo.optional(),
});
export type HeaderRecord = z.infer<typeof HeaderRecord>;

export const BootRecord = z.object({
  type: z.literal('boot'),
  run_id: z.string(),
  guest: z.string(),
  mode: Mode,
  /** Batch number within the run (0-based); all boots of one multi launch share it. */
  batch: z.number().int().nonnegative(),
  /** Repetition of this (guest, n, interval) condition, 0-based. */
  repetition: z.number().int().nonnegative(),
  /** Launch interval in ms; null in single mode. */
  interval_ms: z.number().nonnegative().nullable(),
  /** Planned batch size (multi) or planned boot count (single). */
  n: z.number().int().positive(),
  /** Launch index within the batch (multi) or boot number (single). */
  index: z.number().int().nonnegative(),
  keep_alive: z.boolean(),
  scheduled_ns: ns,
  /** Ts: taken immediately before the VMM process is spawned. */
  ts_ns: ns,
  /** When spawn() returned. */
  spawned_ns: ns,
  /** First byte of console output (firmware or kernel, whichever prints first); null if none. */
  first_output_ns: ns.nullable(),
  /** Te: the ready regex first matched the console; null unless status is ok. */
  te_ns: ns.nullable(),
  /** The text the ready regex matched (at most 256 characters), e.g. a line carrying a MAC or version. */
  // Added after the first v1 traces were written: absent in those, read as null (FORMAT.md, Compatibility).
  ready_match: z.string().max(256).nullable().default(null),
  /** First-match times of the descriptor's named markers; absent markers are omitted. */
  markers: z.record(z.string(), ns),
  /** When the recorder stopped watching this instance (killed, exited, timed out). */
  end_ns: ns,
  /** ΔT = Te − Ts in ms; null unless status is ok. */
  dt_ms: ms.nonnegative().nullable(),
  /** Ts − scheduled, ms. */
  launch_lag_ms: ms,
  /** spawned − Ts, ms: what spawning the VMM cost the recorder. */
  spawn_ms: ms.nonnegative(),
  status: BootStatus,
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** VMM message (vmm_error), spawn error, or timeout reason. */
  error: z.string().nullable(),
  /** Last ~2 KB of console, kept for every status except ok. */
  console_tail: z.string().nullable(),
  /**
   * Failed boots: the last meaningful console lines (escapes and blank lines dropped), then QEMU's stderr
   * lines prefixed "qemu: ". Absent for ok boots and in traces written before it existed.
   */
  last_lines: z.array(z.string().max(512)).max(16).optional(),
  /**
   * The guest descriptor's fail signal ended this boot (status vmm_error): the console line its regex
   * matched, or "exit N" for a fail exit code. Absent when no fail signal fired and in traces before 2026-12-06.
   */
  fail_match: z.string().max(512).optional(),
  /** Which signal gave Te: "console" (the ready regex), "tcp", "http" or "exit". Absent = console. */
  ready_signal: z.enum(['console', 'tcp', 'http', 'exit']).optional(),
  /** Instances of this run alive at Ts (not counting this one). */
  running_at_launch: z.number().int().nonnegative(),
  pid: z.number().int().nullable(),
  argv: z.array(z.string()).min(1),
  /** utime+stime of the VMM process at Te, ms (from /proc/PID/stat). */
  cpu_ms_at_te: ms.nonnegative().nullable(),
  rss_kb_at_te: kb.nullable(),
  /** Resident part of the guest's RAM mapping at Te (single-instance boots); absent before 2026-12-03, read as null. */
  guest_ram_kb_at_te: kb.nullable().default(null),
  /**
   * Console output up to the end of the ready line: lines (the ready line counted) and characters, ANSI
   * escapes and CRs removed. Null unless ok; absent in traces recorded before 2026-12-02 (read as null).
   */
  console_lines_at_te: z.number().int().nonnegative().nullable().default(null),
  console_chars_at_te: z.number().int().nonnegative().nullable().default(null),
  /** The same, last read before the instance was stopped (or last sampled, if it exited by itself). */
  cpu_ms_end: ms.nonnegative().nullable(),
  rss_kb_end: kb.nullable(),
});
export type BootRecord = z.infer<typeof BootRecord>;

export const SampleRecord = z.object({
  type: z.literal('sample'),
  t_ns: ns,
  /** Instances alive (spawned, not yet exited). */
  running: z.number().int().nonnegative(),
  /** Instances alive whose ready line has not been seen. */
  booting: z.number().int().nonnegative(),
  mem_total_kb: kb,
  mem_available_kb: kb,
  /** Sum of the latest PSS known per running instance (smaps_rollup, read round-robin); null if none known. */
  pss_kb_sum: kb.nullable(),
  /** How many running instances have a PSS reading, and the oldest reading's age. */
  pss_known: z.number().int().nonnegative(),
  pss_oldest_ms: ms.nonnegative().nullable(),
  /** Sum of RSS over running instances (statm), read every tick. */
  rss_kb_sum: kb,
  load1: z.number().nonnegative(),
  /** Wall time this sample took to collect, ms: the sampler's own cost. */
  sampler_cost_ms: ms.nonnegative(),
  /**
   * "engine": t_ns, mem_available_kb and running were read by the launch engine at t_ns (added 2026-12-07);
   * the other fields by the recorder collected_late_ms later. Absent: the recorder read everything at t_ns.
   */
  stamped_by: z.literal('engine').optional(),
  collected_late_ms: ms.nonnegative().optional(),
  /** KSM counters (/sys/kernel/mm/ksm) when the run used --ksm; absent otherwise. */
  ksm_pages_shared: kb.optional(),
  ksm_pages_sharing: kb.optional(),
  /** The memory guard's learned cost of one running instance (MemAvailable drop per instance), KiB; absent until learned. */
  live_cost_kb: kb.optional(),
});
export type SampleRecord = z.infer<typeof SampleRecord>;

export const BatchRecord = z.object({
  type: z.literal('batch'),
  batch: z.number().int().nonnegative(),
  guest: z.string(),
  mode: Mode,
  interval_ms: z.number().nonnegative().nullable(),
  n: z.number().int().positive(),
  repetition: z.number().int().nonnegative(),
  keep_alive: z.boolean(),
  start_ns: ns,
  end_ns: ns,
  launched: z.number().int().nonnegative(),
  /** Why the batch launched fewer than n: "memory_guard", "interrupted"; null when complete. */
  stopped_by: z.enum(['memory_guard', 'interrupted']).nullable(),
});
export type BatchRecord = z.infer<typeof BatchRecord>;

export const EventRecord = z.object({
  type: z.literal('event'),
  t_ns: ns,
  /**
   * steady_state (with --hold): `data` holds phase ("start" | "end"), alive (VMMs present), vmm_cpu_ms (their
   * utime+stime summed), mem_available_kb, mem_available_before_kb (before the run), caches_dropped.
   */
  kind: z.enum(['memory_guard', 'warning', 'signal', 'steady_state']),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type EventRecord = z.infer<typeof EventRecord>;

export const END_STATUSES = ['complete', 'interrupted', 'guarded', 'failed'] as const;
export const EndRecord = z.object({
  type: z.literal('end'),
  t_ns: ns,
  ended_at: z.string(),
  status: z.enum(END_STATUSES),
  reason: z.string().nullable(),
  boots: z.number().int().nonnegative(),
  counts: z.record(BootStatus, z.number().int().nonnegative()),
  samples: z.number().int().nonnegative(),
  /** Mean and max of sampler_cost_ms over the run. */
  sampler_cost_ms_mean: ms.nonnegative().nullable(),
  sampler_cost_ms_max: ms.nonnegative().nullable(),
});
export type EndRecord = z.infer<typeof EndRecord>;

export const TraceRecord = z.discriminatedUnion('type', [
  HeaderRecord,
  BootRecord,
  SampleRecord,
  BatchRecord,
  EventRecord,
  EndRecord,
]);
export type TraceRecord = z.infer<typeof TraceRecord>;
export type RecordType = TraceRecord['type'];

// What a recording run is asked to do (RecordOptions) and what it reports back (RecordResult).
import type { BootStatus, CampaignInfo, EndRecord, Mode } from '@bootlab/trace';
import type { AccelRequest } from '../host/host.ts';
import type { LauncherKind } from '../launch/launcher.ts';
import type { ProfileName } from '../launch/qemu-args.ts';
import type { Progress } from './progress.ts';

export interface RecordOptions {
  /** Built-in guest names or paths to guest.json files. */
  guests: string[];
  mode: Mode;
  n: number[];
  intervalsMs: number[];
  repeat: number;
  timeoutS: number;
  keepAlive: boolean;
  sampleMs: number;
  accel: AccelRequest;
  profile: ProfileName;
  output: string;
  force: boolean;
  qemu: string;
  /** Memory floor in MiB; default max(1 GiB, 5 % of MemTotal). */
  memoryFloorMb?: number | undefined;
  /**
   * What one booting instance may take, MiB. Default: guest RAM + VMM overhead until instances of the guest
   * have been seen at Te, then their largest RSS + 25 %. Under TCG, keep-alive runs have hundreds of instances
   * booting at once, and that safe default stops them far below what fits; an experimenter who knows the
   * guest's footprint (e.g. ~18 MB PSS for minkernel) can say so here.
   */
  bootingMb?: number | undefined;
  machine?: 'pc' | 'q35' | 'microvm' | undefined;
  /** "seabios", "qboot" or a path; overrides every guest's firmware. */
  firmware?: string | undefined;
  /** Pause between batches so one batch's teardown does not overlap the next one's launches. */
  cooldownMs: number;
  /**
   * What VMMs run under (default bootlab-launch, falling back to setpriv). Other choices exist to measure
   * what the launcher adds to ΔT; only bootlab-launch guarantees no VMM outlives a SIGKILLed recorder.
   */
  launcher?: LauncherKind | undefined;
  /**
   * Launch through the C launch engine (default when the launcher is bootlab-launch): Ts, console reads
   * and exits stamped in C, the schedule kept on absolute times. false: Node spawns each VMM itself.
   */
  engine?: boolean | undefined;
  /** Let the engine raise its priority (SCHED_FIFO, else nice) when permitted; default true. */
  priority?: boolean | undefined;
  /** Turn KSM on for the run and mark every VMM merge-any (root only); settings restored at the end. */
  ksm?: boolean | undefined;
  /**
   * Root not needed: transparent huge pages off (for the whole run: a flag of the launch engine's mm that its
   * VMMs inherit) and ASLR off in each VMM (personality). For density runs on measurement hosts; the launch
   * engine is required (it sets both before exec).
   */
  dense?: boolean | undefined;
  /** --ksm: pages ksmd scans per 20 ms (default 1000); thousands of VMMs need more to be merged in time. */
  ksmPages?: number | undefined;
  /** Multi mode: launch each batch in waves of this many, each once the previous wave has booted. */
  waves?: number | undefined;
  /** Keep-alive: seconds every batch stays up after its last boot (steady state); 0 or absent: none. */
  holdS?: number | undefined;
  /**
   * Root: drop the page cache (/proc/sys/vm/drop_caches) before the run's baseline and before each
   * steady-state reading, so MemAvailable differences are the VMs' and not the cache's.
   */
  dropCaches?: boolean | undefined;
  progress?: Progress;
  /** Install SIGINT/SIGTERM handlers (the CLI does; tests that signal the process do too). */
  handleSignals?: boolean;
  /** The recorder's own argv for provenance. */
  argv?: string[];
  /** Run only these batches of the plan (global batch numbers kept): one shard of a campaign. */
  batches?: readonly number[] | undefined;
  /** Campaign identity written into the header (a shard of `bootlab record --slurm`). */
  campaign?: CampaignInfo | undefined;
  /**
   * A guest whose first boot of the run fails gets no more boots in it (a warning event says so) and the run
   * goes on with the others: `bootlab classify` would otherwise wait out every boot of a guest that cannot
   * boot on this VMM variant.
   */
  stopGuestAfterFailedFirstBoot?: boolean | undefined;
}

export interface RecordResult {
  path: string;
  runId: string;
  status: EndRecord['status'];
  counts: Record<BootStatus, number>;
  boots: number;
  accel: 'kvm' | 'tcg';
  accelReason: string;
  /** Per guest with failed boots: how many, of which statuses, and the last failed boot's last lines. */
  failures: GuestFailures[];
  /** Guests given up after a failed first boot (stopGuestAfterFailedFirstBoot), with the boots left out. */
  gaveUp: { guest: string; status: BootStatus; skippedBoots: number }[];
}

export interface GuestFailures {
  guest: string;
  failed: number;
  statuses: Partial<Record<BootStatus, number>>;
  error: string | null;
  lastLines: string[];
}

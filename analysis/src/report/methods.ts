// The methods section, as data: headings and paragraphs of plain text. Both report formats render it, so
// the definitions and the numbers they quote (resamples, seed, k) are the same in each.
import { MODIFIED_Z_THRESHOLD } from '../features/outliers.ts';
import { RESTARTS } from '../classify/kmeans.ts';
import { AXIS_WEIGHTS, UNLIKE_DISTANCE } from '../classify/anchored.ts';
import { LOW_CONFIDENCE } from '../classify/classify.ts';
import { UNCERTAINTY_THRESHOLD } from '../classify/uncertainty.ts';
import { AXIS_LABELS } from '../classify/describe.ts';
import { BASELINE_CONSOLE_TOLERANCE_LINES, CONSOLE_FLOOR_LINES, CPU_FLOOR_MS, MEMORY_FLOOR_MB, OWN_TIME_TOLERANCE, OWN_TIME_TOLERANCE_MIN_MS, type Axis } from '../classify/evidence.ts';
import { SLOPE_SCALE_MS } from '../classify/vectors.ts';
import type { Analysis } from './analyze.ts';
import { BUSY_HOST_LOAD_PER_CORE } from './caveats.ts';

export interface Section {
  heading: string;
  paragraphs: string[];
}

export function methods(a: Analysis): Section[] {
  const { resamples, classResamples, seed } = a.options;
  const c = a.classification;
  const refs = c.references.filter((r) => r.recorded).map((r) => `${r.guest} = ${r.class}`).join(', ');
  const weights = (Object.entries(AXIS_WEIGHTS) as [Axis, number][]).map(([axis, w]) => `${AXIS_LABELS[axis]} ${w}`).join(', ');
  return [
    {
      heading: 'Definitions',
      paragraphs: [
        'Ts: the instant just before the recorder spawns the VMM (QEMU) process.',
        "Te: the instant the recorder sees the guest's ready line on its serial console — or, for a guest whose descriptor names another ready signal, its first byte on a forwarded TCP port (tcp), its first complete HTTP response (http: serve-ready), or the VMM's exit with a given code (exit), stamped with the same clock; the phase chart then labels the last phase with that signal, so console-ready (a console marker) and serve-ready read apart.",
        'ΔT = Te − Ts: the boot time, in milliseconds. Failed boots (timeout, VMM error, early exit) have no Te and no ΔT; they are counted, never averaged in.',
        'Markers: named console lines whose first appearance is timestamped like Te. Two names carry meaning: `kernel`, the first line the guest kernel prints, and `init`, the kernel handing over to its init or service. VMM + firmware = (`kernel` marker) − Ts: host and VMM initialisation, firmware, image loading.',
        'TK = Te − (`kernel` marker): the guest\'s own boot, without VMM and host initialisation. ΔTR = Te − (`init` marker): kernel up → service ready. Both need no change to the guest, only a descriptor that names the lines; the seed paper could measure neither.',
        'Phases: markers are ordered by time and each stretch between consecutive points of Ts → markers → Te is a phase. Phase medians need not add up to the median ΔT.',
        'Modes: single runs one instance at a time. Multi launches a batch of N instances sequentially at a fixed interval (3, 5 or 7 ms); a sweep repeats this for several N. Launch lag = Ts − scheduled launch time.',
      ],
    },
    {
      heading: 'Statistics',
      paragraphs: [
        'ΔT is summarised per guest and condition (host, accelerator, mode, launch interval) by median, mean, sample standard deviation, MAD (median absolute deviation, unscaled), IQR, 5th/95th/99th percentiles (simple-statistics quantile) and CV = sd / mean. Medians lead: boot times are right-skewed.',
        `The 95% confidence interval of the median is a percentile bootstrap over ${resamples} resamples, from a random stream seeded with ${seed} and the condition's name, so reports are reproducible and independent of input order.`,
        `Outliers: a boot is flagged when its modified z-score |0.6745 · (x − median) / MAD| exceeds ${MODIFIED_Z_THRESHOLD} (Iglewicz and Hoaglin; the rule hyperfine uses). Flagged boots are reported and kept in every statistic.`,
        'Scaling slope: the Theil–Sen slope (median of pairwise slopes) of batch-median ΔT against the number of instances launched in the batch, over the sweep at the smallest launch interval measured; in ms per extra concurrent instance. Its 95% interval is Sen\'s rank-based one (wide when the sweep has few batch sizes). An ordinary least-squares fit over the same points is given alongside. Slopes of ΔT against launch index within a batch and against instances running at launch are secondary: in short kill-after-ready batches they mostly reflect the launch schedule.',
        `Host load: load1 (the host's one-minute load average) from the samples. A run counts as recorded on a busy host when its first sample, taken before the run's own instances weigh on load1, reads at least ${BUSY_HOST_LOAD_PER_CORE} per core, or when a single-mode run (one instance at a time) has a median load1 above one per core.`,
        'Resources: CPU time (utime + stime) of the VMM at Te; memory per running instance from the samples taken during a condition\'s batches, PSS sum / instances with a PSS reading and RSS sum / instances running; host memory in use (MemTotal − MemAvailable) regressed (OLS) on instances running.',
      ],
    },
    {
      heading: 'Classification',
      paragraphs: [
        `Classes are defined by reference guests, not by rank: ${refs || 'none were recorded'}. A guest is compared only with references recorded at the same place — host, accelerator and VMM variant (machine type and firmware) — so a faster host, KVM instead of TCG or another machine type moves the references with the guest. Where the baseline reference was not recorded on the guest's VMM variant, the one of the same host and accelerator is used and a warning says so.`,
        `Evidence, each the guest's excess over the baseline reference (medians of single-instance boots): own time (ΔT − ΔT of the baseline), own CPU (VMM CPU time at Te − the baseline's), memory (RSS at Te − the baseline's; where the guest RAM was recorded apart, two quantities: the guest's RAM — its resident part of QEMU's \`-m\` mapping — and the VMM's own memory, under TCG mostly the translation cache, which grows with the distinct code the guest ran), console lines up to the ready line (− the baseline's), the scaling slope ÷ the baseline's, the idle share of the own time (1 − own CPU / own time) and, where \`kernel\` and \`init\` markers exist, the user-space share ΔTR / TK. Each excess becomes a coordinate that is 0 at the baseline and 1 at the lightest general-purpose reference: log(1 + v/φ) / log(1 + V/φ), with φ the quantity's noise floor (${CPU_FLOOR_MS} ms of CPU — the accounting tick —, ${MEMORY_FLOOR_MB} MB, ${CONSOLE_FLOOR_LINES} line).`,
        `Rule: a guest whose own time is within the baseline's noise (max(${OWN_TIME_TOLERANCE * 100}% of the baseline's ΔT, ${OWN_TIME_TOLERANCE_MIN_MS} ms, the p10–p90 spread of the baseline's own single ΔTs in the same run)) and that uses no more CPU, memory or console than the baseline (within its noise floors; at most ${BASELINE_CONSOLE_TOLERANCE_LINES} more console lines) is a baseline; so is a guest that touches and prints no more than the baseline and whose weighted distance is nearest the baseline (own time and CPU are noise-limited). Any other guest goes to its nearest LibOS or general-purpose reference by weighted root-mean-square distance over the coordinates both have (weights: ${weights}); idle time counts only against a general-purpose reference, whose kernel phase is CPU-bound, while a LibOS may wait. A guest farther than ${UNLIKE_DISTANCE} from every reference is reported as unlike any reference, with the distances. Confidence is d₂ / (d₁ + d₂) for the nearest class (d₁) and the runner-up (d₂): 50% is a tie, 100% sits on the reference; below ${Math.round(LOW_CONFIDENCE * 100)}% a class is listed under caveats. Between two adjacent classes the answer is "A or B (uncertain)" (class uncertain, with both candidates and distances in classes.json) when the confidence is below ${UNCERTAINTY_THRESHOLD} or when the definition axes (user-space share, console volume, guest memory) and the work axes (own CPU, slope, idle share, the VMM's own memory — under TCG the translation cache, which grows with the code a guest runs) each point at least that clearly at different classes; the threshold is calibrated by leave-one-out on the validation set (docs/classification.md). A guest's class depends only on itself and the references: adding or removing other guests cannot change it. Each reference is also placed with itself left out (leave-one-out), in classes.json.`,
        `Exploratory view (no class names): k-means (ml-kmeans, k-means++ seeding, ${RESTARTS} restarts from seed ${seed}) on standardised [log10 single-instance time, asinh(scaling slope / ${SLOPE_SCALE_MS} ms)], k = ${c.exploratory.k}${c.exploratory.kRequested === 'auto' ? ' chosen by silhouette' : ''}, clusters numbered by speed, with the share of ${classResamples} bootstrap replicates in which each guest keeps its cluster. It shows how the recorded guests group among themselves, which depends on which guests were recorded; it is why classes no longer come from it.`,
      ],
    },
  ];
}

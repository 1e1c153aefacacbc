// The methods section, as data: headings and paragraphs of plain text. Both report formats render it, so
// the definitions and the numbers they quote (resamples, seed, k) are the same in each.
import { MODIFIED_Z_THRESHOLD } from '../features/outliers.ts';
import { RESTARTS } from '../classify/kmeans.ts';
import { LOW_CONFIDENCE } from '../classify/classify.ts';
import { SLOPE_SCALE_MS, TK_FLOOR_MS } from '../classify/vectors.ts';
import type { Analysis } from './analyze.ts';
import { BUSY_HOST_LOAD_PER_CORE } from './caveats.ts';

export interface Section {
  heading: string;
  paragraphs: string[];
}

export function methods(a: Analysis): Section[] {
  const { resamples, classResamples, seed } = a.options;
  const c = a.classification;
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
        `Each guest is one point: log10 of its single-instance median time and asinh(scaling slope / ${SLOPE_SCALE_MS} ms) — logarithmic for large slopes, linear and sign-preserving near zero. The time is TK (floored at ${TK_FLOOR_MS} ms, the console's read granularity) when every guest has a \`kernel\` marker, and ΔT otherwise: ΔT also contains the VMM's and firmware's start-up, which is the same for every guest on one VMM and, under TCG, most of a small guest's ΔT, so TK separates what the guests themselves do. This run used ${c.timeBasis === 'tk' ? 'TK' : 'ΔT'}. Both coordinates are standardised (z-scores over the guests). Single-instance times come from single mode, else from multi batches of one instance, else (ΔT only) from the sweep fit at N = 1. Each guest is classified on the host and accelerator where it has most successful boots, on the paper's VMM configuration (pc machine, SeaBIOS) when it was measured there; other machine types and firmware, and keep-alive batches, are conditions of their own and stay out of the class inputs.`,
        `Clusters: k-means (ml-kmeans, k-means++ seeding, ${RESTARTS} restarts from seed ${seed}, lowest within-cluster sum of squares kept). k = ${c.k}${c.kRequested === 'auto' ? ', chosen by the largest mean silhouette over k = 2 … min(6, guests − 1)' : ''}. Clusters are ranked by the sum of their centroid's standardised coordinates; for k = 3 they are named baseline < LibOS < general-purpose OS, for k = 2 fast < slow, otherwise class-1 (fastest) … class-k.`,
        'Guests without a sweep have no slope: the clusters are fitted on guests that have both features, and such a guest joins the cluster whose centroid is nearest in the ΔT dimension ("ΔT only" in the table). When fewer guests than k have a slope, every guest is clustered on ΔT alone.',
        `Confidence: ${classResamples} bootstrap replicates; each resamples every guest's boots (within each batch, so the sweep keeps its batch sizes), recomputes both features, re-standardises and re-clusters with the same k and seed. A guest's confidence is the share of replicates in which it keeps its class; below ${Math.round(LOW_CONFIDENCE * 100)}% it is listed under caveats. Guests are processed in name order and every random stream is keyed by guest name, so neither guest nor file order changes a result.`,
      ],
    },
  ];
}

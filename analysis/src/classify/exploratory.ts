// The exploratory view: k-means over standardised [log time, asinh slope] vectors, clusters numbered by centroid
// rank ("cluster 1" fastest), with a bootstrap stability per guest. It shows how the recorded guests group among
// themselves; it does not name classes (anchored.ts does, against references), because rank-named clusters
// follow the mix of guests in the input. Guests are processed in name order and every random stream is keyed by
// guest name, so neither guest order nor file order can change a class.
//
// Guests without a sweep (no scaling slope) are not forced into two dimensions: the clusters are fitted on
// the guests that have both features, and a slope-less guest joins the cluster whose centroid is nearest
// in the ΔT dimension. If too few guests have a slope to fit k clusters, everyone is clustered on ΔT alone.
import type { Features } from '../features/compute.ts';
import { summariseGuest, type GuestSummary } from '../features/guest-inputs.ts';
import { guestReplicator, type ClassInputs } from '../features/guest-replicates.ts';
import { rngFor, type Rng } from '../stats/random.ts';
import { chooseK, cluster, meanSilhouette, nearest } from './kmeans.ts';
import { clusterNames } from './names.ts';
import { chooseTimeBasis, dimensionNames, fitStandardiser, rawVector, slopeFromComponent, standardise, unstandardise, type Standardiser, type TimeBasis } from './vectors.ts';

export type KOption = number | 'auto';
/** What a guest was placed on: both features, or ΔT only (nearest centroid in that dimension). */
export type Basis = 'dt+slope' | 'dt';

export interface ExploreOptions {
  k?: KOption;
  seed?: number;
  /** Bootstrap replicates for the stability; 0 skips it (stability null). */
  resamples?: number;
}

export interface GuestCluster {
  guest: string;
  cluster: string | null;
  /** 1 = fastest cluster. */
  rank: number | null;
  /** Share of bootstrap replicates in which the guest kept its cluster. */
  stability: number | null;
  basis: Basis | null;
}

export interface ClusterCentroid {
  cluster: string;
  rank: number;
  size: number;
  singleMedianMs: number;
  /** The centroid's TK, when the time basis is TK. */
  singleTkMedianMs: number | null;
  /** null when clustering used ΔT only. */
  scalingSlope: number | null;
}

export interface Exploratory {
  k: number;
  kRequested: KOption;
  clusters: string[];
  /** Whether the time component is TK (every guest had a `kernel` marker) or ΔT. */
  timeBasis: TimeBasis;
  dimensions: string[];
  /** Mean silhouette of the final clustering; null when k equals the number of points. */
  silhouette: number | null;
  /** Silhouette per candidate k, when k was chosen automatically. */
  kScores: { k: number; silhouette: number }[] | null;
  centroids: ClusterCentroid[];
  guests: GuestCluster[];
  seed: number;
  resamples: number;
  /** Why k or the dimensions differ from what was asked (too few guests, no sweeps): for the report's methods. */
  notes: string[];
}

export const DEFAULT_K = 3;
export const DEFAULT_CLUSTER_RESAMPLES = 200;

interface Fit {
  /** Rank label per guest (same order as the input); null when not placeable. */
  labels: (number | null)[];
  basis: (Basis | null)[];
  twoD: boolean;
  centroids: number[][];
  standardiser: Standardiser;
  points: number[][];
  fitLabels: number[];
}

/** Cluster one set of summaries with a fixed k and dimensionality. */
function fit(summaries: readonly ClassInputs[], k: number, twoD: boolean, seed: number, timeBasis: TimeBasis): Fit {
  const raws = summaries.map((s) => rawVector(s, timeBasis));
  const inFit = raws.map((r) => r !== null && (!twoD || r[1] !== null));
  const rows = raws.flatMap((r, i) => (inFit[i] ? [twoD ? [r![0], r![1] as number] : [r![0]]] : []));
  const standardiser = fitStandardiser(rows);
  const points = rows.map((r) => standardise(r, standardiser));
  const clustering = cluster(points, k, seed);
  const labels: (number | null)[] = [];
  const basis: (Basis | null)[] = [];
  let j = 0;
  raws.forEach((r, i) => {
    if (r === null) {
      labels.push(null);
      basis.push(null);
    } else if (inFit[i]) {
      labels.push(clustering.labels[j++] as number);
      basis.push(twoD ? 'dt+slope' : 'dt');
    } else {
      const z0 = standardise([r[0]], { mean: [standardiser.mean[0] as number], sd: [standardiser.sd[0] as number] });
      labels.push(nearest([...z0, 0], clustering.centroids, [0]));
      basis.push('dt');
    }
  });
  return { labels, basis, twoD, centroids: clustering.centroids, standardiser, points, fitLabels: clustering.labels };
}

export function explore(features: Features, options: ExploreOptions = {}): Exploratory {
  const kRequested = options.k ?? DEFAULT_K;
  const seed = options.seed ?? features.seed;
  const resamples = options.resamples ?? DEFAULT_CLUSTER_RESAMPLES;
  const notes: string[] = [];

  // Canonical order: by guest name, whatever order the features came in.
  const inputs = [...features.inputs].sort((a, b) => (a.guest < b.guest ? -1 : a.guest > b.guest ? 1 : 0));
  const summaries = inputs.map(summariseGuest);
  const usable = summaries.filter((s) => s.singleMedianMs !== null).length;
  const complete = summaries.filter((s) => s.singleMedianMs !== null && s.scalingSlope !== null).length;

  const unclassified = (): Exploratory => ({
    k: 0,
    kRequested,
    clusters: [],
    timeBasis: chooseTimeBasis(summaries),
    dimensions: [],
    silhouette: null,
    kScores: null,
    centroids: [],
    guests: inputs.map((input) => ({ guest: input.guest, cluster: null, rank: null, stability: null, basis: null })),
    seed,
    resamples,
    notes,
  });
  if (usable < 2) {
    notes.push(`clustering needs at least 2 guests with a ΔT; found ${usable}`);
    return unclassified();
  }

  // Decide the time basis, k and the dimensionality once; bootstrap replicates reuse all three.
  const timeBasis = chooseTimeBasis(summaries);
  let k: number;
  let twoD: boolean;
  let kScores: Exploratory['kScores'] = null;
  if (kRequested === 'auto') {
    twoD = complete >= 3;
    const m = twoD ? complete : usable;
    if (m <= 2) {
      k = m;
      notes.push(`k=auto needs at least 3 guests to compare k by silhouette; found ${m}: using k=${k}`);
    } else {
      const probe = fit(summaries, 2, twoD, seed, timeBasis);
      const choice = chooseK(probe.points, seed);
      k = choice.k;
      kScores = choice.scores;
    }
  } else {
    if (!Number.isInteger(kRequested) || kRequested < 2) throw new RangeError(`k must be an integer ≥ 2 or "auto", got ${kRequested}`);
    twoD = complete >= kRequested;
    const m = twoD ? complete : usable;
    k = Math.min(kRequested, m);
    if (k < kRequested) {
      notes.push(`k=${kRequested} needs at least ${kRequested} guests with features; found ${m}: using k=${k} `);
    }
  }
  if (!twoD && complete > 0) {
    notes.push(`only ${complete} guest(s) have a scaling slope, fewer than the ${k} clusters: all guests clustered on single-instance time alone`);
  }

  const main = fit(summaries, k, twoD, seed, timeBasis);
  const names = clusterNames(k);

  let agreements: number[] | null = null;
  if (resamples > 0) {
    agreements = inputs.map(() => 0);
    const streams: Rng[] = inputs.map((input) => rngFor(seed, 'class-confidence', input.guest));
    const replicators = inputs.map(guestReplicator);
    for (let b = 0; b < resamples; b++) {
      const rep = fit(replicators.map((draw, i) => draw(streams[i] as Rng)), k, twoD, seed, timeBasis);
      rep.labels.forEach((label, i) => {
        if (label !== null && label === main.labels[i]) agreements![i]!++;
      });
    }
  }

  const guests: GuestCluster[] = inputs.map((input, i) => {
    const label = main.labels[i] ?? null;
    return {
      guest: input.guest,
      cluster: label === null ? null : (names[label] as string),
      rank: label === null ? null : label + 1,
      stability: agreements && label !== null ? (agreements[i] as number) / resamples : null,
      basis: main.basis[i] ?? null,
    };
  });

  const centroids: ClusterCentroid[] = main.centroids.map((c, rank) => {
    const raw = unstandardise(c, main.standardiser);
    // Charts place centroids on a ΔT axis: under a TK basis, use the geometric mean of the members' ΔT.
    const memberDts = summaries.flatMap((s, i) => (main.labels[i] === rank && s.singleMedianMs !== null ? [Math.log10(s.singleMedianMs)] : []));
    const timeMs = 10 ** (raw[0] as number);
    return {
      cluster: names[rank] as string,
      rank: rank + 1,
      size: main.labels.filter((l) => l === rank).length,
      singleMedianMs: timeBasis === 'dt' || !memberDts.length ? timeMs : 10 ** (memberDts.reduce((a, b) => a + b, 0) / memberDts.length),
      singleTkMedianMs: timeBasis === 'tk' ? timeMs : null,
      scalingSlope: twoD ? slopeFromComponent(raw[1] as number) : null,
    };
  });

  return {
    k,
    kRequested,
    clusters: names,
    timeBasis,
    dimensions: twoD ? dimensionNames(timeBasis) : [dimensionNames(timeBasis)[0]],
    silhouette: k < main.points.length ? meanSilhouette(main.points, main.fitLabels, k) : null,
    kScores,
    centroids,
    guests,
    seed,
    resamples,
    notes,
  };
}

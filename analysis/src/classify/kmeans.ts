// k-means (ml-kmeans, k-means++ seeding) with deterministic restarts, clusters relabelled by rank so that
// label 0 is the fastest cluster: label order then means something and survives re-clustering.
import { kmeans } from 'ml-kmeans';
import { silhouette } from 'simple-statistics';

export interface Clustering {
  k: number;
  /** Rank label per point: 0 = centroid with the smallest component sum (fastest). */
  labels: number[];
  /** Centroids in rank order (standardised space). */
  centroids: number[][];
  /** Within-cluster sum of squares. */
  sse: number;
}

/** Restarts with seeds seed..seed+RESTARTS-1; the lowest SSE wins, so one unlucky seeding cannot decide. */
export const RESTARTS = 8;

function sq(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return s;
}

export function nearest(point: readonly number[], centroids: readonly (readonly number[])[], dims?: readonly number[]): number {
  let best = 0;
  let bestD = Infinity;
  centroids.forEach((c, i) => {
    const use = dims ?? c.map((_, d) => d);
    const d = use.reduce((s, j) => s + ((point[j] as number) - (c[j] as number)) ** 2, 0);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

export function cluster(points: readonly (readonly number[])[], k: number, seed: number): Clustering {
  const data = points.map((p) => [...p]);
  let best: { clusters: number[]; centroids: number[][]; sse: number } | null = null;
  for (let r = 0; r < RESTARTS; r++) {
    const result = kmeans(data, k, { seed: seed + r, initialization: 'kmeans++', maxIterations: 300 });
    const sse = data.reduce((s, p, i) => s + sq(p, result.centroids[result.clusters[i] as number] as number[]), 0);
    // Strict < keeps the earliest restart on ties: deterministic.
    if (!best || sse < best.sse - 1e-12) best = { clusters: result.clusters, centroids: result.centroids, sse };
  }
  const { clusters, centroids, sse } = best!;
  const sum = (c: readonly number[]) => c.reduce((a, b) => a + b, 0);
  const order = centroids.map((c, i) => ({ i, s: sum(c) })).sort((a, b) => a.s - b.s || a.i - b.i);
  const rankOf = new Map(order.map(({ i }, rank) => [i, rank]));
  return {
    k,
    labels: clusters.map((c) => rankOf.get(c) as number),
    centroids: order.map(({ i }) => centroids[i] as number[]),
    sse,
  };
}

/** Mean silhouette of a clustering (simple-statistics); -1 when some cluster is empty. */
export function meanSilhouette(points: readonly (readonly number[])[], labels: readonly number[], k: number): number {
  if (new Set(labels).size < k) return -1;
  const s = silhouette(points.map((p) => [...p]), labels);
  return s.reduce((a, b) => a + b, 0) / s.length;
}

export interface KChoice {
  k: number;
  scores: { k: number; silhouette: number }[];
}

/** k by mean silhouette over 2..min(6, points − 1); ties go to the smaller k. */
export function chooseK(points: readonly (readonly number[])[], seed: number, kMax = 6): KChoice {
  const upper = Math.min(kMax, points.length - 1);
  const scores: { k: number; silhouette: number }[] = [];
  for (let k = 2; k <= upper; k++) scores.push({ k, silhouette: meanSilhouette(points, cluster(points, k, seed).labels, k) });
  const best = scores.reduce<{ k: number; silhouette: number } | null>((b, s) => (!b || s.silhouette > b.silhouette + 1e-9 ? s : b), null);
  return { k: best?.k ?? Math.min(2, points.length), scores };
}

// The paper's classes, and the names of the exploratory k-means clusters. Clusters are ordinal ("cluster 1" is
// the fastest) and never carry class names: a rank-named cluster follows the mix of guests in the input — add
// two slow guests and a Linux becomes "LibOS". Classes come from resemblance to reference guests (anchored.ts).
export const PAPER_CLASSES = ['baseline', 'LibOS', 'general-purpose OS'] as const;

export function clusterNames(k: number): string[] {
  return Array.from({ length: k }, (_, i) => `cluster ${i + 1}`);
}

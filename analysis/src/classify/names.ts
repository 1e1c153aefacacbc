// Class names by centroid rank (fastest first). Only k = 3 maps onto the paper's taxonomy. For other k the
// names are ordinal: mapping k = 2 onto "baseline"/"general-purpose OS" would call a LibOS a baseline
// whenever the fast cluster holds one, and absolute thresholds (say "< 1 s is baseline") would bake one
// accelerator into the tool — under KVM every guest would look like a baseline.
export const PAPER_CLASSES = ['baseline', 'LibOS', 'general-purpose OS'] as const;

export function classNames(k: number): string[] {
  if (k === 3) return [...PAPER_CLASSES];
  if (k === 2) return ['fast', 'slow'];
  return Array.from({ length: k }, (_, i) => `class-${i + 1}`);
}

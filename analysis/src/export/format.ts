// Number formatting shared by the human-readable exporters (markdown, html, compare's table).

/** ms with precision that suits the magnitude: 5123 → "5123", 45.67 → "45.7", 1.234 → "1.23". */
export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  return v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2);
}

export function fmtInterval(ci: { lo: number; hi: number } | null | undefined): string {
  return ci ? `[${fmtMs(ci.lo)}, ${fmtMs(ci.hi)}]` : '—';
}

export function fmtPct(v: number | null | undefined, digits = 0): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)}%`;
}

export function fmtKb(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v >= 1024 * 1024 ? `${(v / 1024 / 1024).toFixed(2)} GiB` : v >= 1024 ? `${(v / 1024).toFixed(1)} MiB` : `${v.toFixed(0)} KiB`;
}

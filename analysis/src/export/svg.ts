// Chart SVGs that survive the trip into a paper: Inkscape, rsvg-convert, cairosvg and LaTeX's svg package turn
// them into PDF with text still text. Vega already draws text as <text> with inline attributes (no CSS, no
// scripts, no external references); this makes the rest explicit: every font list ends in a generic family
// and quotes names with spaces, the root has width, height and viewBox, and a standalone file starts with an
// XML declaration naming its encoding (labels hold ΔT and other non-ASCII text).

const GENERIC = new Set(['serif', 'sans-serif', 'monospace', 'cursive', 'fantasy', 'system-ui']);

/** "DejaVu Sans, Helvetica, sans-serif" → "'DejaVu Sans', Helvetica, sans-serif"; adds sans-serif if no generic. */
export function fontFamilyList(value: string): string {
  const names = value
    .split(',')
    .map((n) => n.trim().replace(/^(['"])(.*)\1$/, '$2'))
    .filter(Boolean);
  if (!names.some((n) => GENERIC.has(n.toLowerCase()))) names.push('sans-serif');
  return names.map((n) => (GENERIC.has(n.toLowerCase()) || /^[A-Za-z][\w-]*$/.test(n) ? n : `'${n.replace(/'/g, '')}'`)).join(', ');
}

function attr(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? (m[1] as string) : null;
}

/** Fonts with generic fallbacks and explicit dimensions; the markup is otherwise vega's own. */
export function normaliseSvg(svg: string): string {
  const withFonts = svg.replace(/font-family="([^"]*)"/g, (_, v: string) => `font-family="${fontFamilyList(v.replace(/&quot;|&#39;/g, "'"))}"`);
  return withFonts.replace(/<svg\b[^>]*>/, (tag) => {
    let out = tag;
    const width = attr(tag, 'width');
    const height = attr(tag, 'height');
    const viewBox = attr(tag, 'viewBox');
    if (!viewBox && width && height) out = out.replace(/>$/, ` viewBox="0 0 ${parseFloat(width)} ${parseFloat(height)}">`);
    if (viewBox && (!width || !height)) {
      const [, , w, h] = viewBox.split(/[\s,]+/);
      if (!width) out = out.replace(/>$/, ` width="${w}">`);
      if (!height) out = out.replace(/>$/, ` height="${h}">`);
    }
    if (!/\sxmlns="/.test(out)) out = out.replace(/^<svg/, '<svg xmlns="http://www.w3.org/2000/svg"');
    return out;
  });
}

/** A .svg file: normalised, with an XML declaration. */
export function standaloneSvg(svg: string): string {
  const body = normaliseSvg(svg.replace(/^<\?xml[^>]*\?>\s*/, ''));
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n${body}${body.endsWith('\n') ? '' : '\n'}`;
}

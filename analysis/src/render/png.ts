// SVG → PNG with resvg (a native addon: this file is an edge, Node only). resvg draws no text at all when
// it finds no font, silently; fontsRender() probes for that so the report can say so.
import { Resvg } from '@resvg/resvg-js';

const FONT_OPTIONS = { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' };

export interface PngOptions {
  /** Pixel density multiplier; 2 gives crisp text on slides. */
  scale?: number;
}

export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  const resvg = new Resvg(svg, { font: FONT_OPTIONS, background: 'white', fitTo: { mode: 'zoom', value: options.scale ?? 2 } });
  return resvg.render().asPng();
}

let probe: boolean | null = null;

/** True when resvg found a font that draws text (renders a glyph and looks for ink). */
export function fontsRender(): boolean {
  if (probe !== null) return probe;
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="24"><text x="4" y="18" font-family="DejaVu Sans, sans-serif" font-size="18">M</text></svg>';
  const pixels = new Resvg(svg, { font: FONT_OPTIONS, background: 'white' }).render().pixels;
  let ink = false;
  for (let i = 0; i < pixels.length; i += 4) {
    if ((pixels[i] as number) < 128) {
      ink = true;
      break;
    }
  }
  probe = ink;
  return ink;
}

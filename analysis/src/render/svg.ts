// Spec → SVG, the last step of a chart's life. vega-lite and vega are pure JS (they run in Deno too); their
// warnings are collected and returned rather than printed, like every other warning.
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { ChartSpec } from '../charts/common.ts';

export interface Rendered {
  svg: string;
  /** Messages vega-lite or vega logged while compiling or rendering. */
  messages: string[];
}

function collectingLogger(messages: string[]) {
  let level = vega.Warn;
  const push = (prefix: string, args: unknown[]) => messages.push(`${prefix}${args.map(String).join(' ')}`);
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: unknown[]) {
      push('error: ', args);
      return logger;
    },
    warn(...args: unknown[]) {
      if (level >= vega.Warn) push('', args);
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/** Vega-Lite → Vega. Pure. */
export function compileSpec(spec: ChartSpec, messages: string[] = []): vega.Spec {
  return compile(spec, { logger: collectingLogger(messages) }).spec as vega.Spec;
}

export async function renderSvg(spec: ChartSpec): Promise<Rendered> {
  const messages: string[] = [];
  const view = new vega.View(vega.parse(compileSpec(spec, messages)), { renderer: 'none', logger: collectingLogger(messages) });
  try {
    return { svg: await view.toSVG(), messages };
  } finally {
    view.finalize();
  }
}

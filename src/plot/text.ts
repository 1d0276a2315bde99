// A text heat map: a passage with each character's cell coloured by a number.

import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../errors.ts';
import { type Figure, renderChart } from './render.ts';

/** Where each character of a passage goes in a grid `columns` wide; a newline ends its row. */
export function layoutText(chars: readonly string[], columns: number): { row: number; col: number }[] {
  if (!Number.isInteger(columns) || columns < 1) throw new UserError(`layoutText: columns must be a positive integer, got ${columns}`);
  const out: { row: number; col: number }[] = [];
  let row = 0,
    col = 0;
  for (const ch of chars) {
    if (col >= columns) {
      row++;
      col = 0;
    }
    out.push({ row, col });
    if (ch === '\n') {
      row++;
      col = 0;
    } else col++;
  }
  return out;
}

export interface TextHeatmapOptions {
  title?: string;
  /** Characters per row (default 80). */
  columns?: number;
  /** The colour scale's range (default [−1, 1], a tanh unit's). */
  domain?: [number, number];
  legend?: string;
  /**
   * 'diverging' (default): blue, white, red, for a signed quantity such as an activation.
   * 'sequential': white to dark blue, for a quantity with one end, such as a probability.
   */
  scheme?: 'diverging' | 'sequential';
}

/**
 * A passage of text with each character's cell coloured by a number, as in Karpathy's pictures of
 * neuron firings: blue for the low end of `domain`, white for the middle, red for the high end
 * (or, with scheme 'sequential', white to dark blue). A newline is shown as ↵ and ends its row.
 * The character is drawn in white on the darkest cells, so that it stays legible.
 */
export function textHeatmap(chars: readonly string[], values: ArrayLike<number>, opts: TextHeatmapOptions = {}): Promise<Figure> {
  if (chars.length !== values.length) throw new UserError(`textHeatmap: ${chars.length} characters but ${values.length} values`);
  const columns = opts.columns ?? 80;
  const pos = layoutText(chars, columns);
  const rows = (pos.at(-1)?.row ?? 0) + 1;
  const [lo, hi] = opts.domain ?? [-1, 1];
  if (!(hi > lo)) throw new UserError(`textHeatmap: domain must be [low, high] with low < high, got [${lo}, ${hi}]`);
  const sequential = opts.scheme === 'sequential';
  // where the cell is dark: the top 40% of a sequential scale, the outer 30% at either end of a diverging one
  const dark = (v: number): boolean => {
    const u = (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo);
    return sequential ? u > 0.6 : Math.abs(u - 0.5) > 0.35;
  };
  const data = chars.map((ch, i) => ({ ...pos[i], ch: ch === '\n' ? '↵' : ch, v: values[i], ink: dark(values[i]) }));
  const cw = 11,
    ch = 19;
  const scale = sequential ? { scheme: 'blues', domain: [lo, hi], clamp: true } : { scheme: 'redblue', reverse: true, domain: [lo, hi], clamp: true };
  return renderChart({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: columns * cw,
    height: rows * ch,
    data: { values: data },
    encoding: {
      x: { field: 'col', type: 'ordinal', axis: null, scale: { domain: Array.from({ length: columns }, (_, i) => i), paddingInner: 0 } },
      y: { field: 'row', type: 'ordinal', axis: null, scale: { domain: Array.from({ length: rows }, (_, i) => i), paddingInner: 0 } },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'v', type: 'quantitative', title: opts.legend ?? 'activation', scale } } },
      {
        mark: { type: 'text', font: 'monospace', fontSize: 14, baseline: 'middle' },
        encoding: { text: { field: 'ch' }, color: { condition: { test: 'datum.ink', value: 'white' }, value: 'black' } },
      },
    ],
    config: { view: { stroke: null } },
  } as TopLevelSpec);
}

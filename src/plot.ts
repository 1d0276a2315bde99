// Charts for the notebooks, drawn as SVG by Vega-Lite (compiled to Vega and rendered headless, with
// no browser and no canvas). Each function builds a Vega-Lite specification from plain numbers and
// returns a Figure: its SVG text, which a Jupyter kernel (Deno's) displays when it is the value of
// a cell, through the Symbol.for('Jupyter.display') method.
//
// vega and vega-lite are imported when the first chart is drawn, so the command line and anything
// else that never draws do not load them (`rnn plot` draws with them).

import type { TopLevelSpec } from 'vega-lite';
import { UserError } from './errors.ts';

const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

export class Figure {
  constructor(readonly svg: string) {}

  /** What Jupyter shows: the SVG as an image. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return { 'image/svg+xml': this.svg };
  }
}

type Libraries = { vega: typeof import('vega'); vl: typeof import('vega-lite') };
let libraries: Promise<Libraries> | undefined;

function load(): Promise<Libraries> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]).then(
    ([vega, vl]) => ({ vega, vl }),
    () => {
      libraries = undefined;
      throw new UserError('charts need the vega and vega-lite packages (dependencies of this one): run `npm install`');
    },
  );
  return libraries;
}

/** Any Vega-Lite specification, rendered to SVG. */
export async function renderChart(spec: TopLevelSpec): Promise<Figure> {
  const { vega, vl } = await load();
  // NOTE: no ARIA labels: they describe every mark in words (one per character of a text heatmap)
  // and would be most of the SVG's size, in a notebook that already prints the numbers.
  const quiet = { ...spec, config: { aria: false, ...spec.config } } as TopLevelSpec;
  const view = new vega.View(vega.parse(vl.compile(quiet).spec), { renderer: 'none' });
  try {
    return new Figure(await view.toSVG());
  } finally {
    view.finalize();
  }
}

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

export interface ChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  /** Mark every point as well as the line. */
  points?: boolean;
  /** Colour scheme or list of colours for the series, in the order given. */
  colors?: string[];
}

/** A linear scale that need not include zero, or a log scale labelled in powers of ten (1e-6, not 0.000001). */
function axisScale(log: boolean | undefined): Record<string, unknown> {
  return log ? { scale: { type: 'log' }, axis: { format: '.0e' } } : { scale: { zero: false } };
}

/** One line per series, coloured and named in a legend. */
export function lineChart(series: readonly Series[], opts: ChartOptions = {}): Promise<Figure> {
  const values: { series: string; x: number; y: number; order: number }[] = [];
  for (const s of series) {
    if (s.x.length !== s.y.length) throw new UserError(`lineChart: series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values`);
    for (let i = 0; i < s.x.length; i++) values.push({ series: s.name, x: s.x[i], y: s.y[i], order: i });
  }
  const names = series.map((s) => s.name);
  return renderChart({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: opts.width ?? 560,
    height: opts.height ?? 280,
    data: { values },
    mark: { type: 'line', point: opts.points ?? false, clip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xTitle ?? 'x', ...axisScale(opts.logX) },
      y: { field: 'y', type: 'quantitative', title: opts.yTitle ?? 'y', ...axisScale(opts.logY) },
      color: { field: 'series', type: 'nominal', title: null, sort: names, legend: { labelLimit: 400 }, scale: opts.colors ? { domain: names, range: opts.colors } : { domain: names } },
      order: { field: 'order' },
    },
  } as TopLevelSpec);
}

export interface Bar {
  label: string;
  value: number;
  /** Bars with the same label and different groups stand side by side. */
  group?: string;
}

/** Vertical bars in the order given (grouped side by side when `group` is set). */
export function barChart(bars: readonly Bar[], opts: ChartOptions = {}): Promise<Figure> {
  const labels = [...new Set(bars.map((b) => b.label))];
  const grouped = bars.some((b) => b.group !== undefined);
  return renderChart({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: opts.width ?? 560,
    height: opts.height ?? 240,
    data: { values: bars.map((b) => ({ ...b, group: b.group ?? '' })) },
    mark: 'bar',
    encoding: {
      x: { field: 'label', type: 'nominal', sort: labels, title: opts.xTitle ?? null, axis: { labelAngle: 0 } },
      y: {
        field: 'value', type: 'quantitative', title: opts.yTitle ?? null,
        // NOTE: bars stack from zero by default, which a log scale cannot show: unstacked, they rise
        // from the power of ten below the smallest value.
        ...(opts.logY ? { stack: null, scale: { type: 'log', domainMin: 10 ** Math.floor(Math.log10(Math.min(...bars.map((b) => b.value).filter((v) => v > 0)))) }, axis: { format: '.0e' } } : axisScale(false)),
      },
      ...(grouped ? { xOffset: { field: 'group' }, color: { field: 'group', type: 'nominal', title: null } } : {}),
    },
  } as TopLevelSpec);
}

export interface HeatmapPanel {
  title: string;
  /** Row-major, rows × cols. */
  values: ArrayLike<number>;
  rows: number;
  cols: number;
}

/**
 * Matrices drawn side by side as grids of coloured cells, on one shared diverging colour scale
 * centred at zero (so equal colours mean equal numbers across the panels).
 */
export function heatmaps(panels: readonly HeatmapPanel[], opts: { title?: string; cell?: number; legend?: string } = {}): Promise<Figure> {
  const values: { panel: string; row: number; col: number; v: number }[] = [];
  let max = 0;
  for (const p of panels) {
    if (p.values.length !== p.rows * p.cols) throw new UserError(`heatmaps: panel '${p.title}' has ${p.values.length} values, not ${p.rows} × ${p.cols}`);
    for (let i = 0; i < p.values.length; i++) {
      values.push({ panel: p.title, row: Math.floor(i / p.cols), col: i % p.cols, v: p.values[i] });
      max = Math.max(max, Math.abs(p.values[i]));
    }
  }
  const cell = opts.cell ?? 12;
  const color = { field: 'v', type: 'quantitative', title: opts.legend ?? 'value', scale: { scheme: 'redblue', reverse: true, domain: [-max || -1, max || 1] } };
  return renderChart({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    data: { values },
    hconcat: panels.map((p) => ({
      title: { text: p.title, fontWeight: 'normal' },
      width: p.cols * cell,
      height: p.rows * cell,
      transform: [{ filter: { field: 'panel', equal: p.title } }],
      mark: 'rect',
      encoding: {
        x: { field: 'col', type: 'ordinal', axis: null },
        y: { field: 'row', type: 'ordinal', axis: null },
        color,
      },
    })),
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec);
}

/** Where each character of a passage goes in a grid `columns` wide; a newline ends its row. */
export function layoutText(chars: readonly string[], columns: number): { row: number; col: number }[] {
  if (!Number.isInteger(columns) || columns < 1) throw new UserError(`layoutText: columns must be a positive integer, got ${columns}`);
  const out: { row: number; col: number }[] = [];
  let row = 0, col = 0;
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
}

/**
 * A passage of text with each character's cell coloured by a number, as in Karpathy's pictures of
 * neuron firings: blue for the low end of `domain`, white for the middle, red for the high end.
 * A newline is shown as ↵ and ends its row.
 */
export function textHeatmap(chars: readonly string[], values: ArrayLike<number>, opts: TextHeatmapOptions = {}): Promise<Figure> {
  if (chars.length !== values.length) throw new UserError(`textHeatmap: ${chars.length} characters but ${values.length} values`);
  const columns = opts.columns ?? 80;
  const pos = layoutText(chars, columns);
  const rows = (pos.at(-1)?.row ?? 0) + 1;
  const data = chars.map((ch, i) => ({ ...pos[i], ch: ch === '\n' ? '↵' : ch, v: values[i] }));
  const cw = 9, ch = 16;
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
      { mark: 'rect', encoding: { color: { field: 'v', type: 'quantitative', title: opts.legend ?? 'activation', scale: { scheme: 'redblue', reverse: true, domain: opts.domain ?? [-1, 1], clamp: true } } } },
      { mark: { type: 'text', font: 'monospace', fontSize: 12, baseline: 'middle' }, encoding: { text: { field: 'ch' } } },
    ],
    config: { view: { stroke: null } },
  } as TopLevelSpec);
}

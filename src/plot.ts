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
  /** The y axis's range, e.g. the same for two charts that are to be compared (values outside are clipped). */
  yDomain?: [number, number];
  /** The x axis's range (lineChart and scatterChart). */
  xDomain?: [number, number];
  /** Reference lines, dashed and labelled: a threshold or a baseline at y, a boundary at x. */
  rules?: Rule[];
}

/** A horizontal line at `y` or a vertical one at `x`, labelled. */
export interface Rule {
  y?: number;
  x?: number;
  label: string;
}

/** The dashed, labelled layers that draw `rules` over a chart. */
// (typed never[] so that the layers spread into any Vega-Lite layer list; they are checked by rendering)
function ruleLayers(rules: readonly Rule[] | undefined): never[] {
  if (!rules?.length) return [];
  for (const r of rules) if ((r.x === undefined) === (r.y === undefined)) throw new UserError(`chart rule '${r.label}': give exactly one of x and y`);
  const horizontal = rules.filter((r) => r.y !== undefined).map((r) => ({ ry: r.y, label: r.label }));
  const vertical = rules.filter((r) => r.x !== undefined).map((r) => ({ rx: r.x, label: r.label }));
  // labels sit just below a horizontal line, at the right end, and just right of a vertical one, at the top
  const text = { type: 'text', align: 'right', baseline: 'top', dx: -4, dy: 3, fontSize: 11, color: '#444' };
  const layers: Record<string, unknown>[] = [];
  if (horizontal.length) {
    layers.push(
      { data: { values: horizontal }, mark: { type: 'rule', strokeDash: [6, 4], color: '#444' }, encoding: { y: { field: 'ry', type: 'quantitative' } } },
      { data: { values: horizontal }, mark: { ...text, x: 'width' }, encoding: { y: { field: 'ry', type: 'quantitative' }, text: { field: 'label' } } },
    );
  }
  if (vertical.length) {
    layers.push(
      { data: { values: vertical }, mark: { type: 'rule', strokeDash: [6, 4], color: '#444' }, encoding: { x: { field: 'rx', type: 'quantitative' } } },
      {
        data: { values: vertical },
        mark: { ...text, align: 'left', dx: 4, y: 0, dy: 2 },
        encoding: { x: { field: 'rx', type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  }
  return layers as never[];
}

/** A linear scale that need not include zero, or a log scale labelled in powers of ten (1e-6, not 0.000001). */
function axisScale(log: boolean | undefined, domain?: [number, number]): Record<string, unknown> {
  const d = domain ? { domain } : {};
  return log ? { scale: { type: 'log', ...d }, axis: { format: '.0e' } } : { scale: { zero: false, ...d } };
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
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: opts.points ?? false, clip: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: opts.xTitle ?? 'x', ...axisScale(opts.logX, opts.xDomain) },
          y: { field: 'y', type: 'quantitative', title: opts.yTitle ?? 'y', ...axisScale(opts.logY, opts.yDomain) },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            sort: names,
            legend: { labelLimit: 400 },
            scale: opts.colors ? { domain: names, range: opts.colors } : { domain: names },
          },
          order: { field: 'order' },
        },
      },
      ...ruleLayers(opts.rules),
    ],
  } as TopLevelSpec);
}

/**
 * One dot per (x, y) pair, no lines, coloured and shaped by series: for many independent points,
 * such as the gate units of a layer placed by how often each is saturated.
 */
export function scatterChart(series: readonly Series[], opts: ChartOptions = {}): Promise<Figure> {
  const values: { series: string; x: number; y: number }[] = [];
  for (const s of series) {
    if (s.x.length !== s.y.length) throw new UserError(`scatterChart: series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values`);
    for (let i = 0; i < s.x.length; i++) values.push({ series: s.name, x: s.x[i], y: s.y[i] });
  }
  const names = series.map((s) => s.name);
  const legend = { field: 'series', type: 'nominal', title: null, sort: names, legend: { labelLimit: 400 } };
  return renderChart({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: opts.width ?? 320,
    height: opts.height ?? 320,
    layer: [
      {
        data: { values },
        mark: { type: 'point', filled: true, opacity: 0.6, size: 40, clip: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: opts.xTitle ?? 'x', ...axisScale(opts.logX, opts.xDomain) },
          y: { field: 'y', type: 'quantitative', title: opts.yTitle ?? 'y', ...axisScale(opts.logY, opts.yDomain) },
          color: { ...legend, scale: opts.colors ? { domain: names, range: opts.colors } : { domain: names } },
          shape: { ...legend, scale: { domain: names } },
        },
      },
      ...ruleLayers(opts.rules),
    ],
  } as TopLevelSpec);
}

/**
 * One dot per value over categorical labels (grouped side by side when `group` is set): for
 * quantities such as errors on a log scale, where a bar's length from an arbitrary floor means nothing.
 * `rules` with y draw thresholds across the chart.
 */
export function pointChart(points: readonly Bar[], opts: ChartOptions = {}): Promise<Figure> {
  const labels = [...new Set(points.map((b) => b.label))];
  const grouped = points.some((b) => b.group !== undefined);
  if (opts.rules?.some((r) => r.x !== undefined)) throw new UserError('pointChart: rules can only be horizontal (y)');
  return renderChart({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: opts.width ?? 560,
    height: opts.height ?? 240,
    layer: [
      {
        data: { values: points.map((b) => ({ ...b, group: b.group ?? '' })) },
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          y: { field: 'value', type: 'quantitative', title: opts.yTitle ?? null, ...axisScale(opts.logY, opts.yDomain) },
          x: { field: 'label', type: 'nominal', sort: labels, title: opts.xTitle ?? null, axis: { labelAngle: 0 } },
          ...(grouped
            ? {
                xOffset: { field: 'group' },
                color: { field: 'group', type: 'nominal', title: null, ...(opts.colors ? { scale: { range: opts.colors } } : {}) },
                shape: { field: 'group', type: 'nominal', title: null },
              }
            : {}),
        },
      },
      ...ruleLayers(opts.rules),
    ],
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
    layer: [
      {
        data: { values: bars.map((b) => ({ ...b, group: b.group ?? '' })) },
        mark: 'bar',
        encoding: {
          y: {
            field: 'value',
            type: 'quantitative',
            title: opts.yTitle ?? null,
            // NOTE: bars stack from zero by default, which a log scale cannot show: unstacked, they rise
            // from the power of ten below the smallest value (pointChart shows such values better).
            ...(opts.logY
              ? {
                  stack: null,
                  scale: { type: 'log', domainMin: 10 ** Math.floor(Math.log10(Math.min(...bars.map((b) => b.value).filter((v) => v > 0)))) },
                  axis: { format: '.0e' },
                }
              : axisScale(false, opts.yDomain)),
          },
          x: { field: 'label', type: 'nominal', sort: labels, title: opts.xTitle ?? null, axis: { labelAngle: 0 } },
          ...(grouped
            ? {
                xOffset: { field: 'group' },
                color: { field: 'group', type: 'nominal', title: null, ...(opts.colors ? { scale: { range: opts.colors } } : {}) },
              }
            : {}),
        },
      },
      ...ruleLayers(opts.rules?.filter((r) => r.y !== undefined)),
    ],
  } as TopLevelSpec);
}

export interface HeatmapPanel {
  title: string;
  /** Row-major, rows × cols. */
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  /** Names of the rows and columns (e.g. the characters of dWxh's columns), shown on the axes. */
  rowLabels?: readonly string[];
  colLabels?: readonly string[];
  /** Axis titles of this panel, in place of the options' xTitle and yTitle. */
  xTitle?: string;
  yTitle?: string;
}

export interface HeatmapOptions {
  title?: string;
  cell?: number;
  legend?: string;
  /** Axis titles, e.g. 'hidden unit' and 'character'. */
  xTitle?: string;
  yTitle?: string;
}

/** An ordinal axis: the labels given, or every fifth index, with a title. */
function gridAxis(title: string | undefined, labels: readonly string[] | undefined): Record<string, unknown> {
  if (labels) return { title: title ?? null, labelAngle: 0, labelExpr: `${JSON.stringify(labels)}[datum.value]`, labelFontSize: 9, labelFont: 'monospace' };
  return { title: title ?? null, labelAngle: 0, values: undefined, labelExpr: 'datum.value % 5 === 0 ? datum.value : ""', ticks: false, labelFontSize: 9 };
}

/**
 * Matrices drawn side by side as grids of coloured cells, on one shared diverging colour scale
 * centred at zero (so equal colours mean equal numbers across the panels), with row and column
 * axes (indices, or the labels given).
 */
export function heatmaps(panels: readonly HeatmapPanel[], opts: HeatmapOptions = {}): Promise<Figure> {
  const values: { panel: string; row: number; col: number; v: number }[] = [];
  let max = 0;
  for (const p of panels) {
    if (p.values.length !== p.rows * p.cols) throw new UserError(`heatmaps: panel '${p.title}' has ${p.values.length} values, not ${p.rows} × ${p.cols}`);
    if (p.rowLabels && p.rowLabels.length !== p.rows)
      throw new UserError(`heatmaps: panel '${p.title}' has ${p.rows} rows but ${p.rowLabels.length} row labels`);
    if (p.colLabels && p.colLabels.length !== p.cols)
      throw new UserError(`heatmaps: panel '${p.title}' has ${p.cols} columns but ${p.colLabels.length} column labels`);
    for (let i = 0; i < p.values.length; i++) {
      values.push({ panel: p.title, row: Math.floor(i / p.cols), col: i % p.cols, v: p.values[i] });
      max = Math.max(max, Math.abs(p.values[i]));
    }
  }
  const cell = opts.cell ?? 12;
  const color = {
    field: 'v',
    type: 'quantitative',
    title: opts.legend ?? 'value',
    scale: { scheme: 'redblue', reverse: true, domain: [-max || -1, max || 1] },
  };
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
        x: { field: 'col', type: 'ordinal', axis: gridAxis(p.xTitle ?? opts.xTitle, p.colLabels) },
        y: { field: 'row', type: 'ordinal', axis: gridAxis(p.yTitle ?? opts.yTitle, p.rowLabels) },
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

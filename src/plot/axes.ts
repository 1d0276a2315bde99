// What the x–y charts share (and the bar and point charts, through categorical.ts): their series
// and options, the chart around their layers, the reference lines drawn over them, and the scale of an axis.

import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../errors.ts';
import { type Figure, renderChart } from './render.ts';

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

/** A chart of `layer`, with the options' title and size (the chart kind's own `width` × `height` unless given), drawn. */
export function layeredChart(opts: ChartOptions, width: number, height: number, layer: unknown[]): Promise<Figure> {
  return renderChart({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: opts.width ?? width,
    height: opts.height ?? height,
    layer,
  } as TopLevelSpec);
}

/** The dashed, labelled layers that draw `rules` over a chart. */
// (typed never[] so that the layers spread into any Vega-Lite layer list; they are checked by rendering)
export function ruleLayers(rules: readonly Rule[] | undefined): never[] {
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
export function axisScale(log: boolean | undefined, domain?: [number, number]): Record<string, unknown> {
  const d = domain ? { domain } : {};
  return log ? { scale: { type: 'log', ...d }, axis: { format: '.0e' } } : { scale: { zero: false, ...d } };
}

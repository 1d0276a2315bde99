// Heat maps: matrices drawn side by side as grids of coloured cells.

import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../errors.ts';
import { type Figure, renderChart } from './render.ts';

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

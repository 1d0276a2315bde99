// A scatter chart: one dot per (x, y) pair.

import { UserError } from '../errors.ts';
import { axisScale, type ChartOptions, layeredChart, ruleLayers, type Series } from './axes.ts';
import type { Figure } from './render.ts';

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
  return layeredChart(opts, 320, 320, [
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
  ]);
}

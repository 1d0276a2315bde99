// A line chart: one line per series.

import { UserError } from '../errors.ts';
import { axisScale, type ChartOptions, layeredChart, ruleLayers, type Series } from './axes.ts';
import type { Figure } from './render.ts';

/** One line per series, coloured and named in a legend. */
export function lineChart(series: readonly Series[], opts: ChartOptions = {}): Promise<Figure> {
  const values: { series: string; x: number; y: number; order: number }[] = [];
  for (const s of series) {
    if (s.x.length !== s.y.length) throw new UserError(`lineChart: series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values`);
    for (let i = 0; i < s.x.length; i++) values.push({ series: s.name, x: s.x[i], y: s.y[i], order: i });
  }
  const names = series.map((s) => s.name);
  return layeredChart(opts, 560, 280, [
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
  ]);
}

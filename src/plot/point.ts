// A point chart: one dot per value over categorical labels.

import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../errors.ts';
import { axisScale, type ChartOptions, ruleLayers } from './axes.ts';
import type { Bar } from './bar.ts';
import { type Figure, renderChart } from './render.ts';

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

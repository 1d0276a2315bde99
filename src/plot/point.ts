// A point chart: one dot per value over categorical labels.

import { UserError } from '../errors.ts';
import { axisScale, type ChartOptions } from './axes.ts';
import { type Bar, categoricalChart } from './categorical.ts';
import type { Figure } from './render.ts';

/**
 * One dot per value over categorical labels (grouped side by side when `group` is set): for
 * quantities such as errors on a log scale, where a bar's length from an arbitrary floor means nothing.
 * `rules` with y draw thresholds across the chart.
 */
export function pointChart(points: readonly Bar[], opts: ChartOptions = {}): Promise<Figure> {
  if (opts.rules?.some((r) => r.x !== undefined)) throw new UserError('pointChart: rules can only be horizontal (y)');
  return categoricalChart(points, opts, {
    mark: { type: 'point', filled: true, size: 90 },
    yScale: axisScale(opts.logY, opts.yDomain),
    groupEncoding: { shape: { field: 'group', type: 'nominal', title: null } },
    rules: opts.rules,
  });
}

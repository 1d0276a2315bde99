// A bar chart: vertical bars over categorical labels.

import { axisScale, type ChartOptions } from './axes.ts';
import { type Bar, categoricalChart } from './categorical.ts';
import type { Figure } from './render.ts';

export type { Bar };

/** Vertical bars in the order given (grouped side by side when `group` is set). */
export function barChart(bars: readonly Bar[], opts: ChartOptions = {}): Promise<Figure> {
  return categoricalChart(bars, opts, {
    mark: 'bar',
    // NOTE: bars stack from zero by default, which a log scale cannot show: unstacked, they rise
    // from the power of ten below the smallest value (pointChart shows such values better).
    yScale: opts.logY
      ? {
          stack: null,
          scale: { type: 'log', domainMin: 10 ** Math.floor(Math.log10(Math.min(...bars.map((b) => b.value).filter((v) => v > 0)))) },
          axis: { format: '.0e' },
        }
      : axisScale(false, opts.yDomain),
    rules: opts.rules?.filter((r) => r.y !== undefined),
  });
}

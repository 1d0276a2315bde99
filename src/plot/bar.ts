// A bar chart: vertical bars over categorical labels.

import type { TopLevelSpec } from 'vega-lite';
import { axisScale, type ChartOptions, ruleLayers } from './axes.ts';
import { type Figure, renderChart } from './render.ts';

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

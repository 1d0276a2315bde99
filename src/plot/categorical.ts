// What the bar and point charts share: values over categorical labels, in the order first given,
// grouped side by side and coloured by group, with reference lines drawn over them.

import { type ChartOptions, layeredChart, type Rule, ruleLayers } from './axes.ts';
import type { Figure } from './render.ts';

export interface Bar {
  label: string;
  value: number;
  /** Bars with the same label and different groups stand side by side. */
  group?: string;
}

/** How one categorical chart draws its values: the mark, the y axis's scale, what else tells the groups apart. */
export interface CategoricalMarks {
  mark: unknown;
  /** Spread into the y encoding after its field, type and title. */
  yScale: Record<string, unknown>;
  /** Spread into the encoding after the group's offset and colour, when there are groups. */
  groupEncoding?: Record<string, unknown>;
  rules: readonly Rule[] | undefined;
}

/** One layer of `items` over their labels (side by side by group when any has one), and the rules' layers. */
export function categoricalChart(items: readonly Bar[], opts: ChartOptions, m: CategoricalMarks): Promise<Figure> {
  const labels = [...new Set(items.map((b) => b.label))];
  const grouped = items.some((b) => b.group !== undefined);
  return layeredChart(opts, 560, 240, [
    {
      data: { values: items.map((b) => ({ ...b, group: b.group ?? '' })) },
      mark: m.mark,
      encoding: {
        y: { field: 'value', type: 'quantitative', title: opts.yTitle ?? null, ...m.yScale },
        x: { field: 'label', type: 'nominal', sort: labels, title: opts.xTitle ?? null, axis: { labelAngle: 0 } },
        ...(grouped
          ? {
              xOffset: { field: 'group' },
              color: { field: 'group', type: 'nominal', title: null, ...(opts.colors ? { scale: { range: opts.colors } } : {}) },
              ...m.groupEncoding,
            }
          : {}),
      },
    },
    ...ruleLayers(m.rules),
  ]);
}

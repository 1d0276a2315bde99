// The notebooks' charts: Vega-Lite renders them headless to SVG; the text layout behind the
// neuron-firing pictures puts each character where the passage says.

import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.ts';
import { Figure, barChart, heatmaps, layoutText, lineChart, textHeatmap } from '../src/plot.ts';

const count = (s: string, sub: string): number => s.split(sub).length - 1;

describe('charts', () => {
  it('a line chart is an SVG with its title, axis titles and one legend entry per series', async () => {
    const f = await lineChart([{ name: 'train', x: [0, 1, 2], y: [4, 3, 2] }, { name: 'validation', x: [0, 2], y: [4.1, 2.5] }], { title: 'Loss', xTitle: 'iteration', yTitle: 'nats' });
    expect(f).toBeInstanceOf(Figure);
    expect(f.svg.startsWith('<svg')).toBe(true);
    for (const s of ['Loss', 'iteration', 'nats', 'train', 'validation']) expect(f.svg).toContain(`>${s}</text>`);
  });

  it('a figure shows itself to Jupyter as image/svg+xml', async () => {
    const f = await barChart([{ label: 'a', value: 1 }, { label: 'b', value: 2 }]);
    const show = (f as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')];
    expect(show.call(f)).toEqual({ 'image/svg+xml': f.svg });
  });

  it('mismatched inputs are one-line errors', () => {
    expect(() => lineChart([{ name: 's', x: [1, 2], y: [1] }])).toThrow(UserError);
    expect(() => heatmaps([{ title: 'W', values: [1, 2, 3], rows: 2, cols: 2 }])).toThrow(UserError);
    expect(() => textHeatmap(['a', 'b'], [1])).toThrow(UserError);
  });

  it('a text heatmap draws every character of the passage (a newline as ↵) over one cell each', async () => {
    const chars = [...'ab\nc'];
    const f = await textHeatmap(chars, [0.5, -0.5, 0, 1], { columns: 10 });
    for (const ch of ['a', 'b', '↵', 'c']) expect(f.svg).toContain(`>${ch}</text>`);
    const rects = f.svg.slice(f.svg.indexOf('mark-rect'), f.svg.indexOf('mark-text'));
    expect(count(rects, '<path')).toBe(4);
  });
});

describe('layoutText', () => {
  it('fills rows left to right, wraps at the width and starts a new row after a newline', () => {
    expect(layoutText([...'abc\nde'], 2)).toEqual([
      { row: 0, col: 0 }, { row: 0, col: 1 }, // a b
      { row: 1, col: 0 }, { row: 1, col: 1 }, // c, then the newline at the end of its row
      { row: 2, col: 0 }, { row: 2, col: 1 }, // d e
    ]);
    expect(() => layoutText(['a'], 0)).toThrow(UserError);
  });
});

describe('table', () => {
  it('aligns numbers right and text left, and escapes HTML', async () => {
    const { table } = await import('../src/table.ts');
    const t = table([{ name: 'Wxh', n: 12 }, { name: '<b>', n: 3 }]);
    expect(t.toString()).toBe(['name   n', '----  --', 'Wxh   12', '<b>    3'].join('\n'));
    expect(t.toHtml()).toContain('<td>&lt;b&gt;</td><td>3</td>');
    expect(t.columns).toEqual(['name', 'n']);
  });
});

// The notebooks' charts: Vega-Lite renders them headless to SVG; the text layout behind the
// neuron-firing pictures puts each character where the passage says.

import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.ts';
import { barChart } from '../src/plot/bar.ts';
import { heatmaps } from '../src/plot/heatmap.ts';
import { lineChart } from '../src/plot/line.ts';
import { pointChart } from '../src/plot/point.ts';
import { Figure } from '../src/plot/render.ts';
import { scatterChart } from '../src/plot/scatter.ts';
import { layoutText, textHeatmap } from '../src/plot/text.ts';

const count = (s: string, sub: string): number => s.split(sub).length - 1;

describe('charts', () => {
  it('a line chart is an SVG with its title, axis titles and one legend entry per series', async () => {
    const f = await lineChart(
      [
        { name: 'train', x: [0, 1, 2], y: [4, 3, 2] },
        { name: 'validation', x: [0, 2], y: [4.1, 2.5] },
      ],
      { title: 'Loss', xTitle: 'iteration', yTitle: 'nats' },
    );
    expect(f).toBeInstanceOf(Figure);
    expect(f.svg.startsWith('<svg')).toBe(true);
    for (const s of ['Loss', 'iteration', 'nats', 'train', 'validation']) expect(f.svg).toContain(`>${s}</text>`);
  });

  it('a figure shows itself to Jupyter as image/svg+xml', async () => {
    const f = await barChart([
      { label: 'a', value: 1 },
      { label: 'b', value: 2 },
    ]);
    const show = (f as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')];
    expect(show.call(f)).toEqual({ 'image/svg+xml': f.svg });
  });

  it('mismatched inputs are one-line errors', () => {
    expect(() => lineChart([{ name: 's', x: [1, 2], y: [1] }])).toThrow(UserError);
    expect(() => heatmaps([{ title: 'W', values: [1, 2, 3], rows: 2, cols: 2 }])).toThrow(UserError);
    expect(() => textHeatmap(['a', 'b'], [1])).toThrow(UserError);
  });

  it('a text heatmap draws every character of the passage (a newline as ↵) on its own cell', async () => {
    const f = await textHeatmap([...'ab\nc'], [0.5, -0.5, 0, 1], { columns: 10 });
    expect(f).toBeInstanceOf(Figure);
    // cells 8 px wide and 15 px high, glyphs 1 px into their cell: a b ↵ on the first row, c on the next
    const passage = f.svg.slice(f.svg.indexOf('<g transform='));
    const glyphs = [...passage.matchAll(/<text x="([\d ]+)" y="(\d+)"[^>]*>([^<]*)<\/text>/g)];
    expect(glyphs.map((m) => [m[1], m[3]])).toEqual([
      ['1 9', 'ab'],
      ['17', '↵'],
      ['1', 'c'],
    ]);
    expect(glyphs.map((m) => m[2])).toEqual(['11', '11', '26']);
  });
});

describe('chart additions for the notebooks', () => {
  it('rules draw a labelled dashed line; a threshold on a point chart; one of x and y exactly', async () => {
    const f = await lineChart([{ name: 's', x: [0, 1, 2], y: [1, 2, 3] }], {
      rules: [
        { y: 2.5, label: 'baseline' },
        { x: 1, label: 'chunk boundary' },
      ],
    });
    expect(f.svg).toContain('>baseline</text>');
    expect(f.svg).toContain('>chunk boundary</text>');
    expect(count(f.svg, 'stroke-dasharray')).toBeGreaterThanOrEqual(2);
    const g = await pointChart(
      [
        { label: 'Wxh', value: 1e-7, group: 'right' },
        { label: 'Wxh', value: 1.9, group: 'bug' },
      ],
      { logY: true, rules: [{ y: 1e-6, label: 'threshold 1e-6' }] },
    );
    expect(g.svg).toContain('>threshold 1e-6</text>');
    expect(g.svg).toContain('>bug</text>'); // the legend
    expect(() => lineChart([{ name: 's', x: [0], y: [0] }], { rules: [{ label: 'neither' }] })).toThrow(UserError);
    expect(() => pointChart([{ label: 'a', value: 1 }], { rules: [{ x: 1, label: 'vertical' }] })).toThrow(UserError);
  });

  it('yDomain fixes the axis: the same ticks whatever the data', async () => {
    const a = await lineChart([{ name: 's', x: [0, 1], y: [1.1, 1.2] }], { yDomain: [0, 5] });
    const b = await lineChart([{ name: 's', x: [0, 1], y: [3, 4.5] }], { yDomain: [0, 5] });
    const ticks = (svg: string): string[] => [...svg.matchAll(/>(\d(?:\.\d)?)<\/text>/g)].map((m) => m[1]);
    expect(ticks(a.svg)).toEqual(ticks(b.svg));
    expect(ticks(a.svg)).toContain('5');
  });

  it('heatmaps label their axes with the titles and labels given, and check the label counts', async () => {
    const f = await heatmaps([{ title: 'dWxh', values: [1, -1, 0.5, 0], rows: 2, cols: 2, colLabels: ['q', 'z'] }], {
      xTitle: 'character',
      yTitle: 'hidden unit',
    });
    for (const s of ['character', 'hidden unit', 'q', 'z']) expect(f.svg).toContain(`>${s}</text>`);
    expect(() => heatmaps([{ title: 'W', values: [1, 2], rows: 1, cols: 2, colLabels: ['a'] }])).toThrow(UserError);
  });

  it('a sequential text heatmap runs white to blue over its domain, dark cells in white ink and light ones in black', async () => {
    const f = await textHeatmap(['a', 'b'], [0.98, 0.02], { domain: [0, 1], scheme: 'sequential', columns: 4, legend: 'p' });
    expect(f.svg).toMatch(/<rect x="0" y="0" width="8" height="15" fill="#2166ac"\/>/); // a, near 1: the deepest blue
    expect(f.svg).not.toMatch(/<rect x="8" y="0"/); // b, near 0: white, no rect
    expect(f.svg).toContain('<text x="1" y="11" fill="#fff">a</text>');
    expect(f.svg).toContain('<text x="9" y="11">b</text>');
    expect(f.svg).toContain('>p: 0</text>'); // the legend runs from 0 to 1
    expect(f.svg).toContain('>1</text>');
    expect(() => textHeatmap(['a'], [0], { domain: [1, 0] })).toThrow(UserError);
  });

  it("a diverging text heatmap puts white at its domain's middle, red and blue at its ends; values outside are clamped, NaN is white", async () => {
    const f = await textHeatmap([...'abcde'], [0, 1, 2, 5, Number.NaN], { domain: [0, 2], columns: 10 });
    const fills = [...f.svg.matchAll(/<rect x="(\d+)" y="0" width="(\d+)" height="15" fill="(#\w+)"\/>/g)].map((m) => m.slice(1));
    expect(fills).toEqual([
      ['0', '8', '#b2182b'], // a at the low end: the deepest red
      ['16', '16', '#2166ac'], // c at the high end and d beyond it: the deepest blue (b in the middle: white)
    ]);
    const plain = await textHeatmap(['a'], [0.5]);
    expect(plain.svg).toContain('>activation: −1</text>'); // the default domain, a tanh unit's
    expect(plain.svg).toContain('>+1</text>');
  });
});

describe('scatterChart', () => {
  it('draws one dot per pair where the axes put it, and one legend entry per series', async () => {
    const f = await scatterChart(
      [
        { name: 'first', x: [0.1, 0.25, 1], y: [0.5, 0, 1] },
        { name: 'second', x: [0.75], y: [0.25] },
      ],
      { title: 'Gates', xTitle: 'left', yTitle: 'right', xDomain: [0, 1], yDomain: [0, 1], width: 200, height: 100 },
    );
    const marks = f.svg.match(/<g class="mark-symbol role-mark[^>]*>(.*?)<\/g>/s)![1];
    // the plot is 200 × 100 pixels, y pointing down: (x, y) lands at (200·x, 100·(1 − y))
    const at = [...marks.matchAll(/translate\(([-\d.e]+),([-\d.e]+)\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(at).toHaveLength(4);
    const want = [
      [20, 50],
      [50, 100],
      [200, 0],
      [150, 75],
    ];
    want.forEach(([x, y], i) => {
      expect(at[i][0]).toBeCloseTo(x, 6);
      expect(at[i][1]).toBeCloseTo(y, 6);
    });
    for (const s of ['Gates', 'left', 'right', 'first', 'second']) expect(f.svg).toContain(`>${s}</text>`);
    expect(count(f.svg, 'role-legend-symbol')).toBe(2);
  });

  it('refuses series whose x and y differ in length', () => {
    expect(() => scatterChart([{ name: 's', x: [1, 2], y: [1] }])).toThrow(UserError);
  });
});

describe('layoutText', () => {
  it('fills rows left to right, wraps at the width and starts a new row after a newline', () => {
    expect(layoutText([...'abc\nde'], 2)).toEqual([
      { row: 0, col: 0 },
      { row: 0, col: 1 }, // a b
      { row: 1, col: 0 },
      { row: 1, col: 1 }, // c, then the newline at the end of its row
      { row: 2, col: 0 },
      { row: 2, col: 1 }, // d e
    ]);
    expect(() => layoutText(['a'], 0)).toThrow(UserError);
  });
});

describe('table', () => {
  it('aligns numbers right and text left, and escapes HTML', async () => {
    const { table } = await import('../src/table.ts');
    const t = table([
      { name: 'Wxh', n: 12 },
      { name: '<b>', n: 3 },
    ]);
    expect(t.toString()).toBe(['name   n', '----  --', 'Wxh   12', '<b>    3'].join('\n'));
    expect(t.toHtml()).toContain('<td>&lt;b&gt;</td><td>3</td>');
    expect(t.columns).toEqual(['name', 'n']);
  });
});

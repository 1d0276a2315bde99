// "Which of my cells track this feature": the cell-state reader against inspect.ts's trace, the AUC
// and Pearson's r against hand-counted values and against their definitions computed the slow way,
// and the coloured-text SVG's marks counted by hand.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auc,
  type CellStates,
  cellSeries,
  cellStates,
  cellsTrackingAny,
  charrnn,
  coloredTextSvg,
  pearson,
  Rng,
  rankCells,
  strength,
  traceActivations,
  trackFeatures,
  Vocab,
} from '../src/index.ts';

/** The AUC by its definition: over all (inside, outside) pairs, 1 when inside is higher, ½ on a tie. */
function aucByPairs(values: number[], labels: number[]): number {
  let wins = 0,
    pairs = 0;
  values.forEach((v, i) => {
    if (labels[i] !== 1) return;
    values.forEach((w, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      wins += v > w ? 1 : v === w ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('auc', () => {
  it('hand-counted cases', () => {
    expect(auc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(auc([4, 3, 2, 1], [0, 0, 1, 1])).toBe(0);
    expect(auc([5, 5], [0, 1])).toBe(0.5);
    // inside 0.35 and 0.8, outside 0.1 and 0.4: 0.35 > 0.1, 0.35 < 0.4, 0.8 > both: 3 of 4 pairs
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    // negative values, zero and −0 (one tie between −0 and 0: a half): inside −1 and 0, outside −0 and −2
    // −1 > −2 (1), −1 < −0 (0), 0 = −0 (½), 0 > −2 (1): 2.5 of 4
    expect(auc([-1, 0, -0, -2], [1, 1, 0, 0])).toBe(0.625);
  });
  it('equals the pair count for any values with ties and any labels (float32 values)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -6, max: 6 }), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 40 }), (rows) => {
        const labels = rows.map((r) => r[1]);
        if (!labels.includes(0) || !labels.includes(1)) return;
        const values = rows.map((r) => Math.fround(r[0] * 0.37)); // negatives, zero and ties
        expect(auc(values, labels)).toBeCloseTo(aucByPairs(values, labels), 12);
      }),
    );
  });
  it('refuses labels that are not 0 and 1, or a class that never occurs', () => {
    expect(() => auc([1, 2], [0, 2])).toThrow(/binary but has the value 2/);
    expect(() => auc([1, 2], [1, 1])).toThrow(/always true/);
    expect(() => auc([1, 2], [0, 0])).toThrow(/never true/);
  });
});

describe('pearson', () => {
  it('hand-counted cases', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 15);
    // deviations (−1.5, −.5, .5, 1.5) and (−1.5, .5, −.5, 1.5): 4 / √(5·5)
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 15);
    expect(pearson([2, 2, 2], [1, 2, 3])).toBe(0); // a cell that never moves tracks nothing
  });
});

/** States of 2 layers × 3 cells over 6 characters, each cell's series given. */
function statesOf(series: number[][][]): CellStates {
  const T = series[0][0].length,
    H = series[0].length;
  return { T, H, layers: series.map((cells) => Float32Array.from({ length: T * H }, (_, i) => cells[i % H][Math.floor(i / H)])) };
}

describe('trackFeatures, rankCells, cellsTrackingAny', () => {
  const inside = [0, 1, 1, 0, 0, 1];
  const count = [0, 1, 2, 3, 4, 5];
  const states = statesOf([
    [
      [0, 5, 6, 1, 2, 7], // layer 1 cell 0: higher at every inside character: AUC 1
      [1, 2, 3, 4, 5, 6], // cell 1: the count plus one: r = 1
      [0, 0, 0, 0, 0, 0], // cell 2: dead
    ],
    [
      [9, 1, 2, 8, 7, 3], // layer 2 cell 0: lower inside: AUC 0
      [5, 4, 3, 2, 1, 0], // cell 1: r = −1
      [1, 0, 1, 0, 1, 0], // cell 2: inside (0, 1, 0) against outside (1, 0, 1): counted below
    ],
  ]);
  const tracks = trackFeatures(states, [
    { name: 'inside', kind: 'binary', values: inside },
    { name: 'count', kind: 'continuous', values: count },
  ]);
  it('scores every cell of every layer with the AUC or r', () => {
    expect(tracks.map((t) => t.measure)).toEqual(['auc', 'pearson']);
    // layer 1 cell 2 is all ties: ½. Layer 2 cell 2: inside 0 against outside (1, 0, 1) wins 0 + ½ + 0, inside 1 wins
    // ½ + 1 + ½, the other inside 0 again ½: 3 of 9 pairs
    expect(tracks[0].score.map((r) => Array.from(r))).toEqual([
      [1, aucByPairs([1, 2, 3, 4, 5, 6], inside), 0.5],
      [0, aucByPairs([5, 4, 3, 2, 1, 0], inside), 1 / 3],
    ]);
    expect(tracks[1].score[0][1]).toBeCloseTo(1, 12);
    expect(tracks[1].score[1][1]).toBeCloseTo(-1, 12);
    expect(tracks[1].score[0][2]).toBe(0);
  });
  it('ranks by strength in either direction, ties by layer then cell', () => {
    const ranked = rankCells(tracks[0], 2);
    expect(ranked.map((c) => [c.layer, c.cell, c.score, c.strength])).toEqual([
      [0, 0, 1, 1],
      [1, 0, 0, 1],
    ]);
    expect(strength('auc', 0.2)).toBeCloseTo(0.8, 15);
    expect(strength('pearson', -0.6)).toBe(0.6);
  });
  it('counts the cells that pass a threshold for any feature (at the threshold counts)', () => {
    const cells = cellsTrackingAny(tracks, { auc: 1, pearson: 0.99 });
    expect(cells).toEqual([
      { layer: 0, cell: 0, features: ['inside'] },
      { layer: 0, cell: 1, features: ['count'] },
      { layer: 1, cell: 0, features: ['inside'] },
      { layer: 1, cell: 1, features: ['count'] },
    ]);
  });
  it('refuses a feature of the wrong length, a constant count, a binary feature that never holds', () => {
    expect(() => trackFeatures(states, [{ name: 'x', kind: 'binary', values: [0, 1] }])).toThrow(/'x' has 2 values for 6 characters/);
    expect(() => trackFeatures(states, [{ name: 'flat', kind: 'continuous', values: [3, 3, 3, 3, 3, 3] }])).toThrow(/'flat' is constant/);
    expect(() => trackFeatures(states, [{ name: 'none', kind: 'binary', values: [0, 0, 0, 0, 0, 0] }])).toThrow(/'none' is never true/);
  });
});

describe('cellStates', () => {
  const vocab = Vocab.fromText('abc def');
  const params = charrnn.initParams({ kind: 'lstm', vocabSize: vocab.size, hiddenSize: 5, layers: 2 }, new Rng(7), 0.5);
  const text = 'abc fed cab';
  it("records every layer's c (or h) after each character: inspect.ts's trace, in float32", () => {
    const trace = traceActivations(params, vocab, text);
    for (const kernels of ['ts', 'auto'] as const) {
      for (const which of ['c', 'h'] as const) {
        const s = cellStates(params, vocab.encode(text), { which, kernels });
        expect([s.T, s.H, s.layers.length]).toEqual([11, 5, 2]);
        for (let l = 0; l < 2; l++)
          for (let t = 0; t < 11; t++) for (let j = 0; j < 5; j++) expect(s.layers[l][t * 5 + j]).toBeCloseTo((which === 'c' ? trace.c : trace.h)[l][t][j], 5);
      }
    }
  });
  it('from: steps over a warm-up without recording it', () => {
    const all = cellStates(params, vocab.encode(text), { kernels: 'ts' });
    const late = cellStates(params, vocab.encode(text), { kernels: 'ts', from: 4 });
    expect(late.T).toBe(7);
    expect(Array.from(cellSeries(late, 1, 3))).toEqual(Array.from(cellSeries(all, 1, 3)).slice(4));
  });
  it('refuses c for a model without one, a bad from, an unknown id, an unknown cell', () => {
    const gru = charrnn.initParams({ kind: 'gru', vocabSize: vocab.size, hiddenSize: 3, layers: 1 }, new Rng(1));
    expect(() => cellStates(gru, [0, 1])).toThrow(/a gru has no cell state c/);
    expect(cellStates(gru, [0, 1], { which: 'h' }).T).toBe(2);
    expect(() => cellStates(params, [0, 1], { from: 2 })).toThrow(/from must be an index/);
    expect(() => cellStates(params, [0, 99])).toThrow(/id 99 at position 1/);
    expect(() => cellSeries(cellStates(params, [0, 1]), 0, 5)).toThrow(/no cell 5 in layer 0/);
  });
});

describe('coloredTextSvg', () => {
  it('one rect per run of equal shade, one text per run of drawn characters, glyphs on their cells', () => {
    // a b c at +1 (deep blue, white ink), a space at 0 (no rect, no glyph), d at −1 (deep red), a newline, < at 0.5
    const svg = coloredTextSvg([...'abc d\n<'], [{ title: 'cell & co', values: [1, 1, 1, 0, -1, 0, 0.5] }], { columns: 10 });
    const rects = [...svg.matchAll(/<rect x="(\d+)" y="(\d+)" width="(\d+)" height="15" fill="(#\w+)"\/>/g)].map((m) => m.slice(1));
    // cells 8 px wide, rows 15 px high
    expect(rects).toEqual([
      ['0', '0', '24', '#2166ac'], // abc
      ['32', '0', '8', '#b2182b'], // d
      ['0', '15', '8', '#90b3d6'], // < at half: 255 + (33 − 255)·½ → 144, (102 + 255)/2 → 179 (rounded), (172 + 255)/2 → 214
    ]);
    expect(svg).toContain('<text x="1 9 17" y="11" fill="#fff">abc</text>');
    expect(svg).toContain('<text x="33" y="11" fill="#fff">d</text>');
    expect(svg).toContain('<text x="41" y="11" fill="#999">↵</text>'); // the newline, grey, on its own cell
    expect(svg).toContain('<text x="1" y="26">&lt;</text>'); // the next row; < escaped
    expect(svg).toContain('cell &amp; co');
    expect(svg.match(/<text/g)?.length).toBe(svg.match(/<\/text>/g)?.length);
  });
  it('refuses a panel of the wrong length, and no panels', () => {
    expect(() => coloredTextSvg(['a'], [{ title: 'x', values: [1, 2] }])).toThrow(/panel 'x' has 2 values for 1 characters/);
    expect(() => coloredTextSvg(['a'], [])).toThrow(/no panels/);
  });
});

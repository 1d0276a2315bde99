// The cells-and-depth grid: matched parameter counts (checked against counts written out by hand),
// iterations as the Trainer counts them, and the training order.

import { describe, expect, it } from 'vitest';
import { depthGains, type GridRun, iterationsOf, kindMargins, matchedHidden, orderRuns, type TableEntry } from '../../experiments/lib/grid.ts';
import { Trainer } from '../../src/index.ts';

describe('matchedHidden', () => {
  it("sizes each cell to the LSTM's parameter count (PyTorch's two biases, one-hot input, linear decoder)", () => {
    // LSTM, V 82, H 64, 1 layer: 4·64·(82 + 64) + 2·4·64 + 82·64 + 82 = 37,376 + 512 + 5,248 + 82 = 43,218
    // RNN H 141: 141·(82 + 141) + 2·141 + 82·141 + 82 = 31,443 + 282 + 11,562 + 82 = 43,369 (151 over)
    // RNN H 140: 140·222 + 280 + 11,480 + 82 = 42,922 (296 under)   → 141
    expect(matchedHidden('rnn', 82, 1, 64)).toBe(141);
    // GRU H 77: 3·77·159 + 6·77 + 82·77 + 82 = 36,729 + 462 + 6,314 + 82 = 43,587 (369 over)
    // GRU H 76: 3·76·158 + 456 + 6,232 + 82 = 36,024 + 6,770 = 42,794 (424 under)   → 77
    expect(matchedHidden('gru', 82, 1, 64)).toBe(77);
    expect(matchedHidden('lstm', 108, 3, 128)).toBe(128);
  });
});

describe('iterationsOf', () => {
  it('counts the iterations the Trainer will take', () => {
    const text = 'the quick brown fox jumps over the lazy dog. '.repeat(60);
    for (const o of [
      { trainFrac: 0.8, valFrac: 0.1, batchSize: 4, seqLength: 10, epochs: 3 },
      { trainFrac: 0.9, valFrac: 0.05, batchSize: 7, seqLength: 13, epochs: 2 },
    ]) {
      const t = Trainer.fromText(text, { ...o, hidden: 4, layers: 1, kernels: 'ts', dtype: 'f64' });
      expect(iterationsOf([...text].length, o)).toBe(t.totalIterations);
      t.dispose();
    }
  });
});

describe('orderRuns', () => {
  it('puts the 3-layer LSTMs and GRUs first, smaller budget first, then the rest cheapest first', () => {
    const run = (kind: GridRun['kind'], layers: number, budget: number, cost: number): GridRun =>
      ({ name: `${kind}${layers}-${budget}`, kind, layers, budget, work: cost }) as GridRun;
    const runs = [run('rnn', 3, 64, 5), run('lstm', 3, 128, 9), run('lstm', 1, 64, 1), run('gru', 3, 64, 6), run('lstm', 3, 64, 4), run('gru', 2, 128, 7)];
    expect(orderRuns(runs, (r) => r.work).map((r) => r.name)).toEqual(['lstm3-64', 'gru3-64', 'lstm3-128', 'lstm1-64', 'rnn3-64', 'gru2-128']);
  });
});

describe('kindMargins and depthGains', () => {
  // a made-up table: one corpus, one budget; losses chosen so each answer is a subtraction
  const e = (kind: GridRun['kind'], layers: number, test: number): TableEntry => ({ corpus: 'c', budget: 64, layers, kind, test });
  const table = [e('rnn', 1, 2.0), e('lstm', 1, 1.5), e('gru', 1, 1.6), e('rnn', 2, 1.9), e('lstm', 2, 1.4), e('gru', 2, 1.45), e('lstm', 3, 1.42)];

  it('kind against kind at the same setting: positive when the first is better', () => {
    // lstm vs rnn: 1 layer 2.0 − 1.5 = 0.5; 2 layers 1.9 − 1.4 = 0.5; 3 layers: no rnn, left out
    expect(kindMargins(table, 'lstm', 'rnn').map((m) => [m.setting, +m.gain.toFixed(9)])).toEqual([
      ['c 1L/64', 0.5],
      ['c 2L/64', 0.5],
    ]);
    // rnn vs gru: 1.6 − 2.0 = −0.4, 1.45 − 1.9 = −0.45
    expect(kindMargins(table, 'rnn', 'gru').map((m) => +m.gain.toFixed(9))).toEqual([-0.4, -0.45]);
  });

  it('depth against depth with the same cell: positive when deeper is better', () => {
    // 1 → 2: rnn 2.0 − 1.9, lstm 1.5 − 1.4, gru 1.6 − 1.45
    expect(depthGains(table, 1, 2).map((m) => [m.setting, +m.gain.toFixed(9)])).toEqual([
      ['c rnn/64', 0.1],
      ['c lstm/64', 0.1],
      ['c gru/64', 0.15],
    ]);
    // 2 → 3: only the lstm has both, 1.4 − 1.42 = −0.02 (deeper is worse)
    expect(depthGains(table, 2, 3).map((m) => +m.gain.toFixed(9))).toEqual([-0.02]);
  });
});

// The cells-and-depth grid of "Visualizing and Understanding Recurrent Networks" (Karpathy, Johnson,
// Fei-Fei 2015): RNN, LSTM and GRU at 1, 2 and 3 layers, each cell sized to the parameter count of
// the LSTM with the same depth and 64 or 128 hidden units (the paper's two smallest budgets), on two
// corpora with the paper's splits. Plain functions of sizes and counts, tested in
// test/experiments/grid.test.ts.

import { type CellKind, parameterCount, Stripes, splitData, type TrainerOptions } from '../../src/index.ts';

export const KINDS: readonly CellKind[] = ['rnn', 'lstm', 'gru'];
export const DEPTHS: readonly number[] = [1, 2, 3];

/**
 * The hidden size of a `kind` network of `layers` layers over `V` characters whose parameter count
 * is closest to that of an LSTM of the same depth with `lstmHidden` units (ties: the smaller).
 */
export function matchedHidden(kind: CellKind, V: number, layers: number, lstmHidden: number): number {
  const target = parameterCount({ kind: 'lstm', V, H: lstmHidden, L: layers });
  let best = 1;
  // parameterCount grows with H, so the search can stop once it passes the target
  for (let H = 1; ; H++) {
    const p = parameterCount({ kind, V, H, L: layers });
    if (Math.abs(p - target) < Math.abs(parameterCount({ kind, V, H: best, L: layers }) - target)) best = H;
    if (p > target) return best;
  }
}

/** Training iterations of `epochs` passes over a text of `chars` characters (as the Trainer counts them). */
export function iterationsOf(chars: number, o: Pick<TrainerOptions, 'trainFrac' | 'valFrac' | 'batchSize' | 'seqLength' | 'epochs'>): number {
  const train = splitData(new Uint8Array(chars), { train: o.trainFrac, val: o.valFrac }).train;
  return o.epochs * new Stripes(train, o.batchSize, o.seqLength).chunks;
}

export interface GridRun {
  name: string;
  corpus: string;
  kind: CellKind;
  layers: number;
  hidden: number;
  /** The LSTM hidden size whose parameter count this run matches (64 or 128 at full size). */
  budget: number;
  params: number;
  /** Parameters a training step touches per character (workPerChar). */
  work: number;
  options: Partial<TrainerOptions>;
  until: number;
}

/**
 * Every run of the grid, in training order: the 3-layer LSTMs and GRUs first (the gate-saturation
 * analysis reads them), smaller budgets before larger; then the rest, cheapest first.
 */
export function orderRuns(runs: readonly GridRun[], cost: (r: GridRun) => number): GridRun[] {
  const first = (r: GridRun): boolean => r.layers === 3 && r.kind !== 'rnn';
  const key = (r: GridRun): number[] => (first(r) ? [0, r.budget, cost(r)] : [1, cost(r), 0]);
  return [...runs].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  });
}

/**
 * A training step's work per character, in parameters touched: every parameter but the first
 * layer's input weights (a one-hot input selects one of their columns).
 */
export function workPerChar(kind: CellKind, V: number, H: number, L: number): number {
  const gates = { rnn: 1, lstm: 4, gru: 3 }[kind];
  return parameterCount({ kind, V, H, L }) - gates * H * V;
}

/** One cell of the finished table. */
export interface TableEntry {
  corpus: string;
  budget: number;
  layers: number;
  kind: CellKind;
  /** Test loss, nats/char. */
  test: number;
}

/** How much better (lower test loss) than the other, in nats/char, in each matched setting where both were run. */
export interface Margin {
  setting: string;
  gain: number;
}

/** `kind` against `than` at the same corpus, budget and depth: than's loss minus kind's (positive: kind is better). */
export function kindMargins(table: readonly TableEntry[], kind: CellKind, than: CellKind): Margin[] {
  return table
    .filter((e) => e.kind === kind)
    .flatMap((e) => {
      const o = table.find((x) => x.kind === than && x.corpus === e.corpus && x.budget === e.budget && x.layers === e.layers);
      return o ? [{ setting: `${e.corpus} ${e.layers}L/${e.budget}`, gain: o.test - e.test }] : [];
    });
}

/** `to` layers against `from` layers at the same corpus, budget and cell: from's loss minus to's (positive: deeper is better). */
export function depthGains(table: readonly TableEntry[], from: number, to: number): Margin[] {
  return table
    .filter((e) => e.layers === to)
    .flatMap((e) => {
      const o = table.find((x) => x.layers === from && x.corpus === e.corpus && x.budget === e.budget && x.kind === e.kind);
      return o ? [{ setting: `${e.corpus} ${e.kind}/${e.budget}`, gain: o.test - e.test }] : [];
    });
}

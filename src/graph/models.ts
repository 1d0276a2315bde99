// The models of this project unrolled one step at a time, for drawing: the same losses as
// rnn.ts (min-char-rnn and its deeper versions) and charrnn.ts (char-rnn's RNN, LSTM and GRU, one
// stream), with the same parameters, but every step computes its own input projection and every
// tensor worth a name gets one. The training code batches the T input projections into one
// matrix product, which is faster but draws as one box; here each step reads like the equations.
// The tests check that both give the same loss and the same gradients.
//
// Row vectors, as in the engine: x_t (1, V) one-hot, h (1, H); W·x is drawn as x·Wᵀ.
// Dimensions: V vocabulary, H hidden, L layers, T steps.

import { add, mul, sigmoid, sub, tanh } from '../engine/ops/elementwise.ts';
import { softmaxCrossEntropy } from '../engine/ops/loss.ts';
import { matmul, transpose } from '../engine/ops/matmul.ts';
import { slice } from '../engine/ops/shape.ts';
import { Rng } from '../engine/random.ts';
import { Tensor } from '../engine/tensor.ts';
import { unreachable } from '../errors.ts';
import * as charrnn from '../models/charrnn.ts';
import * as rnn from '../models/rnn.ts';
import { describeGraph, GraphLabels, type TapeGraph } from './describe.ts';

export type GraphModel = charrnn.CellKind | 'minchar';
export const GRAPH_MODELS: readonly GraphModel[] = ['rnn', 'lstm', 'gru', 'minchar'];

/** A loss built for drawing, with the labels that name and place its tensors. */
export interface Unrolled {
  loss: Tensor;
  labels: GraphLabels;
}

/** A one-hot row (1, V), a leaf of its own so the drawing shows it (its gradient is computed too, and unused). */
function oneHot(id: number, V: number, labels: GraphLabels, name: string): Tensor {
  const x = Tensor.zeros([1, V], true);
  x.data[id] = 1;
  return labels.name(x, name, 'input');
}

/** The starting state as leaves, so that d loss / d hprev is drawn (min-char-rnn returns it too). */
function stateLeaf(values: ArrayLike<number>, H: number, labels: GraphLabels, name: string): Tensor {
  return labels.name(new Tensor(Float64Array.from(values), [1, H], true), name, 'input');
}

/** Σ_t loss_t, kept as a running sum placed in each step's output layer. */
function outputStep(
  labels: GraphLabels,
  h: Tensor,
  WT: Tensor,
  b: Tensor,
  target: number,
  total: Tensor | null,
  where: { step: number; layer: number },
): Tensor {
  const y = labels.name(add(matmul(h, WT), b), 'y');
  const lt = labels.name(softmaxCrossEntropy(y, [target]), 'loss');
  const sum = total ? labels.name(add(total, lt), 'Σ loss') : lt;
  labels.place([sum], where);
  return sum;
}

/** rnn.ts's loss (Σ over steps), step by step. `p` are rnn.ts's parameters (Wxh, Whh1, bh1, …). */
export function minCharUnrolled(p: rnn.Params, inputs: readonly number[], targets: readonly number[], hprev: readonly Float64Array[]): Unrolled {
  const { vocabSize: V, hiddenSize: H, layers: L } = rnn.configOf(p);
  const labels = new GraphLabels();
  labels.params(p);
  if (L === 1) {
    // min-char-rnn's own names
    labels.name(p.Whh1, 'Whh', 'param');
    labels.name(p.bh1, 'bh', 'param');
  }
  const WinT = Array.from({ length: L }, (_, l) => transpose(p[rnn.inputWeight(l + 1)]));
  const WhhT = Array.from({ length: L }, (_, l) => transpose(p[`Whh${l + 1}`]));
  const WhyT = transpose(p.Why);
  let h = hprev.map((v, l) => stateLeaf(v, H, labels, L === 1 ? 'hprev' : `hprev${l + 1}`));
  let total: Tensor | null = null;
  for (let t = 0; t < inputs.length; t++) {
    let below = oneHot(inputs[t], V, labels, `x${t}`);
    h = h.map((hPrev, l) => {
      const hraw = labels.name(add(add(matmul(below, WinT[l]), matmul(hPrev, WhhT[l])), p[`bh${l + 1}`]), 'hraw');
      below = labels.name(tanh(hraw), 'h');
      labels.place([below], { step: t, layer: l });
      return below;
    });
    total = outputStep(labels, below, WhyT, p.by, targets[t], total, { step: t, layer: L });
  }
  return { loss: total!, labels };
}

/** One step of one layer of char-rnn's cells (charrnn.ts's cellStep, with names). */
function cellStep(
  kind: charrnn.CellKind,
  H: number,
  labels: GraphLabels,
  inp: Tensor,
  h: Tensor,
  c: Tensor | null,
  w: { WihT: Tensor; WhhT: Tensor; bih: Tensor; bhh: Tensor },
): { h: Tensor; c: Tensor | null } {
  const n = labels.name.bind(labels);
  const xi = n(add(matmul(inp, w.WihT), w.bih), 'W_ih·in + b_ih');
  const hh = n(add(matmul(h, w.WhhT), w.bhh), 'W_hh·h + b_hh');
  const gate = (src: Tensor, k: number) => slice(src, 1, k * H, (k + 1) * H);
  switch (kind) {
    case 'rnn':
      return { h: n(tanh(add(xi, hh)), 'h'), c: null };
    case 'lstm': {
      const a = n(add(xi, hh), 'gates');
      const i = n(sigmoid(gate(a, 0)), 'i');
      const f = n(sigmoid(gate(a, 1)), 'f');
      const g = n(tanh(gate(a, 2)), 'g');
      const o = n(sigmoid(gate(a, 3)), 'o');
      const cNew = n(add(mul(f, c!), mul(i, g)), 'c');
      return { h: n(mul(o, n(tanh(cNew), 'tanh(c)')), 'h'), c: cNew };
    }
    case 'gru': {
      const r = n(sigmoid(add(gate(xi, 0), gate(hh, 0))), 'r');
      const z = n(sigmoid(add(gate(xi, 1), gate(hh, 1))), 'z');
      const nn = n(tanh(add(gate(xi, 2), mul(r, gate(hh, 2)))), 'n');
      return { h: n(add(mul(sub(1, z), nn), mul(z, h)), 'h'), c: null };
    }
    default:
      return unreachable(kind, 'cell kind');
  }
}

/** charrnn.ts's loss for one stream (the mean over the T steps), step by step. */
export function charUnrolled(p: charrnn.Params, inputs: readonly number[], targets: readonly number[], state: charrnn.State): Unrolled {
  const { kind, vocabSize: V, hiddenSize: H, layers: L } = charrnn.configOf(p);
  charrnn.checkBatch(charrnn.configOf(p), { inputs, targets, T: inputs.length, B: 1 }, state);
  const labels = new GraphLabels();
  labels.params(p);
  const ws = Array.from({ length: L }, (_, l) => ({
    WihT: transpose(p[charrnn.weightIH(l)]),
    WhhT: transpose(p[charrnn.weightHH(l)]),
    bih: p[charrnn.biasIH(l)],
    bhh: p[charrnn.biasHH(l)],
  }));
  const decT = transpose(p[charrnn.DECODER_WEIGHT]);
  let h = state.h.map((v, l) => stateLeaf(v, H, labels, `h0[${l}]`));
  let c: (Tensor | null)[] = charrnn.HAS_CELL_STATE[kind] ? state.c.map((v, l) => stateLeaf(v, H, labels, `c0[${l}]`)) : h.map(() => null);
  let total: Tensor | null = null;
  for (let t = 0; t < inputs.length; t++) {
    let below = oneHot(inputs[t], V, labels, `x${t}`);
    const next = h.map((hPrev, l) => {
      const out = cellStep(kind, H, labels, below, hPrev, c[l], ws[l]);
      labels.place(out.c ? [out.h, out.c] : [out.h], { step: t, layer: l });
      below = out.h;
      return out;
    });
    h = next.map((s) => s.h);
    c = next.map((s) => s.c);
    total = outputStep(labels, below, decT, p[charrnn.DECODER_BIAS], targets[t], total, { step: t, layer: L });
  }
  return { loss: labels.name(mul(total!, 1 / inputs.length), 'mean loss'), labels };
}

export interface GraphOptions {
  model: GraphModel;
  layers: number;
  seq: number; // T
  hidden: number; // H
  text?: string; // the chunk: its first T+1 characters; default 'hello world!'
  seed?: number; // parameters' seed; default 1
}

export const DEFAULT_GRAPH_TEXT = 'hello world!';

/**
 * The graph of one chunk of a freshly initialised model: the loss of `text`'s first seq+1
 * characters (the vocabulary is their distinct characters), with every value and gradient.
 */
export function modelGraph(o: GraphOptions): TapeGraph {
  const chars = Array.from(o.text ?? DEFAULT_GRAPH_TEXT).slice(0, o.seq + 1);
  if (chars.length < o.seq + 1) throw new Error(`the text has ${chars.length} characters; ${o.seq} steps need ${o.seq + 1}`);
  const vocab = [...new Set(chars)].sort();
  const ids = chars.map((ch) => vocab.indexOf(ch));
  const inputs = ids.slice(0, -1),
    targets = ids.slice(1);
  const rng = new Rng(o.seed ?? 1);
  const config = { vocabSize: vocab.length, hiddenSize: o.hidden, layers: o.layers };
  const asParams = (p: Record<string, Tensor>) => Object.fromEntries(Object.entries(p).map(([k, t]) => [k, t.asParam()]));
  const { loss, labels } =
    o.model === 'minchar'
      ? minCharUnrolled(asParams(rnn.initParams(config, rng)), inputs, targets, rnn.zeroState(config))
      : charUnrolled(asParams(charrnn.initParams({ kind: o.model, ...config }, rng)), inputs, targets, charrnn.zeroState({ kind: o.model, ...config }, 1));
  // Name the inputs by their characters.
  for (const [t, x] of labels.names) {
    const m = /^x(\d+)$/.exec(x.label);
    if (x.kind === 'input' && m) labels.name(t, `x${m[1]} '${vocab[inputs[Number(m[1])]]}'`, 'input');
  }
  return describeGraph(loss, { labels, gradients: true });
}

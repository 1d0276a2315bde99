// A character-level vanilla RNN with L stacked layers, written forward-only on the engine; the
// tape supplies the gradients. The hand-derived versions are rnn1.manual.ts (min-char-rnn),
// rnn2.manual.ts (the post's 2-layer network) and rnnN.manual.ts (any L).
//
// Dimensions: V vocabulary size, H hidden size, L layers, T time steps in a chunk.
//
//   h[l]_t = tanh(W_in[l]·in[l]_t + Whh[l]·h[l]_{t-1} + bh[l])     in[0]_t = onehot(x_t), in[l]_t = h[l-1]_t
//   y_t    = Why·h[L]_t + by
//   loss   = Σ_t −log softmax(y_t)[target_t]
//
// Parameter names follow the post's 2-layer network, extended to any depth (layers count from 1):
//   Wxh (H, V)  input → layer 1        Whh1 (H, H), bh1 (H)
//   Wh1h2 (H, H) layer 1 → layer 2     Whh2 (H, H), bh2 (H)      … and so on up to layer L
//   Why (V, H), by (V)                 output
// For L = 1 these are min-char-rnn's Wxh, Whh, bh, Why, by with Whh and bh numbered 1.

import { add, tanh } from '../engine/ops/elementwise.ts';
import { softmaxCrossEntropy } from '../engine/ops/loss.ts';
import { matmul, transpose } from '../engine/ops/matmul.ts';
import { concat, gatherRows, slice } from '../engine/ops/shape.ts';
import type { Rng } from '../engine/random.ts';
import { Tensor } from '../engine/tensor.ts';

export interface RNNConfig {
  vocabSize: number; // V
  hiddenSize: number; // H
  layers: number; // L
}

export type Params = Record<string, Tensor>;

/** Name of the weight from layer l−1 (or the input, for l = 1) into layer l. */
export const inputWeight = (l: number): string => (l === 1 ? 'Wxh' : `Wh${l - 1}h${l}`);

/** Every parameter name with its shape, in a fixed order (the order init draws them in). */
export function paramShapes({ vocabSize: V, hiddenSize: H, layers: L }: RNNConfig): [string, number[]][] {
  const out: [string, number[]][] = [];
  for (let l = 1; l <= L; l++) {
    out.push([inputWeight(l), [H, l === 1 ? V : H]], [`Whh${l}`, [H, H]], [`bh${l}`, [H]]);
  }
  out.push(['Why', [V, H]], ['by', [V]]);
  return out;
}

/** min-char-rnn's initialisation: weights ~ N(0, 1)·0.01, biases 0. */
export function initParams(config: RNNConfig, rng: Rng): Params {
  const p: Params = {};
  for (const [name, shape] of paramShapes(config)) {
    p[name] = name.startsWith('b') ? Tensor.zeros(shape) : Tensor.randn(shape, rng, 0.01);
  }
  return p;
}

/** The configuration implied by a parameter set. */
export function configOf(p: Params): RNNConfig {
  let L = 0;
  while (p[`Whh${L + 1}`]) L++;
  return { vocabSize: p.Why.shape[0], hiddenSize: p.Why.shape[1], layers: L };
}

/**
 * Loss of one chunk: `inputs[t]` predicts `targets[t]`, starting from hidden states `hprev`
 * (one length-H array per layer). Returns the summed loss and the final hidden states.
 * Works layer by layer (all T steps of layer 1, then layer 2, …), which gives the same numbers
 * as stepping all layers together and lets each layer's input projection be one matrix product.
 */
export function rnnLoss(p: Params, inputs: readonly number[], targets: readonly number[], hprev: readonly Float64Array[]): { loss: Tensor; h: Float64Array[] } {
  const { hiddenSize: H, layers: L } = configOf(p);
  if (inputs.length !== targets.length || inputs.length === 0) throw new Error('rnnLoss: inputs and targets must be non-empty and of equal length');
  const T = inputs.length;
  let below: Tensor | null = null; // (T, H): the previous layer's hidden states
  const hLast: Float64Array[] = [];
  for (let l = 1; l <= L; l++) {
    // W_in·in for all T steps at once: a row lookup for the one-hot input, a product above it.
    const Win = p[inputWeight(l)];
    const proj: Tensor = l === 1 ? gatherRows(transpose(Win), inputs) : matmul(below!, transpose(Win));
    const WhhT = transpose(p[`Whh${l}`]);
    const bh = p[`bh${l}`];
    let h = new Tensor(Float64Array.from(hprev[l - 1]), [1, H]);
    const hs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      h = tanh(add(add(slice(proj, 0, t, t + 1), matmul(h, WhhT)), bh));
      hs.push(h);
    }
    hLast.push(Float64Array.from(h.data));
    below = concat(hs, 0);
  }
  const logits = add(matmul(below!, transpose(p.Why)), p.by); // (T, V)
  return { loss: softmaxCrossEntropy(logits, targets), h: hLast };
}

/**
 * Inference one character at a time (sampling). Transposes the weights once, then each call of
 * the returned function feeds character `x` and gives the logits (length V) and the new hidden
 * states. Parameters that do not require gradients build no tape.
 */
export function rnnStepper(p: Params): (x: number, hprev: readonly Float64Array[]) => { logits: Float64Array; h: Float64Array[] } {
  const { hiddenSize: H, layers: L } = configOf(p);
  const WinT = Array.from({ length: L }, (_, i) => transpose(p[inputWeight(i + 1)]));
  const WhhT = Array.from({ length: L }, (_, i) => transpose(p[`Whh${i + 1}`]));
  const WhyT = transpose(p.Why);
  return (x, hprev) => {
    const h: Float64Array[] = [];
    let inp: Tensor | null = null;
    for (let l = 0; l < L; l++) {
      const proj = l === 0 ? gatherRows(WinT[0], [x]) : matmul(inp!, WinT[l]);
      const hPrev = new Tensor(hprev[l], [1, H]); // shared, not copied: ops never write their inputs
      inp = tanh(add(add(proj, matmul(hPrev, WhhT[l])), p[`bh${l + 1}`]));
      h.push(inp.data);
    }
    return { logits: add(matmul(inp!, WhyT), p.by).data, h };
  };
}

/** Zero hidden states for every layer. */
export function zeroState(config: RNNConfig): Float64Array[] {
  return Array.from({ length: config.layers }, () => new Float64Array(config.hiddenSize));
}

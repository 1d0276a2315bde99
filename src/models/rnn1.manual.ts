// min-char-rnn's network, with its backward pass derived by hand (no tape), under min-char-rnn's
// own names. The tape version is rnn.ts with L = 1, where Whh and bh are called Whh1 and bh1;
// toCanonical/fromCanonical translate.
//
// Dimensions: V vocabulary size, H hidden size, T time steps in the chunk.
//
// Forward, for t = 0 … T−1, with x_t = inputs[t] and h_{−1} = hprev:
//   hraw_t = Wxh·onehot(x_t) + Whh·h_{t−1} + bh        (H)   pre-activation
//   h_t    = tanh(hraw_t)                               (H)
//   y_t    = Why·h_t + by                               (V)   unnormalised log-probabilities
//   p_t    = softmax(y_t)                               (V)
//   loss   = Σ_t −log p_t[target_t]                     summed over the chunk, not averaged
//
// Layout: a per-chunk quantity is one flat array with a row per time step, e.g. the hidden
// states hs are (T+1)×H with row 0 = hprev and row t+1 = h_t. So rows 0…T−1 are "the previous
// hidden state of every step" and rows 1…T are "the hidden state of every step", with no copy.
// Nothing is allocated inside the time loops.

import type { Tensor } from '../engine/tensor.ts';
import {
  addColumnSums,
  addMatMul,
  addMatTMul,
  checkChunk,
  checkShapes,
  matMulT,
  matTVec,
  matVec,
  newGrads,
  shapeOf,
  softmaxCrossEntropyRows,
} from './manual/mat.ts';
import type { Params } from './rnn.ts';

export interface Params1 {
  Wxh: Tensor; // (H, V)  input → hidden
  Whh: Tensor; // (H, H)  hidden → hidden
  Why: Tensor; // (V, H)  hidden → output
  bh: Tensor; // (H)
  by: Tensor; // (V)
}

/** Gradients have the parameters' names and shapes. */
export type Grads1 = Params1;

/** What backward needs from forward. The parameters are referenced, not copied: do not change them in between. */
export interface Cache1 {
  p: Params1;
  inputs: readonly number[]; // (T)
  targets: readonly number[]; // (T)
  hs: Float64Array; // (T+1, H): row 0 = hprev, row t+1 = h_t
  probs: Float64Array; // (T, V): p_t
}

export function forward(
  p: Params1,
  inputs: readonly number[],
  targets: readonly number[],
  hprev: Float64Array,
): { loss: number; h: Float64Array; cache: Cache1 } {
  const [H, V] = shapeOf(p.Wxh, 2);
  const T = inputs.length;
  checkChunk('rnn1.forward', inputs, targets, V);
  checkShapes('rnn1.forward', { ...p }, [
    ['Whh', [H, H]],
    ['Why', [V, H]],
    ['bh', [H]],
    ['by', [V]],
  ]);
  if (hprev.length !== H) throw new Error(`rnn1.forward: hprev has length ${hprev.length}, expected H = ${H}`);
  const Wxh = p.Wxh.data,
    Whh = p.Whh.data,
    Why = p.Why.data,
    bh = p.bh.data,
    by = p.by.data;

  const hs = new Float64Array((T + 1) * H); // (T+1, H)
  hs.set(hprev);
  for (let t = 0; t < T; t++) {
    const x = inputs[t],
      prev = t * H,
      cur = prev + H;
    matVec(hs, cur, Whh, hs, prev, H, H); // Whh·h_{t−1}
    // Wxh·onehot(x_t) is column x_t of Wxh: a lookup, not a product.
    for (let j = 0; j < H; j++) hs[cur + j] = Math.tanh(hs[cur + j] + Wxh[j * V + x] + bh[j]);
  }

  // The output layer does not feed back, so all T steps go at once: Y (T×V) = Hs (T×H)·Whyᵀ + by.
  const probs = new Float64Array(T * V);
  matMulT(probs, hs.subarray(H), Why, T, H, V);
  for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) probs[t * V + v] += by[v];
  const loss = softmaxCrossEntropyRows(probs, targets, T, V); // Y → P in place

  return { loss, h: hs.slice(T * H), cache: { p, inputs, targets, hs, probs } };
}

/** Gradients of the chunk's loss. The incoming hprev is treated as a constant (truncated backprop). */
export function backward(c: Cache1): Grads1 {
  const { p, inputs, targets, hs } = c;
  const [H, V] = shapeOf(p.Wxh, 2);
  const T = inputs.length;
  const Whh = p.Whh.data,
    Why = p.Why.data;
  const g = newGrads(p);
  const dWxh = g.Wxh.data,
    dWhh = g.Whh.data,
    dWhy = g.Why.data,
    dbh = g.bh.data,
    dby = g.by.data;

  // Softmax + cross-entropy: ∂loss/∂y_t = p_t − onehot(target_t). (The softmax Jacobian and the
  // 1/p of the log cancel, which is why the two are differentiated together.)
  const dY = c.probs.slice(); // (T, V)
  for (let t = 0; t < T; t++) dY[t * V + targets[t]] -= 1;

  // y_t = Why·h_t + by, for every t:
  //   dWhy = Σ_t dy_t·h_tᵀ = dYᵀ·Hs     one product over T, instead of T outer products
  //   dby  = Σ_t dy_t
  //   dh_t (from the output) = Whyᵀ·dy_t, for all t at once: dHs (T×H) = dY·Why
  const Hs = hs.subarray(H);
  addMatTMul(dWhy, dY, Hs, V, T, H);
  addColumnSums(dby, dY, T, V);
  const dHs = new Float64Array(T * H);
  addMatMul(dHs, dY, Why, T, V, H);

  // Back through time, last step first. h_t feeds two things: y_t (dHs row t) and h_{t+1}
  // (dhNext, carried back from the step after). Their gradients add.
  const dHraw = new Float64Array(T * H); // (T, H): ∂loss/∂hraw_t
  const dhNext = new Float64Array(H); // ∂loss/∂h_t through h_{t+1}; zero after the last step
  for (let t = T - 1; t >= 0; t--) {
    const cur = (t + 1) * H,
      row = t * H;
    // Through tanh: dhraw_t = (1 − h_t²) ⊙ (dh_t from the output + dhNext).
    for (let j = 0; j < H; j++) {
      const h = hs[cur + j];
      dHraw[row + j] = (1 - h * h) * (dHs[row + j] + dhNext[j]);
    }
    // hraw_t contains Whh·h_{t−1}, so the gradient reaching h_{t−1} is Whhᵀ·dhraw_t.
    // (At t = 0 that would be ∂loss/∂hprev, which truncated backprop does not use.)
    if (t > 0) matTVec(dhNext, Whh, dHraw, row, H, H);
  }

  // hraw_t = Wxh·onehot(x_t) + Whh·h_{t−1} + bh, summed over t:
  //   dWhh = Σ_t dhraw_t·h_{t−1}ᵀ = dHrawᵀ·Hprev   (Hprev = rows 0…T−1 of hs)
  //   dbh  = Σ_t dhraw_t
  //   dWxh = Σ_t dhraw_t·onehot(x_t)ᵀ: the one-hot picks column x_t, so only the columns of the
  //          characters in this chunk get a gradient, and each gets dhraw_t added.
  addMatTMul(dWhh, dHraw, hs, H, T, H);
  addColumnSums(dbh, dHraw, T, H);
  for (let t = 0; t < T; t++) {
    const x = inputs[t],
      row = t * H;
    for (let j = 0; j < H; j++) dWxh[j * V + x] += dHraw[row + j];
  }
  return g;
}

/** The canonical names of rnn.ts (Whh1, bh1). Shares the tensors, copies nothing. */
export function toCanonical(p: Params1): Params {
  return { Wxh: p.Wxh, Whh1: p.Whh, bh1: p.bh, Why: p.Why, by: p.by };
}

/** min-char-rnn's names from the canonical ones of a 1-layer model. Shares the tensors. */
export function fromCanonical(p: Params): Params1 {
  for (const k of ['Wxh', 'Whh1', 'bh1', 'Why', 'by']) if (!p[k]) throw new Error(`rnn1.fromCanonical: missing parameter ${k}`);
  if (p.Whh2) throw new Error('rnn1.fromCanonical: these parameters have more than one layer');
  return { Wxh: p.Wxh, Whh: p.Whh1, Why: p.Why, bh: p.bh1, by: p.by };
}

// The post's 2-layer network, with its backward pass derived by hand (no tape). The names are the
// post's, which are also rnn.ts's canonical names for L = 2, so gradients compare key by key.
// rnn1.manual.ts explains the single-layer steps in more detail; here the new part is the second
// layer and the gradient that flows down from it into the first.
//
// Dimensions: V vocabulary size, H hidden size (both layers), T time steps in the chunk.
//
// Forward, for t = 0 … T−1, with x_t = inputs[t] and (h1_{−1}, h2_{−1}) = hprev:
//   h1_t = tanh(Wxh·onehot(x_t) + Whh1·h1_{t−1} + bh1)     (H)   layer 1
//   h2_t = tanh(Wh1h2·h1_t     + Whh2·h2_{t−1} + bh2)      (H)   layer 2, fed by layer 1
//   y_t  = Why·h2_t + by                                    (V)
//   loss = Σ_t −log softmax(y_t)[target_t]
//
// Layer 1 runs through all T steps before layer 2 starts: layer 2 at step t only needs h1_t,
// which is ready, and the whole input of layer 2 becomes one matrix product.
// Per-chunk arrays have a row per step; hs1 and hs2 are (T+1)×H with row 0 = hprev.

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

export interface Params2 {
  Wxh: Tensor; // (H, V)  input → layer 1
  Whh1: Tensor; // (H, H) layer 1 → layer 1 (next step)
  Wh1h2: Tensor; // (H, H) layer 1 → layer 2
  Whh2: Tensor; // (H, H) layer 2 → layer 2 (next step)
  Why: Tensor; // (V, H)  layer 2 → output
  bh1: Tensor; // (H)
  bh2: Tensor; // (H)
  by: Tensor; // (V)
}

export type Grads2 = Params2;

/** What backward needs from forward. Parameters are referenced, not copied: do not change them in between. */
export interface Cache2 {
  p: Params2;
  inputs: readonly number[]; // (T)
  targets: readonly number[]; // (T)
  hs1: Float64Array; // (T+1, H): row 0 = h1 prev, row t+1 = h1_t
  hs2: Float64Array; // (T+1, H): row 0 = h2 prev, row t+1 = h2_t
  probs: Float64Array; // (T, V)
}

export function forward(
  p: Params2,
  inputs: readonly number[],
  targets: readonly number[],
  hprev: readonly [Float64Array, Float64Array],
): { loss: number; h: [Float64Array, Float64Array]; cache: Cache2 } {
  const [H, V] = shapeOf(p.Wxh, 2);
  const T = inputs.length;
  checkChunk('rnn2.forward', inputs, targets, V);
  checkShapes('rnn2.forward', { ...p }, [
    ['Whh1', [H, H]],
    ['Wh1h2', [H, H]],
    ['Whh2', [H, H]],
    ['Why', [V, H]],
    ['bh1', [H]],
    ['bh2', [H]],
    ['by', [V]],
  ]);
  if (hprev.length !== 2 || hprev[0].length !== H || hprev[1].length !== H) throw new Error(`rnn2.forward: hprev must be two arrays of length H = ${H}`);
  const Wxh = p.Wxh.data,
    Whh1 = p.Whh1.data,
    Wh1h2 = p.Wh1h2.data,
    Whh2 = p.Whh2.data,
    bh1 = p.bh1.data,
    bh2 = p.bh2.data,
    by = p.by.data;

  // Layer 1: the input is one-hot, so Wxh·onehot(x_t) is column x_t of Wxh.
  const hs1 = new Float64Array((T + 1) * H);
  hs1.set(hprev[0]);
  for (let t = 0; t < T; t++) {
    const x = inputs[t],
      prev = t * H,
      cur = prev + H;
    matVec(hs1, cur, Whh1, hs1, prev, H, H); // Whh1·h1_{t−1}
    for (let j = 0; j < H; j++) hs1[cur + j] = Math.tanh(hs1[cur + j] + Wxh[j * V + x] + bh1[j]);
  }

  // Layer 2: its input for all steps at once, U (T×H) = H1s·Wh1h2ᵀ, then the recurrence.
  const U = new Float64Array(T * H);
  matMulT(U, hs1.subarray(H), Wh1h2, T, H, H);
  const hs2 = new Float64Array((T + 1) * H);
  hs2.set(hprev[1]);
  for (let t = 0; t < T; t++) {
    const prev = t * H,
      cur = prev + H;
    matVec(hs2, cur, Whh2, hs2, prev, H, H); // Whh2·h2_{t−1}
    for (let j = 0; j < H; j++) hs2[cur + j] = Math.tanh(hs2[cur + j] + U[prev + j] + bh2[j]);
  }

  // Output for all steps: Y (T×V) = H2s·Whyᵀ + by, then softmax in place.
  const probs = new Float64Array(T * V);
  matMulT(probs, hs2.subarray(H), p.Why.data, T, H, V);
  for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) probs[t * V + v] += by[v];
  const loss = softmaxCrossEntropyRows(probs, targets, T, V);

  return { loss, h: [hs1.slice(T * H), hs2.slice(T * H)], cache: { p, inputs, targets, hs1, hs2, probs } };
}

/** Gradients of the chunk's loss; hprev is a constant (truncated backprop through time). */
export function backward(c: Cache2): Grads2 {
  const { p, inputs, targets, hs1, hs2 } = c;
  const [H, V] = shapeOf(p.Wxh, 2);
  const T = inputs.length;
  const g = newGrads(p);

  // Softmax + cross-entropy: dy_t = p_t − onehot(target_t).
  const dY = c.probs.slice(); // (T, V)
  for (let t = 0; t < T; t++) dY[t * V + targets[t]] -= 1;

  // Output layer y_t = Why·h2_t + by: dWhy = dYᵀ·H2s, dby = Σ_t dy_t, dh2_t = Whyᵀ·dy_t (dH2 = dY·Why).
  addMatTMul(g.Why.data, dY, hs2.subarray(H), V, T, H);
  addColumnSums(g.by.data, dY, T, V);
  const dH2 = new Float64Array(T * H); // (T, H): ∂loss/∂h2_t from the output
  addMatMul(dH2, dY, p.Why.data, T, V, H);

  // Layer 2 back through time. h2_t feeds y_t and h2_{t+1}; the two gradients add.
  const Whh2 = p.Whh2.data;
  const dH2raw = new Float64Array(T * H); // (T, H)
  const dh2Next = new Float64Array(H);
  for (let t = T - 1; t >= 0; t--) {
    const row = t * H,
      cur = row + H;
    // through tanh: dh2raw_t = (1 − h2_t²) ⊙ (dh2_t + dh2Next)
    for (let j = 0; j < H; j++) dH2raw[row + j] = (1 - hs2[cur + j] * hs2[cur + j]) * (dH2[row + j] + dh2Next[j]);
    // carried back through time: dh2Next = Whh2ᵀ·dh2raw_t
    if (t > 0) matTVec(dh2Next, Whh2, dH2raw, row, H, H);
  }
  // h2raw_t = Wh1h2·h1_t + Whh2·h2_{t−1} + bh2, summed over t, each as one product over T:
  //   dWhh2 = dH2rawᵀ·H2prev    dWh1h2 = dH2rawᵀ·H1s    dbh2 = Σ_t dh2raw_t
  addMatTMul(g.Whh2.data, dH2raw, hs2, H, T, H);
  addMatTMul(g.Wh1h2.data, dH2raw, hs1.subarray(H), H, T, H);
  addColumnSums(g.bh2.data, dH2raw, T, H);
  // Down into layer 1: h1_t's gradient from layer 2 is Wh1h2ᵀ·dh2raw_t (dH1 = dH2raw·Wh1h2).
  // It plays the part that the output's gradient played for layer 2.
  const dH1 = new Float64Array(T * H);
  addMatMul(dH1, dH2raw, p.Wh1h2.data, T, H, H);

  // Layer 1 back through time, exactly as layer 2.
  const Whh1 = p.Whh1.data;
  const dH1raw = new Float64Array(T * H);
  const dh1Next = new Float64Array(H);
  for (let t = T - 1; t >= 0; t--) {
    const row = t * H,
      cur = row + H;
    // through tanh: dh1raw_t = (1 − h1_t²) ⊙ (dh1_t + dh1Next)
    for (let j = 0; j < H; j++) dH1raw[row + j] = (1 - hs1[cur + j] * hs1[cur + j]) * (dH1[row + j] + dh1Next[j]);
    // carried back through time: dh1Next = Whh1ᵀ·dh1raw_t
    if (t > 0) matTVec(dh1Next, Whh1, dH1raw, row, H, H);
  }
  // h1raw_t = Wxh·onehot(x_t) + Whh1·h1_{t−1} + bh1:
  //   dWhh1 = dH1rawᵀ·H1prev    dbh1 = Σ_t dh1raw_t
  //   dWxh: the one-hot picks column x_t, which gets dh1raw_t added; other columns stay zero.
  addMatTMul(g.Whh1.data, dH1raw, hs1, H, T, H);
  addColumnSums(g.bh1.data, dH1raw, T, H);
  const dWxh = g.Wxh.data;
  for (let t = 0; t < T; t++) {
    const x = inputs[t],
      row = t * H;
    for (let j = 0; j < H; j++) dWxh[j * V + x] += dH1raw[row + j];
  }
  return g;
}

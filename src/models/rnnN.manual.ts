// A vanilla RNN with any number of stacked layers, backward pass derived by hand (no tape), with
// the canonical parameter names of rnn.ts. It is rnn2.manual.ts with the layers in a loop; see
// rnn1.manual.ts for the single-layer derivation in full.
//
// Dimensions: V vocabulary size, H hidden size (every layer), L layers, T time steps in the chunk.
//
// Forward, for l = 1 … L and t = 0 … T−1, with h[l]_{−1} = hprev[l−1]:
//   h[l]_t = tanh(W_in[l]·in[l]_t + Whh[l]·h[l]_{t−1} + bh[l])   (H)
//            in[1]_t = onehot(x_t) with W_in[1] = Wxh (H, V);  in[l]_t = h[l−1]_t with W_in[l] = Wh{l−1}h{l} (H, H)
//   y_t    = Why·h[L]_t + by                                      (V)
//   loss   = Σ_t −log softmax(y_t)[target_t]
//
// Each layer runs through all T steps before the next starts, so a layer's whole input is one
// matrix product (a column lookup for layer 1). Backward goes the other way: output, then layer
// L back through time, its gradient down into layer L−1, and so on.
// hs[l−1] is (T+1)×H with row 0 = hprev[l−1] and row t+1 = h[l]_t.

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
import { inputWeight, type Params, paramShapes } from './rnn.ts';

/** What backward needs from forward. Parameters are referenced, not copied: do not change them in between. */
export interface CacheN {
  p: Params;
  inputs: readonly number[]; // (T)
  targets: readonly number[]; // (T)
  hs: Float64Array[]; // L arrays of (T+1, H): row 0 = hprev, row t+1 = h_t
  probs: Float64Array; // (T, V)
}

/** Number of layers, hidden size and vocabulary size, checking every parameter's shape. */
function dims(p: Params): { L: number; H: number; V: number } {
  if (!p.Wxh) throw new Error('rnnN: missing parameter Wxh');
  const [H, V] = shapeOf(p.Wxh, 2);
  let L = 0;
  while (p[`Whh${L + 1}`]) L++;
  if (L === 0) throw new Error('rnnN: missing parameter Whh1');
  checkShapes('rnnN', p, paramShapes({ vocabSize: V, hiddenSize: H, layers: L }));
  return { L, H, V };
}

export function forward(
  p: Params,
  inputs: readonly number[],
  targets: readonly number[],
  hprev: readonly Float64Array[],
): { loss: number; h: Float64Array[]; cache: CacheN } {
  const { L, H, V } = dims(p);
  const T = inputs.length;
  checkChunk('rnnN.forward', inputs, targets, V);
  if (hprev.length !== L || hprev.some((h) => h.length !== H)) throw new Error(`rnnN.forward: hprev must be ${L} arrays of length H = ${H}`);

  const hs: Float64Array[] = [];
  const U = new Float64Array(T * H); // (T, H): a layer's input term W_in·in_t for every step
  for (let l = 1; l <= L; l++) {
    const Win = p[inputWeight(l)].data,
      Whh = p[`Whh${l}`].data,
      bh = p[`bh${l}`].data;
    if (l === 1) {
      // one-hot input: W_in·onehot(x_t) is column x_t of Wxh, a lookup
      for (let t = 0; t < T; t++) for (let j = 0; j < H; j++) U[t * H + j] = Win[j * V + inputs[t]];
    } else {
      matMulT(U, hs[l - 2].subarray(H), Win, T, H, H); // U = H[l−1]s·W_inᵀ
    }
    const h = new Float64Array((T + 1) * H);
    h.set(hprev[l - 1]);
    for (let t = 0; t < T; t++) {
      const prev = t * H,
        cur = prev + H;
      matVec(h, cur, Whh, h, prev, H, H); // Whh·h_{t−1}
      for (let j = 0; j < H; j++) h[cur + j] = Math.tanh(h[cur + j] + U[prev + j] + bh[j]);
    }
    hs.push(h);
  }

  // Output for all steps: Y (T×V) = H[L]s·Whyᵀ + by, then softmax in place.
  const by = p.by.data;
  const probs = new Float64Array(T * V);
  matMulT(probs, hs[L - 1].subarray(H), p.Why.data, T, H, V);
  for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) probs[t * V + v] += by[v];
  const loss = softmaxCrossEntropyRows(probs, targets, T, V);

  return { loss, h: hs.map((h) => h.slice(T * H)), cache: { p, inputs, targets, hs, probs } };
}

/** Gradients of the chunk's loss, canonical names; hprev is a constant (truncated backprop through time). */
export function backward(c: CacheN): Params {
  const { p, inputs, targets, hs } = c;
  const { L, H, V } = dims(p);
  const T = inputs.length;
  const g = newGrads(p);

  // Softmax + cross-entropy: dy_t = p_t − onehot(target_t).
  const dY = c.probs.slice(); // (T, V)
  for (let t = 0; t < T; t++) dY[t * V + targets[t]] -= 1;

  // Output layer y_t = Why·h[L]_t + by: dWhy = dYᵀ·H[L]s, dby = Σ_t dy_t, and the gradient
  // arriving at every h[L]_t from above, dHabove (T×H) = dY·Why.
  addMatTMul(g.Why.data, dY, hs[L - 1].subarray(H), V, T, H);
  addColumnSums(g.by.data, dY, T, V);
  const dHabove = new Float64Array(T * H);
  addMatMul(dHabove, dY, p.Why.data, T, V, H);

  const dHraw = new Float64Array(T * H); // (T, H), reused by each layer
  const dhNext = new Float64Array(H);
  for (let l = L; l >= 1; l--) {
    const h = hs[l - 1],
      Whh = p[`Whh${l}`].data;
    // Back through time. h[l]_t feeds the layer above (or the output) and h[l]_{t+1}; the
    // gradients add. dhNext starts at zero: nothing after the last step.
    dhNext.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const row = t * H,
        cur = row + H;
      // through tanh: dhraw_t = (1 − h_t²) ⊙ (dh_t from above + dhNext)
      for (let j = 0; j < H; j++) dHraw[row + j] = (1 - h[cur + j] * h[cur + j]) * (dHabove[row + j] + dhNext[j]);
      // carried back through time: dhNext = Whhᵀ·dhraw_t
      if (t > 0) matTVec(dhNext, Whh, dHraw, row, H, H);
    }
    // hraw_t = W_in·in_t + Whh·h_{t−1} + bh, summed over t (each one product over T):
    //   dWhh = dHrawᵀ·Hprev    dbh = Σ_t dhraw_t
    addMatTMul(g[`Whh${l}`].data, dHraw, h, H, T, H);
    addColumnSums(g[`bh${l}`].data, dHraw, T, H);
    const dWin = g[inputWeight(l)].data;
    if (l === 1) {
      // one-hot input: only column x_t of Wxh was used at step t, and it gets dhraw_t
      for (let t = 0; t < T; t++) for (let j = 0; j < H; j++) dWin[j * V + inputs[t]] += dHraw[t * H + j];
    } else {
      // in_t = h[l−1]_t: dW_in = dHrawᵀ·H[l−1]s, and h[l−1]_t receives W_inᵀ·dhraw_t (dHbelow = dHraw·W_in),
      // which becomes the "from above" gradient of layer l−1
      addMatTMul(dWin, dHraw, hs[l - 2].subarray(H), H, T, H);
      dHabove.fill(0); // layer l's copy is used up
      addMatMul(dHabove, dHraw, p[inputWeight(l)].data, T, H, H);
    }
  }
  return g;
}

// What char-rnn's three hand-derived models share, forward and backward: each layer's input
// projection, the stack of L layers with dropout between them, and the decoder with softmax
// cross-entropy. The cells' own recurrences, and their backward passes through time, are in
// rnn.manual.ts, lstm.manual.ts and gru.manual.ts; each plugs into this file as a `Cell`.
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, B streams, G gates (1, 4, 3),
// GH = G·H, N = T·B rows. Arrays are flat and row-major; a "time-major" (N, ·) array has stream b
// at step t in row t·B + b, so the rows of step t are one contiguous block of B rows.
//
// Forward:
//   A[l]   = in[l]·W_ih[l]ᵀ + b_ih[l]        (N, GH)  the input side of every gate, all steps at once
//            in[0] = onehot(x): row r of A[0] is column x_r of W_ih[0], a lookup, not a product
//            in[l] = out[l−1] ⊙ m[l−1]        (N, H)   m: the dropout mask (or none)
//   out[l] = the cell's recurrence over t = 0 … T−1 from A[l], W_hh[l], b_hh[l], h[l]_{−1}   (N, H)
//   top    = out[L−1] ⊙ m[L−1]                (N, H)
//   Y      = top·W_decᵀ + b_dec                (N, V)   logits
//   loss   = (1/N) Σ_r −log softmax(Y_r)[target_r]
//
// Backward, in the reverse order:
//   dY = (softmax(Y) − onehot(target)) / N;  dW_dec = dYᵀ·top;  db_dec = Σ_r dY_r;  dtop = dY·W_dec
//   then for l = L−1 … 0: dout[l] = (dtop or din[l+1]) ⊙ m[l]; the cell turns dout[l] into dA[l]
//   (∂loss/∂A[l]) and dAh[l] (∂loss/∂(W_hh·h + b_hh), the same array except for the GRU), and
//   dW_hh = dAhᵀ·Hprev,  db_hh = Σ_r dAh_r,  dW_ih = dAᵀ·in,  db_ih = Σ_r dA_r,  din[l] = dA·W_ih.
// Every weight gradient is ONE product over all N rows (Σ_t dA_tᵀ·h_{t−1} = dAᵀ·Hprev with the
// steps stacked), not T small ones.

import {
  type Batch,
  biasHH,
  biasIH,
  type CellKind,
  checkBatch,
  configOf,
  DECODER_BIAS,
  DECODER_WEIGHT,
  type DropoutMasks,
  GATES,
  HAS_CELL_STATE,
  type Params,
  paramShapes,
  type State,
  weightHH,
  weightIH,
} from '../charrnn.ts';
import { addColumnSums, addMatMul, addMatTMul, checkShapes, newGrads, softmaxCrossEntropyRows, transposed, transposeInto } from './mat.ts';

export interface Dims {
  T: number;
  B: number;
  H: number;
  GH: number; // G·H, the width of a layer's gate pre-activations
}

/** One layer's recurrent weights, in both layouts the products need. */
export interface Recurrent {
  Whh: Float64Array; // (GH, H): backward, dh_{t−1} += dAh_t·W_hh
  WhhT: Float64Array; // (H, GH): forward, h_{t−1}·W_hhᵀ
  bhh: Float64Array; // (GH)
}

/**
 * A cell's recurrence over one layer and its hand-derived backward pass through time.
 * `hs` is (T+1)·B·H: block 0 holds h_{−1} on entry, forward writes h_t into block t+1. So blocks
 * 0…T−1 are every step's previous state (Hprev) and blocks 1…T every step's output, with no copy.
 */
export interface Cell<C> {
  kind: CellKind;
  /**
   * `A` (N, GH) holds the input side W_ih·in_t + b_ih of every step on entry; the cell may
   * overwrite it (the models store their gate values there). Returns the final cell state (a
   * fresh array; LSTM only, else null) and what backward needs (null unless keepCache).
   */
  forward(w: Recurrent, A: Float64Array, hs: Float64Array, c0: Float64Array | null, d: Dims, keepCache: boolean): { c: Float64Array | null; cache: C | null };
  /**
   * `dH` (N, H) holds ∂loss/∂h_t from above (the next layer or the decoder) on entry; the cell may
   * add the recurrent gradient into it. Returns dA = ∂loss/∂A and dAh = ∂loss/∂(W_hh·h_{t−1} + b_hh)
   * for every step (both (N, GH); one array when the two are equal).
   */
  backward(w: Recurrent, cache: C, hs: Float64Array, dH: Float64Array, d: Dims): { dA: Float64Array; dAh: Float64Array };
}

interface LayerCache<C> {
  input: Float64Array | null; // (N, H): in[l], or null for layer 0 (its input is the ids)
  hs: Float64Array; // ((T+1)·B, H)
  w: Recurrent;
  cell: C;
}

/** What backward needs from forward. The parameters are referenced, not copied: do not change them in between. */
export interface StackCache<C> {
  cell: Cell<C>;
  p: Params;
  batch: Batch;
  masks: DropoutMasks | undefined;
  dims: Dims & { L: number; V: number };
  layers: LayerCache<C>[];
  top: Float64Array; // (N, H): the decoder's input
  probs: Float64Array; // (N, V): softmax(Y)
}

/** Checks everything the loops will trust; returns the sizes. */
function check(kind: CellKind, p: Params, batch: Batch, state: State, masks: DropoutMasks | undefined): { L: number; H: number; V: number; GH: number } {
  const config = configOf(p);
  if (config.kind !== kind) throw new Error(`${kind}.manual: these parameters are a ${config.kind} model`);
  checkShapes(`${kind}.manual`, p, paramShapes(config));
  checkBatch(config, batch, state);
  const { layers: L, hiddenSize: H, vocabSize: V } = config;
  const n = batch.T * batch.B * H;
  if (masks && (masks.length !== L || masks.some((m) => m.length !== n))) throw new Error(`dropout masks: expected ${L} masks of T·B·H = ${n} values`);
  return { L, H, V, GH: GATES[kind] * H };
}

function recurrent(p: Params, l: number, GH: number, H: number): Recurrent {
  const Whh = p[weightHH(l)].data;
  return { Whh, WhhT: transposed(Whh, GH, H), bhh: p[biasHH(l)].data };
}

/** Mean loss of one chunk, the state after it, and (if keepCache) what backward needs. */
export function stackForward<C>(
  cell: Cell<C>,
  p: Params,
  batch: Batch,
  state: State,
  masks: DropoutMasks | undefined,
  keepCache: boolean,
): { loss: number; state: State; cache: StackCache<C> | null } {
  const { L, H, V, GH } = check(cell.kind, p, batch, state, masks);
  const { T, B } = batch;
  const N = T * B,
    d: Dims = { T, B, H, GH };
  const next: State = { h: [], c: [] };
  const layers: LayerCache<C>[] = [];
  let input: Float64Array | null = null; // (N, H): in[l] for l > 0
  for (let l = 0; l < L; l++) {
    const Wih = p[weightIH(l)].data,
      bih = p[biasIH(l)].data;
    const A = new Float64Array(N * GH); // (N, GH)
    if (l === 0) {
      // W_ih·onehot(x_r) is column x_r of W_ih (GH, V): a row of W_ihᵀ (V, GH), copied
      const WihT = transposed(Wih, GH, V);
      for (let r = 0; r < N; r++) {
        const src = batch.inputs[r] * GH,
          dst = r * GH;
        for (let j = 0; j < GH; j++) A[dst + j] = WihT[src + j] + bih[j];
      }
    } else {
      // A = b_ih + in·W_ihᵀ for all N rows in one product
      for (let r = 0; r < N; r++) A.set(bih, r * GH);
      addMatMul(A, input!, transposed(Wih, GH, H), N, H, GH);
    }
    const w = recurrent(p, l, GH, H);
    const hs = new Float64Array((T + 1) * B * H);
    hs.set(state.h[l]);
    const { c, cache } = cell.forward(w, A, hs, HAS_CELL_STATE[cell.kind] ? state.c[l] : null, d, keepCache);
    next.h.push(hs.slice(T * B * H));
    if (c) next.c.push(c);
    if (keepCache) layers.push({ input, hs, w, cell: cache! });
    // the layer's output, through its dropout mask, is the next layer's input (or the decoder's)
    input = masks ? times(hs.subarray(B * H), masks[l]) : hs.subarray(B * H);
  }

  // Decoder for all N rows at once: Y = b_dec + top·W_decᵀ, then softmax in place.
  const top = input!;
  const Y = new Float64Array(N * V);
  const bdec = p[DECODER_BIAS].data;
  for (let r = 0; r < N; r++) Y.set(bdec, r * V);
  addMatMul(Y, top, transposed(p[DECODER_WEIGHT].data, V, H), N, H, V);
  const loss = softmaxCrossEntropyRows(Y, batch.targets, N, V) / N; // Y now holds the probabilities
  const cache = keepCache ? { cell, p, batch, masks, dims: { ...d, L, V }, layers, top, probs: Y } : null;
  return { loss, state: next, cache };
}

/** Gradients of the mean loss; the incoming state is a constant (truncated backprop through time). */
export function stackBackward<C>(cache: StackCache<C>): Params {
  const { cell, p, batch, masks, layers, top } = cache;
  const { T, B, H, GH, L, V } = cache.dims;
  const N = T * B,
    d: Dims = { T, B, H, GH };
  const g = newGrads(p);

  // Softmax + cross-entropy, averaged over the N predictions: ∂loss/∂Y_r = (p_r − onehot(target_r)) / N.
  // (The softmax Jacobian and the log's 1/p cancel, which is why the two are differentiated together.)
  const dY = cache.probs.slice(); // (N, V)
  for (let r = 0; r < N; r++) dY[r * V + batch.targets[r]] -= 1;
  const inv = 1 / N;
  for (let i = 0; i < dY.length; i++) dY[i] *= inv;

  // Y = top·W_decᵀ + b_dec, row by row:
  //   dW_dec = Σ_r dY_rᵀ·top_r = dYᵀ·top     db_dec = Σ_r dY_r     dtop = dY·W_dec
  addMatTMul(g[DECODER_WEIGHT].data, dY, top, V, N, H);
  addColumnSums(g[DECODER_BIAS].data, dY, N, V);
  let dOut = new Float64Array(N * H); // (N, H): ∂loss/∂(what layer l hands up), first top = out[L−1] ⊙ m
  addMatMul(dOut, dY, p[DECODER_WEIGHT].data, N, V, H);

  for (let l = L - 1; l >= 0; l--) {
    const layer = layers[l];
    // Through the dropout mask: out ⊙ m, so dout = d(out ⊙ m) ⊙ m (dropped units get nothing).
    if (masks) {
      const m = masks[l];
      for (let i = 0; i < dOut.length; i++) dOut[i] *= m[i];
    }
    // Through the cell, back through time: the gradients of the two pre-activation sides.
    const { dA, dAh } = cell.backward(layer.w, layer.cell, layer.hs, dOut, d);
    // W_hh·h_{t−1} + b_hh at every step: dW_hh = Σ_t dAh_tᵀ·h_{t−1} = dAhᵀ·Hprev (Hprev = the first
    // T blocks of hs), db_hh = Σ_r dAh_r.
    addMatTMul(g[weightHH(l)].data, dAh, layer.hs, GH, N, H);
    addColumnSums(g[biasHH(l)].data, dAh, N, GH);
    // A = in·W_ihᵀ + b_ih: db_ih = Σ_r dA_r, and:
    addColumnSums(g[biasIH(l)].data, dA, N, GH);
    if (l === 0) {
      // one-hot input: row r used only column x_r of W_ih, which gets dA_r. Accumulated as rows of
      // dW_ihᵀ (V, GH), contiguous, then transposed into place.
      const dWihT = new Float64Array(V * GH);
      for (let r = 0; r < N; r++) {
        const dst = batch.inputs[r] * GH,
          src = r * GH;
        for (let j = 0; j < GH; j++) dWihT[dst + j] += dA[src + j];
      }
      transposeInto(g[weightIH(0)].data, dWihT, V, GH);
    } else {
      // dW_ih = dAᵀ·in;  the input (layer l−1's dropped output) receives din = dA·W_ih
      addMatTMul(g[weightIH(l)].data, dA, layer.input!, GH, N, H);
      dOut = new Float64Array(N * H);
      addMatMul(dOut, dA, p[weightIH(l)].data, N, GH, H);
    }
  }
  return g;
}

/** x ⊙ m as a new array. */
function times(x: Float64Array, m: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * m[i];
  return out;
}

/**
 * σ(x) = 1 / (1 + e^−x).
 * NOTE: for x < 0 it is computed as eˣ / (1 + eˣ), so exp never sees a large positive argument.
 */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

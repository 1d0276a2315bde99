// char-rnn's vanilla RNN (PyTorch's nn.RNN, tanh) with its backward pass derived by hand: L
// layers, B streams, truncated backprop through T steps. The tape version is charrnn.ts with
// kind 'rnn'; the parameter names and the numbers are the same. The layer stack, the dropout, the
// input projection and the decoder are shared with the LSTM and the GRU: manual/stack.ts.
// (rnn1/rnn2/rnnN.manual.ts are the blog post's min-char-rnn, a different parameterisation.)
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, B streams, N = T·B rows.
//
// Forward, one layer, for t = 0 … T−1 (rows of step t: the B streams), A_t = W_ih·in_t + b_ih:
//   a_t = A_t + h_{t−1}·W_hhᵀ + b_hh        (B, H)   pre-activation
//   h_t = tanh(a_t)                          (B, H)
// Backward, t = T−1 … 0, where dh_t = ∂loss/∂h_t from above plus what h_{t+1} sent back:
//   da_t      = (1 − h_t²) ⊙ dh_t           through tanh
//   dh_{t−1} += da_t·W_hh                    a_t contains h_{t−1}·W_hhᵀ
// and the weights' gradients over all steps at once (stack.ts): dW_hh = daᵀ·Hprev, …
// The input side and the hidden side of a_t are plain sums, so both receive the same da.

import type { Batch, DropoutMasks, Params, State } from './charrnn.ts';
import { addMatMul } from './manual/mat.ts';
import { type Cell, type Dims, type Recurrent, type StackCache, stackBackward, stackForward } from './manual/stack.ts';

/** Per layer: nothing beyond the hidden states, which stack.ts keeps (hs). */
type RNNLayerCache = null;
export type Cache = StackCache<RNNLayerCache>;

const rnnCell: Cell<RNNLayerCache> = {
  kind: 'rnn',

  forward(w: Recurrent, A: Float64Array, hs: Float64Array, _c0, { T, B, H }: Dims) {
    const bhh = w.bhh,
      BH = B * H;
    for (let t = 0; t < T; t++) {
      const prev = t * BH,
        cur = prev + BH;
      const a = A.subarray(prev, cur); // (B, H): A_t, the input side
      addMatMul(a, hs.subarray(prev, cur), w.WhhT, B, H, H); // + h_{t−1}·W_hhᵀ
      for (let b = 0; b < B; b++) {
        const o = b * H;
        for (let j = 0; j < H; j++) hs[cur + o + j] = Math.tanh(a[o + j] + bhh[j]); // h_t = tanh(a_t + b_hh)
      }
    }
    return { c: null, cache: null };
  },

  backward(w: Recurrent, _cache, hs: Float64Array, dH: Float64Array, { T, B, H }: Dims) {
    const BH = B * H;
    const dA = new Float64Array(T * BH); // (N, H): ∂loss/∂a_t for every step
    for (let t = T - 1; t >= 0; t--) {
      const row = t * BH,
        cur = row + BH;
      // dH block t is complete here: from above, plus (added below at step t+1) through h_{t+1}.
      // Through tanh: da_t = (1 − h_t²) ⊙ dh_t.
      for (let i = 0; i < BH; i++) {
        const h = hs[cur + i];
        dA[row + i] = (1 - h * h) * dH[row + i];
      }
      // a_t contains h_{t−1}·W_hhᵀ, so h_{t−1} receives da_t·W_hh (B, H)·(H, H).
      // (At t = 0 that would be the gradient of the incoming state, which truncated backprop drops.)
      if (t > 0) addMatMul(dH.subarray(row - BH, row), dA.subarray(row, cur), w.Whh, B, H, H);
    }
    return { dA, dAh: dA };
  },
};

/** Mean loss of one chunk (nats per prediction), the state after it (fresh arrays), and the cache for backward (null unless keepCache). */
export function forward(p: Params, batch: Batch, state: State, masks?: DropoutMasks, keepCache = true): { loss: number; state: State; cache: Cache | null } {
  return stackForward(rnnCell, p, batch, state, masks, keepCache);
}

/** Gradients of the mean loss, with the parameters' names and shapes. */
export function backward(cache: Cache): Params {
  if (cache.cell !== rnnCell) throw new Error(`rnn.manual.backward: this cache comes from the ${cache.cell.kind} model`);
  return stackBackward(cache);
}

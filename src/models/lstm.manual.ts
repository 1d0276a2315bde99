// char-rnn's LSTM (PyTorch's nn.LSTM: gate order i, f, g, o; two biases) with its backward pass
// derived by hand: L layers, B streams, truncated backprop through T steps. The tape version is
// charrnn.ts with kind 'lstm'; the parameter names and the numbers are the same. The layer stack,
// the dropout, the input projection and the decoder are shared: manual/stack.ts.
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, B streams, N = T·B rows.
// A layer's gate pre-activations are (B, 4H) per step: columns [0, H) i, [H, 2H) f, [2H, 3H) g,
// [3H, 4H) o, as the rows of W_ih, W_hh, b_ih, b_hh are stacked.
//
// Forward, one layer, for t = 0 … T−1, with A_t = W_ih·in_t + b_ih (all steps computed at once):
//   a_t = A_t + h_{t−1}·W_hhᵀ + b_hh                        (B, 4H)
//   i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)     (B, H) each: input, forget, cell, output
//   c_t = f ⊙ c_{t−1} + i ⊙ g                               (B, H)   the cell
//   h_t = o ⊙ tanh(c_t)                                     (B, H)
// Backward, t = T−1 … 0. Two gradients flow back in time: dh_t (from above, plus what a_{t+1}
// sent back through W_hh) and dc_t (from c_{t+1} = f_{t+1} ⊙ c_t + …):
//   do = dh_t ⊙ tanh(c_t)                                    through h = o ⊙ tanh(c)
//   dc = dc_t(from c_{t+1}) + dh_t ⊙ o ⊙ (1 − tanh²(c_t))     … and through tanh(c)
//   di = dc ⊙ g,  dg = dc ⊙ i,  df = dc ⊙ c_{t−1},  dc_{t−1} = dc ⊙ f     through c = f ⊙ c_{t−1} + i ⊙ g
//   da_i = di ⊙ i(1−i),  da_f = df ⊙ f(1−f),  da_g = dg ⊙ (1−g²),  da_o = do ⊙ o(1−o)
//   dh_{t−1} += da_t·W_hh                                    (B, 4H)·(4H, H)
// The weights' gradients come from da over all steps at once (stack.ts): dW_hh = daᵀ·Hprev, …
// Both biases sit in the same sum, so both sides receive the same da.

import type { Batch, DropoutMasks, Params, State } from './charrnn.ts';
import { addMatMul } from './manual/mat.ts';
import { type Cell, type Dims, type Recurrent, type StackCache, sigmoid, stackBackward, stackForward } from './manual/stack.ts';

interface LSTMLayerCache {
  gates: Float64Array; // (N, 4H): i, f, g, o after their nonlinearities
  cs: Float64Array; // ((T+1)·B, H): block 0 = c_{−1}, block t+1 = c_t
  tanhC: Float64Array; // (N, H): tanh(c_t)
}
export type Cache = StackCache<LSTMLayerCache>;

const lstmCell: Cell<LSTMLayerCache> = {
  kind: 'lstm',

  forward(w: Recurrent, A: Float64Array, hs: Float64Array, c0: Float64Array | null, { T, B, H, GH }: Dims, keepCache: boolean) {
    const bhh = w.bhh,
      BH = B * H,
      H2 = 2 * H,
      H3 = 3 * H;
    // Without a cache only the previous cell state is needed: two blocks, used in turn.
    const cs = new Float64Array((keepCache ? T + 1 : 2) * BH);
    cs.set(c0!);
    const tanhC = keepCache ? new Float64Array(T * BH) : null;
    let cur = 0;
    for (let t = 0; t < T; t++) {
      const prev = keepCache ? t * BH : (t % 2) * BH;
      cur = keepCache ? prev + BH : BH - prev;
      const a = A.subarray(t * B * GH, (t + 1) * B * GH); // (B, 4H): A_t, the input side
      addMatMul(a, hs.subarray(t * BH, (t + 1) * BH), w.WhhT, B, H, GH); // + h_{t−1}·W_hhᵀ
      const hOut = (t + 1) * BH;
      for (let b = 0; b < B; b++) {
        const ga = b * GH,
          hb = b * H;
        for (let j = 0; j < H; j++) {
          const x = ga + j;
          const i = sigmoid(a[x] + bhh[j]);
          const f = sigmoid(a[x + H] + bhh[H + j]);
          const g = Math.tanh(a[x + H2] + bhh[H2 + j]);
          const o = sigmoid(a[x + H3] + bhh[H3 + j]);
          const c = f * cs[prev + hb + j] + i * g;
          const tc = Math.tanh(c);
          a[x] = i; // the gate values replace the pre-activations: backward needs only these
          a[x + H] = f;
          a[x + H2] = g;
          a[x + H3] = o;
          cs[cur + hb + j] = c;
          if (tanhC) tanhC[t * BH + hb + j] = tc;
          hs[hOut + hb + j] = o * tc;
        }
      }
    }
    const c = cs.slice(cur, cur + BH);
    return { c, cache: keepCache ? { gates: A, cs, tanhC: tanhC! } : null };
  },

  backward(w: Recurrent, { gates, cs, tanhC }: LSTMLayerCache, _hs: Float64Array, dH: Float64Array, { T, B, H, GH }: Dims) {
    const BH = B * H,
      H2 = 2 * H,
      H3 = 3 * H;
    const dA = new Float64Array(T * B * GH); // (N, 4H): ∂loss/∂a_t for every step
    // ∂loss/∂c_t through c_{t+1} (f_{t+1} ⊙ dc_{t+1}); zero after the last step: truncated BPTT.
    const dcNext = new Float64Array(BH);
    for (let t = T - 1; t >= 0; t--) {
      const row = t * BH,
        gRow = t * B * GH;
      for (let b = 0; b < B; b++) {
        const hb = b * H;
        for (let j = 0; j < H; j++) {
          const x = gRow + b * GH + j,
            k = hb + j;
          const i = gates[x],
            f = gates[x + H],
            g = gates[x + H2],
            o = gates[x + H3];
          const tc = tanhC[row + k],
            cPrev = cs[row + k]; // c_{t−1} is block t of cs
          const dh = dH[row + k]; // complete: from above, plus through a_{t+1} (added at step t+1)
          // through h_t = o ⊙ tanh(c_t): do = dh ⊙ tanh(c_t); c_t gets dh ⊙ o ⊙ (1 − tanh²c_t),
          // added to what c_{t+1} = f_{t+1} ⊙ c_t + … sent back
          const dO = dh * tc;
          const dC = dcNext[k] + dh * o * (1 - tc * tc);
          // through c_t = f ⊙ c_{t−1} + i ⊙ g: each product gives each factor the other times dc
          const dI = dC * g,
            dG = dC * i,
            dF = dC * cPrev;
          dcNext[k] = dC * f; // on to c_{t−1}
          // through the gates' nonlinearities: σ' = σ(1 − σ), tanh' = 1 − tanh²
          dA[x] = dI * i * (1 - i);
          dA[x + H] = dF * f * (1 - f);
          dA[x + H2] = dG * (1 - g * g);
          dA[x + H3] = dO * o * (1 - o);
        }
      }
      // a_t contains h_{t−1}·W_hhᵀ, so h_{t−1} receives da_t·W_hh: (B, 4H)·(4H, H).
      // (At t = 0 that would be the gradient of the incoming state, which truncated backprop drops.)
      if (t > 0) addMatMul(dH.subarray(row - BH, row), dA.subarray(gRow, gRow + B * GH), w.Whh, B, GH, H);
    }
    return { dA, dAh: dA };
  },
};

/** Mean loss of one chunk (nats per prediction), the state after it (fresh arrays), and the cache for backward (null unless keepCache). */
export function forward(p: Params, batch: Batch, state: State, masks?: DropoutMasks, keepCache = true): { loss: number; state: State; cache: Cache | null } {
  return stackForward(lstmCell, p, batch, state, masks, keepCache);
}

/** Gradients of the mean loss, with the parameters' names and shapes. */
export function backward(cache: Cache): Params {
  if (cache.cell !== lstmCell) throw new Error(`lstm.manual.backward: this cache comes from the ${cache.cell.kind} model`);
  return stackBackward(cache);
}

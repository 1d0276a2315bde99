// char-rnn's GRU in PyTorch's form (nn.GRU: gate order r, z, n; two biases) with its backward
// pass derived by hand: L layers, B streams, truncated backprop through T steps. The tape version
// is charrnn.ts with kind 'gru'; the parameter names and the numbers are the same. The layer
// stack, the dropout, the input projection and the decoder are shared: manual/stack.ts.
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, B streams, N = T·B rows.
// Per step the gates are (B, 3H): columns [0, H) r, [H, 2H) z, [2H, 3H) n.
//
// Forward, one layer, for t = 0 … T−1, with A_t = W_ih·in_t + b_ih (all steps computed at once):
//   u_t = h_{t−1}·W_hhᵀ + b_hh                    (B, 3H)  the hidden side, kept apart from A_t
//   r = σ(A_r + u_r)    z = σ(A_z + u_z)          (B, H)   reset and update gates
//   n = tanh(A_n + r ⊙ u_n)                       (B, H)   candidate; u_n = W_hn·h_{t−1} + b_hn
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}               (B, H)
//
// How PyTorch's GRU differs from char-rnn's (model/GRU.lua), and why the hidden side is kept apart:
// - the reset gate: PyTorch (and cuDNN) apply it AFTER the product, n = tanh(A_n + r ⊙ (W_hn·h + b_hn));
//   char-rnn applies it BEFORE, n = tanh(A_n + W_hn·(r ⊙ h) + b_hn), as in Cho et al. (2014). These
//   are different functions of the weights (r scales the finished sum of H products in one, each
//   product's input in the other; and b_hn is inside the gate in PyTorch's only).
// - the update gate's role is swapped: char-rnn has h_t = z ⊙ n + (1 − z) ⊙ h_{t−1}. That one is
//   only a relabelling (negate z's weights and biases), the reset gate is not.
// So trained weights do not carry over between the two; we follow PyTorch, whose checkpoints load
// unchanged. For the backward pass the reset-after form means A_n and u_n get DIFFERENT gradients
// (dan and r ⊙ dan), so this cell returns two arrays, dA for the input side and dAh for the hidden
// side. (In char-rnn's form r would instead multiply the gradient reaching h_{t−1} through W_hn,
// and dr would be h_{t−1} ⊙ (W_hnᵀ·dan).)
//
// Backward, t = T−1 … 0, where dh_t = ∂loss/∂h_t from above plus what step t+1 sent back:
//   dn = dh_t ⊙ (1 − z),  dz = dh_t ⊙ (h_{t−1} − n),  dh_{t−1} += dh_t ⊙ z      through h_t
//   dan = dn ⊙ (1 − n²)                                                         through tanh
//   dA_n = dan,  du_n = r ⊙ dan,  dr = u_n ⊙ dan                                through A_n + r ⊙ u_n
//   dA_r = du_r = dr ⊙ r(1 − r),  dA_z = du_z = dz ⊙ z(1 − z)                   through σ
//   dh_{t−1} += du_t·W_hh                                                       (B, 3H)·(3H, H)
// The weights' gradients come from dA and du over all steps at once (stack.ts): dW_hh = duᵀ·Hprev, …

import type { Batch, DropoutMasks, Params, State } from './charrnn.ts';
import { addMatMul } from './manual/mat.ts';
import { type Cell, type Dims, type Recurrent, type StackCache, sigmoid, stackBackward, stackForward } from './manual/stack.ts';

interface GRULayerCache {
  gates: Float64Array; // (N, 3H): r, z, n after their nonlinearities
  un: Float64Array; // (N, H): u_n = W_hn·h_{t−1} + b_hn, which r multiplies
}
export type Cache = StackCache<GRULayerCache>;

const gruCell: Cell<GRULayerCache> = {
  kind: 'gru',

  forward(w: Recurrent, A: Float64Array, hs: Float64Array, _c0, { T, B, H, GH }: Dims, keepCache: boolean) {
    const BH = B * H,
      H2 = 2 * H;
    const u = new Float64Array(B * GH); // (B, 3H): this step's hidden side
    const un = keepCache ? new Float64Array(T * BH) : null;
    for (let t = 0; t < T; t++) {
      const prev = t * BH,
        cur = prev + BH;
      for (let b = 0; b < B; b++) u.set(w.bhh, b * GH);
      addMatMul(u, hs.subarray(prev, cur), w.WhhT, B, H, GH); // u_t = b_hh + h_{t−1}·W_hhᵀ
      const a = A.subarray(t * B * GH, (t + 1) * B * GH); // (B, 3H): A_t, the input side
      for (let b = 0; b < B; b++) {
        const ga = b * GH,
          hb = b * H;
        for (let j = 0; j < H; j++) {
          const x = ga + j;
          const r = sigmoid(a[x] + u[x]);
          const z = sigmoid(a[x + H] + u[x + H]);
          const n = Math.tanh(a[x + H2] + r * u[x + H2]);
          a[x] = r; // the gate values replace the pre-activations: backward needs only these
          a[x + H] = z;
          a[x + H2] = n;
          if (un) un[prev + hb + j] = u[x + H2];
          hs[cur + hb + j] = (1 - z) * n + z * hs[prev + hb + j];
        }
      }
    }
    return { c: null, cache: keepCache ? { gates: A, un: un! } : null };
  },

  backward(w: Recurrent, { gates, un }: GRULayerCache, hs: Float64Array, dH: Float64Array, { T, B, H, GH }: Dims) {
    const BH = B * H,
      H2 = 2 * H;
    const dA = new Float64Array(T * B * GH); // (N, 3H): ∂loss/∂A_t, the input side
    const dU = new Float64Array(T * B * GH); // (N, 3H): ∂loss/∂u_t, the hidden side
    for (let t = T - 1; t >= 0; t--) {
      const row = t * BH,
        gRow = t * B * GH;
      for (let b = 0; b < B; b++) {
        const hb = b * H;
        for (let j = 0; j < H; j++) {
          const x = gRow + b * GH + j,
            k = row + hb + j;
          const r = gates[x],
            z = gates[x + H],
            n = gates[x + H2],
            uN = un[k];
          const hPrev = hs[k]; // h_{t−1} is block t of hs
          const dh = dH[k]; // complete: from above, plus through step t+1 (added there)
          // through h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
          const dn = dh * (1 - z);
          const dz = dh * (hPrev - n);
          if (t > 0) dH[k - BH] += dh * z; // h_{t−1} reaches h_t directly, weighted by z
          // through n = tanh(A_n + r ⊙ u_n): the pre-activation's gradient, then its three terms
          const dan = dn * (1 - n * n);
          const dr = dan * uN;
          // through the gates' σ: σ' = σ(1 − σ)
          const dar = dr * r * (1 - r),
            daz = dz * z * (1 - z);
          // r and z: input and hidden side are summed, so they get the same gradient;
          // n: the input side gets dan, the hidden side r ⊙ dan (PyTorch's reset-after form)
          dA[x] = dar;
          dA[x + H] = daz;
          dA[x + H2] = dan;
          dU[x] = dar;
          dU[x + H] = daz;
          dU[x + H2] = dan * r;
        }
      }
      // u_t = h_{t−1}·W_hhᵀ + b_hh, so h_{t−1} receives du_t·W_hh: (B, 3H)·(3H, H).
      // (At t = 0 that would be the gradient of the incoming state, which truncated backprop drops.)
      if (t > 0) addMatMul(dH.subarray(row - BH, row), dU.subarray(gRow, gRow + B * GH), w.Whh, B, GH, H);
    }
    return { dA, dAh: dU };
  },
};

/** Mean loss of one chunk (nats per prediction), the state after it (fresh arrays), and the cache for backward (null unless keepCache). */
export function forward(p: Params, batch: Batch, state: State, masks?: DropoutMasks, keepCache = true): { loss: number; state: State; cache: Cache | null } {
  return stackForward(gruCell, p, batch, state, masks, keepCache);
}

/** Gradients of the mean loss, with the parameters' names and shapes. */
export function backward(cache: Cache): Params {
  if (cache.cell !== gruCell) throw new Error(`gru.manual.backward: this cache comes from the ${cache.cell.kind} model`);
  return stackBackward(cache);
}

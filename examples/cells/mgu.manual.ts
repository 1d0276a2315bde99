// The minimal gated unit (mgu.ts) with its backward pass derived by hand, in plain loops over
// row-major arrays. It calls nothing of the engine, so a bug shared with the tape cannot make the
// two agree.
//
// Dimensions: B streams, T steps, D input size, H hidden size; gate k of the (2H)-row weights is
// rows [k·H, (k+1)·H), f then n. Forward, per step (⊙ elementwise, · a matrix product):
//   a_f = W_if·x + b_if + W_hf·h + b_hf,    f = σ(a_f)
//   g   = f ⊙ h                                            the gated state
//   a_n = W_in·x + b_in + W_hn·g + b_hn,    n = tanh(a_n)
//   h'  = (1 − f) ⊙ h + f ⊙ n
// Backward, per step, from dh' = ∂loss/∂h' (what the loss gives at this step plus what flowed back
// from the next one), in reverse order of the forward lines:
//   dn  = f ⊙ dh'                 df  = (n − h) ⊙ dh'        dh  = (1 − f) ⊙ dh'     (through h')
//   da_n = (1 − n²) ⊙ dn                                                                 (through tanh)
//   dW_in += da_nᵀ·x   db_in += Σ_b da_n   dW_hn += da_nᵀ·g   db_hn += Σ_b da_n   dg = da_n·W_hn
//   df += h ⊙ dg       dh += f ⊙ dg                                                      (through g = f ⊙ h)
//   da_f = f ⊙ (1 − f) ⊙ df                                                              (through σ)
//   dW_if += da_fᵀ·x   db_if += Σ_b da_f   dW_hf += da_fᵀ·h   db_hf += Σ_b da_f   dh += da_f·W_hf
// and dh is the dh' of the step before.

import type { CellArrays, ManualCell, Sizes } from './cell.ts';

export interface MguCache {
  p: CellArrays;
  n: Sizes;
  xs: readonly Float64Array[]; // x_t, (B, D)
  hs: Float64Array[]; // h_0 … h_T, (B, H)
  fs: Float64Array[]; // f_t, (B, H)
  ns: Float64Array[]; // n_t, (B, H)
  gs: Float64Array[]; // g_t = f_t ⊙ h_{t−1}, (B, H)
}

/** out (B, H) += x (B, K) · (rows [r0, r0+H) of W (·, K))ᵀ + the same rows of each bias. */
function project(out: Float64Array, x: Float64Array, W: Float64Array, r0: number, B: number, K: number, H: number, biases: Float64Array[] = []): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      let s = 0;
      for (const bias of biases) s += bias[r0 + j];
      for (let k = 0; k < K; k++) s += x[b * K + k] * W[(r0 + j) * K + k];
      out[b * H + j] += s;
    }
  }
}

/** dW rows [r0, r0+H) += daᵀ·x (da (B, H), x (B, K)); the same rows of each bias gradient += Σ_b da. */
function accumulate(dW: Float64Array, da: Float64Array, x: Float64Array, r0: number, B: number, K: number, H: number, dbiases: Float64Array[] = []): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const d = da[b * H + j];
      for (const db of dbiases) db[r0 + j] += d;
      for (let k = 0; k < K; k++) dW[(r0 + j) * K + k] += d * x[b * K + k];
    }
  }
}

/** out (B, H) += da (B, H) · rows [r0, r0+H) of W (·, H). */
function backProject(out: Float64Array, da: Float64Array, W: Float64Array, r0: number, B: number, H: number): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const d = da[b * H + j];
      for (let k = 0; k < H; k++) out[b * H + k] += d * W[(r0 + j) * H + k];
    }
  }
}

const sigma = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export const mguManual: ManualCell<MguCache> = {
  forward(p, xs, h0, n) {
    const { B, D, H } = n;
    const cache: MguCache = { p, n, xs, hs: [h0.slice()], fs: [], ns: [], gs: [] };
    for (const x of xs) {
      const h = cache.hs[cache.hs.length - 1];
      const f = new Float64Array(B * H); // a_f, then f
      project(f, x, p.Wih, 0, B, D, H, [p.bih, p.bhh]); // both f biases sit outside the products
      project(f, h, p.Whh, 0, B, H, H);
      for (let i = 0; i < f.length; i++) f[i] = sigma(f[i]);
      const g = f.map((fi, i) => fi * h[i]);
      const nn = new Float64Array(B * H); // a_n, then n
      project(nn, x, p.Wih, H, B, D, H, [p.bih, p.bhh]); // and so do both n biases
      project(nn, g, p.Whh, H, B, H, H);
      for (let i = 0; i < nn.length; i++) nn[i] = Math.tanh(nn[i]);
      cache.fs.push(f);
      cache.ns.push(nn);
      cache.gs.push(g);
      cache.hs.push(h.map((hi, i) => (1 - f[i]) * hi + f[i] * nn[i]));
    }
    return { hs: cache.hs.slice(1), cache };
  },

  backward(cache, dhs) {
    const { p, xs, hs, fs, ns, gs } = cache;
    const { B, D, H } = cache.n;
    const grads: CellArrays = {
      Wih: new Float64Array(p.Wih.length),
      Whh: new Float64Array(p.Whh.length),
      bih: new Float64Array(p.bih.length),
      bhh: new Float64Array(p.bhh.length),
    };
    let dNext = new Float64Array(B * H); // ∂loss/∂h_t through the steps after t
    for (let t = xs.length - 1; t >= 0; t--) {
      const f = fs[t],
        nn = ns[t],
        g = gs[t],
        h = hs[t]; // h_{t−1}
      const dhOut = dhs[t].map((d, i) => d + dNext[i]); // dh' of this step
      const dh = new Float64Array(B * H);
      const df = new Float64Array(B * H);
      const dan = new Float64Array(B * H);
      for (let i = 0; i < dh.length; i++) {
        dh[i] = (1 - f[i]) * dhOut[i]; // through h' = (1 − f) ⊙ h + f ⊙ n
        df[i] = (nn[i] - h[i]) * dhOut[i];
        dan[i] = (1 - nn[i] * nn[i]) * f[i] * dhOut[i]; // dn = f ⊙ dh', then through tanh
      }
      accumulate(grads.Wih, dan, xs[t], H, B, D, H, [grads.bih, grads.bhh]); // dW_in, db_in, db_hn
      accumulate(grads.Whh, dan, g, H, B, H, H); // dW_hn = da_nᵀ·g
      const dg = new Float64Array(B * H);
      backProject(dg, dan, p.Whh, H, B, H); // dg = da_n·W_hn
      const daf = new Float64Array(B * H);
      for (let i = 0; i < dh.length; i++) {
        df[i] += h[i] * dg[i]; // through g = f ⊙ h
        dh[i] += f[i] * dg[i];
        daf[i] = f[i] * (1 - f[i]) * df[i]; // through σ
      }
      accumulate(grads.Wih, daf, xs[t], 0, B, D, H, [grads.bih, grads.bhh]); // dW_if, db_if, db_hf
      accumulate(grads.Whh, daf, h, 0, B, H, H); // dW_hf = da_fᵀ·h
      backProject(dh, daf, p.Whh, 0, B, H); // dh += da_f·W_hf
      dNext = dh;
    }
    return { grads, dh0: dNext };
  },
};

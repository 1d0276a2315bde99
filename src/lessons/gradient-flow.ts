// How far back in time a gradient reaches, for notebook 07 (exploding and vanishing gradients):
// the norm of ∂L/∂h_t at every step t of a chunk, where L sums the losses of the steps from
// `lossFrom` on. With lossFrom = T − 1 (the default: the loss of the last prediction only),
// step T − 1 − k shows how much of that loss's gradient survives k steps back:
//
//   vanilla RNN:  ∂L/∂h_{t−1} = Whhᵀ · diag(1 − h_t²) · ∂L/∂h_t        (a product of k such factors)
//   LSTM:         ∂L/∂c_{t−1} = f_t ⊙ ∂L/∂c_t + …                       (the cell path: forget gates only)
//
// Each backward here is written out by hand for one layer and only for the states (no parameter
// gradients), with its own forward pass; test/lessons.test.ts checks ∂L/∂h_{−1} (and ∂L/∂c_{−1})
// against central differences of the tape models' losses.
//
// Dimensions: V vocabulary size, H hidden size, T steps.

import { UserError } from '../errors.ts';
import type { Params as CharParams } from '../models/charrnn.ts';
import type { Params as RNNParams } from '../models/rnn.ts';

export interface StateGradients {
  /** Sum of the losses of steps lossFrom … T−1 (nats). */
  loss: number;
  /** ‖∂L/∂h_t‖ for t = 0 … T−1 (through every later use of h_t). */
  dh: number[];
  /** LSTM only: ‖∂L/∂c_t‖ for t = 0 … T−1. */
  dc?: number[];
  /** ∂L/∂h_{−1}, the gradient reaching the starting state (what truncated BPTT throws away). */
  dhStart: Float64Array;
  /** LSTM only: ∂L/∂c_{−1}. */
  dcStart?: Float64Array;
}

const norm = (a: Float64Array): number => Math.hypot(...a);

function checkChunk(inputs: readonly number[], targets: readonly number[], lossFrom: number, V: number): void {
  const T = inputs.length;
  if (T === 0 || targets.length !== T)
    throw new UserError(`state gradients: inputs and targets must be non-empty and of equal length (got ${T} and ${targets.length})`);
  if (!Number.isInteger(lossFrom) || lossFrom < 0 || lossFrom >= T)
    throw new UserError(`state gradients: lossFrom must be an integer in [0, ${T - 1}], got ${lossFrom}`);
  for (const id of [...inputs, ...targets])
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new UserError(`state gradients: character id ${id} is outside the vocabulary of ${V}`);
}

/** Softmax of y = W·h + b (W: V×H) and dy = p − onehot(target), written into dy; returns −log p[target]. */
function outputStep(W: Float64Array, b: Float64Array, h: Float64Array, target: number, dy: Float64Array): number {
  const V = b.length,
    H = h.length;
  let max = -Infinity;
  for (let v = 0; v < V; v++) {
    let s = b[v];
    for (let j = 0; j < H; j++) s += W[v * H + j] * h[j];
    dy[v] = s;
    max = Math.max(max, s);
  }
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(dy[v] - max);
  const loss = Math.log(sum) - (dy[target] - max);
  for (let v = 0; v < V; v++) dy[v] = Math.exp(dy[v] - max) / sum - (v === target ? 1 : 0);
  return loss;
}

/** out += Wᵀ·x for W (M×N), x (M). */
function addTransposedProduct(out: Float64Array, W: Float64Array, x: Float64Array, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const xi = x[i];
    if (xi !== 0) for (let j = 0; j < N; j++) out[j] += W[i * N + j] * xi;
  }
}

/** A 1-layer model of rnn.ts (names Wxh, Whh1, bh1, Why, by), from state h0. */
export function rnnStateGradients(
  p: RNNParams,
  inputs: readonly number[],
  targets: readonly number[],
  h0: Float64Array,
  lossFrom = inputs.length - 1,
): StateGradients {
  if (!p.Wxh || !p.Whh1 || !p.bh1 || !p.Why || !p.by || p.Wh1h2) throw new UserError('rnnStateGradients: expects a 1-layer model with Wxh, Whh1, bh1, Why, by');
  const [H, V] = p.Wxh.shape;
  if (h0.length !== H) throw new UserError(`rnnStateGradients: h0 has length ${h0.length}, expected H = ${H}`);
  checkChunk(inputs, targets, lossFrom, V);
  const T = inputs.length,
    Wxh = p.Wxh.data,
    Whh = p.Whh1.data,
    bh = p.bh1.data;
  // forward: hs[t] = tanh(Wxh·onehot(x_t) + Whh·h_{t−1} + bh)
  const hs: Float64Array[] = [];
  let prev = h0;
  for (let t = 0; t < T; t++) {
    const h = new Float64Array(H);
    for (let i = 0; i < H; i++) {
      let s = Wxh[i * V + inputs[t]] + bh[i];
      for (let j = 0; j < H; j++) s += Whh[i * H + j] * prev[j];
      h[i] = Math.tanh(s);
    }
    hs.push(h);
    prev = h;
  }
  // backward, last step first: dh_t = (output's share, if t ≥ lossFrom) + Whhᵀ·dhraw_{t+1}
  const dy = new Float64Array(V),
    dh: number[] = new Array(T);
  let loss = 0,
    dhNext = new Float64Array(H);
  for (let t = T - 1; t >= 0; t--) {
    const g = dhNext.slice();
    if (t >= lossFrom) {
      loss += outputStep(p.Why.data, p.by.data, hs[t], targets[t], dy);
      addTransposedProduct(g, p.Why.data, dy, V, H); // Whyᵀ·dy_t
    }
    dh[t] = norm(g);
    for (let i = 0; i < H; i++) g[i] *= 1 - hs[t][i] * hs[t][i]; // through tanh: dhraw = (1 − h²) ⊙ dh
    dhNext = new Float64Array(H);
    addTransposedProduct(dhNext, Whh, g, H, H); // dh_{t−1} = Whhᵀ·dhraw_t
  }
  return { loss, dh, dhStart: dhNext };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** A 1-layer LSTM of charrnn.ts (PyTorch's names and gate order i, f, g, o), one stream, from (h0, c0). */
export function lstmStateGradients(
  p: CharParams,
  inputs: readonly number[],
  targets: readonly number[],
  h0: Float64Array,
  c0: Float64Array,
  lossFrom = inputs.length - 1,
): StateGradients {
  const Wih = p['rnn.weight_ih_l0'],
    Whh = p['rnn.weight_hh_l0'],
    bih = p['rnn.bias_ih_l0'],
    bhh = p['rnn.bias_hh_l0'];
  const Wd = p['decoder.weight'],
    bd = p['decoder.bias'];
  if (!Wih || !Whh || !bih || !bhh || !Wd || !bd || p['rnn.weight_ih_l1'])
    throw new UserError('lstmStateGradients: expects a 1-layer char-rnn model (rnn.weight_ih_l0, …, decoder.weight, decoder.bias)');
  const [G, V] = Wih.shape,
    H = Whh.shape[1];
  if (G !== 4 * H) throw new UserError(`lstmStateGradients: weight_ih_l0 has ${G} rows; an LSTM of H = ${H} has ${4 * H}`);
  if (h0.length !== H || c0.length !== H) throw new UserError(`lstmStateGradients: h0 and c0 must have length H = ${H}`);
  checkChunk(inputs, targets, lossFrom, V);
  const T = inputs.length,
    W = Whh.data;
  // forward, keeping the gates (each (H)) and the states
  const gates: Float64Array[] = [],
    hs: Float64Array[] = [],
    cs: Float64Array[] = [c0];
  let h = h0;
  for (let t = 0; t < T; t++) {
    const a = new Float64Array(4 * H);
    for (let r = 0; r < 4 * H; r++) {
      let s = Wih.data[r * V + inputs[t]] + bih.data[r] + bhh.data[r];
      for (let j = 0; j < H; j++) s += W[r * H + j] * h[j];
      a[r] = r >= 2 * H && r < 3 * H ? Math.tanh(s) : sigmoid(s); // i, f, o: σ; g: tanh
    }
    const c = new Float64Array(H),
      hn = new Float64Array(H),
      prevC = cs[t];
    for (let j = 0; j < H; j++) {
      c[j] = a[H + j] * prevC[j] + a[j] * a[2 * H + j]; // c_t = f ⊙ c_{t−1} + i ⊙ g
      hn[j] = a[3 * H + j] * Math.tanh(c[j]); // h_t = o ⊙ tanh(c_t)
    }
    gates.push(a);
    cs.push(c);
    hs.push(hn);
    h = hn;
  }
  // backward: two gradients carried back in time, dh and dc
  const dy = new Float64Array(V),
    dhs: number[] = new Array(T),
    dcs: number[] = new Array(T);
  let loss = 0,
    dhNext = new Float64Array(H),
    dcNext = new Float64Array(H);
  for (let t = T - 1; t >= 0; t--) {
    const a = gates[t],
      c = cs[t + 1],
      prevC = cs[t];
    const dh = dhNext.slice();
    if (t >= lossFrom) {
      loss += outputStep(Wd.data, bd.data, hs[t], targets[t], dy);
      addTransposedProduct(dh, Wd.data, dy, V, H);
    }
    const da = new Float64Array(4 * H),
      dc = new Float64Array(H),
      dcPrev = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      const i = a[j],
        f = a[H + j],
        g = a[2 * H + j],
        o = a[3 * H + j],
        tc = Math.tanh(c[j]);
      dc[j] = dcNext[j] + dh[j] * o * (1 - tc * tc); // c_t reaches L through h_t and through c_{t+1}
      da[j] = dc[j] * g * i * (1 - i); // di ⊙ σ′
      da[H + j] = dc[j] * prevC[j] * f * (1 - f); // df ⊙ σ′
      da[2 * H + j] = dc[j] * i * (1 - g * g); // dg ⊙ tanh′
      da[3 * H + j] = dh[j] * tc * o * (1 - o); // do ⊙ σ′
      dcPrev[j] = dc[j] * f; // the cell path: multiplied by the forget gate only
    }
    dhs[t] = norm(dh);
    dcs[t] = norm(dc);
    dhNext = new Float64Array(H);
    addTransposedProduct(dhNext, W, da, 4 * H, H); // dh_{t−1} = W_hhᵀ·da_t
    dcNext = dcPrev;
  }
  return { loss, dh: dhs, dc: dcs, dhStart: dhNext, dcStart: dcNext };
}

/** The model with its recurrent weights Whh1 replaced by a copy multiplied by `factor` (the other tensors are shared, not copied). */
export function scaleRecurrent(p: RNNParams, factor: number): RNNParams {
  if (!p.Whh1) throw new UserError('scaleRecurrent: the model has no Whh1');
  const q: RNNParams = { ...p, Whh1: p.Whh1.clone() };
  for (let i = 0; i < q.Whh1.data.length; i++) q.Whh1.data[i] *= factor;
  return q;
}

/**
 * The spectral norm ‖A‖₂ (largest singular value) of a square matrix (n × n, row-major), by power
 * iteration on AᵀA: the most one multiplication by A (or Aᵀ) can stretch a vector.
 */
export function spectralNorm(A: Float64Array, n: number, iters = 200): number {
  let v = new Float64Array(n).fill(1 / Math.sqrt(n)),
    s = 0;
  for (let k = 0; k < iters; k++) {
    const u = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) u[i] += A[i * n + j] * v[j];
    const w = new Float64Array(n);
    addTransposedProduct(w, A, u, n, n);
    const nw = norm(w);
    s = Math.sqrt(nw);
    if (nw === 0) return 0;
    v = w.map((x) => x / nw);
  }
  return s;
}

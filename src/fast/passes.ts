// One group of streams (arrays.ts) through a whole training step: the forward pass through every
// layer and time step to the loss, and the backward pass to the group's weight gradients. The same
// maths as the hand-derived models (manual/stack.ts and the three *.manual.ts files, where every line
// of the derivation is commented), rearranged for speed:
//   - layer l > 0's input projections for all T steps are ONE product (N = T·Bg rows), as are the
//     decoder and every weight gradient (dW = dAᵀ·X over all N rows, after the backward sweep);
//   - a step's gate maths and the softmax cross-entropy are fused kernels.
// NOTE: a pass only calls kernels (no loop of its own over the numbers), so that it can be recorded
// once as a program of kernel calls and replayed by whichever thread takes the group (programs.ts).
// What the step does before and after the groups' passes (copying the batch and the carried state in
// and out, adding the groups' gradients up) is FastCharRNN's (model.ts).
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, Bg streams of the group, G gates
// (1, 4, 3), GH = G·H, N = T·Bg rows, time-major (row t·Bg + b is the group's stream b at step t).

import { unreachable } from '../errors.ts';
import { biasHH, biasIH, type CharRNNConfig, DECODER_BIAS, DECODER_WEIGHT, GATES, weightHH, weightIH } from '../models/charrnn.ts';
import type { Group, Layer } from './arrays.ts';
import type { GroupKernels } from './kernel-calls.ts';
import type { FloatArray } from './kernels.ts';

/** What every group reads: the configuration, the chunk length, the parameters and layer 0's W_ih transposed. */
export interface Shared {
  config: CharRNNConfig;
  T: number;
  /** T·B over all the groups: the loss is a mean over every prediction of the step. */
  rows: number;
  params: Record<string, FloatArray>;
  WihT0: FloatArray; // (V, GH)
}

/** The sizes every pass of group `g` works with (see the legend at the top). */
function dims(s: Shared, g: Group) {
  const { kind, hiddenSize: H, vocabSize: V, layers: L } = s.config;
  const { T } = s,
    B = g.B;
  return { H, V, L, T, B, GH: GATES[kind] * H, N: T * B, BH: B * H };
}

/**
 * The forward pass of group `g` from its carried state (block 0 of each layer's hs and cs) to its
 * loss: returns Σ −log p(target) over the group's N predictions, and leaves in g.Y the gradient of
 * the step's mean loss with respect to the logits. With `dropout`, g's masks are applied.
 */
export function forward(k: GroupKernels, s: Shared, g: Group, dropout: boolean): number {
  const p = s.params;
  const { H, V, L, T, GH, N, BH } = dims(s, g);
  let input = g.Y; // replaced by layer 0's output before it is read (layer 0 looks its input up)
  for (let l = 0; l < L; l++) {
    const ly = g.layers[l];
    // A = in·W_ihᵀ + b_ih for all N rows; for layer 0, in = onehot(x): rows of W_ihᵀ looked up
    if (l === 0) {
      k.gatherRows(ly.A, s.WihT0, g.ids, p[biasIH(l)], N, GH);
      ly.input = null;
    } else {
      k.fillRows(ly.A, p[biasIH(l)], N, GH);
      k.gemmNT(input, p[weightIH(l)], ly.A, N, H, GH, true);
      ly.input = input;
    }
    for (let t = 0; t < T; t++) stepForward(k, s, g, ly, p[weightHH(l)], p[biasHH(l)], t);
    const out = ly.hs.subarray(BH);
    if (dropout) {
      if (!ly.drop) throw new Error('fast model: built without dropout, given masks');
      k.mul(ly.drop.out, out, ly.drop.mask, N * H);
      input = ly.drop.out.subarray(0, N * H);
    } else input = out;
  }
  // Decoder: Y = top·W_decᵀ + b_dec, then softmax cross-entropy; Y becomes dY = (p − onehot)/(T·B).
  k.fillRows(g.Y, p[DECODER_BIAS], N, V);
  k.gemmNT(input, p[DECODER_WEIGHT], g.Y, N, H, V, true);
  g.top = input;
  return k.softmaxCrossEntropy(g.Y, g.targets, N, V, 1 / s.rows);
}

/** Step t of one layer: h_t (and c_t) from A_t and h_{t−1} (and c_{t−1}). */
function stepForward(k: GroupKernels, s: Shared, g: Group, ly: Layer, Whh: FloatArray, bhh: FloatArray, t: number): void {
  const B = g.B,
    H = s.config.hiddenSize,
    BH = B * H,
    GH = GATES[s.config.kind] * H;
  const a = ly.A.subarray(t * B * GH, (t + 1) * B * GH);
  const hPrev = ly.hs.subarray(t * BH, (t + 1) * BH),
    h = ly.hs.subarray((t + 1) * BH, (t + 2) * BH);
  const cell = ly.cell;
  switch (cell.kind) {
    case 'rnn':
      k.gemmNT(hPrev, Whh, a, B, H, GH, true); // a_t = A_t + h_{t−1}·W_hhᵀ
      return k.rnnForward(a, bhh, h, B, H);
    case 'lstm': {
      const { cs, tanhC } = cell;
      k.gemmNT(hPrev, Whh, a, B, H, GH, true); // a_t = A_t + h_{t−1}·W_hhᵀ
      const at = (x: FloatArray, i: number) => x.subarray(i * BH, (i + 1) * BH);
      return k.lstmForward(a, bhh, at(cs, t), at(cs, t + 1), at(tanhC, t), h, B, H);
    }
    case 'gru': {
      const u = cell.u; // u_t = h_{t−1}·W_hhᵀ + b_hh, kept apart from the input side
      k.fillRows(u, bhh, B, GH);
      k.gemmNT(hPrev, Whh, u, B, H, GH, true);
      return k.gruForward(a, u, hPrev, h, cell.un.subarray(t * BH, (t + 1) * BH), B, H);
    }
    default:
      return unreachable(cell, 'cell kind');
  }
}

/**
 * The backward pass of group `g` after its forward pass: adds the group's share of every weight
 * gradient into g.grads, and of layer 0's W_ih into g.dWihT0 (transposed), both zero on entry.
 */
export function backward(k: GroupKernels, s: Shared, g: Group, dropout: boolean): void {
  const p = s.params,
    gr = g.grads;
  const { H, V, L, T, B, GH, N, BH } = dims(s, g);
  const dY = g.Y;
  // dW_dec = dYᵀ·top, db_dec = Σ_r dY_r, dtop = dY·W_dec
  k.gemmTN(dY, g.top, gr[DECODER_WEIGHT], V, N, H, true);
  k.addColumnSums(gr[DECODER_BIAS], dY, N, V);
  let dOut = g.dOut,
    dIn = g.dIn;
  k.gemmNN(dY, p[DECODER_WEIGHT], dOut, N, V, H, false);
  for (let l = L - 1; l >= 0; l--) {
    const ly = g.layers[l];
    const Whh = p[weightHH(l)];
    if (dropout && ly.drop) k.mul(dOut, dOut, ly.drop.mask, N * H);
    const dA = g.dA;
    const cell = ly.cell;
    if (cell.kind === 'lstm') k.fillRows(cell.dc, g.zeros, B, H);
    for (let t = T - 1; t >= 0; t--) {
      const dhPrev = t > 0 ? dOut.subarray((t - 1) * BH, t * BH) : null;
      const dAh = stepBackward(k, s, g, ly, dOut.subarray(t * BH, (t + 1) * BH), dhPrev, t);
      if (dhPrev) k.gemmNN(dAh, Whh, dhPrev, B, GH, H, true); // dh_{t−1} += da_t·W_hh
    }
    const dAhAll = cell.kind === 'gru' ? cell.dU : dA;
    // dW_hh = dAhᵀ·Hprev (the first T blocks of hs), db_hh = Σ dAh, db_ih = Σ dA
    k.gemmTN(dAhAll, ly.hs, gr[weightHH(l)], GH, N, H, true);
    k.addColumnSums(gr[biasHH(l)], dAhAll, N, GH);
    k.addColumnSums(gr[biasIH(l)], dA, N, GH);
    if (ly.input === null) {
      // layer 0: dW_ih's columns are the rows of dA added up by input id
      k.scatterAddRows(g.dWihT0, dA, g.ids, N, GH);
    } else {
      k.gemmTN(dA, ly.input, gr[weightIH(l)], GH, N, H, true); // dW_ih = dAᵀ·in
      k.gemmNN(dA, p[weightIH(l)], dIn, N, GH, H, false); // din = dA·W_ih
      [dOut, dIn] = [dIn, dOut];
    }
  }
}

/**
 * Step t of one layer backward: the gate gradients da_t (into dA) from dh_t; returns the
 * gradient of the hidden side's pre-activation (da_t itself, or for the GRU its own du_t).
 */
function stepBackward(k: GroupKernels, s: Shared, g: Group, ly: Layer, dh: FloatArray, dhPrev: FloatArray | null, t: number): FloatArray {
  const B = g.B,
    H = s.config.hiddenSize,
    BH = B * H,
    BG = B * GATES[s.config.kind] * H;
  const gates = ly.A.subarray(t * BG, (t + 1) * BG),
    da = g.dA.subarray(t * BG, (t + 1) * BG);
  const cell = ly.cell;
  switch (cell.kind) {
    case 'rnn':
      k.rnnBackward(ly.hs.subarray((t + 1) * BH, (t + 2) * BH), dh, da, B, H);
      return da;
    case 'lstm':
      k.lstmBackward(gates, cell.cs.subarray(t * BH, (t + 1) * BH), cell.tanhC.subarray(t * BH, (t + 1) * BH), dh, cell.dc, da, B, H);
      return da;
    case 'gru': {
      const du = cell.dU.subarray(t * BG, (t + 1) * BG);
      k.gruBackward(gates, cell.un.subarray(t * BH, (t + 1) * BH), ly.hs.subarray(t * BH, (t + 1) * BH), dh, dhPrev, da, du, B, H);
      return du;
    }
    default:
      return unreachable(cell, 'cell kind');
  }
}

// char-rnn's RNN, LSTM and GRU, one training step at a time, on a FastKernels set: the same maths as
// the hand-derived models (manual/stack.ts and the three *.manual.ts files, where every line of the
// derivation is commented), rearranged for speed:
//   - every array lives in the kernel set's memory, allocated once for the run's B and T and reused
//     from step to step (nothing is allocated inside the time loop);
//   - layer l > 0's input projections for all T steps are ONE product (N = T·B rows), as are the
//     decoder and every weight gradient (dW = dAᵀ·X over all N rows, after the backward sweep);
//   - a step's gate maths, the softmax cross-entropy and the optimizer update are fused kernels.
// The numbers agree with the manual models to rounding (test/fast/model.test.ts): in float64 with
// the reference kernels to ~1e-12, in float32 to float32's precision.
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, B streams, G gates (1, 4, 3),
// GH = G·H, N = T·B rows, time-major (row t·B + b is stream b at step t).

import { Tensor } from '../engine/tensor.ts';
import { unreachable } from '../errors.ts';
import {
  type Batch,
  biasHH,
  biasIH,
  type CharRNNConfig,
  DECODER_BIAS,
  DECODER_WEIGHT,
  type DropoutMasks,
  GATES,
  type Params,
  type State,
  weightHH,
  weightIH,
} from '../models/charrnn.ts';
import { type OptimizerState, type OptimName, optimSlots } from '../optim/optim.ts';
import { allocate, type FastModelShape, type Layer } from './arrays.ts';
import type { FastKernels, FloatArray } from './kernels.ts';

export { type FastModelShape, fastModelBytes } from './arrays.ts';

export class FastCharRNN {
  readonly config: CharRNNConfig;
  readonly B: number;
  readonly T: number;
  readonly optim: OptimName;
  /** PyTorch's names; the data live in the kernel memory. */
  readonly params: Record<string, FloatArray>;
  readonly grads: Record<string, FloatArray>;
  readonly slots: Record<string, Record<string, FloatArray>>;
  /** Optimizer steps taken (Adam's t). */
  steps = 0;
  /** The state carried into the next chunk: h[l], c[l] (LSTM), each (B, H). */
  readonly state: { h: FloatArray[]; c: FloatArray[] };
  private readonly m: ReturnType<typeof allocate>;

  constructor(
    readonly k: FastKernels,
    shape: FastModelShape,
  ) {
    this.config = shape.config;
    this.B = shape.B;
    this.T = shape.T;
    this.optim = shape.optim;
    this.m = allocate(k, shape);
    this.params = this.m.params;
    this.grads = this.m.grads;
    this.slots = this.m.slots;
    this.state = this.m.state;
  }

  // ---- moving values in and out (float64 Tensors outside, the kernel dtype inside) -----------

  setParams(p: Params): void {
    for (const [name] of this.m.shapes) this.params[name].set(p[name].data);
  }

  /** The parameters as fresh float64 Tensors. */
  getParams(): Params {
    const out: Params = {};
    for (const [name, s] of this.m.shapes) out[name] = new Tensor(Float64Array.from(this.params[name]), s);
    return out;
  }

  /** Writes the parameters into existing float64 Tensors (the trainer's). */
  copyParamsTo(p: Params): void {
    for (const [name] of this.m.shapes) p[name].data.set(this.params[name]);
  }

  setState(s: State): void {
    this.state.h.forEach((x, l) => x.set(s.h[l]));
    this.state.c.forEach((x, l) => x.set(s.c[l])); // none unless the cell has a c
  }

  getState(): State {
    return { h: this.state.h.map((x) => Float64Array.from(x)), c: this.state.c.map((x) => Float64Array.from(x)) };
  }

  /** Keeps a copy of the carried state (in buffers allocated once), for restoreState. */
  saveState(): void {
    const saved = (this.saved ??= { h: this.state.h.map((x) => x.slice()), c: this.state.c.map((x) => x.slice()) });
    this.state.h.forEach((x, l) => saved.h[l].set(x));
    this.state.c.forEach((x, l) => saved.c[l].set(x));
  }

  /** Puts back the state of the last saveState (a step that diverged must not advance it). */
  restoreState(): void {
    const saved = this.saved;
    if (!saved) throw new Error('fast model: restoreState without saveState');
    this.state.h.forEach((x, l) => x.set(saved.h[l]));
    this.state.c.forEach((x, l) => x.set(saved.c[l]));
  }

  private saved: { h: FloatArray[]; c: FloatArray[] } | null = null;

  zeroState(): void {
    for (const x of this.state.h) x.fill(0);
    for (const x of this.state.c) x.fill(0);
  }

  setOptimizerState(s: OptimizerState): void {
    if (s.name !== this.optim) throw new Error(`fast model: optimizer state is ${s.name}, the model was built for ${this.optim}`);
    this.steps = s.steps;
    for (const slot of optimSlots(this.optim)) {
      for (const [name] of this.m.shapes) {
        const given = s.slots[slot]?.[name];
        if (given) this.slots[slot][name].set(given);
        else this.slots[slot][name].fill(0);
      }
    }
  }

  /** Slots as float64 copies, in optim.ts's OptimizerState form (hyper supplied by the caller). */
  optimizerSlots(): Record<string, Record<string, Float64Array>> {
    const out: Record<string, Record<string, Float64Array>> = {};
    for (const slot of optimSlots(this.optim)) {
      out[slot] = {};
      for (const [name] of this.m.shapes) out[slot][name] = Float64Array.from(this.slots[slot][name]);
    }
    return out;
  }

  // ---- forward, backward, update -----------------------------------------------------------

  /**
   * Mean loss of one chunk from the carried state, which it advances. With `train`, leaves in
   * `grads` the gradients of the mean loss (forward keeps what backward needs either way).
   */
  run(batch: Batch, masks: DropoutMasks | undefined, train: boolean): number {
    const { T, B } = batch;
    if (T !== this.T || B !== this.B) throw new Error(`fast model: built for T ${this.T}, B ${this.B}; got a chunk of T ${T}, B ${B}`);
    if (masks && !this.m.layers[0].drop) throw new Error('fast model: built without dropout, given masks');
    // the kernels index memory with these ids, so they are checked here (a bad id would read or
    // write another array's memory)
    const V = this.config.vocabSize;
    for (const ids of [batch.inputs, batch.targets]) {
      for (let i = 0; i < ids.length; i++)
        if (!(ids[i] >= 0 && ids[i] < V && Number.isInteger(ids[i]))) throw new Error(`fast model: id ${ids[i]} is out of range for vocabulary size ${V}`);
    }
    this.m.ids.set(batch.inputs);
    this.m.targets.set(batch.targets);
    const loss = this.forward(masks);
    if (train) this.backward(!!masks);
    return loss;
  }

  private forward(masks: DropoutMasks | undefined): number {
    const k = this.k,
      p = this.params,
      m = this.m;
    const { kind, hiddenSize: H, vocabSize: V, layers: L } = this.config;
    const { T, B } = this;
    const GH = GATES[kind] * H,
      N = T * B,
      BH = B * H;
    let input = m.Y; // replaced by layer 0's output before it is read (layer 0 looks its input up)
    for (let l = 0; l < L; l++) {
      const ly = m.layers[l];
      const Wih = p[weightIH(l)];
      // A = in·W_ihᵀ + b_ih for all N rows; for layer 0, in = onehot(x): rows of W_ihᵀ looked up
      if (l === 0) {
        transposeInto(m.WihT0, Wih, GH, V);
        k.gatherRows(ly.A, m.WihT0, m.ids, p[biasIH(l)], N, GH);
        ly.input = null;
      } else {
        k.fillRows(ly.A, p[biasIH(l)], N, GH);
        k.gemmNT(input, Wih, ly.A, N, H, GH, true);
        ly.input = input;
      }
      ly.hs.set(this.state.h[l]);
      const cell = ly.cell;
      if (cell.kind === 'lstm') cell.cs.set(this.state.c[l]);
      for (let t = 0; t < T; t++) this.stepForward(ly, p[weightHH(l)], p[biasHH(l)], t);
      this.state.h[l].set(ly.hs.subarray(T * BH));
      if (cell.kind === 'lstm') this.state.c[l].set(cell.cs.subarray(T * BH));
      const out = ly.hs.subarray(BH);
      if (masks) {
        if (!ly.drop) throw new Error('fast model: built without dropout, given masks');
        ly.drop.mask.set(masks[l]);
        k.mul(ly.drop.out, out, ly.drop.mask, N * H);
        input = ly.drop.out.subarray(0, N * H);
      } else input = out;
    }
    // Decoder: Y = top·W_decᵀ + b_dec, then softmax cross-entropy; Y becomes dY = (p − onehot)/N.
    k.fillRows(m.Y, p[DECODER_BIAS], N, V);
    k.gemmNT(input, p[DECODER_WEIGHT], m.Y, N, H, V, true);
    this.top = input;
    return k.softmaxCrossEntropy(m.Y, m.targets, N, V, 1 / N) / N;
  }

  /** The top layer's output as the decoder saw it (after dropout), for backward. */
  private top: FloatArray = new Float64Array(0);

  /** Step t of one layer: h_t (and c_t) from A_t and h_{t−1} (and c_{t−1}). */
  private stepForward(ly: Layer, Whh: FloatArray, bhh: FloatArray, t: number): void {
    const k = this.k,
      { B } = this,
      H = this.config.hiddenSize,
      BH = B * H,
      GH = GATES[this.config.kind] * H;
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
        const at = (x: FloatArray, s: number) => x.subarray(s * BH, (s + 1) * BH);
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

  private backward(dropout: boolean): void {
    const k = this.k,
      p = this.params,
      g = this.grads,
      m = this.m;
    const { kind, hiddenSize: H, vocabSize: V, layers: L } = this.config;
    const { T, B } = this;
    const GH = GATES[kind] * H,
      N = T * B,
      BH = B * H;
    for (const name in g) g[name].fill(0);
    const dY = m.Y;
    // dW_dec = dYᵀ·top, db_dec = Σ_r dY_r, dtop = dY·W_dec
    k.gemmTN(dY, this.top, g[DECODER_WEIGHT], V, N, H, true);
    k.addColumnSums(g[DECODER_BIAS], dY, N, V);
    let dOut = m.dOut,
      dIn = m.dIn;
    k.gemmNN(dY, p[DECODER_WEIGHT], dOut, N, V, H, false);
    for (let l = L - 1; l >= 0; l--) {
      const ly = m.layers[l];
      const Whh = p[weightHH(l)];
      if (dropout && ly.drop) k.mul(dOut, dOut, ly.drop.mask, N * H);
      const dA = m.dA;
      const cell = ly.cell;
      if (cell.kind === 'lstm') cell.dc.fill(0);
      for (let t = T - 1; t >= 0; t--) {
        const dhPrev = t > 0 ? dOut.subarray((t - 1) * BH, t * BH) : null;
        const dAh = this.stepBackward(ly, dOut.subarray(t * BH, (t + 1) * BH), dhPrev, t);
        if (dhPrev) k.gemmNN(dAh, Whh, dhPrev, B, GH, H, true); // dh_{t−1} += da_t·W_hh
      }
      const dAhAll = cell.kind === 'gru' ? cell.dU : dA;
      // dW_hh = dAhᵀ·Hprev (the first T blocks of hs), db_hh = Σ dAh, db_ih = Σ dA
      k.gemmTN(dAhAll, ly.hs, g[weightHH(l)], GH, N, H, true);
      k.addColumnSums(g[biasHH(l)], dAhAll, N, GH);
      k.addColumnSums(g[biasIH(l)], dA, N, GH);
      if (ly.input === null) {
        // layer 0: dW_ih's columns are the rows of dA added up by input id
        m.dWihT0.fill(0);
        k.scatterAddRows(m.dWihT0, dA, m.ids, N, GH);
        transposeInto(g[weightIH(0)], m.dWihT0, V, GH);
      } else {
        k.gemmTN(dA, ly.input, g[weightIH(l)], GH, N, H, true); // dW_ih = dAᵀ·in
        k.gemmNN(dA, p[weightIH(l)], dIn, N, GH, H, false); // din = dA·W_ih
        [dOut, dIn] = [dIn, dOut];
      }
    }
  }

  /**
   * Step t of one layer backward: the gate gradients da_t (into dA) from dh_t; returns the
   * gradient of the hidden side's pre-activation (da_t itself, or for the GRU its own du_t).
   */
  private stepBackward(ly: Layer, dh: FloatArray, dhPrev: FloatArray | null, t: number): FloatArray {
    const k = this.k,
      { B } = this,
      H = this.config.hiddenSize,
      BH = B * H,
      BG = B * GATES[this.config.kind] * H;
    const gates = ly.A.subarray(t * BG, (t + 1) * BG),
      da = this.m.dA.subarray(t * BG, (t + 1) * BG);
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
}

/** out (N×M) = Aᵀ for A (M×N). */
function transposeInto(out: FloatArray, A: FloatArray, M: number, N: number): void {
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[j * M + i] = A[i * N + j];
}

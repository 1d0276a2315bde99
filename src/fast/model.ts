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
  paramShapes,
  type State,
  weightHH,
  weightIH,
} from '../models/charrnn.ts';
import { type OptimizerState, type OptimName, optimSlots } from '../optim/optim.ts';
import type { DType, FastKernels, FloatArray } from './kernels.ts';

/** Something that hands out arrays: the kernel set, or a counter that sizes its memory first. */
interface Arena {
  alloc(n: number): FloatArray;
  allocInt(n: number): Int32Array;
}

interface Layer {
  A: FloatArray; // (N, GH): the input side, then the gate values
  hs: FloatArray; // ((T+1)·B, H): block 0 = the carried h, block t+1 = h_t
  cs: FloatArray | null; // ((T+1)·B, H), LSTM: the cell states likewise
  tanhC: FloatArray | null; // (N, H), LSTM
  un: FloatArray | null; // (N, H), GRU: u_n = W_hn·h_{t−1} + b_hn
  input: FloatArray | null; // (N, H): in[l] for l > 0 (a view of the layer below's output, or `dropped`)
  dropped: FloatArray | null; // (N, H): out[l] ⊙ m[l], with dropout
  mask: FloatArray | null; // (N, H)
}

export interface FastModelShape {
  config: CharRNNConfig;
  B: number;
  T: number;
  optim: OptimName;
  dropout: boolean;
}

/** Bytes of kernel memory a FastCharRNN of this shape allocates (16-byte aligned arrays). */
export function fastModelBytes(shape: FastModelShape, dtype: DType): number {
  let bytes = 0;
  const count = (n: number, size: number) => {
    bytes += Math.ceil((n * size) / 16) * 16 + 16;
    return new Float64Array(0);
  };
  const size = dtype === 'f32' ? 4 : 8;
  new FastCharRNN({ alloc: (n) => count(n, size), allocInt: (n) => count(n, 4) as unknown as Int32Array } as FastKernels, shape, true);
  return bytes;
}

export class FastCharRNN {
  readonly config: CharRNNConfig;
  readonly B: number;
  readonly T: number;
  readonly optim: OptimName;
  /** PyTorch's names; the data live in the kernel memory. */
  readonly params: Record<string, FloatArray> = {};
  readonly grads: Record<string, FloatArray> = {};
  readonly slots: Record<string, Record<string, FloatArray>> = {};
  /** Optimizer steps taken (Adam's t). */
  steps = 0;
  /** The state carried into the next chunk: h[l], c[l] (LSTM), each (B, H). */
  readonly state: { h: FloatArray[]; c: FloatArray[] };
  private readonly shapes: [string, number[]][];
  private readonly layers: Layer[] = [];
  private readonly ids: Int32Array; // (N): the chunk's inputs
  private readonly targets: Int32Array; // (N)
  private readonly Y: FloatArray; // (N, V): logits, then probabilities − onehot, / N
  private readonly dOut: FloatArray; // (N, H)
  private readonly dIn: FloatArray; // (N, H)
  private readonly dA: FloatArray; // (N, GH)
  private readonly dU: FloatArray | null; // (N, GH), GRU: the hidden side's gradient
  private readonly u: FloatArray | null; // (B, GH), GRU: one step's hidden side
  private readonly dc: FloatArray | null; // (B, H), LSTM
  private readonly WihT0: FloatArray; // (V, GH): layer 0's W_ih transposed, rows looked up by id
  private readonly dWihT0: FloatArray; // (V, GH)

  /** `countOnly`: allocate nothing real (fastModelBytes). */
  constructor(
    readonly k: FastKernels,
    shape: FastModelShape,
    countOnly = false,
  ) {
    const { config, B, T } = shape;
    const { kind, hiddenSize: H, vocabSize: V, layers: L } = config;
    const GH = GATES[kind] * H,
      N = T * B;
    this.config = config;
    this.B = B;
    this.T = T;
    this.optim = shape.optim;
    const a: Arena = k;
    this.shapes = paramShapes(config);
    for (const [name, s] of this.shapes) {
      const n = s.reduce((x, y) => x * y, 1);
      this.params[name] = a.alloc(n);
      this.grads[name] = a.alloc(n);
    }
    for (const slot of optimSlots(shape.optim)) {
      this.slots[slot] = {};
      for (const [name, s] of this.shapes) this.slots[slot][name] = a.alloc(s.reduce((x, y) => x * y, 1));
    }
    this.state = { h: [], c: [] };
    for (let l = 0; l < L; l++) {
      this.state.h.push(a.alloc(B * H));
      if (kind === 'lstm') this.state.c.push(a.alloc(B * H));
      this.layers.push({
        A: a.alloc(N * GH),
        hs: a.alloc((T + 1) * B * H),
        cs: kind === 'lstm' ? a.alloc((T + 1) * B * H) : null,
        tanhC: kind === 'lstm' ? a.alloc(N * H) : null,
        un: kind === 'gru' ? a.alloc(N * H) : null,
        input: null,
        dropped: shape.dropout ? a.alloc(N * H) : null,
        mask: shape.dropout ? a.alloc(N * H) : null,
      });
    }
    this.ids = a.allocInt(N);
    this.targets = a.allocInt(N);
    this.Y = a.alloc(N * V);
    this.dOut = a.alloc(N * H);
    this.dIn = a.alloc(N * H);
    this.dA = a.alloc(N * GH);
    this.dU = kind === 'gru' ? a.alloc(N * GH) : null;
    this.u = kind === 'gru' ? a.alloc(B * GH) : null;
    this.dc = kind === 'lstm' ? a.alloc(B * H) : null;
    this.WihT0 = a.alloc(V * GH);
    this.dWihT0 = a.alloc(V * GH);
    if (countOnly) return;
  }

  // ---- moving values in and out (float64 Tensors outside, the kernel dtype inside) -----------

  setParams(p: Params): void {
    for (const [name] of this.shapes) this.params[name].set(p[name].data);
  }

  /** The parameters as fresh float64 Tensors. */
  getParams(): Params {
    const out: Params = {};
    for (const [name, s] of this.shapes) out[name] = new Tensor(Float64Array.from(this.params[name]), s);
    return out;
  }

  /** Writes the parameters into existing float64 Tensors (the trainer's). */
  copyParamsTo(p: Params): void {
    for (const [name] of this.shapes) p[name].data.set(this.params[name]);
  }

  setState(s: State): void {
    for (let l = 0; l < this.config.layers; l++) {
      this.state.h[l].set(s.h[l]);
      if (this.config.kind === 'lstm') this.state.c[l].set(s.c[l]);
    }
  }

  getState(): State {
    return { h: this.state.h.map((x) => Float64Array.from(x)), c: this.state.c.map((x) => Float64Array.from(x)) };
  }

  /** Keeps a copy of the carried state (in buffers allocated once), for restoreState. */
  saveState(): void {
    this.saved ??= { h: this.state.h.map((x) => x.slice()), c: this.state.c.map((x) => x.slice()) };
    this.state.h.forEach((x, l) => this.saved!.h[l].set(x));
    this.state.c.forEach((x, l) => this.saved!.c[l].set(x));
  }

  /** Puts back the state of the last saveState (a step that diverged must not advance it). */
  restoreState(): void {
    if (!this.saved) throw new Error('fast model: restoreState without saveState');
    this.state.h.forEach((x, l) => x.set(this.saved!.h[l]));
    this.state.c.forEach((x, l) => x.set(this.saved!.c[l]));
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
      for (const [name] of this.shapes) {
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
      for (const [name] of this.shapes) out[slot][name] = Float64Array.from(this.slots[slot][name]);
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
    if (masks && !this.layers[0].mask) throw new Error('fast model: built without dropout, given masks');
    // the kernels index memory with these ids, so they are checked here (a bad id would read or
    // write another array's memory)
    const V = this.config.vocabSize;
    for (const ids of [batch.inputs, batch.targets]) {
      for (let i = 0; i < ids.length; i++)
        if (!(ids[i] >= 0 && ids[i] < V && Number.isInteger(ids[i]))) throw new Error(`fast model: id ${ids[i]} is out of range for vocabulary size ${V}`);
    }
    this.ids.set(batch.inputs);
    this.targets.set(batch.targets);
    const loss = this.forward(masks);
    if (train) this.backward(!!masks);
    return loss;
  }

  private forward(masks: DropoutMasks | undefined): number {
    const k = this.k,
      p = this.params;
    const { kind, hiddenSize: H, vocabSize: V, layers: L } = this.config;
    const { T, B } = this;
    const GH = GATES[kind] * H,
      N = T * B,
      BH = B * H,
      BG = B * GH;
    let input: FloatArray | null = null;
    for (let l = 0; l < L; l++) {
      const ly = this.layers[l];
      const Wih = p[weightIH(l)],
        Whh = p[weightHH(l)],
        bih = p[biasIH(l)],
        bhh = p[biasHH(l)];
      // A = in·W_ihᵀ + b_ih for all N rows; for layer 0, in = onehot(x): rows of W_ihᵀ looked up
      if (l === 0) {
        transposeInto(this.WihT0, Wih, GH, V);
        k.gatherRows(ly.A, this.WihT0, this.ids, bih, N, GH);
      } else {
        k.fillRows(ly.A, bih, N, GH);
        k.gemmNT(input!, Wih, ly.A, N, H, GH, true);
      }
      ly.input = input;
      ly.hs.set(this.state.h[l]);
      if (ly.cs) ly.cs.set(this.state.c[l]);
      for (let t = 0; t < T; t++) {
        const a = ly.A.subarray(t * BG, (t + 1) * BG);
        const hPrev = ly.hs.subarray(t * BH, (t + 1) * BH),
          h = ly.hs.subarray((t + 1) * BH, (t + 2) * BH);
        if (kind === 'gru') {
          const u = this.u!; // u_t = h_{t−1}·W_hhᵀ + b_hh, kept apart from the input side
          k.fillRows(u, bhh, B, GH);
          k.gemmNT(hPrev, Whh, u, B, H, GH, true);
          k.gruForward(a, u, hPrev, h, ly.un!.subarray(t * BH, (t + 1) * BH), B, H);
        } else {
          k.gemmNT(hPrev, Whh, a, B, H, GH, true); // a_t = A_t + h_{t−1}·W_hhᵀ
          if (kind === 'lstm') {
            const cs = ly.cs!;
            k.lstmForward(
              a,
              bhh,
              cs.subarray(t * BH, (t + 1) * BH),
              cs.subarray((t + 1) * BH, (t + 2) * BH),
              ly.tanhC!.subarray(t * BH, (t + 1) * BH),
              h,
              B,
              H,
            );
          } else k.rnnForward(a, bhh, h, B, H);
        }
      }
      this.state.h[l].set(ly.hs.subarray(T * BH));
      if (ly.cs) this.state.c[l].set(ly.cs.subarray(T * BH));
      const out = ly.hs.subarray(BH);
      if (masks) {
        ly.mask!.set(masks[l]);
        k.mul(ly.dropped!, out, ly.mask!, N * H);
        input = ly.dropped!.subarray(0, N * H);
      } else input = out;
    }
    // Decoder: Y = top·W_decᵀ + b_dec, then softmax cross-entropy; Y becomes dY = (p − onehot)/N.
    k.fillRows(this.Y, p[DECODER_BIAS], N, V);
    k.gemmNT(input!, p[DECODER_WEIGHT], this.Y, N, H, V, true);
    this.top = input!;
    return k.softmaxCrossEntropy(this.Y, this.targets, N, V, 1 / N) / N;
  }

  private top: FloatArray | null = null;

  private backward(dropout: boolean): void {
    const k = this.k,
      p = this.params,
      g = this.grads;
    const { kind, hiddenSize: H, vocabSize: V, layers: L } = this.config;
    const { T, B } = this;
    const GH = GATES[kind] * H,
      N = T * B,
      BH = B * H,
      BG = B * GH;
    for (const name in g) g[name].fill(0);
    const dY = this.Y;
    // dW_dec = dYᵀ·top, db_dec = Σ_r dY_r, dtop = dY·W_dec
    k.gemmTN(dY, this.top!, g[DECODER_WEIGHT], V, N, H, true);
    k.addColumnSums(g[DECODER_BIAS], dY, N, V);
    let dOut = this.dOut,
      dIn = this.dIn;
    k.gemmNN(dY, p[DECODER_WEIGHT], dOut, N, V, H, false);
    for (let l = L - 1; l >= 0; l--) {
      const ly = this.layers[l];
      const Whh = p[weightHH(l)];
      if (dropout) k.mul(dOut, dOut, ly.mask!, N * H);
      const dA = this.dA;
      if (kind === 'lstm') this.dc!.fill(0);
      for (let t = T - 1; t >= 0; t--) {
        const gates = ly.A.subarray(t * BG, (t + 1) * BG),
          da = dA.subarray(t * BG, (t + 1) * BG);
        const dh = dOut.subarray(t * BH, (t + 1) * BH),
          dhPrev = t > 0 ? dOut.subarray((t - 1) * BH, t * BH) : null;
        let dAh = da;
        if (kind === 'lstm') {
          k.lstmBackward(gates, ly.cs!.subarray(t * BH, (t + 1) * BH), ly.tanhC!.subarray(t * BH, (t + 1) * BH), dh, this.dc!, da, B, H);
        } else if (kind === 'gru') {
          dAh = this.dU!.subarray(t * BG, (t + 1) * BG);
          k.gruBackward(gates, ly.un!.subarray(t * BH, (t + 1) * BH), ly.hs.subarray(t * BH, (t + 1) * BH), dh, dhPrev, da, dAh, B, H);
        } else k.rnnBackward(ly.hs.subarray((t + 1) * BH, (t + 2) * BH), dh, da, B, H);
        if (dhPrev) k.gemmNN(dAh, Whh, dhPrev, B, GH, H, true); // dh_{t−1} += da_t·W_hh
      }
      const dAhAll = kind === 'gru' ? this.dU! : dA;
      // dW_hh = dAhᵀ·Hprev (the first T blocks of hs), db_hh = Σ dAh, db_ih = Σ dA
      k.gemmTN(dAhAll, ly.hs, g[weightHH(l)], GH, N, H, true);
      k.addColumnSums(g[biasHH(l)], dAhAll, N, GH);
      k.addColumnSums(g[biasIH(l)], dA, N, GH);
      if (l === 0) {
        this.dWihT0.fill(0);
        k.scatterAddRows(this.dWihT0, dA, this.ids, N, GH);
        transposeInto(g[weightIH(0)], this.dWihT0, V, GH);
      } else {
        k.gemmTN(dA, ly.input!, g[weightIH(l)], GH, N, H, true); // dW_ih = dAᵀ·in
        k.gemmNN(dA, p[weightIH(l)], dIn, N, GH, H, false); // din = dA·W_ih
        [dOut, dIn] = [dIn, dOut];
      }
    }
  }
}

/** out (N×M) = Aᵀ for A (M×N). */
function transposeInto(out: FloatArray, A: FloatArray, M: number, N: number): void {
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[j * M + i] = A[i * N + j];
}

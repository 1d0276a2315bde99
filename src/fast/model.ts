// char-rnn's RNN, LSTM and GRU, one training step at a time, on a FastKernels set: the same maths as
// the hand-derived models (manual/stack.ts and the three *.manual.ts files, where every line of the
// derivation is commented), rearranged for speed:
//   - every array lives in the kernel set's memory, allocated once for the run's B and T and reused
//     from step to step (nothing is allocated inside the time loop);
//   - the B streams are cut into groups (arrays.ts), each taken through the whole step by passes.ts;
//     with two threads each group runs on a thread of its own, with no hand-off between the time
//     steps and layers, or, where timing says that is faster, the groups run one after the other
//     and the threads share each large product instead;
//   - the groups' weight gradients are added up once per step, in group order, so one thread and
//     two give the same bits whichever way the step ran;
//   - that sum, clipping and the optimizer update (update.ts) are elementwise kernels on fixed
//     pieces of the parameters (eachPiece), which the two threads share: a piece's numbers do not
//     depend on which thread computes it, and sums over the pieces are added in piece order.
// The numbers agree with the manual models to rounding (test/fast/model.test.ts): in float64 with
// the reference kernels to ~1e-12, in float32 to float32's precision.
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, B streams (Bg in a group), G gates
// (1, 4, 3), GH = G·H, rows time-major (row t·B + b is stream b at step t).

import { Tensor } from '../engine/tensor.ts';
import { type Batch, type CharRNNConfig, type DropoutMasks, GATES, type Params, type State, weightIH } from '../models/charrnn.ts';
import { type OptimizerState, type OptimName, optimSlots } from '../optim/optim.ts';
import { allocate, type FastModelShape, type Group } from './arrays.ts';
import type { GroupKernels, PieceKernels, Program, ProgramRunner } from './kernel-calls.ts';
import { BINARY_CODES, type FastKernels, type FloatArray } from './kernels.ts';
import { backward, forward, type Shared } from './passes.ts';

export { type FastModelShape, fastModelBytes } from './arrays.ts';

/**
 * Entries of an array per piece (eachPiece): arrays are cut at multiples of this, by their length
 * alone, so the pieces, and any sum over them, are the same on one thread and on two.
 */
export const PIECE = 16384;
/** Pieces are shared out in at most this many runs of consecutive pieces (programs), by entries. */
const PIECE_BLOCKS = 4;

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
  private readonly shared: Shared;
  /** The threads' program runner when the step has groups to share out, else null (chosen once). */
  private readonly split: ProgramRunner | null;
  /** The recorded programs of each kind of step (train or not, dropout or not); null where they did not fit. */
  private readonly programs = new Map<string, { programs: Program[]; handles: number[] } | null>();

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
    this.shared = { config: this.config, T: this.T, rows: this.T * this.B, params: this.params, WihT0: this.m.WihT0 };
    this.split = k.programs && this.m.groups.length > 1 ? k.programs : null;
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

  // ---- forward, backward ---------------------------------------------------------------------

  /**
   * Mean loss of one chunk from the carried state, which it advances. With `train`, leaves in
   * `grads` the gradients of the mean loss (forward keeps what backward needs either way).
   */
  run(batch: Batch, masks: DropoutMasks | undefined, train: boolean): number {
    const { T, B } = batch;
    if (T !== this.T || B !== this.B) throw new Error(`fast model: built for T ${this.T}, B ${this.B}; got a chunk of T ${T}, B ${B}`);
    if (masks && !this.m.groups[0].layers[0].drop) throw new Error('fast model: built without dropout, given masks');
    // the kernels index memory with these ids, so they are checked here (a bad id would read or
    // write another array's memory)
    const { vocabSize: V, hiddenSize: H, kind } = this.config;
    for (const ids of [batch.inputs, batch.targets]) {
      for (let i = 0; i < ids.length; i++)
        if (!(ids[i] >= 0 && ids[i] < V && Number.isInteger(ids[i]))) throw new Error(`fast model: id ${ids[i]} is out of range for vocabulary size ${V}`);
    }
    const dropout = !!masks;
    // NOTE: decided before the groups' arrays are filled: a sleeping worker is woken as soon as the
    // step goes to it (GemmPool.wanted), and wakes up while this thread copies
    const key = `${kind} ${this.config.layers}×${H} V${V} T${T} B${B}${train ? ' train' : ''}${dropout ? ' dropout' : ''}`;
    const streams = this.split?.wanted(key) ?? false;
    for (const g of this.m.groups) this.into(g, batch, masks, train);
    transposeInto(this.m.WihT0, this.params[weightIH(0)], GATES[kind] * H, V);
    const loss = this.split ? this.passes(this.split, key, streams, train, dropout) : this.inTurn(train, dropout);
    for (const g of this.m.groups) this.outOf(g);
    if (train) this.addGradients();
    return loss / (T * B);
  }

  /** The groups' forward (and backward) passes, on both threads or, if not `streams`, one after the other; returns the summed loss. */
  private passes(split: ProgramRunner, key: string, streams: boolean, train: boolean, dropout: boolean): number {
    const t0 = performance.now();
    const compiled = streams ? this.compiled(split, key, train, dropout) : null;
    let loss = 0;
    if (compiled) {
      split.run(compiled.programs);
      for (const h of compiled.handles) loss += split.result(h); // in group order, as inTurn adds them
    } else loss = this.inTurn(train, dropout);
    split.timed(key, streams, performance.now() - t0);
    return loss;
  }

  /** Every group on this thread, one after the other (the kernel set may share the products). */
  private inTurn(train: boolean, dropout: boolean): number {
    let loss = 0;
    for (const g of this.m.groups) loss += this.pass(this.k, g, train, dropout);
    return loss;
  }

  private pass(k: GroupKernels, g: Group, train: boolean, dropout: boolean): number {
    const loss = forward(k, this.shared, g, dropout);
    if (train) backward(k, this.shared, g, dropout);
    return loss;
  }

  /** The groups' programs for this kind of step, recorded the first time it is asked for. */
  private compiled(split: ProgramRunner, key: string, train: boolean, dropout: boolean) {
    let c = this.programs.get(key);
    if (c === undefined) {
      const each = this.m.groups.map((g) => split.compile((rec) => this.pass(rec, g, train, dropout)));
      c = each.every((x) => x !== null) ? { programs: each.map((x) => x!.program), handles: each.map((x) => x!.handle) } : null;
      this.programs.set(key, c);
    }
    return c;
  }

  /** Copies the group's streams of the batch, the masks and the carried state into its arrays. */
  private into(g: Group, batch: Batch, masks: DropoutMasks | undefined, train: boolean): void {
    const { T, B } = this,
      H = this.config.hiddenSize,
      Bg = g.B;
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < Bg; j++) {
        g.ids[t * Bg + j] = batch.inputs[t * B + g.b0 + j];
        g.targets[t * Bg + j] = batch.targets[t * B + g.b0 + j];
      }
    }
    g.layers.forEach((ly, l) => {
      ly.hs.set(this.state.h[l].subarray(g.b0 * H, (g.b0 + Bg) * H));
      if (ly.cell.kind === 'lstm') ly.cell.cs.set(this.state.c[l].subarray(g.b0 * H, (g.b0 + Bg) * H));
      const mask = masks?.[l];
      if (mask && ly.drop) for (let t = 0; t < T; t++) ly.drop.mask.set(mask.subarray((t * B + g.b0) * H, (t * B + g.b0 + Bg) * H), t * Bg * H);
    });
    if (train) {
      for (const name in g.grads) g.grads[name].fill(0);
      g.dWihT0.fill(0);
    }
  }

  /** Copies the group's state after the chunk (h_T, c_T of each layer) into the carried state. */
  private outOf(g: Group): void {
    const H = this.config.hiddenSize,
      end = this.T * g.B * H;
    g.layers.forEach((ly, l) => {
      this.state.h[l].set(ly.hs.subarray(end, end + g.B * H), g.b0 * H);
      if (ly.cell.kind === 'lstm') this.state.c[l].set(ly.cell.cs.subarray(end, end + g.B * H), g.b0 * H);
    });
  }

  /** The step's gradients: the groups' added up in group order (the fixed order of every run), into `grads`. */
  private addGradients(): void {
    const [first, ...rest] = this.m.groups;
    for (const g of rest) {
      const pairs = Object.keys(g.grads).map((name) => [first.grads[name], g.grads[name]]);
      pairs.push([first.dWihT0, g.dWihT0]);
      this.eachPiece('add', pairs, (k, [sum, x]) => k.binaryRows(sum, sum, x, sum.length, sum.length, BINARY_CODES.add));
    }
    const { vocabSize: V, hiddenSize: H, kind } = this.config;
    transposeInto(this.grads[weightIH(0)], first.dWihT0, V, GATES[kind] * H);
  }

  // ---- elementwise work in pieces, on both threads ---------------------------------------------

  /**
   * Calls `each` on every piece of `tuples` (each a list of arrays of one length, cut together into
   * pieces of PIECE entries: `each` gets the pieces' subarrays) and returns what it returned, piece
   * by piece in order (NaN for a kernel without a result). With two threads the pieces are recorded
   * as programs and shared between the threads, where timing says that is faster for `key` (the
   * kind of work, with its size). Every piece is computed by the same kernel call either way.
   */
  eachPiece(key: string, tuples: readonly FloatArray[][], each: (k: PieceKernels, xs: FloatArray[]) => unknown): number[] {
    const pieces: FloatArray[][] = [];
    let entries = 0;
    for (const t of tuples) {
      const n = t[0].length;
      entries += n;
      for (let s = 0; s < n; s += PIECE) pieces.push(t.map((a) => a.subarray(s, Math.min(s + PIECE, n))));
    }
    const call = (k: PieceKernels, xs: FloatArray[]): number => {
      const r = each(k, xs);
      return typeof r === 'number' ? r : NaN;
    };
    const direct = () => pieces.map((xs) => call(this.k, xs));
    if (!this.split || pieces.length < 2) return direct();
    // consecutive pieces into blocks of about entries / PIECE_BLOCKS entries each
    const blocks: FloatArray[][][] = [];
    let done = 0;
    for (const xs of pieces) {
      const b = Math.min(PIECE_BLOCKS - 1, Math.floor((PIECE_BLOCKS * (done + xs[0].length / 2)) / entries));
      (blocks[b] ??= []).push(xs);
      done += xs[0].length;
    }
    const bodies = blocks.filter((b) => b !== undefined).map((block) => (k: PieceKernels) => block.map((xs) => call(k, xs)));
    return this.split.share(`${key} ${entries}`, bodies)?.flat() ?? direct();
  }
}

/** out (N×M) = Aᵀ for A (M×N). */
function transposeInto(out: FloatArray, A: FloatArray, M: number, N: number): void {
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[j * M + i] = A[i * N + j];
}

// One character at a time on a FastKernels set: the forward step of charrnn.ts's `stepper`, for one
// stream (fastStepper, charrnn.ts's Stepper contract) or for N streams at once (StreamStepper). The
// weights are copied once into the kernel memory and every buffer is reused. A step of a group of
// Bg streams is, per layer, one (Bg × H)·W_hhᵀ product (and one for the input side above layer 0)
// and one fused gate kernel, then the decoder's product: matrix-vector products when Bg = 1.
//
// N streams are cut into the groups of a training step (arrays.ts's streamGroups, by N alone, never
// by the number of threads). On two threads each group's step is recorded once as a program of kernel
// calls (programs.ts) and the groups run one per thread, so one thread and two give the same bits.
// NOTE: a step only calls kernels (no loop of its own over the numbers), so that it can be recorded.
//
// Dimensions: V vocabulary, H hidden size, L layers, G gates (1, 4, 3), GH = G·H, N streams, Bg
// streams of one group.

import { unreachable } from '../errors.ts';
import {
  biasHH,
  biasIH,
  type CharRNNConfig,
  configOf,
  DECODER_BIAS,
  DECODER_WEIGHT,
  GATES,
  type Params,
  type State,
  weightHH,
  weightIH,
} from '../models/charrnn.ts';
import { streamGroups } from './arrays.ts';
import type { GroupKernels, Program, ProgramRunner } from './kernel-calls.ts';
import { type Arena, arenaBytes, type DType, type FastKernels, type FloatArray } from './kernels.ts';

export type Stepper = (x: ArrayLike<number>, state: State) => { logits: Float64Array; state: State };

/** The parameters in the kernel memory, read by every group. */
function allocateWeights(a: Arena, { kind, hiddenSize: H, vocabSize: V, layers: L }: CharRNNConfig) {
  const GH = GATES[kind] * H;
  return {
    layers: Array.from({ length: L }, (_, l) => ({
      Wih: l === 0 ? null : a.alloc(GH * H), // (GH, H); layer 0 looks its input up in WihT0
      Whh: a.alloc(GH * H), // (GH, H)
      bih: a.alloc(GH),
      bhh: a.alloc(GH),
    })),
    WihT0: a.alloc(V * GH), // (V, GH): row v = column v of W_ih0, the input projection of id v
    Wdec: a.alloc(V * H), // (V, H)
    bdec: a.alloc(V),
  };
}
type Weights = ReturnType<typeof allocateWeights>;

/** What each cell kind keeps besides h, one type per kind (a new kind fails to compile below until handled). */
type CellBuffers =
  | { kind: 'rnn' }
  | { kind: 'lstm'; c: [FloatArray, FloatArray]; tanhC: FloatArray } // (Bg, H) each
  | { kind: 'gru'; u: FloatArray; un: FloatArray }; // (Bg, GH): the hidden side; (Bg, H): its n part

/**
 * One group of streams b0 … b0 + Bg − 1. The state is held twice, h[0] and h[1] (c likewise): a step
 * of parity p reads h[p] and writes h[1 − p], so the two recorded programs never copy a state.
 */
function allocateGroup(a: Arena, { kind, hiddenSize: H, vocabSize: V, layers: L }: CharRNNConfig, b0: number, Bg: number) {
  const GH = GATES[kind] * H;
  const cell = (): CellBuffers => {
    switch (kind) {
      case 'rnn':
        return { kind };
      case 'lstm':
        return { kind, c: [a.alloc(Bg * H), a.alloc(Bg * H)], tanhC: a.alloc(Bg * H) };
      case 'gru':
        return { kind, u: a.alloc(Bg * GH), un: a.alloc(Bg * H) };
      default:
        return unreachable(kind, 'cell kind');
    }
  };
  return {
    b0,
    Bg,
    ids: a.allocInt(Bg), // (Bg): this step's inputs
    layers: Array.from({ length: L }, () => ({
      a: a.alloc(Bg * GH), // (Bg, GH): the gates' pre-activations, then their values
      h: [a.alloc(Bg * H), a.alloc(Bg * H)] as [FloatArray, FloatArray],
      cell: cell(),
    })),
    y: a.alloc(Bg * V), // (Bg, V): the logits
  };
}
type Group = ReturnType<typeof allocateGroup>;

/** One step of a group from state parity p to 1 − p: its ids in, its logits out (in g.y). */
function stepGroup(k: GroupKernels, w: Weights, g: Group, config: CharRNNConfig, p: 0 | 1): void {
  const { kind, hiddenSize: H, vocabSize: V } = config;
  const GH = GATES[kind] * H,
    B = g.Bg;
  let below: FloatArray | null = null; // the layer below's new h
  g.layers.forEach((ly, l) => {
    const lw = w.layers[l];
    // a = in·W_ihᵀ + b_ih; for layer 0, in = onehot(x): a row of W_ihᵀ looked up
    if (below === null || lw.Wih === null) k.gatherRows(ly.a, w.WihT0, g.ids, lw.bih, B, GH);
    else {
      k.fillRows(ly.a, lw.bih, B, GH);
      k.gemmNT(below, lw.Wih, ly.a, B, H, GH, true);
    }
    const hPrev = ly.h[p],
      h = ly.h[1 - p];
    const cell = ly.cell;
    switch (cell.kind) {
      case 'rnn':
        k.gemmNT(hPrev, lw.Whh, ly.a, B, H, GH, true); // a += h_{t−1}·W_hhᵀ
        k.rnnForward(ly.a, lw.bhh, h, B, H);
        break;
      case 'lstm':
        k.gemmNT(hPrev, lw.Whh, ly.a, B, H, GH, true);
        k.lstmForward(ly.a, lw.bhh, cell.c[p], cell.c[1 - p], cell.tanhC, h, B, H);
        break;
      case 'gru':
        k.fillRows(cell.u, lw.bhh, B, GH); // u = h_{t−1}·W_hhᵀ + b_hh, kept apart from the input side
        k.gemmNT(hPrev, lw.Whh, cell.u, B, H, GH, true);
        k.gruForward(ly.a, cell.u, hPrev, h, cell.un, B, H);
        break;
      default:
        unreachable(cell, 'cell kind');
    }
    below = h;
  });
  k.fillRows(g.y, w.bdec, B, V);
  k.gemmNT(below!, w.Wdec, g.y, B, H, V, true);
}

/** Copies the parameters into the kernel memory (W_ih0 transposed). Later changes to `p` are not seen. */
function setWeights(w: Weights, p: Params, { kind, hiddenSize: H, vocabSize: V }: CharRNNConfig): void {
  w.layers.forEach((lw, l) => {
    lw.Wih?.set(p[weightIH(l)].data);
    lw.Whh.set(p[weightHH(l)].data);
    lw.bih.set(p[biasIH(l)].data);
    lw.bhh.set(p[biasHH(l)].data);
  });
  const GH = GATES[kind] * H,
    Wih0 = p[weightIH(0)].data;
  for (let g = 0; g < GH; g++) for (let v = 0; v < V; v++) w.WihT0[v * GH + g] = Wih0[g * V + v];
  w.Wdec.set(p[DECODER_WEIGHT].data);
  w.bdec.set(p[DECODER_BIAS].data);
}

function checkId(id: number, V: number, who: string): void {
  // the kernels index memory with it: a bad id would read another array
  if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new Error(`${who}: id ${id} is out of range for vocabulary size ${V}`);
}

/** Bytes of kernel memory fastStepper allocates for a model of this config. */
export function fastStepperBytes(config: CharRNNConfig, dtype: DType): number {
  return streamStepperBytes(config, 1, dtype);
}

/**
 * A stepper with charrnn.ts's contract, B = 1: feeds one id, returns the logits and the next state
 * (fresh arrays; the given state is not changed). The parameters are copied now: later changes to
 * `p` are not seen.
 */
export function fastStepper(k: FastKernels, p: Params): Stepper {
  const config = configOf(p);
  const w = allocateWeights(k, config),
    g = allocateGroup(k, config, 0, 1);
  setWeights(w, p, config);
  return (x, state) => {
    if (x.length !== 1) throw new Error(`fastStepper: one stream only (B = 1), got ${x.length} inputs`);
    checkId(x[0], config.vocabSize, 'fastStepper');
    g.ids[0] = x[0];
    g.layers.forEach((ly, l) => {
      ly.h[0].set(state.h[l]);
      if (ly.cell.kind === 'lstm') ly.cell.c[0].set(state.c[l]);
    });
    stepGroup(k, w, g, config, 0);
    const next: State = { h: [], c: [] };
    for (const ly of g.layers) {
      next.h.push(Float64Array.from(ly.h[1]));
      if (ly.cell.kind === 'lstm') next.c.push(Float64Array.from(ly.cell.c[1]));
    }
    return { logits: Float64Array.from(g.y), state: next };
  };
}

/** Bytes of kernel memory a StreamStepper of N streams allocates for a model of this config. */
export function streamStepperBytes(config: CharRNNConfig, N: number, dtype: DType): number {
  return arenaBytes(dtype, (a) => {
    allocateWeights(a, config);
    for (const [b0, Bg] of streamGroups(N)) allocateGroup(a, config, b0, Bg);
  });
}

/**
 * N streams stepped together from a zero state: set each stream's next input (setInput), step(),
 * read each stream's logits (logits). The parameters are copied now: later changes to `p` are not seen.
 */
export class StreamStepper {
  readonly config: CharRNNConfig;
  private readonly w: Weights;
  private readonly groups: Group[];
  /** Stream i's logits, (V) views into its group's y. */
  private readonly rows: FloatArray[] = [];
  /** The threads' program runner when there are two groups to share out, else null. */
  private readonly split: ProgramRunner | null;
  /** Each parity's recorded programs (one per group); null where they did not fit. */
  private readonly programs: (Program[] | null | undefined)[] = [undefined, undefined];
  private parity: 0 | 1 = 0;
  /** The step's shape, for the split's timings (threads.ts). */
  private readonly key: string;

  constructor(
    readonly k: FastKernels,
    p: Params,
    readonly N: number,
  ) {
    if (!(Number.isSafeInteger(N) && N >= 1)) throw new Error(`StreamStepper: the number of streams must be a positive integer, got ${N}`);
    this.config = configOf(p);
    const V = this.config.vocabSize;
    this.w = allocateWeights(k, this.config);
    setWeights(this.w, p, this.config);
    this.groups = streamGroups(N).map(([b0, Bg]) => allocateGroup(k, this.config, b0, Bg));
    for (const g of this.groups) for (let j = 0; j < g.Bg; j++) this.rows.push(g.y.subarray(j * V, (j + 1) * V));
    this.split = k.programs && this.groups.length > 1 ? k.programs : null;
    const { kind, layers: L, hiddenSize: H } = this.config;
    this.key = `sample ${kind} ${L}×${H} V${V} N${N}`;
  }

  /** Sets stream i's input for the next step. */
  setInput(i: number, id: number): void {
    checkId(id, this.config.vocabSize, 'StreamStepper');
    if (!(Number.isInteger(i) && i >= 0 && i < this.N)) throw new Error(`StreamStepper: stream ${i} is not one of the ${this.N}`);
    let g = this.groups[0];
    for (const x of this.groups) if (x.b0 <= i) g = x;
    g.ids[i - g.b0] = id;
  }

  /** Stream i's logits after the last step (V): a view into the kernel memory, overwritten by the next step. */
  logits(i: number): FloatArray {
    return this.rows[i];
  }

  /** Every stream one step on: the groups on both threads, or one after the other. */
  step(): void {
    const p = this.parity;
    const split = this.split;
    if (!split) this.inTurn(p);
    else {
      const streams = split.wanted(this.key);
      const t0 = performance.now();
      const programs = streams ? this.compiled(split, p) : null;
      if (programs) split.run(programs);
      else this.inTurn(p);
      split.timed(this.key, streams, performance.now() - t0);
    }
    this.parity = p === 0 ? 1 : 0;
  }

  private inTurn(p: 0 | 1): void {
    for (const g of this.groups) stepGroup(this.k, this.w, g, this.config, p);
  }

  /** The groups' programs for parity p, recorded the first time they are asked for. */
  private compiled(split: ProgramRunner, p: 0 | 1): Program[] | null {
    let c = this.programs[p];
    if (c === undefined) {
      const each = this.groups.map((g) => split.compile((rec) => (stepGroup(rec, this.w, g, this.config, p), 0)));
      c = each.every((x) => x !== null) ? each.map((x) => x!.program) : null;
      this.programs[p] = c;
    }
    return c;
  }
}

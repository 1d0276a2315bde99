// One character at a time (B = 1) on a FastKernels set: the forward step of charrnn.ts's `stepper`
// for sampling, with the weights copied once into the kernel memory and every buffer reused, so a
// step is L + 1 matrix-vector products and one fused gate kernel per layer.
//
// Dimensions: V vocabulary, H hidden size, L layers, G gates (1, 4, 3), GH = G·H.

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
import { type Arena, arenaBytes, type DType, type FastKernels, type FloatArray } from './kernels.ts';

export type Stepper = (x: ArrayLike<number>, state: State) => { logits: Float64Array; state: State };

/** What each cell kind keeps besides h, one type per kind (a new kind fails to compile below until handled). */
type CellBuffers =
  | { kind: 'rnn' }
  | { kind: 'lstm'; c: FloatArray; cNext: FloatArray; tanhC: FloatArray } // (H) each
  | { kind: 'gru'; u: FloatArray; un: FloatArray }; // (GH): the hidden side; (H): its n part

/** Every array a stepper uses, from one arena (the kernel set, or a counter); nothing is written here. */
function allocate(a: Arena, { kind, hiddenSize: H, vocabSize: V, layers: L }: CharRNNConfig) {
  const GH = GATES[kind] * H;
  const cell = (): CellBuffers => {
    switch (kind) {
      case 'rnn':
        return { kind };
      case 'lstm':
        return { kind, c: a.alloc(H), cNext: a.alloc(H), tanhC: a.alloc(H) };
      case 'gru':
        return { kind, u: a.alloc(GH), un: a.alloc(H) };
      default:
        return unreachable(kind, 'cell kind');
    }
  };
  const layers = Array.from({ length: L }, (_, l) => ({
    Wih: a.alloc(GH * (l === 0 ? V : H)), // (GH, V or H)
    Whh: a.alloc(GH * H), // (GH, H)
    bih: a.alloc(GH),
    bhh: a.alloc(GH),
    h: a.alloc(H),
    hNext: a.alloc(H),
    a: a.alloc(GH), // the gates' pre-activations
    cell: cell(),
  }));
  return {
    layers,
    WihT0: a.alloc(V * GH), // row v = column v of W_ih0: the input projection of id v
    Wdec: a.alloc(V * H),
    bdec: a.alloc(V),
    y: a.alloc(V),
    id: a.allocInt(1),
  };
}

/** Bytes of kernel memory fastStepper allocates for a model of this config. */
export function fastStepperBytes(config: CharRNNConfig, dtype: DType): number {
  return arenaBytes(dtype, (a) => allocate(a, config));
}

/**
 * A stepper with charrnn.ts's contract, B = 1: feeds one id, returns the logits and the next state
 * (fresh arrays; the given state is not changed). The parameters are copied now: later changes to
 * `p` are not seen.
 */
export function fastStepper(k: FastKernels, p: Params): Stepper {
  const config = configOf(p);
  const { kind, hiddenSize: H, vocabSize: V, layers: L } = config;
  const GH = GATES[kind] * H;
  const { layers, WihT0, Wdec, bdec, y, id } = allocate(k, config);
  layers.forEach((ly, l) => {
    ly.Wih.set(p[weightIH(l)].data);
    ly.Whh.set(p[weightHH(l)].data);
    ly.bih.set(p[biasIH(l)].data);
    ly.bhh.set(p[biasHH(l)].data);
  });
  const Wih0 = p[weightIH(0)].data;
  for (let g = 0; g < GH; g++) for (let v = 0; v < V; v++) WihT0[v * GH + g] = Wih0[g * V + v];
  Wdec.set(p[DECODER_WEIGHT].data);
  bdec.set(p[DECODER_BIAS].data);

  return (x, state) => {
    if (x.length !== 1) throw new Error(`fastStepper: one stream only (B = 1), got ${x.length} inputs`);
    if (!(Number.isInteger(x[0]) && x[0] >= 0 && x[0] < V)) throw new Error(`fastStepper: id ${x[0]} is out of range for vocabulary size ${V}`);
    id[0] = x[0];
    let below = y; // replaced by layer 0's output before it is read (layer 0 looks its input up)
    const next: State = { h: [], c: [] };
    for (let l = 0; l < L; l++) {
      const ly = layers[l];
      ly.h.set(state.h[l]);
      if (l === 0) k.gatherRows(ly.a, WihT0, id, ly.bih, 1, GH);
      else {
        ly.a.set(ly.bih);
        k.gemmNT(below, ly.Wih, ly.a, 1, H, GH, true);
      }
      const cell = ly.cell;
      switch (cell.kind) {
        case 'rnn':
          k.gemmNT(ly.h, ly.Whh, ly.a, 1, H, GH, true);
          k.rnnForward(ly.a, ly.bhh, ly.hNext, 1, H);
          break;
        case 'lstm':
          k.gemmNT(ly.h, ly.Whh, ly.a, 1, H, GH, true);
          cell.c.set(state.c[l]);
          k.lstmForward(ly.a, ly.bhh, cell.c, cell.cNext, cell.tanhC, ly.hNext, 1, H);
          next.c.push(Float64Array.from(cell.cNext));
          break;
        case 'gru':
          cell.u.set(ly.bhh);
          k.gemmNT(ly.h, ly.Whh, cell.u, 1, H, GH, true);
          k.gruForward(ly.a, cell.u, ly.h, ly.hNext, cell.un, 1, H);
          break;
        default:
          unreachable(cell, 'cell kind');
      }
      next.h.push(Float64Array.from(ly.hNext));
      below = ly.hNext;
    }
    y.set(bdec);
    k.gemmNT(below, Wdec, y, 1, H, V, true);
    return { logits: Float64Array.from(y), state: next };
  };
}

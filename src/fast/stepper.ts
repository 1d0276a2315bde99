// One character at a time (B = 1) on a FastKernels set: the forward step of charrnn.ts's `stepper`
// for sampling, with the weights copied once into the kernel memory and every buffer reused, so a
// step is L + 1 matrix-vector products and one fused gate kernel per layer.
//
// Dimensions: V vocabulary, H hidden size, L layers, G gates (1, 4, 3), GH = G·H.

import {
  biasHH,
  biasIH,
  type CharRNNConfig,
  configOf,
  DECODER_BIAS,
  DECODER_WEIGHT,
  GATES,
  type Params,
  paramShapes,
  type State,
  weightHH,
  weightIH,
} from '../models/charrnn.ts';
import type { DType, FastKernels, FloatArray } from './kernels.ts';

export type Stepper = (x: ArrayLike<number>, state: State) => { logits: Float64Array; state: State };

/** Bytes of kernel memory fastStepper allocates for a model of this config. */
export function fastStepperBytes(config: CharRNNConfig, dtype: DType): number {
  const { kind, hiddenSize: H, vocabSize: V, layers: L } = config;
  const GH = GATES[kind] * H;
  let n = V * GH + 6 * L * H + L * 2 * GH + 2 * V; // W_ih0ᵀ, states, gate buffers, logits
  for (const [, s] of paramShapes(config)) n += s.reduce((a, b) => a * b, 1);
  const arrays = 2 * paramShapes(config).length + 8 * L + 8;
  return n * (dtype === 'f32' ? 4 : 8) + arrays * 32;
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
  const copy = (name: string): FloatArray => {
    const a = k.alloc(p[name].data.length);
    a.set(p[name].data);
    return a;
  };
  const layers = Array.from({ length: L }, (_, l) => ({
    Wih: copy(weightIH(l)),
    Whh: copy(weightHH(l)),
    bih: copy(biasIH(l)),
    bhh: copy(biasHH(l)),
    h: k.alloc(H),
    c: k.alloc(H),
    hNext: k.alloc(H),
    cNext: k.alloc(H),
    tanhC: k.alloc(H),
    un: k.alloc(H),
    a: k.alloc(GH),
    u: k.alloc(GH),
  }));
  const WihT0 = k.alloc(V * GH); // row v = column v of W_ih0: the input projection of id v
  const Wih0 = p[weightIH(0)].data;
  for (let g = 0; g < GH; g++) for (let v = 0; v < V; v++) WihT0[v * GH + g] = Wih0[g * V + v];
  const Wdec = copy(DECODER_WEIGHT),
    bdec = copy(DECODER_BIAS);
  const y = k.alloc(V);
  const id = k.allocInt(1);

  return (x, state) => {
    if (x.length !== 1) throw new Error(`fastStepper: one stream only (B = 1), got ${x.length} inputs`);
    if (!(Number.isInteger(x[0]) && x[0] >= 0 && x[0] < V)) throw new Error(`fastStepper: id ${x[0]} is out of range for vocabulary size ${V}`);
    id[0] = x[0];
    let below: FloatArray | null = null;
    const next: State = { h: [], c: [] };
    for (let l = 0; l < L; l++) {
      const ly = layers[l];
      ly.h.set(state.h[l]);
      if (l === 0) k.gatherRows(ly.a, WihT0, id, ly.bih, 1, GH);
      else {
        ly.a.set(ly.bih);
        k.gemmNT(below!, ly.Wih, ly.a, 1, H, GH, true);
      }
      if (kind === 'gru') {
        ly.u.set(ly.bhh);
        k.gemmNT(ly.h, ly.Whh, ly.u, 1, H, GH, true);
        k.gruForward(ly.a, ly.u, ly.h, ly.hNext, ly.un, 1, H);
      } else {
        k.gemmNT(ly.h, ly.Whh, ly.a, 1, H, GH, true);
        if (kind === 'lstm') {
          ly.c.set(state.c[l]);
          k.lstmForward(ly.a, ly.bhh, ly.c, ly.cNext, ly.tanhC, ly.hNext, 1, H);
          next.c.push(Float64Array.from(ly.cNext));
        } else k.rnnForward(ly.a, ly.bhh, ly.hNext, 1, H);
      }
      next.h.push(Float64Array.from(ly.hNext));
      below = ly.hNext;
    }
    y.set(bdec);
    k.gemmNT(below!, Wdec, y, 1, H, V, true);
    return { logits: Float64Array.from(y), state: next };
  };
}

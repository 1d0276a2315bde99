// Every array a FastCharRNN uses, allocated once from one arena for the run's B and T: the
// parameters, gradients and optimizer slots; and per group of streams the gate values, the hidden
// states and what the cell kind keeps, and the decoder's work arrays. Run on a counting arena, the
// same code gives the kernel memory to reserve (fastModelBytes), so the size cannot fall out of step.
//
// Stream groups: the B streams are cut into STREAM_GROUPS groups (fewer when B is smaller), each with
// arrays of its own, so that each group can run its whole forward and backward pass on a thread of
// its own. The cut depends on B alone, never on the number of threads: the weight gradients are the
// groups' gradients added in group order, the same bits on one thread as on two (passes.ts, model.ts).
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, B streams (Bg in one group), G gates
// (1, 4, 3), GH = G·H, N = T·Bg rows of a group, time-major (row t·Bg + b is its stream b at step t).

import { unreachable } from '../errors.ts';
import { type CellKind, type CharRNNConfig, GATES, HAS_CELL_STATE, paramShapes, weightIH } from '../models/charrnn.ts';
import { type OptimName, optimSlots } from '../optim/optim.ts';
import { type Arena, arenaBytes, type DType, type FloatArray } from './kernels.ts';

/** How many groups the streams of a step are cut into (at most; a small B is one group). */
export const STREAM_GROUPS = 2;
/**
 * NOTE: the float32 matrix kernels compute 5 rows at a time (kernels/assembly/gemm.ts), so a group's
 * per-step products run fastest with a multiple of 5 streams: the first group gets the multiple of 5
 * nearest half of B, and B below 10 stays one group (groups of 1 to 4 rows would run at a fraction
 * of the kernels' speed, on one thread as on two).
 */
const GROUP_STEP = 5;

/**
 * What each cell kind keeps besides the common arrays, one type per kind: adding a kind to
 * CellKind is a compile error at every `switch (cell.kind)` below until it is handled.
 */
export type CellArrays =
  | { kind: 'rnn' }
  | {
      kind: 'lstm';
      cs: FloatArray; // ((T+1)·Bg, H): block 0 = the carried c, block t+1 = c_t
      tanhC: FloatArray; // (N, H)
      dc: FloatArray; // (Bg, H): dc carried back through time (shared by the layers)
    }
  | {
      kind: 'gru';
      un: FloatArray; // (N, H): u_n = W_hn·h_{t−1} + b_hn
      u: FloatArray; // (Bg, GH): one step's hidden side (shared by the layers)
      dU: FloatArray; // (N, GH): the hidden side's gradient (shared by the layers)
    };

export interface Layer {
  A: FloatArray; // (N, GH): the input side, then the gate values
  hs: FloatArray; // ((T+1)·Bg, H): block 0 = the carried h, block t+1 = h_t
  cell: CellArrays;
  input: FloatArray | null; // (N, H): in[l] for l > 0 (a view of the layer below's output, or `drop.out`); null for layer 0
  drop: { mask: FloatArray; out: FloatArray } | null; // (N, H) each, with dropout: out = out[l] ⊙ mask
}

/** One group of streams: b0 … b0 + B − 1 of the step's B, with every array its passes write. */
export interface Group {
  b0: number;
  B: number;
  layers: Layer[];
  ids: Int32Array; // (N): the chunk's inputs
  targets: Int32Array; // (N)
  Y: FloatArray; // (N, V): logits, then probabilities − onehot, / (T·B)
  dOut: FloatArray; // (N, H)
  dIn: FloatArray; // (N, H)
  dA: FloatArray; // (N, GH)
  dWihT0: FloatArray; // (V, GH): layer 0's dW_ih, transposed (rows added up by input id)
  zeros: FloatArray; // (H): a row of zeros (dc starts at zero)
  /** The group's gradients: group 0 writes the model's own, the others arrays of their own (without layer 0's W_ih, which goes through dWihT0). */
  grads: Record<string, FloatArray>;
  /** The top layer's output as the decoder saw it (after dropout), for backward. */
  top: FloatArray;
}

export interface FastModelShape {
  config: CharRNNConfig;
  B: number;
  T: number;
  optim: OptimName;
  dropout: boolean;
}

/** The streams of each group: [b0, Bg] pairs. A function of B alone, never of the number of threads. */
export function streamGroups(B: number): [number, number][] {
  if (STREAM_GROUPS !== 2) throw new Error('streamGroups: written for two groups');
  if (B < 2 * GROUP_STEP) return [[0, B]];
  const first = GROUP_STEP * Math.round(B / 2 / GROUP_STEP);
  return [
    [0, first],
    [first, B - first],
  ];
}

/** Every array a FastCharRNN of this shape uses, from one arena (the kernel set, or a counter). */
export function allocate(a: Arena, shape: FastModelShape) {
  const { config, B } = shape;
  const { kind, hiddenSize: H, vocabSize: V, layers: L } = config;
  const GH = GATES[kind] * H;
  const shapes = paramShapes(config);
  const perParam = (skip?: string) =>
    Object.fromEntries(shapes.filter(([name]) => name !== skip).map(([name, s]): [string, FloatArray] => [name, a.alloc(s.reduce((x, y) => x * y, 1))]));
  const params = perParam(),
    grads = perParam();
  const slots = Object.fromEntries(optimSlots(shape.optim).map((slot): [string, Record<string, FloatArray>] => [slot, perParam()]));
  const state: { h: FloatArray[]; c: FloatArray[] } = { h: [], c: [] };
  for (let l = 0; l < L; l++) {
    state.h.push(a.alloc(B * H));
    if (HAS_CELL_STATE[kind]) state.c.push(a.alloc(B * H));
  }
  const groups = streamGroups(B).map(([b0, Bg], g) => allocateGroup(a, shape, b0, Bg, g === 0 ? grads : perParam(weightIH(0))));
  return {
    shapes,
    params,
    grads,
    slots,
    state,
    groups,
    WihT0: a.alloc(V * GH), // (V, GH): layer 0's W_ih transposed, rows looked up by id
  };
}

function allocateGroup(a: Arena, shape: FastModelShape, b0: number, B: number, grads: Record<string, FloatArray>): Group {
  const { config, T } = shape;
  const { kind, hiddenSize: H, vocabSize: V, layers: L } = config;
  const GH = GATES[kind] * H,
    N = T * B;
  const cellArrays = cellAllocator(a, kind, B, T, H, GH);
  const layers: Layer[] = [];
  for (let l = 0; l < L; l++) {
    layers.push({
      A: a.alloc(N * GH),
      hs: a.alloc((T + 1) * B * H),
      cell: cellArrays(),
      input: null,
      drop: shape.dropout ? { out: a.alloc(N * H), mask: a.alloc(N * H) } : null,
    });
  }
  const Y = a.alloc(N * V);
  return {
    b0,
    B,
    layers,
    ids: a.allocInt(N),
    targets: a.allocInt(N),
    Y,
    dOut: a.alloc(N * H),
    dIn: a.alloc(N * H),
    dA: a.alloc(N * GH),
    dWihT0: a.alloc(V * GH),
    zeros: a.alloc(H),
    grads,
    top: Y,
  };
}

/** Allocates the arrays the layers of one cell kind share, and returns what allocates each layer's own. */
function cellAllocator(a: Arena, kind: CellKind, B: number, T: number, H: number, GH: number): () => CellArrays {
  const N = T * B;
  switch (kind) {
    case 'rnn':
      return () => ({ kind });
    case 'lstm': {
      const dc = a.alloc(B * H);
      return () => ({ kind, cs: a.alloc((T + 1) * B * H), tanhC: a.alloc(N * H), dc });
    }
    case 'gru': {
      const u = a.alloc(B * GH),
        dU = a.alloc(N * GH);
      return () => ({ kind, un: a.alloc(N * H), u, dU });
    }
    default:
      return unreachable(kind, 'cell kind');
  }
}

/** Bytes of kernel memory a FastCharRNN of this shape allocates (16-byte aligned arrays). */
export function fastModelBytes(shape: FastModelShape, dtype: DType): number {
  return arenaBytes(dtype, (a) => allocate(a, shape));
}

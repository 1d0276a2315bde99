// Every array a FastCharRNN uses, allocated once from one arena for the run's B and T: the
// parameters, gradients and optimizer slots; per layer the gate values, the hidden states and what
// the cell kind keeps; and the decoder's work arrays. Run on a counting arena, the same code gives
// the kernel memory to reserve (fastModelBytes), so the size cannot fall out of step with it.
//
// Dimensions: V vocabulary, H hidden size, L layers, T time steps, B streams, G gates (1, 4, 3),
// GH = G·H, N = T·B rows, time-major (row t·B + b is stream b at step t).

import { unreachable } from '../errors.ts';
import { type CellKind, type CharRNNConfig, GATES, HAS_CELL_STATE, paramShapes } from '../models/charrnn.ts';
import { type OptimName, optimSlots } from '../optim/optim.ts';
import { type Arena, arenaBytes, type DType, type FloatArray } from './kernels.ts';

/**
 * What each cell kind keeps besides the common arrays, one type per kind: adding a kind to
 * CellKind is a compile error at every `switch (cell.kind)` below until it is handled.
 */
export type CellArrays =
  | { kind: 'rnn' }
  | {
      kind: 'lstm';
      cs: FloatArray; // ((T+1)·B, H): block 0 = the carried c, block t+1 = c_t
      tanhC: FloatArray; // (N, H)
      dc: FloatArray; // (B, H): dc carried back through time (shared by the layers)
    }
  | {
      kind: 'gru';
      un: FloatArray; // (N, H): u_n = W_hn·h_{t−1} + b_hn
      u: FloatArray; // (B, GH): one step's hidden side (shared by the layers)
      dU: FloatArray; // (N, GH): the hidden side's gradient (shared by the layers)
    };

export interface Layer {
  A: FloatArray; // (N, GH): the input side, then the gate values
  hs: FloatArray; // ((T+1)·B, H): block 0 = the carried h, block t+1 = h_t
  cell: CellArrays;
  input: FloatArray | null; // (N, H): in[l] for l > 0 (a view of the layer below's output, or `drop.out`); null for layer 0
  drop: { mask: FloatArray; out: FloatArray } | null; // (N, H) each, with dropout: out = out[l] ⊙ mask
}

export interface FastModelShape {
  config: CharRNNConfig;
  B: number;
  T: number;
  optim: OptimName;
  dropout: boolean;
}

/** Every array a FastCharRNN of this shape uses, from one arena (the kernel set, or a counter). */
export function allocate(a: Arena, shape: FastModelShape) {
  const { config, B, T } = shape;
  const { kind, hiddenSize: H, vocabSize: V, layers: L } = config;
  const GH = GATES[kind] * H,
    N = T * B;
  const shapes = paramShapes(config);
  const perParam = () => Object.fromEntries(shapes.map(([name, s]): [string, FloatArray] => [name, a.alloc(s.reduce((x, y) => x * y, 1))]));
  const params = perParam(),
    grads = perParam();
  const slots = Object.fromEntries(optimSlots(shape.optim).map((slot): [string, Record<string, FloatArray>] => [slot, perParam()]));
  const state: { h: FloatArray[]; c: FloatArray[] } = { h: [], c: [] };
  const cellArrays = cellAllocator(a, kind, B, T, H, GH);
  const layers: Layer[] = [];
  for (let l = 0; l < L; l++) {
    state.h.push(a.alloc(B * H));
    if (HAS_CELL_STATE[kind]) state.c.push(a.alloc(B * H));
    layers.push({
      A: a.alloc(N * GH),
      hs: a.alloc((T + 1) * B * H),
      cell: cellArrays(),
      input: null,
      drop: shape.dropout ? { out: a.alloc(N * H), mask: a.alloc(N * H) } : null,
    });
  }
  return {
    shapes,
    params,
    grads,
    slots,
    state,
    layers,
    ids: a.allocInt(N), // (N): the chunk's inputs
    targets: a.allocInt(N), // (N)
    Y: a.alloc(N * V), // (N, V): logits, then probabilities − onehot, / N
    dOut: a.alloc(N * H), // (N, H)
    dIn: a.alloc(N * H), // (N, H)
    dA: a.alloc(N * GH), // (N, GH)
    WihT0: a.alloc(V * GH), // (V, GH): layer 0's W_ih transposed, rows looked up by id
    dWihT0: a.alloc(V * GH), // (V, GH)
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

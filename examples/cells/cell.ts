// What a new recurrent cell brings, in the three places it goes (docs/extending.md):
//   1. `step`: its forward pass on the tape, one time step, reading like the equations; the tape
//      supplies the gradients;
//   2. `manual`: the same forward pass over all T steps in plain loops, keeping a cache, and its
//      hand-derived backward pass (a sibling *.manual.ts file);
//   3. nothing else: the gradient check that holds 1 and 2 to each other and to central finite
//      differences is written once, for every cell in EXAMPLE_CELLS (index.ts), by
//      test/examples/cells.test.ts.
//
// Dimensions: B streams, T steps, D input size, H hidden size, G gates (the weights have G·H rows).
// A cell's parameters follow PyTorch's layout, gate k being rows [k·H, (k+1)·H):
//   Wih (G·H, D)   Whh (G·H, H)   bih (G·H)   bhh (G·H)

import type { Tensor } from '../../src/index.ts';

/** A cell's parameters on the tape, under the names its gradients come back with. */
export interface CellParams {
  Wih: Tensor; // (G·H, D)
  Whh: Tensor; // (G·H, H)
  bih: Tensor; // (G·H)
  bhh: Tensor; // (G·H)
  [name: string]: Tensor;
}

/** The same parameters as plain row-major arrays, for the hand-derived code. */
export interface CellArrays {
  Wih: Float64Array;
  Whh: Float64Array;
  bih: Float64Array;
  bhh: Float64Array;
}

export interface Sizes {
  B: number;
  T: number;
  D: number;
  H: number;
}

export interface ManualCell<Cache> {
  /** h_1 … h_T, each (B, H), from the inputs x_1 … x_T, each (B, D), and h_0 (B, H); and the cache backward needs. */
  forward(p: CellArrays, xs: readonly Float64Array[], h0: Float64Array, n: Sizes): { hs: Float64Array[]; cache: Cache };
  /** Given ∂loss/∂h_t for every t (each (B, H)), the gradients of the parameters and of h_0. */
  backward(cache: Cache, dhs: readonly Float64Array[]): { grads: CellArrays; dh0: Float64Array };
}

export interface ExampleCell<Cache = unknown> {
  name: string;
  /** G: the weights have G·H rows. */
  gates: number;
  /** One step on the tape: h_t (B, H) from x_t (B, D) and h_{t−1} (B, H). */
  step(x: Tensor, h: Tensor, p: CellParams): Tensor;
  manual: ManualCell<Cache>;
}

// The seam between the autodiff rules and the numeric loops: a backend. Every tensor carries one
// (tensor.ts; the reference `tsKernels` unless it was placed on another), and ops and the tape
// reach kernels only through the backend of the tensors they work on, so a faster set (the
// WebAssembly one of src/fast/tape.ts) can be put behind this interface without touching the
// gradient rules or the models. A backend chooses where the arrays it returns live (`zeros`,
// `copy`, and every kernel that returns an array); it must accept any Float64Array as input.

import * as array from './array.ts';
import { matmulNN, matmulNT, matmulTN } from './matmul.ts';

export type { BinaryOp, Shape } from './array.ts';

export interface Kernels {
  /** 'ts' for the reference set; a backend's own name otherwise (error messages, engine names). */
  readonly name: string;
  /** A zeroed array of n elements, where this backend keeps its arrays. */
  zeros(n: number): Float64Array;
  /** A copy of `a`, where this backend keeps its arrays. */
  copy(a: Float64Array): Float64Array;
  /** C (M×N) = A·B, A·Bᵀ or Aᵀ·B; `acc` adds into C instead of overwriting it. */
  matmulNN(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc?: boolean): void;
  matmulNT(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc?: boolean): void;
  matmulTN(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc?: boolean): void;
  binary: typeof array.binary;
  /**
   * out[i] = f(x[i]). `op` is the engine's name for f ('tanh', 'sigmoid', …): a backend may run
   * its own kernel for a function it knows by name (tests hold it to f); the reference runs f.
   */
  map(a: Float64Array, f: (x: number) => number, op?: string): Float64Array;
  /** out[i] = dy[i] · f′(x[i], y[i]), the chain rule for the unary op `op` (as in map). */
  chain(dy: Float64Array, x: Float64Array, y: Float64Array, f: (x: number, y: number) => number, op?: string): Float64Array;
  add: typeof array.add;
  addInto: typeof array.addInto;
  scale: typeof array.scale;
  sum: typeof array.sum;
  sumTo: typeof array.sumTo;
  sumAxis: typeof array.sumAxis;
  expandAxis: typeof array.expandAxis;
  transpose: typeof array.transpose;
  sliceAxis: typeof array.sliceAxis;
  padAxis: typeof array.padAxis;
  concatAxis: typeof array.concatAxis;
  gatherRows: typeof array.gatherRows;
  scatterAddRows: typeof array.scatterAddRows;
  softmaxCrossEntropy: typeof array.softmaxCrossEntropy;
}

/** The reference kernels: plain TypeScript, float64, arrays on the JavaScript heap. */
export const tsKernels: Kernels = {
  name: 'ts',
  zeros: (n) => new Float64Array(n),
  copy: (a) => a.slice(),
  ...array,
  map: (a, f) => array.map(a, f),
  chain: (dy, x, y, f) => array.chain(dy, x, y, f),
  matmulNN,
  matmulNT,
  matmulTN,
};

/** The reference kernels under their old name (tests of the loops themselves). */
export const K: Kernels = tsKernels;

export { broadcastShapes } from './array.ts';

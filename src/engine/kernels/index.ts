// The seam between the autodiff rules and the numeric loops. Ops and the tape reach kernels only
// through `K`, so a faster kernel set (float32, WebAssembly SIMD, threads) can be put behind this
// interface without touching the gradient rules or the models.

import * as array from './array.ts';
import { matmulNN, matmulNT, matmulTN } from './matmul.ts';

export type { BinaryOp, Shape } from './array.ts';

export interface Kernels {
  /** C (M×N) = A·B, A·Bᵀ or Aᵀ·B; `acc` adds into C instead of overwriting it. */
  matmulNN(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc?: boolean): void;
  matmulNT(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc?: boolean): void;
  matmulTN(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc?: boolean): void;
  binary: typeof array.binary;
  map: typeof array.map;
  chain: typeof array.chain;
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

/** The reference kernels: plain TypeScript, float64. */
export const tsKernels: Kernels = { ...array, matmulNN, matmulNT, matmulTN };

export const K: Kernels = tsKernels;

export { broadcastShapes } from './array.ts';

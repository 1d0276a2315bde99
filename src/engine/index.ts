// The engine's public surface.

export { K, type Kernels, tsKernels } from './kernels/index.ts';
export { linear, logSoftmax, softmax } from './ops/composite.ts';
export { add, clamp, div, exp, log, mul, neg, relu, sigmoid, sub, tanh } from './ops/elementwise.ts';
export { softmaxCrossEntropy } from './ops/loss.ts';
export { matmul, transpose } from './ops/matmul.ts';
export { mean, sum } from './ops/reduce.ts';
export { concat, gatherRows, reshape, slice } from './ops/shape.ts';
export { Rng } from './random.ts';
export { backward, grad, valueAndGrad } from './tape.ts';
export { type NestedArray, type Shape, sizeOf, Tensor } from './tensor.ts';

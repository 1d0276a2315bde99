// The engine's public surface.
export { Tensor, sizeOf, type Shape, type NestedArray } from './tensor.ts';
export { Rng } from './random.ts';
export { valueAndGrad, grad } from './tape.ts';
export { add, sub, mul, div, neg, exp, log, tanh, sigmoid, relu, clamp } from './ops/elementwise.ts';
export { matmul, transpose } from './ops/matmul.ts';
export { sum, mean } from './ops/reduce.ts';
export { reshape, slice, concat, gatherRows } from './ops/shape.ts';
export { softmaxCrossEntropy } from './ops/loss.ts';
export { linear, logSoftmax, softmax } from './ops/composite.ts';
export { K, tsKernels, type Kernels } from './kernels/index.ts';

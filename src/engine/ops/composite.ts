// Composites: built from primitives, so they need no gradient rule of their own.

import { fmtShape, Tensor } from '../tensor.ts';
import { add, div, exp, log, sub } from './elementwise.ts';
import { matmul, transpose } from './matmul.ts';
import { sum } from './reduce.ts';
import { reshape } from './shape.ts';

/**
 * y = x·Wᵀ + b, with W stored (out, in) as PyTorch and min-char-rnn store it.
 * In a loop over time, transpose W once outside the loop and use matmul directly.
 */
export function linear(x: Tensor, W: Tensor, b?: Tensor): Tensor {
  const y = matmul(x, transpose(W));
  return b ? add(y, b) : y;
}

/** log softmax over the rows of a 2-D tensor: (x − m) − log Σ exp(x − m). */
export function logSoftmax(x: Tensor): Tensor {
  const shifted = sub(x, rowMax(x, 'logSoftmax'));
  return sub(shifted, log(reshape(sum(exp(shifted), 1), [x.shape[0], 1])));
}

/** softmax over the rows of a 2-D tensor: exp(x − m) / Σ exp(x − m). */
export function softmax(x: Tensor): Tensor {
  const e = exp(sub(x, rowMax(x, 'softmax')));
  return div(e, reshape(sum(e, 1), [x.shape[0], 1]));
}

// NOTE: the row maximum m is a constant with no gradient: the result does not depend on it
// mathematically; subtracting it only keeps exp from overflowing.
function rowMax(x: Tensor, op: string): Tensor {
  if (x.rank !== 2) throw new Error(`${op}: expects a 2-D tensor (rows × classes), got ${fmtShape(x.shape)}`);
  const [N, C] = x.shape;
  const m = new Float64Array(N).fill(-Infinity);
  for (let r = 0; r < N; r++) for (let j = 0; j < C; j++) m[r] = Math.max(m[r], x.data[r * C + j]);
  return new Tensor(m, [N, 1]);
}

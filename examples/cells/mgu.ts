// The minimal gated unit (MGU; Zhou, Wu, Zhang and Zhou, "Minimal gated unit for recurrent neural
// networks", 2016), forward only, on the tape: a GRU with one gate, f, doing the work of both the
// reset and the update gate. G = 2 (gates f and n, in that order):
//
//   f  = σ(W_if·x + b_if + W_hf·h + b_hf)                 the forget gate
//   n  = tanh(W_in·x + b_in + W_hn·(f ⊙ h) + b_hn)         the candidate, from the gated state
//   h' = (1 − f) ⊙ h + f ⊙ n
//
// The hand-derived backward pass is mgu.manual.ts; test/examples/cells.test.ts checks the two
// against each other and against finite differences.
// Dimensions: B streams, D input size, H hidden size.

import { add, matmul, mul, sigmoid, slice, sub, type Tensor, tanh, transpose } from '../../src/index.ts';
import type { CellParams, ExampleCell } from './cell.ts';
import { type MguCache, mguManual } from './mgu.manual.ts';

/** One step: h' (B, H) from x (B, D) and h (B, H). */
export function mguStep(x: Tensor, h: Tensor, p: CellParams): Tensor {
  const H = h.shape[1];
  const gate = (t: Tensor, k: number) => slice(t, 0, k * H, (k + 1) * H); // rows of gate k (weights, biases)
  const xi = add(matmul(x, transpose(p.Wih)), p.bih); // (B, 2H): W_i·x + b_i for f and n
  const f = sigmoid(add(slice(xi, 1, 0, H), add(matmul(h, transpose(gate(p.Whh, 0))), gate(p.bhh, 0))));
  const n = tanh(add(slice(xi, 1, H, 2 * H), add(matmul(mul(f, h), transpose(gate(p.Whh, 1))), gate(p.bhh, 1))));
  return add(mul(sub(1, f), h), mul(f, n));
}

export const mgu: ExampleCell<MguCache> = { name: 'mgu', gates: 2, step: mguStep, manual: mguManual };

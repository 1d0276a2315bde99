// TEACHING MODULE — DELIBERATELY WRONG. Do not use for training.
//
// A copy of min-char-rnn's hand-derived backward pass (rnn1.manual.ts) with one of two planted bugs,
// for notebook 03 to show that a gradient check catches it. Both are the derivative of tanh gone
// wrong:
//
//   right:       d tanh(a)/da = 1 − tanh(a)² = 1 − h²
//   'one-minus-h':  1 − h      (a "simplification" that forgets the square)
//   'no-tanh':      1          (the step through tanh left out altogether)
//
// Near h = 0 both agree with 1 − h² to first order (1 − h² = 1 − O(h²), 1 − h = 1 − O(h)), so with
// min-char-rnn's tiny initial weights (h ≈ 0.01) the wrong gradients are off by about 1% and less:
// whether a check at that initialisation sees it depends on its threshold, which notebook 03 shows.
// Everything not downstream of the tanh (Why, by) is still right, which the check also shows,
// parameter by parameter.
//
// Dimensions: V vocabulary size, H hidden size, T time steps.

import { UserError } from '../errors.ts';
import { addColumnSums, addMatMul, addMatTMul, matTVec, newGrads, shapeOf } from '../models/manual/mat.ts';
import { type Params, rnnLoss } from '../models/rnn.ts';
import * as rnn1 from '../models/rnn1.manual.ts';

/** Which tanh′ the buggy backward uses in place of 1 − h². */
export type Bug = 'one-minus-h' | 'no-tanh';
export const BUGS: readonly Bug[] = ['one-minus-h', 'no-tanh'];

/** The wrong tanh′ at h, for each bug. */
function wrongTanhPrime(bug: Bug, h: number): number {
  switch (bug) {
    case 'one-minus-h':
      return 1 - h; // THE BUG: should be 1 − h·h
    case 'no-tanh':
      return 1; // THE BUG: the factor 1 − h·h left out
    default: {
      const never: never = bug;
      throw new UserError(`unknown planted bug '${String(never)}' (expected ${BUGS.join(' or ')})`);
    }
  }
}

/** min-char-rnn's backward with a wrong tanh′ (default 1 − h instead of 1 − h²). Otherwise rnn1.backward. */
export function buggyBackward(c: rnn1.Cache1, bug: Bug = 'one-minus-h'): rnn1.Grads1 {
  const { p, inputs, targets, hs } = c;
  const [H, V] = shapeOf(p.Wxh, 2);
  const T = inputs.length;
  const g = newGrads(p);

  // softmax + cross-entropy: dy_t = p_t − onehot(target_t)   (correct)
  const dY = c.probs.slice();
  for (let t = 0; t < T; t++) dY[t * V + targets[t]] -= 1;
  // output layer: dWhy = dYᵀ·Hs, dby = Σ_t dy_t, dHs = dY·Why   (correct)
  const Hs = hs.subarray(H);
  addMatTMul(g.Why.data, dY, Hs, V, T, H);
  addColumnSums(g.by.data, dY, T, V);
  const dHs = new Float64Array(T * H);
  addMatMul(dHs, dY, p.Why.data, T, V, H);

  const dHraw = new Float64Array(T * H);
  const dhNext = new Float64Array(H);
  for (let t = T - 1; t >= 0; t--) {
    const cur = (t + 1) * H,
      row = t * H;
    for (let j = 0; j < H; j++) {
      const h = hs[cur + j];
      dHraw[row + j] = wrongTanhPrime(bug, h) * (dHs[row + j] + dhNext[j]); // THE BUG: should be (1 − h·h)
    }
    if (t > 0) matTVec(dhNext, p.Whh.data, dHraw, row, H, H);
  }

  // hraw_t = Wxh·onehot(x_t) + Whh·h_{t−1} + bh   (correct, but fed the wrong dHraw)
  addMatTMul(g.Whh.data, dHraw, hs, H, T, H);
  addColumnSums(g.bh.data, dHraw, T, H);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < H; j++) g.Wxh.data[j * V + inputs[t]] += dHraw[t * H + j];
  }
  return g;
}

/**
 * Loss and (wrong) gradients of one chunk for a 1-layer model under the canonical names of rnn.ts
 * (Wxh, Whh1, bh1, Why, by), like lossAndGrads('manual', …) but through buggyBackward.
 */
export function buggyLossAndGrads(
  p: Params,
  inputs: readonly number[],
  targets: readonly number[],
  hprev: readonly Float64Array[],
  bug: Bug = 'one-minus-h',
): { loss: number; grads: Params } {
  const { loss, cache } = rnn1.forward(rnn1.fromCanonical(p), inputs, targets, hprev[0]);
  return { loss, grads: rnn1.toCanonical(buggyBackward(cache, bug)) };
}

/** The loss as a plain function of the parameters (for finite differences), as gradcheck uses it. */
export function chunkLoss(inputs: readonly number[], targets: readonly number[], hprev: readonly Float64Array[]): (p: Params) => number {
  return (p) => rnnLoss(p, inputs, targets, hprev).loss.item();
}

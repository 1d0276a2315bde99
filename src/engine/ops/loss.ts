// The fused softmax + cross-entropy over logits with integer targets.

import { record } from '../tape.ts';
import { fmtShape, Tensor } from '../tensor.ts';

/**
 * loss = Σᵣ −log softmax(logits[r])[targets[r]]  (summed over rows, as min-char-rnn does;
 * divide by the row count for the mean).
 *
 * dlogits[r] = dloss · (p[r] − onehot(targets[r])): the softmax Jacobian and the log's 1/p
 * cancel, which is why the two are fused into one op.
 */
export function softmaxCrossEntropy(logits: Tensor, targets: ArrayLike<number>): Tensor {
  if (logits.rank !== 2) throw new Error(`softmaxCrossEntropy: logits must be 2-D (rows × classes), got ${fmtShape(logits.shape)}`);
  const [N, C] = logits.shape;
  if (targets.length !== N) throw new Error(`softmaxCrossEntropy: ${targets.length} targets for ${N} rows of logits ${fmtShape(logits.shape)}`);
  const tg = Array.from(targets);
  for (const t of tg) {
    if (!Number.isInteger(t) || t < 0 || t >= C) throw new Error(`softmaxCrossEntropy: target ${t} is out of range for ${C} classes`);
  }
  const be = logits.backend;
  const { loss, probs } = be.softmaxCrossEntropy(logits.data, N, C, tg);
  return record('softmaxCrossEntropy', [logits], Float64Array.of(loss), [], (dy) => {
    const g = be.scale(probs, dy.data[0]);
    for (let r = 0; r < N; r++) g[r * C + tg[r]] -= dy.data[0];
    return [Tensor.on(be, g, logits.shape)];
  });
}

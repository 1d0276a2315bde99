// The two ways of getting one chunk's gradients, behind one call:
//   'tape'   — the forward pass of rnn.ts, differentiated by the engine's tape (autodiff);
//   'manual' — the hand-derived backward passes: rnn1.manual.ts for one layer (under
//              min-char-rnn's names, translated), rnn2.manual.ts for two, rnnN.manual.ts beyond.
// Both take and return the canonical parameter names of rnn.ts, so a trainer can switch paths
// without noticing anything but the speed, and the tests can hold them to the same numbers.

import { valueAndGrad } from '../engine/tape.ts';
import { configOf, type Params, rnnLoss } from './rnn.ts';
import * as rnn1 from './rnn1.manual.ts';
import * as rnn2 from './rnn2.manual.ts';
import * as rnnN from './rnnN.manual.ts';

export type GradPath = 'tape' | 'manual';
export const GRAD_PATHS: readonly GradPath[] = ['manual', 'tape'];

export interface StepResult {
  loss: number; // summed over the chunk
  grads: Params; // canonical names, unclipped
  h: Float64Array[]; // the hidden state of every layer after the last step (fresh arrays)
}

/**
 * Loss, gradients and final hidden states of one chunk (`inputs[t]` predicts `targets[t]`),
 * starting from `hprev` (one length-H array per layer). Neither `p` nor `hprev` is changed.
 */
export function lossAndGrads(path: GradPath, p: Params, inputs: readonly number[], targets: readonly number[], hprev: readonly Float64Array[]): StepResult {
  if (path === 'tape') return tapePath(p, inputs, targets, hprev);
  if (path === 'manual') return manualPath(p, inputs, targets, hprev);
  throw new Error(`lossAndGrads: unknown gradient path '${String(path)}' (expected 'tape' or 'manual')`);
}

function tapePath(p: Params, inputs: readonly number[], targets: readonly number[], hprev: readonly Float64Array[]): StepResult {
  let h: Float64Array[] = [];
  const f = valueAndGrad((q: Params) => {
    const out = rnnLoss(q, inputs, targets, hprev);
    h = out.h;
    return out.loss;
  });
  const { value, grads } = f(p);
  return { loss: value, grads, h };
}

function manualPath(p: Params, inputs: readonly number[], targets: readonly number[], hprev: readonly Float64Array[]): StepResult {
  const { layers: L } = configOf(p);
  if (hprev.length !== L) throw new Error(`lossAndGrads: hprev has ${hprev.length} layers, the parameters have ${L}`);
  if (L === 1) {
    const { loss, h, cache } = rnn1.forward(rnn1.fromCanonical(p), inputs, targets, hprev[0]);
    return { loss, grads: rnn1.toCanonical(rnn1.backward(cache)), h: [h] };
  }
  if (L === 2) {
    const { loss, h, cache } = rnn2.forward(asParams2(p), inputs, targets, [hprev[0], hprev[1]]);
    return { loss, grads: { ...rnn2.backward(cache) }, h };
  }
  const { loss, h, cache } = rnnN.forward(p, inputs, targets, hprev);
  return { loss, grads: rnnN.backward(cache), h };
}

/** For L = 2 the canonical names are the post's names; this only checks that they are all there. */
function asParams2(p: Params): rnn2.Params2 {
  const { Wxh, Whh1, Wh1h2, Whh2, Why, bh1, bh2, by } = p;
  for (const [k, v] of Object.entries({ Wxh, Whh1, Wh1h2, Whh2, Why, bh1, bh2, by })) if (!v) throw new Error(`lossAndGrads: missing parameter ${k}`);
  return { Wxh, Whh1, Wh1h2, Whh2, Why, bh1, bh2, by };
}

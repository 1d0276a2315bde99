// The two ways of getting one chunk's gradients for char-rnn's models, behind one call:
//   'tape'   — the forward pass of charrnn.ts, differentiated by the engine's tape (autodiff);
//   'manual' — the hand-derived backward passes of rnn.manual.ts, lstm.manual.ts, gru.manual.ts.
// Both take and return the PyTorch parameter names of charrnn.ts and the same state, so a trainer
// can switch paths without noticing anything but the speed, and the tests can hold them to the
// same numbers. Evaluation (no gradients, no dropout) always takes the manual forward pass: it
// is the fast one, and it builds no cache.

import { valueAndGrad } from '../engine/tape.ts';
import { type Batch, type CellKind, charLoss, configOf, type DropoutMasks, type Params, type State } from './charrnn.ts';
import * as gruManual from './gru.manual.ts';
import * as lstmManual from './lstm.manual.ts';
import * as rnnManual from './rnn.manual.ts';
import { GRAD_PATHS, type GradPath } from './rnn.paths.ts';

export { GRAD_PATHS, type GradPath };

/** The hand-derived model of each kind, behind one type (each module's Cache is its own). */
interface ManualModel {
  forward(p: Params, batch: Batch, state: State, masks?: DropoutMasks, keepCache?: boolean): { loss: number; state: State; cache: unknown };
  backward(cache: never): Params;
}
const MANUAL: Record<CellKind, ManualModel> = { rnn: rnnManual, lstm: lstmManual, gru: gruManual };

/**
 * Mean loss (nats per prediction), gradients (unclipped, the parameters' names) and the state
 * after one chunk, starting from `state`. Neither `p` nor `state` is changed; the new state is
 * fresh arrays. `masks`, when given, are the dropout masks of this chunk (see charrnn.ts).
 */
export function charLossAndGrads(path: GradPath, p: Params, batch: Batch, state: State, masks?: DropoutMasks): { loss: number; grads: Params; state: State } {
  if (path === 'tape') {
    let next: State | null = null;
    const f = valueAndGrad((q: Params) => {
      const out = charLoss(q, batch, state, masks);
      next = out.state;
      return out.loss;
    });
    const { value, grads } = f(p);
    return { loss: value, grads, state: next! };
  }
  if (path === 'manual') {
    const model = MANUAL[configOf(p).kind] as { forward: ManualModel['forward']; backward(cache: unknown): Params };
    const out = model.forward(p, batch, state, masks, true);
    return { loss: out.loss, grads: model.backward(out.cache), state: out.state };
  }
  throw new Error(`charLossAndGrads: unknown gradient path '${String(path)}' (expected 'tape' or 'manual')`);
}

/** Mean loss and the state after one chunk, forward only (no dropout, no cache): for evaluation. */
export function charEvalLoss(p: Params, batch: Batch, state: State): { loss: number; state: State } {
  const { loss, state: next } = MANUAL[configOf(p).kind].forward(p, batch, state, undefined, false);
  return { loss, state: next };
}

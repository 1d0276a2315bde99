// The loss of a model on a text: what `rnn eval` reports and what validation measures.
//
//   loss = mean over the predictions of −ln p(next character)   (nats per character)
//   bits per character = loss / ln 2
//
// The text is read as B parallel stripes from a zero state, T steps at a time, carrying the state
// (data.ts); without dropout. A stripe's first predictions have less context than a single pass
// would give them, so a larger B reads slightly pessimistic; B = 1 is one pass over the text.

import type { Params } from '../models/charrnn.ts';
import { configOf, zeroState } from '../models/charrnn.ts';
import { charEvalLoss } from '../models/charrnn.paths.ts';
import { evalStripes } from './data.ts';

export interface EvalResult {
  /** Mean loss, nats per character. NaN when there is nothing to predict. */
  loss: number;
  bitsPerChar: number;
  /** How many characters were predicted. */
  predictions: number;
}

export function evaluate(p: Params, ids: Int32Array, B: number, T: number, onChunk?: (done: number, total: number) => void): EvalResult {
  const stripes = evalStripes(ids, B, T);
  if (!stripes) return { loss: NaN, bitsPerChar: NaN, predictions: 0 };
  let state = zeroState(configOf(p), stripes.B);
  let sum = 0;
  for (let k = 0; k < stripes.chunks; k++) {
    const out = charEvalLoss(p, stripes.batch(k), state);
    sum += out.loss;
    state = out.state;
    onChunk?.(k + 1, stripes.chunks);
  }
  const loss = sum / stripes.chunks; // every chunk has T·B predictions, so the mean of means is the mean
  return { loss, bitsPerChar: loss / Math.LN2, predictions: stripes.chunks * stripes.T * stripes.B };
}

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
import { evalStripes, type IdArray } from './data.ts';
import type { DType } from '../fast/kernels.ts';
import { FastCharRNN, fastModelBytes } from '../fast/model.ts';
import { makeKernels, resolveKernels, type KernelChoice } from '../fast/select.ts';

/** Which kernels run the forward passes (default: the readable float64 models). */
export interface EvalEngine {
  kernels: KernelChoice;
  dtype: DType;
  threads?: 1 | 2;
}

export interface EvalResult {
  /** Mean loss, nats per character. NaN when there is nothing to predict. */
  loss: number;
  bitsPerChar: number;
  /** How many characters were predicted. */
  predictions: number;
}

export function evaluate(p: Params, ids: IdArray, B: number, T: number, onChunk?: (done: number, total: number) => void, engine?: EvalEngine): EvalResult {
  const stripes = evalStripes(ids, B, T);
  if (!stripes) return { loss: NaN, bitsPerChar: NaN, predictions: 0 };
  let sum = 0;
  const kernels = engine ? resolveKernels(engine.kernels) : 'ts';
  if (engine && !(kernels === 'ts' && engine.dtype === 'f64')) {
    // the fast path's forward pass, on a model sized for these stripes (its optimizer slots unused)
    const shape = { config: configOf(p), B: stripes.B, T: stripes.T, optim: 'adagrad' as const, dropout: false };
    const fast = new FastCharRNN(makeKernels(kernels, engine.dtype, engine.threads ?? 1, fastModelBytes(shape, engine.dtype)), shape);
    try {
      fast.setParams(p);
      for (let k = 0; k < stripes.chunks; k++) {
        sum += fast.run(stripes.batch(k), undefined, false);
        onChunk?.(k + 1, stripes.chunks);
      }
    } finally {
      fast.k.dispose();
    }
  } else {
    let state = zeroState(configOf(p), stripes.B);
    for (let k = 0; k < stripes.chunks; k++) {
      const out = charEvalLoss(p, stripes.batch(k), state);
      sum += out.loss;
      state = out.state;
      onChunk?.(k + 1, stripes.chunks);
    }
  }
  const loss = sum / stripes.chunks; // every chunk has T·B predictions, so the mean of means is the mean
  return { loss, bitsPerChar: loss / Math.LN2, predictions: stripes.chunks * stripes.T * stripes.B };
}

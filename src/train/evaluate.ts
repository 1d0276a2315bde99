// The loss of a model on a text: what `rnn eval` reports and what validation measures.
//
//   loss = mean over the predictions of −ln p(next character)   (nats per character)
//   bits per character = loss / ln 2
//
// The text is read as B parallel stripes from a zero state, T steps at a time, carrying the state
// (data.ts); without dropout. A stripe's first predictions have less context than a single pass
// would give them, so a larger B reads slightly pessimistic; B = 1 is one pass over the text.
//
// evaluate() scores every character after the first, whatever B and T are:
//   1. the whole chunks of the B stripes (B × T predictions each), as training reads them;
//   2. the tail of each stripe shorter than T: one chunk of B × (S mod T), state carried;
//   3. the ids after the last stripe (fewer than B): one stream continuing stripe B − 1 from its state.
// Validation during training (the trainer) scores only the whole chunks, as char-rnn does.

import type { DType } from '../fast/kernels.ts';
import { FastCharRNN, fastModelBytes } from '../fast/model.ts';
import { defaultThreads, type KernelChoice, makeKernels, resolveKernels } from '../fast/select.ts';
import { charEvalLoss } from '../models/charrnn.paths.ts';
import type { Batch, Params, State } from '../models/charrnn.ts';
import { configOf, zeroState } from '../models/charrnn.ts';
import { evalStripes, type IdArray, type Stripes } from './data.ts';

/** Which kernels run the forward passes (default: the readable float64 models). */
export interface EvalEngine {
  kernels: KernelChoice;
  dtype: DType;
  /** Default: both threads where the kernels can run two (each takes a group of the B stripes; the result does not depend on it). */
  threads?: 1 | 2;
}

export interface EvalResult {
  /** Mean loss, nats per character. NaN when there is nothing to predict. */
  loss: number;
  bitsPerChar: number;
  /** How many characters were predicted (every id after the first). */
  predictions: number;
}

/** One forward pass without dropout: the mean loss of a chunk from a state, and the state after it. */
type Pass = (batch: Batch, state: State) => { loss: number; state: State };

/** The mean loss of every prediction in `ids` (each id after the first). */
export function evaluate(p: Params, ids: IdArray, B: number, T: number, onChunk?: (done: number, total: number) => void, engine?: EvalEngine): EvalResult {
  const stripes = evalStripes(ids, B, T);
  if (!stripes) return { loss: NaN, bitsPerChar: NaN, predictions: 0 };
  const tail = tailBatch(stripes),
    rest = restBatch(stripes);
  const total = stripes.chunks + (tail ? 1 : 0) + (rest ? 1 : 0);
  return withPass(p, engine, (pass) => {
    let sum = 0,
      n = 0,
      done = 0;
    const add = (batch: Batch, state: State): State => {
      const out = pass(batch, state);
      sum += out.loss * batch.T * batch.B; // each pass gives the mean over its T·B predictions
      n += batch.T * batch.B;
      onChunk?.(++done, total);
      return out.state;
    };
    let state = zeroState(configOf(p), stripes.B);
    for (let k = 0; k < stripes.chunks; k++) state = add(stripes.batch(k), state);
    if (tail) state = add(tail, state);
    if (rest) add(rest, streamState(state, stripes.B - 1, configOf(p).hiddenSize));
    return { loss: sum / n, bitsPerChar: sum / n / Math.LN2, predictions: n };
  });
}

/**
 * The mean loss of the whole chunks of `stripes` only (validation during training: the same
 * predictions at every validation, as char-rnn counts them).
 */
export function evaluateWholeChunks(p: Params, stripes: Stripes, engine?: EvalEngine): number {
  return withPass(p, engine, (pass) => {
    let sum = 0;
    let state = zeroState(configOf(p), stripes.B);
    for (let k = 0; k < stripes.chunks; k++) {
      const out = pass(stripes.batch(k), state);
      sum += out.loss;
      state = out.state;
    }
    return sum / stripes.chunks; // every chunk has T·B predictions, so the mean of means is the mean
  });
}

/** Stripe ends shorter than T: one chunk of B × (S − chunks·T), following the last whole chunk. */
function tailBatch({ ids, B, T, chunks, stripeLength: S }: Stripes): Batch | null {
  const t0 = chunks * T,
    tT = S - t0;
  if (tT === 0) return null;
  const inputs = new Int32Array(tT * B),
    targets = new Int32Array(tT * B);
  for (let t = 0; t < tT; t++) {
    for (let b = 0; b < B; b++) {
      inputs[t * B + b] = ids[b * S + t0 + t];
      targets[t * B + b] = ids[b * S + t0 + t + 1];
    }
  }
  return { inputs, targets, T: tT, B };
}

/** The ids after the B stripes (fewer than B predictions): one stream, continuing the last stripe. */
function restBatch({ ids, B, stripeLength: S }: Stripes): Batch | null {
  const from = B * S,
    r = ids.length - 1 - from;
  if (r === 0) return null;
  return { inputs: Int32Array.from(ids.subarray(from, from + r)), targets: Int32Array.from(ids.subarray(from + 1, from + r + 1)), T: r, B: 1 };
}

/** Row b of a (B, H) state, as a state for one stream. */
function streamState(s: State, b: number, H: number): State {
  const row = (a: Float64Array): Float64Array => a.slice(b * H, (b + 1) * H);
  return { h: s.h.map(row), c: s.c.map(row) };
}

/** Runs `body` with a Pass on the chosen engine, freeing what the engine allocated afterwards. */
function withPass<R>(p: Params, engine: EvalEngine | undefined, body: (pass: Pass) => R): R {
  const kernels = engine ? resolveKernels(engine.kernels) : 'ts';
  if (!engine || (kernels === 'ts' && engine.dtype === 'f64')) return body((batch, state) => charEvalLoss(p, batch, state));
  // the fast path's forward pass, one model per chunk shape (its optimizer slots unused)
  const models = new Map<string, FastCharRNN>();
  const model = (B: number, T: number): FastCharRNN => {
    let m = models.get(`${B}x${T}`);
    if (!m) {
      const shape = { config: configOf(p), B, T, optim: 'adagrad' as const, dropout: false };
      m = new FastCharRNN(makeKernels(kernels, engine.dtype, engine.threads ?? defaultThreads(), fastModelBytes(shape, engine.dtype)), shape);
      models.set(`${B}x${T}`, m);
      m.setParams(p);
    }
    return m;
  };
  try {
    return body((batch, state) => {
      const m = model(batch.B, batch.T);
      m.setState(state);
      const loss = m.run(batch, undefined, false);
      return { loss, state: m.getState() };
    });
  } finally {
    for (const m of models.values()) m.k.dispose();
  }
}

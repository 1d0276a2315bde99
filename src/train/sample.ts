// Sampling text from a char-rnn model, one code point at a time, as char-rnn's sample.lua does:
//
//   state, logits = step(x_t, state);   p = softmax(logits / τ);   x_{t+1} ~ p
//
// Dimensions: V vocabulary, H hidden size, L layers; one stream (B = 1). The checks and the rule for
// the next character (picker) are shared with sampleStreams (streams.ts), which samples N at once.
//
// The temperature τ sharpens (τ < 1) or flattens (τ > 1) the distribution; top-k keeps only the k
// most likely characters (renormalised); argmax always takes the most likely one. A prime is fed
// through the model first, so the samples continue it; without one the first character is drawn
// uniformly from the vocabulary (or, with argmax, is character 0), as in sample.lua. Inference runs
// on detached parameters, so no tape is built.

import { showChar, type Vocab } from '../data/vocab.ts';
import type { Rng } from '../engine/random.ts';
import { UserError } from '../errors.ts';
import { type CharRNNConfig, cloneState, configOf, HAS_CELL_STATE, type Params, type State, stepper, zeroState } from '../models/charrnn.ts';

export interface SampleOptions {
  /** Characters to generate (not counting the prime). */
  length: number;
  /** Seeded; the only randomness. */
  rng: Rng;
  /** Default 1; > 0; logits / temperature before softmax. */
  temperature?: number;
  /** Greedy: always the most likely character (ties → lowest id); temperature and topK are ignored. */
  argmax?: boolean;
  /** Sample only among the k most likely (k ≥ 1; k ≥ V = no restriction). */
  topK?: number;
  /** Fed through the model first (its characters are not re-emitted). '' = no prime. */
  prime?: string;
  /** Starting state, B = 1 (default zeros). Not modified. */
  state?: State;
  /**
   * How to take one step (default: charrnn.ts's `stepper` on the parameters, float64). The fast path
   * passes src/fast/stepper.ts's, made from the same parameters.
   */
  stepper?: (x: ArrayLike<number>, state: State) => { logits: Float64Array; state: State };
}

/**
 * softmax(logits / τ) written into `out`. Computed as exp((z − max z) / τ): the largest entry is
 * exactly exp(0) = 1, so no τ overflows or gives NaN; a tiny τ only collapses the distribution onto
 * the argmax (shared evenly between tied maxima).
 */
function softmaxInto(logits: ArrayLike<number>, temperature: number, out: Float64Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += out[i] = Math.exp((logits[i] - max) / temperature);
  for (let i = 0; i < logits.length; i++) out[i] /= total;
  return out;
}

export function softmaxWithTemperature(logits: ArrayLike<number>, temperature: number): Float64Array {
  return softmaxInto(logits, temperature, new Float64Array(logits.length));
}

/**
 * Keeps the k largest entries of `p` in place (ties at the k-th value: the lowest ids), zeroes the
 * rest and renormalises. `scratch` is a buffer of p's length. For k ≥ p.length, p is unchanged.
 */
function keepTopK(p: Float64Array, k: number, scratch: Float64Array): void {
  if (k >= p.length) return;
  scratch.set(p);
  scratch.sort(); // ascending
  const kth = scratch[p.length - k]; // the k-th largest value
  let above = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > kth) above++;
  let ties = k - above; // how many entries equal to kth stay
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > kth || (p[i] === kth && ties-- > 0)) total += p[i];
    else p[i] = 0;
  }
  for (let i = 0; i < p.length; i++) p[i] /= total;
}

/** A copy of `probs` with all but the k largest entries zeroed, renormalised (k ≥ length: an unchanged copy). */
export function topKFilter(probs: Float64Array, k: number): Float64Array {
  checkTopK(k);
  const out = probs.slice();
  keepTopK(out, k, new Float64Array(probs.length));
  return out;
}

function checkTopK(k: number): void {
  if (!(Number.isSafeInteger(k) && k >= 1)) throw new UserError(`top-k must be a positive integer, got ${k}`);
}

/** The lowest index of the largest entry. */
function argmaxOf(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

function checkState(config: CharRNNConfig, s: State): void {
  const { layers: L, hiddenSize: H } = config;
  const cs = HAS_CELL_STATE[config.kind] ? L : 0;
  if (s.h.length !== L || s.c.length !== cs || [...s.h, ...s.c].some((a) => a.length !== H)) {
    throw new Error(`sample: the starting state must hold ${L} layer(s) of H = ${H} values${cs ? ' for h and for c' : ''} (one stream)`);
  }
}

/** What sampleStream and sampleStreams (streams.ts) check before they start; returns the prime's ids. */
export function checkSampling(p: Params, vocab: Vocab, opts: Pick<SampleOptions, 'length' | 'temperature' | 'topK' | 'prime'>): number[] {
  const { length, temperature = 1, topK, prime = '' } = opts;
  if (!Number.isSafeInteger(length) || length < 0) throw new UserError(`sample length must be a non-negative integer, got ${length}`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new UserError(`temperature must be a positive number, got ${temperature}`);
  if (topK !== undefined) checkTopK(topK);
  const config = configOf(p);
  if (config.vocabSize !== vocab.size) {
    throw new Error(`sample: the model has ${config.vocabSize} output classes but the vocabulary ${vocab.size} characters`);
  }
  const unknown = vocab.unknown(prime);
  if (unknown.length > 0) throw new UserError(`the prime has characters not in the model's vocabulary: ${unknown.map(showChar).join(', ')}`);
  return vocab.encode(prime);
}

/** Draws the next id from a stream's logits (null: nothing fed yet) with that stream's rng. */
export type Picker = (logits: ArrayLike<number> | null, rng: Rng) => number;

/**
 * sample.lua's rule for the next character, with buffers of its own (one picker serves any number
 * of streams, one after the other): argmax; or softmax(logits / τ), top-k, one categorical draw.
 * Before anything is fed, the first character is uniform (argmax: character 0).
 */
export function picker(V: number, opts: Pick<SampleOptions, 'temperature' | 'topK' | 'argmax'>): Picker {
  const { temperature = 1, topK = V, argmax = false } = opts;
  const probs = new Float64Array(V),
    scratch = new Float64Array(V);
  return (logits, rng) => {
    if (logits === null) return argmax ? 0 : rng.int(V); // no prime: sample.lua's uniform first character
    if (argmax) return argmaxOf(logits);
    softmaxInto(logits, temperature, probs);
    keepTopK(probs, topK, scratch);
    return rng.categorical(probs);
  };
}

/**
 * Generates `length` characters lazily, one code point string per yield, so a caller can print them
 * as they come; the generator's return value is the state after the prime and every generated
 * character have been fed through the model. The options are checked, and the prime encoded, when
 * this is called (not at the first next()), so a bad prime fails at once.
 */
export function sampleStream(p: Params, vocab: Vocab, opts: SampleOptions): Generator<string, State, undefined> {
  const primeIds = checkSampling(p, vocab, opts);
  if (!opts.rng) throw new Error('sample: an rng is required');
  const config = configOf(p);
  const state = opts.state ?? zeroState(config, 1);
  checkState(config, state);
  // Detached views share the data but never ask for gradients, so stepping builds no tape.
  const frozen: Params = {};
  for (const [name, t] of Object.entries(p)) frozen[name] = t.detach();
  return generate(opts.stepper ?? stepper(frozen), vocab, primeIds, state, opts.length, picker(vocab.size, opts), opts.rng);
}

function* generate(
  step: NonNullable<SampleOptions['stepper']>,
  vocab: Vocab,
  primeIds: number[],
  state: State,
  length: number,
  pick: Picker,
  rng: Rng,
): Generator<string, State, undefined> {
  const x = [0]; // the input of the one stream, reused
  let logits: Float64Array | null = null; // null until something has been fed
  for (const id of primeIds) {
    x[0] = id;
    ({ logits, state } = step(x, state));
  }
  if (logits === null) state = cloneState(state); // never hand back the caller's own arrays
  for (let n = 0; n < length; n++) {
    const id = pick(logits, rng);
    yield vocab.chars[id];
    x[0] = id;
    ({ logits, state } = step(x, state));
  }
  return state;
}

/** The whole sample as one string (sampleStream, collected). */
export function sample(p: Params, vocab: Vocab, opts: SampleOptions): string {
  let out = '';
  for (const ch of sampleStream(p, vocab, opts)) out += ch;
  return out;
}

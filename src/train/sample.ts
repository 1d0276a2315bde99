// Sampling text from a trained character model, one code point at a time:
//
//   h_t = step(x_t, h_{t−1});   p = softmax(logits_t / τ);   x_{t+1} ~ p
//
// The temperature τ sharpens (τ < 1) or flattens (τ > 1) the distribution; as τ → 0 sampling
// becomes "always pick the most likely character". Inference runs on parameters that do not
// require gradients, so no tape is built.

import { Rng } from '../engine/random.ts';
import { UserError } from '../errors.ts';
import { configOf, rnnStepper, zeroState, type Params } from '../models/rnn.ts';
import type { Vocab } from '../data/vocab.ts';

export interface SampleOptions {
  /** How many characters (code points) to generate. */
  length: number;
  /** τ > 0; default 1 (the model's own distribution). */
  temperature?: number;
  /**
   * Text fed through the network before sampling starts (it conditions the model but is not part
   * of the output). Every character must be in the vocabulary. Without a prime, sampling starts
   * from the vocabulary's first character, `vocab.chars[0]` (the vocabulary is sorted by code
   * point, so for text with line breaks this is the newline: the model starts "at a new line").
   */
  prime?: string;
  /** Seed of a fresh Rng (default 42); ignored when `rng` is given. */
  seed?: number;
  /** Draw from this generator instead (the trainer passes its own so that training stays reproducible). */
  rng?: Rng;
  /** Hidden state to start from (one length-H array per layer); default zeros. Not modified. */
  hidden?: readonly Float64Array[];
}

/**
 * Probabilities softmax(logits / τ). Computed as exp((z − max z) / τ): the largest entry is exactly
 * exp(0) = 1, so even a tiny τ gives no overflow and no NaN, only a distribution that collapses
 * onto the argmax.
 */
export function softmaxWithTemperature(logits: ArrayLike<number>, temperature: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const p = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += p[i] = Math.exp((logits[i] - max) / temperature);
  for (let i = 0; i < p.length; i++) p[i] /= total;
  return p;
}

/**
 * Generate `length` characters lazily, one whole code point per yielded string, so a caller can
 * print them as they come. The options are checked (and the prime encoded) before this returns,
 * so a bad prime fails at the call, not at the first character.
 */
export function sampleStream(params: Params, vocab: Vocab, opts: SampleOptions): Generator<string, void, undefined> {
  const { length, temperature = 1, prime = '' } = opts;
  if (!Number.isSafeInteger(length) || length < 0) throw new UserError(`sample length must be a non-negative integer, got ${length}`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new UserError(`temperature must be a positive number, got ${temperature}`);
  const config = configOf(params);
  if (config.vocabSize !== vocab.size) {
    throw new Error(`sample: the model has ${config.vocabSize} output classes but the vocabulary has ${vocab.size} characters`);
  }
  const primeIds = prime === '' ? [0] : vocab.encode(prime); // UserError naming unknown characters
  const rng = opts.rng ?? new Rng(opts.seed ?? 42);
  const h0 = opts.hidden ? opts.hidden.map((h) => Float64Array.from(h)) : zeroState(config);
  if (h0.length !== config.layers || h0.some((h) => h.length !== config.hiddenSize)) {
    throw new Error(`sample: the hidden state must be ${config.layers} arrays of length ${config.hiddenSize}`);
  }
  // Detached views share the data but never ask for gradients, so stepping builds no tape.
  const frozen: Params = {};
  for (const [name, t] of Object.entries(params)) frozen[name] = t.detach();
  return generate(rnnStepper(frozen), vocab, primeIds, h0, length, temperature, rng);
}

function* generate(
  step: ReturnType<typeof rnnStepper>,
  vocab: Vocab,
  primeIds: number[],
  h0: Float64Array[],
  length: number,
  temperature: number,
  rng: Rng,
): Generator<string, void, undefined> {
  if (length === 0) return;
  let h: Float64Array[] = h0;
  let logits: Float64Array = new Float64Array(0);
  for (const x of primeIds) ({ logits, h } = step(x, h));
  for (let n = 0; n < length; n++) {
    const x = rng.categorical(softmaxWithTemperature(logits, temperature));
    yield vocab.chars[x];
    if (n + 1 < length) ({ logits, h } = step(x, h));
  }
}

/** The whole sample as one string (sampleStream, collected). */
export function sample(params: Params, vocab: Vocab, opts: SampleOptions): string {
  let out = '';
  for (const ch of sampleStream(params, vocab, opts)) out += ch;
  return out;
}

// Sampling N independent streams at once: every stream gets the same prime and the same rule for
// the next character (sample.ts's picker), and a random stream of its own, so the N texts are N
// samples of the model. A step of all N streams is one (Bg × H) matrix product per layer and group
// instead of N matrix-vector products (src/fast/stepper.ts's StreamStepper), on both threads when
// there are two.
//
// Stream i draws from `new Rng(seed)` after i jumps (Rng.jump: 2⁶⁴ draws each, so the streams never
// overlap): stream 0 draws what the one-stream sampler draws with `new Rng(seed)`, and stream i's
// draws do not depend on N or the grouping. The texts never depend on the number of threads. They
// depend on N only through rounding: on the WebAssembly kernels a group of one stream (N = 1) runs
// on the matrix-vector kernels, whose last bits differ from the matrix products' of larger groups,
// so where two characters are nearly equally likely a text can part from the same stream's with
// another N (test/sample-streams.test.ts checks the TypeScript float64 kernels, where it does not).
//
// Dimensions: V vocabulary, N streams.

import type { Vocab } from '../data/vocab.ts';
import { Rng } from '../engine/random.ts';
import { UserError } from '../errors.ts';
import type { DType } from '../fast/kernels.ts';
import { defaultThreads, type KernelChoice, makeKernels, resolveKernels } from '../fast/select.ts';
import { StreamStepper, streamStepperBytes } from '../fast/stepper.ts';
import { configOf, type Params } from '../models/charrnn.ts';
import { checkSampling, picker, type SampleOptions } from './sample.ts';

/** The most characters sampleStreams draws in one call (N × length): 2 GB of ids and text. */
const MAX_CHARS = 2 ** 30;

export interface StreamsOptions extends Pick<SampleOptions, 'length' | 'temperature' | 'argmax' | 'topK' | 'prime'> {
  /** How many streams (N ≥ 1). */
  streams: number;
  /** Stream i draws from `new Rng(seed)` jumped i times. */
  seed: number;
  /** Default 'auto' (the WebAssembly kernels when built); 'ts' with 'f64' is the TypeScript reference kernels in float64. */
  kernels?: KernelChoice;
  /** Default 'f32'. */
  dtype?: DType;
  /** Default: both where the kernels can run two (each takes a group of the streams; the texts do not depend on it). */
  threads?: 1 | 2;
}

/** The Rngs of streams 0 … n − 1 of a seed: `new Rng(seed)`, then each the one before jumped once. */
export function streamRngs(seed: number, n: number): Rng[] {
  const base = new Rng(seed);
  const out: Rng[] = [];
  for (let i = 0; i < n; i++) {
    out.push(new Rng(base.state()));
    base.jump();
  }
  return out;
}

/** N samples of `length` characters each (after the prime, which is not repeated), stream i at index i. */
export function sampleStreams(p: Params, vocab: Vocab, opts: StreamsOptions): string[] {
  const { streams: N, length, seed } = opts;
  if (!(Number.isSafeInteger(N) && N >= 1)) throw new UserError(`the number of streams must be a positive integer, got ${N}`);
  const primeIds = checkSampling(p, vocab, opts);
  if (N * length > MAX_CHARS)
    throw new UserError(`${N} streams of ${length} characters are ${N * length} characters; at most ${MAX_CHARS} are sampled at once`);
  const rngs = streamRngs(seed, N); // checks the seed
  const config = configOf(p),
    V = config.vocabSize,
    dtype = opts.dtype ?? 'f32';
  const k = makeKernels(resolveKernels(opts.kernels ?? 'auto'), dtype, opts.threads ?? defaultThreads(), streamStepperBytes(config, N, dtype));
  try {
    const s = new StreamStepper(k, p, N);
    for (const id of primeIds) {
      for (let i = 0; i < N; i++) s.setInput(i, id);
      s.step();
    }
    const fed = primeIds.length > 0;
    const pick = picker(V, opts);
    const ids = V <= 65536 ? new Uint16Array(N * length) : new Uint32Array(N * length); // (N, length)
    for (let n = 0; n < length; n++) {
      if (n > 0) s.step(); // after the last character there is nothing more to draw
      for (let i = 0; i < N; i++) {
        const id = pick(fed || n > 0 ? s.logits(i) : null, rngs[i]);
        ids[i * length + n] = id;
        s.setInput(i, id);
      }
    }
    return rngs.map((_, i) => Array.from(ids.subarray(i * length, (i + 1) * length), (id) => vocab.chars[id]).join(''));
  } finally {
    k.dispose();
  }
}

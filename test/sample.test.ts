// Sampling from the char-rnn models. The references are computed independently in this file:
// logits by driving `stepper` by hand, probabilities by a plain softmax, ranks by sorting.

import { describe, expect, it } from 'vitest';
import { showChar, Vocab } from '../src/data/vocab.ts';
import { Rng } from '../src/engine/random.ts';
import { UserError } from '../src/errors.ts';
import { CELL_KINDS, type CellKind, type CharRNNConfig, initParams, type Params, type State, stepper, zeroState } from '../src/models/charrnn.ts';
import { sample, sampleStream, softmaxWithTemperature, topKFilter } from '../src/train/sample.ts';

const TEXT = 'hello, world! 你好，世界 😀🎉\n';
const vocab = Vocab.fromText(TEXT);
const V = vocab.size;

const configOf = (kind: CellKind): CharRNNConfig => ({ kind, vocabSize: V, hiddenSize: 8, layers: 2 });
/** Weights U(±1) instead of U(±0.08), so the next-character distribution is far from uniform. */
const model = (kind: CellKind, seed = 3): Params => initParams(configOf(kind), new Rng(seed), 1);

/** Feeds `text` through the model by hand: the logits after its last character and the state. */
function feed(p: Params, text: string, state?: State): { logits: Float64Array; state: State } {
  const step = stepper(p);
  let s = state ?? zeroState(configOf('lstm'), 1);
  let logits: Float64Array = new Float64Array(0);
  for (const ch of text) ({ logits, state: s } = step([vocab.chars.indexOf(ch)], s));
  return { logits, state: s };
}

const softmax = (z: ArrayLike<number>, tau = 1): number[] => {
  const m = Math.max(...Array.from(z));
  const e = Array.from(z, (x) => Math.exp((x - m) / tau));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const argmax = (v: ArrayLike<number>): number => Array.from(v).indexOf(Math.max(...Array.from(v)));
/** Ids of the k largest entries. */
const topIds = (v: ArrayLike<number>, k: number): number[] =>
  Array.from(v, (x, i) => [x, i])
    .sort((a, b) => b[0] - a[0])
    .slice(0, k)
    .map(([, i]) => i);

/** Counts of the first character of n independent samples after `prime`. */
function firstCharCounts(p: Params, n: number, opts: { prime?: string; temperature?: number; topK?: number }, seed: number): number[] {
  const rng = new Rng(seed);
  const counts = new Array<number>(V).fill(0);
  for (let i = 0; i < n; i++) counts[vocab.chars.indexOf(sample(p, vocab, { length: 1, rng, ...opts }))]++;
  return counts;
}

/**
 * Pearson's χ² of counts against probabilities, cells with expected count below 5 lumped into one.
 * A count where the probability is exactly 0 gives ∞. Returns the statistic and its degrees of freedom.
 */
function chiSquare(counts: number[], probs: number[]): { stat: number; df: number } {
  const n = counts.reduce((a, b) => a + b, 0);
  let stat = 0,
    cells = 0,
    lumpE = 0,
    lumpO = 0;
  for (let i = 0; i < counts.length; i++) {
    if (probs[i] === 0 && counts[i] > 0) return { stat: Infinity, df: 1 };
    const e = n * probs[i];
    if (e < 5) (lumpE += e), (lumpO += counts[i]);
    else (stat += (counts[i] - e) ** 2 / e), cells++;
  }
  if (lumpE > 0) (stat += (lumpO - lumpE) ** 2 / lumpE), cells++;
  return { stat, df: cells - 1 };
}
/** Generous: the 99.99…% region of χ²(df) is well inside df + 6·√(2·df) + 10. */
const chiBound = (df: number): number => df + 6 * Math.sqrt(2 * df) + 10;

describe('sample', () => {
  const p = model('lstm');

  it('is deterministic given the seed, and the seed matters', () => {
    const a = sample(p, vocab, { length: 60, rng: new Rng(7) });
    expect(sample(p, vocab, { length: 60, rng: new Rng(7) })).toBe(a);
    expect(sample(p, vocab, { length: 60, rng: new Rng(8) })).not.toBe(a);
    expect([...a]).toHaveLength(60);
  });

  it('yields whole code points of the vocabulary, one per yield', () => {
    const chars = [...sampleStream(p, vocab, { length: 300, rng: new Rng(1), temperature: 3 })];
    expect(chars).toHaveLength(300);
    for (const ch of chars) expect(vocab.chars).toContain(ch);
    expect(chars.some((ch) => ch.length === 2)).toBe(true); // an emoji (a surrogate pair) came out whole
  });

  it('the stream concatenated is sample(), and returns the state after prime and output', () => {
    const gen = sampleStream(p, vocab, { length: 40, prime: 'hel', rng: new Rng(5) });
    let out = '';
    let r = gen.next();
    for (; !r.done; r = gen.next()) out += r.value;
    expect(out).toBe(sample(p, vocab, { length: 40, prime: 'hel', rng: new Rng(5) }));
    const manual = feed(p, 'hel' + out).state;
    expect(r.value).toEqual(manual);
  });

  it.each(CELL_KINDS)('%s: argmax is greedy decoding of the logits from stepper', (kind) => {
    const q = model(kind, 11);
    const config = configOf(kind);
    const step = stepper(q);
    const greedy = (first: number[], n: number): string => {
      let s = zeroState(config, 1);
      let logits: Float64Array = new Float64Array(0);
      for (const id of first) ({ logits, state: s } = step([id], s));
      let out = '';
      for (let i = 0; i < n; i++) {
        const id = argmax(logits);
        out += vocab.chars[id];
        ({ logits, state: s } = step([id], s));
      }
      return out;
    };
    const rng = new Rng(1);
    expect(sample(q, vocab, { length: 40, prime: '你好', argmax: true, rng })).toBe(greedy(vocab.encode('你好'), 40));
    // without a prime argmax starts with character 0, and continues greedily from it
    expect(sample(q, vocab, { length: 40, argmax: true, rng, temperature: 5, topK: 2 })).toBe(vocab.chars[0] + greedy([0], 39));
    expect(rng.state()).toEqual(new Rng(1).state()); // greedy draws nothing
  });

  it('at a very low temperature behaves like argmax', () => {
    const greedy = sample(p, vocab, { length: 50, prime: 'wor', argmax: true, rng: new Rng(0) });
    for (const temperature of [1e-6, 1e-300]) {
      expect(sample(p, vocab, { length: 50, prime: 'wor', temperature, rng: new Rng(9) })).toBe(greedy);
    }
  });

  it('with top-k never emits a character outside the k most likely', () => {
    const walk = (out: string): number[] => {
      // the rank (0 = most likely) of each emitted character under the model's own logits
      const step = stepper(p);
      let { logits, state } = feed(p, 'h');
      return [...out].map((ch) => {
        const id = vocab.chars.indexOf(ch);
        const rank = Array.from(logits).filter((z) => z > logits[id]).length;
        ({ logits, state } = step([id], state));
        return rank;
      });
    };
    const opts = { length: 300, prime: 'h', temperature: 2 };
    const unrestricted = walk(sample(p, vocab, { ...opts, rng: new Rng(6) }));
    expect(Math.max(...unrestricted)).toBeGreaterThanOrEqual(3); // without the filter it does leave the top 3
    expect(Math.max(...walk(sample(p, vocab, { ...opts, topK: 3, rng: new Rng(6) })))).toBeLessThan(3);
    // k = 1 is greedy; k ≥ V is no restriction
    expect(sample(p, vocab, { ...opts, topK: 1, rng: new Rng(6) })).toBe(sample(p, vocab, { ...opts, argmax: true, rng: new Rng(6) }));
    expect(sample(p, vocab, { ...opts, topK: V + 5, rng: new Rng(6) })).toBe(sample(p, vocab, { ...opts, rng: new Rng(6) }));
  });

  it('with top-k draws from the k most likely in proportion to their probabilities (χ²)', () => {
    const probs = softmax(feed(p, 'w').logits);
    const keep = topIds(probs, 4);
    const total = keep.reduce((a, i) => a + probs[i], 0);
    const want = probs.map((q, i) => (keep.includes(i) ? q / total : 0));
    const { stat, df } = chiSquare(firstCharCounts(p, 3000, { prime: 'w', topK: 4 }, 21), want);
    expect(stat).toBeLessThan(chiBound(df));
  });

  it('at temperature 1 the frequencies of the next character match softmax(logits) (χ²)', () => {
    const probs = softmax(feed(p, 'w').logits);
    const counts = firstCharCounts(p, 4000, { prime: 'w' }, 99);
    const { stat, df } = chiSquare(counts, probs);
    expect(stat).toBeLessThan(chiBound(df));
    const vsUniform = chiSquare(
      counts,
      probs.map(() => 1 / V),
    );
    expect(vsUniform.stat).toBeGreaterThan(10 * chiBound(vsUniform.df));
  });

  it('at temperature 0.5 they match softmax(logits / 0.5) (χ²)', () => {
    const probs = softmax(feed(p, 'o').logits, 0.5);
    const { stat, df } = chiSquare(firstCharCounts(p, 3000, { prime: 'o', temperature: 0.5 }, 5), probs);
    expect(stat).toBeLessThan(chiBound(df));
  });

  it('at a very high temperature is close to uniform (χ²)', () => {
    const { stat, df } = chiSquare(firstCharCounts(p, 3000, { prime: 'w', temperature: 1e6 }, 8), new Array(V).fill(1 / V));
    expect(stat).toBeLessThan(chiBound(df));
  });

  it('without a prime draws the first character uniformly, as sample.lua does (χ²)', () => {
    const { stat, df } = chiSquare(firstCharCounts(p, 3000, {}, 13), new Array(V).fill(1 / V));
    expect(stat).toBeLessThan(chiBound(df));
    // an empty prime is no prime
    expect(sample(p, vocab, { length: 30, prime: '', rng: new Rng(2) })).toBe(sample(p, vocab, { length: 30, rng: new Rng(2) }));
  });

  it('priming equals feeding the prime through stepper by hand, then drawing from softmax(logits / τ)', () => {
    const manual = (prime: string): string => {
      let { logits, state } = feed(p, prime);
      const step = stepper(p);
      const rng = new Rng(4);
      let out = '';
      for (let i = 0; i < 50; i++) {
        const id = rng.categorical(softmax(logits, 0.8));
        out += vocab.chars[id];
        ({ logits, state } = step([id], state));
      }
      return out;
    };
    for (const prime of ['hello, 世', 'd']) {
      expect(sample(p, vocab, { length: 50, prime, temperature: 0.8, rng: new Rng(4) })).toBe(manual(prime));
    }
    // and the two primes leave the model in different states
    expect(feed(p, 'hello, 世').logits).not.toBeAllClose(feed(p, 'd').logits, { rtol: 1e-3 });
  });

  it('a starting state continues where it was left, and is not modified', () => {
    const s = feed(p, 'hell').state;
    const copy = structuredClone(s);
    const viaState = sample(p, vocab, { length: 30, prime: 'o', state: s, rng: new Rng(4) });
    expect(sample(p, vocab, { length: 30, prime: 'hello', rng: new Rng(4) })).toBe(viaState);
    expect(s).toEqual(copy);
    // length 0 yields nothing and returns the state after the prime
    const gen = sampleStream(p, vocab, { length: 0, prime: 'hello', rng: new Rng(1) });
    const r = gen.next();
    expect(r.done).toBe(true);
    expect(r.value).toEqual(feed(p, 'hello').state);
  });

  it('refuses a prime with characters outside the vocabulary at the call, naming them', () => {
    const call = () => sampleStream(p, vocab, { length: 5, prime: 'hello Zürich\t🚀', rng: new Rng(1) });
    expect(call).toThrow(UserError);
    let message = '';
    try {
      call();
    } catch (e) {
      message = (e as Error).message;
    }
    for (const ch of ['Z', 'ü', 'i', 'c', '\t', '🚀']) expect(message).toContain(showChar(ch));
    expect(message).toContain('"\\t" (U+0009)');
    for (const ch of ['h', 'e', 'l', 'o', 'r']) expect(message).not.toContain(`"${ch}"`);
  });

  it('refuses bad options with a UserError', () => {
    const rng = new Rng(1);
    for (const temperature of [0, -1, Number.NaN, Infinity]) expect(() => sample(p, vocab, { length: 5, rng, temperature })).toThrow(UserError);
    for (const topK of [0, -2, 1.5, Number.NaN]) expect(() => sample(p, vocab, { length: 5, rng, topK })).toThrow(UserError);
    for (const length of [-1, 1.5, Number.NaN]) expect(() => sample(p, vocab, { length, rng })).toThrow(UserError);
    // a state for two streams is a programming error, not the user's
    expect(() => sample(p, vocab, { length: 5, rng, state: zeroState(configOf('lstm'), 2) })).toThrow(/one stream/);
  });

  it('builds no tape even when the parameters ask for gradients', () => {
    const withGrad: Params = {};
    for (const [k, t] of Object.entries(p)) withGrad[k] = t.asParam();
    expect(sample(withGrad, vocab, { length: 20, rng: new Rng(3) })).toBe(sample(p, vocab, { length: 20, rng: new Rng(3) }));
    for (const t of Object.values(withGrad)) expect(t.grad).toBeNull();
  });
});

describe('softmaxWithTemperature', () => {
  it('is softmax(z / τ), computed without overflow', () => {
    const z = [1, 2, 3];
    const ref = z.map((x) => Math.exp(x / 0.5));
    const s = ref.reduce((a, b) => a + b, 0);
    expect(softmaxWithTemperature(z, 0.5)).toBeAllClose(
      ref.map((x) => x / s),
      { rtol: 1e-14 },
    );
    // exp(1000) overflows; the shifted form gives the exact answer [1/2, 1/2, 0].
    expect(softmaxWithTemperature([1000, 1000, 0], 1)).toBeAllClose([0.5, 0.5, 0], { rtol: 1e-15 });
    expect(softmaxWithTemperature([1, 3, 2], 1e-300)).toBeAllClose([0, 1, 0], { atol: 0 });
  });
});

describe('topKFilter', () => {
  it('keeps the k largest, renormalised, without touching its input', () => {
    const p = Float64Array.from([0.1, 0.4, 0.2, 0.3]);
    expect(topKFilter(p, 2)).toBeAllClose([0, 0.4 / 0.7, 0, 0.3 / 0.7], { rtol: 1e-15 });
    expect(topKFilter(p, 1)).toBeAllClose([0, 1, 0, 0], { atol: 0 });
    expect(Array.from(topKFilter(p, 4))).toEqual(Array.from(p));
    expect(Array.from(topKFilter(p, 9))).toEqual(Array.from(p));
    expect(Array.from(p)).toEqual([0.1, 0.4, 0.2, 0.3]);
  });

  it('keeps exactly k entries when values tie (the lowest ids)', () => {
    expect(topKFilter(Float64Array.from([0.1, 0.3, 0.3, 0.3]), 2)).toBeAllClose([0, 0.5, 0.5, 0], { rtol: 1e-15 });
    expect(() => topKFilter(Float64Array.from([1]), 0)).toThrow(UserError);
  });
});

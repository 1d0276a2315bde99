import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/random.ts';
import { Tensor } from '../src/engine/tensor.ts';
import { UserError } from '../src/errors.ts';
import { Vocab } from '../src/data/vocab.ts';
import { paramShapes, rnnStepper, zeroState, type Params, type RNNConfig } from '../src/models/rnn.ts';
import { sample, sampleStream, softmaxWithTemperature } from '../src/train/sample.ts';

const TEXT = 'hello, world! 你好，世界 😀🎉\n';
const vocab = Vocab.fromText(TEXT);

/** Parameters with weights of scale 1 (not init's 0.01), so the logits are far from uniform. */
function bigParams(config: RNNConfig, seed: number): Params {
  const rng = new Rng(seed);
  const p: Params = {};
  for (const [name, shape] of paramShapes(config)) p[name] = Tensor.randn(shape, rng, 1);
  return p;
}

const argmax = (v: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
};

describe('sample', () => {
  const config: RNNConfig = { vocabSize: vocab.size, hiddenSize: 12, layers: 2 };
  const p = bigParams(config, 3);

  it('is deterministic given the seed, and the seed matters', () => {
    const a = sample(p, vocab, { length: 60, seed: 7 });
    expect(sample(p, vocab, { length: 60, seed: 7 })).toBe(a);
    expect(sample(p, vocab, { length: 60, seed: 8 })).not.toBe(a);
    expect([...a]).toHaveLength(60);
  });

  it('yields whole code points of the vocabulary only', () => {
    const chars = [...sampleStream(p, vocab, { length: 300, seed: 1, temperature: 2 })];
    expect(chars).toHaveLength(300);
    for (const ch of chars) expect(vocab.chars).toContain(ch);
    // with temperature 2 on 20-odd characters, the surrogate-pair emoji should show up
    expect(chars.some((ch) => ch.length === 2)).toBe(true);
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    expect(lone.test(chars.join(''))).toBe(false);
  });

  it('at a very low temperature picks the argmax of the logits at every step', () => {
    const prime = '你好';
    // Independent greedy decoding straight from rnnStepper.
    const step = rnnStepper(p);
    let h: Float64Array[] = zeroState(config);
    let logits: Float64Array = new Float64Array(0);
    for (const id of vocab.encode(prime)) ({ logits, h } = step(id, h));
    let greedy = '';
    for (let n = 0; n < 40; n++) {
      const id = argmax(logits);
      greedy += vocab.chars[id];
      ({ logits, h } = step(id, h));
    }
    for (const temperature of [1e-4, 1e-300]) {
      expect(sample(p, vocab, { length: 40, prime, temperature, seed: 5 })).toBe(greedy);
    }
  });

  it('at temperature 1 draws from softmax(logits) (frequencies within 5 standard errors)', () => {
    const small = bigParams({ vocabSize: vocab.size, hiddenSize: 4, layers: 1 }, 11);
    const { logits } = rnnStepper(small)(vocab.encode('w')[0], zeroState({ vocabSize: vocab.size, hiddenSize: 4, layers: 1 }));
    let max = -Infinity;
    for (const z of logits) max = Math.max(max, z);
    const e = Array.from(logits, (z) => Math.exp(z - max));
    const total = e.reduce((a, b) => a + b, 0);
    const expected = e.map((x) => x / total);

    const n = 4000;
    const rng = new Rng(99);
    const counts = new Array<number>(vocab.size).fill(0);
    for (let i = 0; i < n; i++) counts[vocab.chars.indexOf(sample(small, vocab, { length: 1, prime: 'w', rng }))]++;
    for (let k = 0; k < vocab.size; k++) {
      const se = Math.sqrt((expected[k] * (1 - expected[k])) / n);
      expect(Math.abs(counts[k] / n - expected[k])).toBeLessThanOrEqual(5 * se + 1e-12);
    }
  });

  it('priming equals starting from the hidden state the prime leads to', () => {
    const step = rnnStepper(p);
    let h: Float64Array[] = zeroState(config);
    for (const id of vocab.encode('hell')) h = step(id, h).h;
    const viaHidden = sample(p, vocab, { length: 30, prime: 'o', hidden: h, seed: 4 });
    expect(sample(p, vocab, { length: 30, prime: 'hello', seed: 4 })).toBe(viaHidden);
  });

  it('without a prime starts from the first character of the vocabulary', () => {
    // vocab.chars[0] is '\n' here (lowest code point), so this equals priming with a newline.
    expect(vocab.chars[0]).toBe('\n');
    expect(sample(p, vocab, { length: 30, seed: 2 })).toBe(sample(p, vocab, { length: 30, prime: '\n', seed: 2 }));
  });

  it('rejects a prime with unknown characters at the call, naming them', () => {
    const call = () => sampleStream(p, vocab, { length: 5, prime: 'hello Zürich 🚀' });
    expect(call).toThrow(UserError);
    expect(call).toThrow(/"Z".*"ü".*"c".*"🚀"/);
  });

  it('rejects a non-positive temperature and a negative length', () => {
    expect(() => sample(p, vocab, { length: 5, temperature: 0 })).toThrow(UserError);
    expect(() => sample(p, vocab, { length: 5, temperature: Number.NaN })).toThrow(UserError);
    expect(() => sample(p, vocab, { length: -1 })).toThrow(UserError);
  });

  it('does not build a tape even when the parameters ask for gradients', () => {
    const withGrad: Params = {};
    for (const [k, t] of Object.entries(p)) withGrad[k] = t.asParam();
    expect(sample(withGrad, vocab, { length: 20, seed: 3 })).toBe(sample(p, vocab, { length: 20, seed: 3 }));
    for (const t of Object.values(withGrad)) expect(t.grad).toBeNull();
  });
});

describe('softmaxWithTemperature', () => {
  it('is softmax(z / τ), computed without overflow', () => {
    const z = [1, 2, 3];
    const ref = z.map((x) => Math.exp(x / 0.5));
    const s = ref.reduce((a, b) => a + b, 0);
    expect(softmaxWithTemperature(z, 0.5)).toBeAllClose(ref.map((x) => x / s), { rtol: 1e-14 });
    // exp(1000) overflows; the shifted form gives the exact answer [1/2, 1/2, 0].
    expect(softmaxWithTemperature([1000, 1000, 0], 1)).toBeAllClose([0.5, 0.5, 0], { rtol: 1e-15 });
  });
});

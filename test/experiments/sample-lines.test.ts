// The experiments' sampleLines (experiments/lib/experiment.ts): one item per stream. The reference
// is the one-stream sampler `sample()` on the readable float64 model, run once per item with the Rng
// built here from the documented rule (`new Rng(seed)` jumped i times): its second line (the first is
// a warm-up), kept when both end within the documented length (2 × (3 × meanLength + 20) characters
// after the "\n" prime).

import { describe, expect, it } from 'vitest';
import { sampleLines } from '../../experiments/lib/experiment.ts';
import { charrnn, type Params, Rng, sample, Vocab } from '../../src/index.ts';

const vocab = Vocab.fromText('abcdefg\n');
const newline = vocab.chars.indexOf('\n');

/** A 2-layer LSTM with weights U(±1) (far from uniform), the newline's logit shifted by `shift`. */
function model(shift: number): Params {
  const p = charrnn.initParams({ kind: 'lstm', vocabSize: vocab.size, hiddenSize: 8, layers: 2 }, new Rng(3), 1);
  p[charrnn.DECODER_BIAS].data[newline] += shift;
  return p;
}

function rngOf(seed: number, i: number): Rng {
  const r = new Rng(seed);
  for (let j = 0; j < i; j++) r.jump();
  return r;
}

describe('sampleLines', () => {
  it('ts f64: item by item the second lines of sample() with stream i Rng, unfinished ones dropped', () => {
    // shift −2: a line ends rarely enough that about half of the streams have not ended two lines in 2 × (3 × 2 + 20) = 52 characters
    const p = model(-2);
    const [count, seed, temperature, meanLength] = [40, 7, 0.9, 2];
    const expected: string[] = [];
    for (let i = 0; i < count; i++) {
      const text = sample(p, vocab, { length: 52, prime: '\n', rng: rngOf(seed, i), temperature });
      const first = text.indexOf('\n');
      const second = text.indexOf('\n', first + 1);
      if (second >= 0) expected.push(text.slice(first + 1, second));
    }
    expect(expected.length).toBeGreaterThan(5); // both cases occur
    expect(expected.length).toBeLessThan(count - 5);
    expect(sampleLines(p, vocab, count, { seed, temperature, meanLength, kernels: 'ts', dtype: 'f64' })).toEqual(expected);
  });

  it('float32 WebAssembly (the default): at most count items, no newline in any, the same for the same seed', () => {
    const p = model(0);
    const a = sampleLines(p, vocab, 300, { seed: 2015, meanLength: 3 });
    expect(a.length).toBeLessThanOrEqual(300);
    expect(a.length).toBeGreaterThan(250); // with no shift two lines end within 58 characters nearly always
    for (const s of a) expect(s).not.toContain('\n');
    expect(sampleLines(p, vocab, 300, { seed: 2015, meanLength: 3 })).toEqual(a);
    expect(sampleLines(p, vocab, 300, { seed: 2015, meanLength: 3, threads: 1 })).toEqual(a);
    expect(sampleLines(p, vocab, 300, { seed: 2016, meanLength: 3 })).not.toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(100); // independent streams, not one item repeated
  });

  it('a model that never ends a line gives no items, and returns', () => {
    expect(sampleLines(model(-1e4), vocab, 50, { seed: 1, meanLength: 5 })).toEqual([]);
  });
});

// The Kneser-Ney n-gram model (src/ngram/): probabilities that sum to 1 for any context, order and
// corpus (property test); a tiny corpus worked by hand; the counts storage's memory refusal; and
// `rnn ngram` on a small file. The comparison with NLTK is in ngram-nltk.test.ts.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KneserNey, modifiedDiscounts, SizeError } from '../src/index.ts';
import { BIN, cliSandbox, expectError } from './cli-helpers.ts';

/** n pseudo-random ids below V (a 32-bit linear congruential generator): few repeated contexts. */
function scrambled(n: number, V: number): number[] {
  let x = 1;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 16) % V;
  });
}

describe('KneserNey: probabilities', () => {
  it('sum to 1 over the vocabulary, every one positive, for any context, order and small corpus', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }), // V (some ids may never occur in the corpus)
        fc.integer({ min: 1, max: 7 }), // order
        fc.boolean(), // modified discounts or a fixed one
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 9 }),
        (V, order, modified, D, raw, rawHistory) => {
          const ids = raw.map((x) => x % V);
          const history = rawHistory.map((x) => x % V);
          const m = KneserNey.fit(ids, { order, V, discount: modified ? 'modified' : D });
          for (let k = 1; k <= order; k++) {
            const p = m.distribution(history, k);
            expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
            for (const x of p) expect(x).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('probsByOrder gives, at every order, what prob gives for that order alone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.nat(), { minLength: 2, maxLength: 60 }),
        fc.array(fc.nat(), { minLength: 2, maxLength: 30 }),
        (V, n, raw, rawTest) => {
          const m = KneserNey.fit(
            raw.map((x) => x % V),
            { order: n, V },
          );
          const test = rawTest.map((x) => x % V);
          const all = m.probsByOrder(test);
          for (let i = 1; i < test.length; i++) for (let k = 1; k <= n; k++) expect(all[(i - 1) * n + k - 1]).toBeCloseTo(m.prob(test, i, k), 14);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('KneserNey: a corpus worked by hand', () => {
  // "aabab" with a = 0, b = 1 and c = 2 never seen (V = 3), fixed discount D = 0.5.
  // Bigrams: aa, ab, ba, ab. Raw: c(aa) = 1, c(ab) = 2, c(ba) = 1; c(a·) = 3, c(b·) = 1.
  // Continuation unigrams N1+(· w): a ← {a, b} = 2, b ← {a} = 1, c = 0; N1+(· ·) = 3.
  //   order 1 below order 2 (continuation counts): γ = (0.5 + 0.5)/3 = 1/3;  P1(a) = 1.5/3 + 1/9 = 11/18,  P1(b) = 0.5/3 + 1/9 = 5/18,  P1(c) = 1/9 = 2/18
  //   order 2, context a (raw, total 3, γ = 1/3): P2(a|a) = 0.5/3 + 11/54 = 10/27, P2(b|a) = 1.5/3 + 5/54 = 16/27, P2(c|a) = 2/54 = 1/27
  //   order 2, context b (raw, total 1, γ = 1/2): P2(a|b) = 0.5 + 11/36 = 29/36, P2(b|b) = 5/36, P2(c|b) = 2/36
  //   order 2, context c (never seen): P2(w|c) = P1(w)
  // Order 3, context "ba" (raw: bab once, γ = 1/2) over order 2 with continuation counts at context a:
  //   N1+(· a a) = 0 (aa only at the start), N1+(· a b) = 2 (aab, bab): total 2, γ = 0.5/2 = 1/4
  //   P2'(b|a) = 1.5/2 + 5/72 = 59/72,  P2'(a|a) = 11/72,  P2'(c|a) = 2/72
  //   P3(b|ba) = 0.5 + 59/144 = 131/144,  P3(a|ba) = 11/144,  P3(c|ba) = 2/144
  const text = [0, 0, 1, 0, 1];
  const A = 0,
    B = 1,
    C = 2;

  it('gives the hand-computed unigram and bigram probabilities', () => {
    const m = KneserNey.fit(text, { order: 2, V: 3, discount: 0.5 });
    // the order-1 model on its own is the raw unigram (raw counts at its top order): c = 3, 2, 0 of 5,
    // γ = (0.5 + 0.5)/5: P(a) = 2.5/5 + 0.2/3 = 17/30, P(b) = 1.5/5 + 1/15 = 11/30, P(c) = 2/30
    expect(Array.from(m.distribution([], 1))).toBeAllClose([17 / 30, 11 / 30, 2 / 30], { rtol: 1e-14 });
    expect(Array.from(m.distribution([A]))).toBeAllClose([10 / 27, 16 / 27, 1 / 27], { rtol: 1e-14 });
    expect(Array.from(m.distribution([B]))).toBeAllClose([29 / 36, 5 / 36, 2 / 36], { rtol: 1e-14 });
    expect(Array.from(m.distribution([C]))).toBeAllClose([11 / 18, 5 / 18, 2 / 18], { rtol: 1e-14 });
    expect(m.logProb([A], B)).toBeCloseTo(Math.log(16 / 27), 14);
    // the loss of "ab": one prediction, −ln P2(b|a)
    expect(m.loss([A, B])).toEqual({ loss: expect.closeTo(-Math.log(16 / 27), 14), predictions: 1 });
  });

  it('gives the hand-computed trigram probabilities (continuation counts below the top order)', () => {
    const m = KneserNey.fit(text, { order: 3, V: 3, discount: 0.5 });
    expect(Array.from(m.distribution([B, A]))).toBeAllClose([11 / 144, 131 / 144, 2 / 144], { rtol: 1e-14 });
    const t = m.terms([B, A, B], 2);
    expect(t.map((x) => [x.length, x.count, x.total])).toEqual([
      [0, 1, 3],
      [1, 2, 2],
      [2, 1, 1],
    ]);
    // the same counts at order 2 read raw at the top: c(ab) = 2 of c(a·) = 3
    expect(m.terms([A, B], 1, 2).map((x) => [x.count, x.total])).toEqual([
      [1, 3],
      [2, 3],
    ]);
  });

  it('counts contexts and n-grams per length', () => {
    const m = KneserNey.fit(text, { order: 3, V: 3, discount: 0.5 });
    // contexts: "", then a, b (length 1), then aa, ba, ab (read backwards from positions 2, 3, 4)
    expect(m.contextsPerLength).toEqual([1, 2, 3]);
    // strings: a, b; aa, ab, ba; aab, aba, bab
    expect(m.eventsPerLength).toEqual([2, 3, 3]);
  });
});

describe('modifiedDiscounts (Chen & Goodman)', () => {
  it('estimates D1, D2, D3+ from counts of counts', () => {
    // n1..n4 = 10, 4, 2, 1: Y = 10/18 = 5/9; D1 = 1 − 2·(5/9)·(4/10) = 5/9; D2 = 2 − 3·(5/9)·(2/4) = 7/6; D3+ = 3 − 4·(5/9)·(1/2) = 17/9
    expect(modifiedDiscounts([0, 10, 4, 2, 1])).toBeAllClose([5 / 9, 7 / 6, 17 / 9], { rtol: 1e-14 });
  });
  it('falls back to Y, or 0.5, when an estimate is undefined or out of range', () => {
    // n = 3, 1, 0, 0: Y = 3/5; D2 = 2 − 3Y·0/1 = 2 but D3+ = 3 − 4Y·0/0 is NaN → all Y
    expect(modifiedDiscounts([0, 3, 1, 0, 0])).toEqual([0.6, 0.6, 0.6]);
    // n = 1, 0, 0, 0: Y = 1, not in (0, 1) → 0.5
    expect(modifiedDiscounts([0, 1, 0, 0, 0])).toEqual([0.5, 0.5, 0.5]);
  });
});

describe('KneserNey: bad input and memory', () => {
  it('refuses ids outside the vocabulary, a bad order and a bad discount', () => {
    expect(() => KneserNey.fit([0, 3], { order: 2, V: 3 })).toThrow(/id 3 at position 1 is outside the vocabulary/);
    expect(() => KneserNey.fit([0], { order: 0, V: 3 })).toThrow(/order must be an integer from 1 to 255/);
    expect(() => KneserNey.fit([0], { order: 2, V: 3, discount: 1.5 })).toThrow(/fixed discount must be in \(0, 1\]/);
    const m = KneserNey.fit([0, 1], { order: 2, V: 2 });
    expect(() => m.prob([0, 1], 1, 3)).toThrow(/order must be from 1 to 2/);
  });

  it('refuses a model whose counts outgrow the memory limit before allocating them', () => {
    const ids = scrambled(20000, 50);
    const fit = () => KneserNey.fit(ids, { order: 8, V: 50, memoryLimit: 2_000_000 });
    expect(fit).toThrow(SizeError);
    expect(fit).toThrow(
      /^an order-8 model of 20,000 characters needs more than the 2\.0 MB of memory allowed \(.* in use, .* more for .*\): use a smaller --order or a shorter text$/,
    );
    const m = KneserNey.fit(ids, { order: 8, V: 50 });
    expect(m.peakBytes).toBeGreaterThan(2_000_000);
    expect(m.peakBytes).toBeGreaterThanOrEqual(m.bytes);
  });
});

describe('rnn ngram', () => {
  const { f, rnn } = cliSandbox('rnn-ngram-');
  const TEXT = 'the cat sat on the mat. the rat ate the hat. '.repeat(40);

  it('reports validation and test loss equal to the library on the same split', () => {
    writeFileSync(f('t.txt'), TEXT);
    const r = rnn('ngram', '--data', 't.txt', '--order', '4', '--train-frac', '0.8', '--val-frac', '0.1', '--json');
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    // the vocabulary is the text's, sorted: " .acehmnorst" → ids; the split is 80/10/10 of 1,800 characters
    const chars = [...new Set(TEXT)].sort();
    const ids = [...TEXT].map((ch) => chars.indexOf(ch));
    const m = KneserNey.fit(ids.slice(0, 1440), { order: 4, V: chars.length });
    expect(doc.split).toMatchObject({ train: 1440, val: 180, test: 180 });
    expect(doc.validation.loss).toBeCloseTo(m.loss(ids.slice(1440, 1620)).loss, 12);
    expect(doc.test.loss).toBeCloseTo(m.loss(ids.slice(1620)).loss, 12);
    expect(doc.test.predictions).toBe(179);
    expect(doc.test.bitsPerChar).toBeCloseTo(doc.test.loss / Math.LN2, 12);
    const text = rnn('ngram', '--data', 't.txt', '--order', '4', '--train-frac', '0.8', '--val-frac', '0.1');
    expect(text.out).toContain(`validation: ${doc.validation.loss.toFixed(4)} nats/char`);
    expect(text.out).toContain(`test: ${doc.test.loss.toFixed(4)} nats/char`);
  });

  it('says when there is no test part (rnn train’s default split)', () => {
    const r = rnn('ngram', '--data', 't.txt', '--order', '2');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/test: nothing to score \(0 characters\)/);
  });

  it('turns bad options and an oversized model into one-line errors', () => {
    expectError(rnn('ngram', '--data', 't.txt', '--order', '0'), 2, /--order must be a positive integer/);
    expectError(rnn('ngram', '--data', 't.txt', '--order', '300'), 2, /--order must be at most 255/);
    expectError(rnn('ngram', '--data', 't.txt', '--discount', 'kn'), 2, /--discount must be 'modified' or a number in \(0, 1\]/);
    expectError(rnn('ngram', '--data', 'missing.txt'), 1, /no such file: missing.txt/);
    const big = cliSandbox('rnn-ngram-big-');
    writeFileSync(big.f('t.txt'), String.fromCharCode(...scrambled(30000, 26).map((x) => 97 + x)));
    const r = spawnWithLimit(big.dir, ['ngram', '--data', 't.txt', '--order', '10'], '1000000');
    expectError(r, 2, /needs more than the 1\.0 MB of memory allowed/);
  });
});

function spawnWithLimit(cwd: string, args: string[], limit: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, env: { ...process.env, RNN_DEBUG: '', RNN_MEMORY_LIMIT: limit } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

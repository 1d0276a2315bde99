// Our Kneser-Ney n-gram model against NLTK 3.8's KneserNeyInterpolated, an independent
// implementation (fixture: scripts/ngram/nltk-fixture.py, committed in test/fixtures/ngram/).
//
// Both count every string of 1 to n characters of one unpadded text and use one fixed discount
// (0.1). They agree on every order's α and γ at context lengths ≥ 1 (raw counts at the top order,
// continuation counts below) and on the continuation unigram N1+(· w) / N1+(· ·); they differ, by
// design, at the lowest order: NLTK stops at that unigram, ours discounts it and interpolates with
// the uniform 1/V (so that unseen characters get a probability and every distribution sums to 1).
// So the test checks ours term by term, then recombines our terms over NLTK's lowest order and
// expects NLTK's score, to the last digits.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KneserNey, Vocab } from '../src/index.ts';

interface Fixture {
  text: string;
  discount: number;
  models: {
    order: number;
    queries: { context: string; char: string; score: number; unigram: number; terms: { length: number; alpha: number; gamma: number }[] }[];
  }[];
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'ngram', 'nltk-kneser-ney.json'), 'utf8')) as Fixture;

describe('KneserNey against NLTK (fixed discount 0.1, no padding)', () => {
  // q, x and z are not in the text: the unseen contexts "zq" and "xx " use them (NLTK reads them as <UNK>)
  const vocab = Vocab.fromText(`${fixture.text}qxz`);
  const ids = vocab.encode(fixture.text);
  expect(vocab.size).toBe(new Set(fixture.text).size + 3);

  for (const { order, queries } of fixture.models) {
    it(`order ${order}: the same α and γ at every context length ≥ 1, the same continuation unigram, the same score`, () => {
      const m = KneserNey.fit(ids, { order, V: vocab.size, discount: fixture.discount });
      expect(queries.length).toBeGreaterThan(20);
      for (const q of queries) {
        const seq = vocab.encode(q.context + q.char);
        const ours = m.terms(seq, seq.length - 1);
        const where = `P(${JSON.stringify(q.char)} | ${JSON.stringify(q.context)})`;
        // NLTK lists lengths from the longest context down; an unseen context is α 0, γ 1 in both
        for (const t of q.terms) {
          const o = ours.find((x) => x.length === t.length) ?? { alpha: 0, gamma: 1 };
          expect(o.alpha, `${where}: α at length ${t.length}`).toBeCloseTo(t.alpha, 14);
          expect(o.gamma, `${where}: γ at length ${t.length}`).toBeCloseTo(t.gamma, 14);
        }
        // ours walks no deeper than NLTK has terms for (an unseen context ends the walk)
        expect(ours.every((x) => x.length === 0 || q.terms.some((t) => t.length === x.length))).toBe(true);
        const [lowest, ...higher] = ours;
        expect(lowest.count / lowest.total, `${where}: continuation unigram`).toBeCloseTo(q.unigram, 14);
        let p = q.unigram;
        for (const t of higher) p = t.alpha + t.gamma * p;
        expect(p, where).toBeCloseTo(q.score, 14);
      }
    });
  }
});

import { describe, expect, it } from 'vitest';
import { charrnn, Rng, stepper, traceActivations, Vocab } from '../src/index.ts';

describe('traceActivations', () => {
  const vocab = Vocab.fromText('hello world');
  for (const kind of charrnn.CELL_KINDS) {
    it(`${kind}: records each layer's state and the guesses after every character`, () => {
      const params = charrnn.initParams({ kind, vocabSize: vocab.size, hiddenSize: 6, layers: 2 }, new Rng(3), 0.5);
      const text = 'hello';
      const trace = traceActivations(params, vocab, text, { top: 3 });
      expect(trace.chars).toEqual([...text]);
      expect(trace.h).toHaveLength(2);
      expect(trace.c).toHaveLength(kind === 'lstm' ? 2 : 0);
      // Independent check: step the model by hand and compare states and the most likely character.
      const step = stepper(params);
      let state = charrnn.zeroState(charrnn.configOf(params), 1);
      [...text].forEach((ch, t) => {
        const out = step(vocab.encode(ch), state);
        state = out.state;
        for (let l = 0; l < 2; l++) expect(Array.from(trace.h[l][t])).toEqual(Array.from(state.h[l]));
        const best = out.logits.indexOf(Math.max(...out.logits));
        expect(trace.guesses[t][0].char).toBe(vocab.chars[best]);
        const probs = trace.guesses[t].map((g) => g.prob);
        expect(probs).toEqual([...probs].sort((a, b) => b - a));
        const z = Math.max(...out.logits);
        const total = out.logits.reduce((a, v) => a + Math.exp(v - z), 0);
        expect(probs[0]).toBeCloseTo(1 / total, 12);
      });
    });
  }

  it('names a character the model does not know', () => {
    const params = charrnn.initParams({ kind: 'gru', vocabSize: vocab.size, hiddenSize: 4, layers: 1 }, new Rng(1));
    expect(() => traceActivations(params, vocab, 'hex')).toThrow(/"x"/);
  });
});

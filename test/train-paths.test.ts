// Training through either gradient path is the same training: min-char-rnn's loop (chunks of T
// characters, hidden state carried from chunk to chunk, gradients clipped to ±5, Adagrad) run
// through 'tape' and through 'manual' must end at the same parameters. And it must learn: on a
// repetitive text the loss falls far below the uniform guess T·ln V.

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/random.ts';
import { type GradPath, lossAndGrads } from '../src/models/rnn.paths.ts';
import { initParams, type Params, type RNNConfig, zeroState } from '../src/models/rnn.ts';
import { Adagrad, clipElementwise } from '../src/optim/optim.ts';

// Mostly 'a': at the first steps dby[a] ≈ T/V − #a is below −5, so the clip acts.
const CLIP_TEXT = 'aaaaaaa bbb aaaa c aaaaaa dd '.repeat(10);
// A short phrase over and over: easy to learn.
const PHRASE_TEXT = 'the cat sat on the mat. '.repeat(20);

function encode(text: string): { ids: number[]; V: number } {
  const vocab = Array.from(new Set(Array.from(text))).sort();
  const index = new Map(vocab.map((c, i) => [c, i]));
  return { ids: Array.from(text, (c) => index.get(c)!), V: vocab.length };
}

/**
 * `steps` steps of min-char-rnn's training loop from a copy of `p0`. Returns the parameters, the
 * losses, the final hidden state, and how many gradient entries the ±5 clip cut.
 */
function train(
  path: GradPath,
  p0: Params,
  config: RNNConfig,
  ids: number[],
  T: number,
  steps: number,
): { p: Params; losses: number[]; h: Float64Array[]; clipped: number } {
  const p: Params = Object.fromEntries(Object.entries(p0).map(([k, v]) => [k, v.clone()]));
  const opt = new Adagrad(0.1);
  let h = zeroState(config),
    pos = 0;
  const losses: number[] = [];
  let clipped = 0;
  for (let s = 0; s < steps; s++) {
    if (pos + T + 1 > ids.length) {
      pos = 0;
      h = zeroState(config); // back to the start of the text: forget the state, as min-char-rnn does
    }
    const r = lossAndGrads(path, p, ids.slice(pos, pos + T), ids.slice(pos + 1, pos + T + 1), h);
    for (const g of Object.values(r.grads)) for (const x of g.data) if (Math.abs(x) > 5) clipped++;
    clipElementwise(r.grads, 5);
    opt.step(p, r.grads);
    losses.push(r.loss);
    h = r.h;
    pos += T;
  }
  return { p, losses, h, clipped };
}

describe('training through the two gradient paths', () => {
  it.each([1, 2, 3])('L = %i: 20 Adagrad steps give the same parameters, losses and hidden state (rtol 1e-9)', (L) => {
    const { ids, V } = encode(CLIP_TEXT);
    const config: RNNConfig = { vocabSize: V, hiddenSize: 12, layers: L };
    // NOTE: min-char-rnn's init (std 0.01). With weights of std 0.2–0.6 and L ≥ 2 this text drives
    // the network into exploding gradients, where ANY two roundings of the same step drift apart
    // by ×3–10 per step (measured from 1e-16 to 1e-8 in 20 steps): a property of those dynamics,
    // not of either gradient path, and no test of them.
    const p0 = initParams(config, new Rng(L));
    const tape = train('tape', p0, config, ids, 16, 20);
    const manual = train('manual', p0, config, ids, 16, 20);
    // NOTE: the atol is for entries that end near zero. The two paths round differently (~1e-16),
    // and Adagrad's step lr·g/√(g² + 1e-8) multiplies the absolute noise of a gradient that is
    // tiny by cancellation by up to lr/1e-4 = 1000, every step; 1e-10 is far above that and far
    // below any real difference (after 20 steps of size ~0.1 the parameters are of order 0.1–1).
    const tol = { rtol: 1e-9, atol: 1e-10 };
    expect(manual.losses).toBeAllClose(tape.losses, tol);
    for (const k of Object.keys(p0)) expect(manual.p[k], k).toBeAllClose(tape.p[k], tol);
    for (let l = 0; l < L; l++) expect(manual.h[l]).toBeAllClose(tape.h[l], tol);
    // and the comparison is not vacuous: the clip cut some gradients and the parameters moved
    expect(tape.clipped).toBeGreaterThan(0);
    expect(manual.clipped).toBeGreaterThan(0);
    expect(manual.p.Why).not.toBeAllClose(p0.Why, { rtol: 1e-3, atol: 1e-3 });
  });

  it('the loss falls on a repetitive text, far below the uniform guess T·ln V', () => {
    const { ids, V } = encode(PHRASE_TEXT);
    const config: RNNConfig = { vocabSize: V, hiddenSize: 32, layers: 1 };
    const T = 16;
    const { losses } = train('manual', initParams(config, new Rng(5)), config, ids, T, 300);
    const uniform = T * Math.log(V);
    // min-char-rnn's init is nearly uniform: the first chunk costs about T·ln V
    expect(losses[0]).toBeAllClose(uniform, { rtol: 0.01 });
    const last = losses.slice(-20).reduce((a, b) => a + b, 0) / 20;
    // The text repeats a 24-character phrase, so after a few passes the network can predict
    // almost every character: the loss must be a small fraction of the uniform one.
    expect(last).toBeLessThan(0.1 * uniform);
  });
});

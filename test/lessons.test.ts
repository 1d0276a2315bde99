// The teaching modules behind the notebooks: the planted bugs are caught by the gradient check (and
// only where they should be), the float32/float64 finite-difference lesson shows what it claims,
// the state gradients through time agree with finite differences, and the min-char training loop
// trains the same way through both gradient paths, resetting and sampling where min-char-rnn does.

import { describe, expect, it } from 'vitest';
import { Vocab } from '../src/data/vocab.ts';
import { Rng } from '../src/engine/random.ts';
import { UserError } from '../src/errors.ts';
import { charWellScaledParams } from '../src/gradcheck/charrnn.ts';
import { compareGradients } from '../src/gradcheck/compare.ts';
import { wellScaledParams } from '../src/gradcheck/minchar.ts';
import { centralDifference, crossEntropy, crossEntropyGrad, errorMeasures, logSteps, stepSweep } from '../src/lessons/finite-differences.ts';
import { lstmStateGradients, rnnStateGradients, scaleRecurrent, spectralNorm } from '../src/lessons/gradient-flow.ts';
import { minCharEvalLoss, trainMinChar } from '../src/lessons/minchar-train.ts';
import { buggyLossAndGrads, chunkLoss } from '../src/lessons/planted-bug.ts';
import { charLoss } from '../src/models/charrnn.ts';
import { lossAndGrads } from '../src/models/rnn.paths.ts';
import { initParams, type RNNConfig, rnnLoss } from '../src/models/rnn.ts';

describe("planted bug (tanh' written as 1 − h)", () => {
  const text = 'the quick brown fox jumps over the lazy dog';
  const vocab = Vocab.fromText(text);
  const ids = vocab.encode(text.slice(0, 16));
  const inputs = ids.slice(0, 15),
    targets = ids.slice(1);
  const config: RNNConfig = { vocabSize: vocab.size, hiddenSize: 8, layers: 1 };

  it('the check fails on Wxh, Whh1 and bh1, which lie behind the tanh, and passes on Why and by, which do not', () => {
    const rng = new Rng(3);
    const p = wellScaledParams(config, rng);
    const hprev = [Float64Array.from({ length: 8 }, () => rng.uniform() - 0.5)];
    const tape = lossAndGrads('tape', p, inputs, targets, hprev);
    const buggy = buggyLossAndGrads(p, inputs, targets, hprev);
    expect(buggy.loss).toBeCloseTo(tape.loss, 10); // the forward pass is the real one
    const rows = compareGradients(chunkLoss(inputs, targets, hprev), p, tape.grads, buggy.grads);
    const verdict = Object.fromEntries(rows.map((r) => [r.name, r.pass]));
    expect(verdict).toEqual({ Wxh: false, Whh1: false, bh1: false, Why: true, by: true });
  });

  it('the real hand-derived backward passes the same check', () => {
    const rng = new Rng(3);
    const p = wellScaledParams(config, rng);
    const hprev = [Float64Array.from({ length: 8 }, () => rng.uniform() - 0.5)];
    const tape = lossAndGrads('tape', p, inputs, targets, hprev);
    const manual = lossAndGrads('manual', p, inputs, targets, hprev);
    expect(compareGradients(chunkLoss(inputs, targets, hprev), p, tape.grads, manual.grads).every((r) => r.pass)).toBe(true);
  });

  it("at min-char-rnn's tiny initial weights the wrong gradient is within a few percent of the right one (why the check needs well-scaled parameters)", () => {
    const p = initParams(config, new Rng(5)); // weights ~ 0.01, so h ≈ 0.01 and 1 − h ≈ 1 − h² ≈ 1
    const h0 = [new Float64Array(8)];
    const tape = lossAndGrads('tape', p, inputs, targets, h0);
    const buggy = buggyLossAndGrads(p, inputs, targets, h0);
    let num = 0,
      den = 0;
    for (const k of ['Wxh', 'Whh1', 'bh1']) {
      for (let i = 0; i < tape.grads[k].size; i++) {
        num += (buggy.grads[k].data[i] - tape.grads[k].data[i]) ** 2;
        den += tape.grads[k].data[i] ** 2;
      }
    }
    expect(Math.sqrt(num / den)).toBeGreaterThan(0); // still wrong…
    expect(Math.sqrt(num / den)).toBeLessThan(0.05); // …but only by a little
  });

  it("'no-tanh' (tanh′ left out) fails where '1 − h' fails, and at min-char-rnn's init is closer still to the right gradient", () => {
    const rng = new Rng(3);
    const p = wellScaledParams(config, rng);
    const hprev = [Float64Array.from({ length: 8 }, () => rng.uniform() - 0.5)];
    const tape = lossAndGrads('tape', p, inputs, targets, hprev);
    const rows = compareGradients(chunkLoss(inputs, targets, hprev), p, tape.grads, buggyLossAndGrads(p, inputs, targets, hprev, 'no-tanh').grads);
    expect(Object.fromEntries(rows.map((r) => [r.name, r.pass]))).toEqual({ Wxh: false, Whh1: false, bh1: false, Why: true, by: true });

    const q = initParams(config, new Rng(5)),
      h0 = [new Float64Array(8)];
    const right = lossAndGrads('tape', q, inputs, targets, h0).grads;
    const worst = (bug: 'one-minus-h' | 'no-tanh'): number => {
      const g = buggyLossAndGrads(q, inputs, targets, h0, bug).grads;
      let w = 0;
      for (let i = 0; i < right.bh1.size; i++) w = Math.max(w, Math.abs(g.bh1.data[i] - right.bh1.data[i]) / Math.abs(right.bh1.data[i]));
      return w;
    };
    // 1 − h is off by O(h), 1 by O(h²): with h ≈ 0.01 the second error is much the smaller
    expect(worst('no-tanh')).toBeGreaterThan(0);
    expect(worst('no-tanh')).toBeLessThan(worst('one-minus-h') / 5);
    expect(() => buggyLossAndGrads(q, inputs, targets, h0, 'typo' as never)).toThrow(UserError);
  });
});

describe('gradient flow through time', () => {
  const text = 'the quick brown fox jumps over the lazy dog, again and again';
  const vocab = Vocab.fromText(text),
    V = vocab.size,
    H = 6,
    T = 12;
  const ids = vocab.encode(text.slice(0, T + 1));
  const inputs = ids.slice(0, T),
    targets = ids.slice(1);
  const central = (f: (x: Float64Array) => number, x: Float64Array): Float64Array =>
    x.map((_, i) => {
      const a = x.slice(),
        b = x.slice();
      a[i] += 1e-5;
      b[i] -= 1e-5;
      return (f(a) - f(b)) / 2e-5;
    });

  it('RNN: ∂L/∂h₋₁ matches central differences of the tape loss, for the whole chunk and for its last prediction', () => {
    const rng = new Rng(2);
    const p = wellScaledParams({ vocabSize: V, hiddenSize: H, layers: 1 }, rng);
    const h0 = Float64Array.from({ length: H }, () => rng.uniform() - 0.5);
    const total = (h: Float64Array): number => rnnLoss(p, inputs, targets, [h]).loss.item();
    const allButLast = (h: Float64Array): number => rnnLoss(p, inputs.slice(0, -1), targets.slice(0, -1), [h]).loss.item();
    const whole = rnnStateGradients(p, inputs, targets, h0, 0);
    expect(whole.loss).toBeCloseTo(total(h0), 10);
    expect(whole.dhStart).toBeAllClose(central(total, h0), { rtol: 1e-6, atol: 1e-9 });
    const last = rnnStateGradients(p, inputs, targets, h0);
    expect(last.dhStart).toBeAllClose(
      central((h) => total(h) - allButLast(h), h0),
      { rtol: 1e-6, atol: 1e-9 },
    );
    expect(last.dh).toHaveLength(T);
  });

  it('RNN: with Whh = 0 nothing reaches back past the loss steps; larger Whh carries more back', () => {
    const p = wellScaledParams({ vocabSize: V, hiddenSize: H, layers: 1 }, new Rng(3));
    const cut = rnnStateGradients(scaleRecurrent(p, 0), inputs, targets, new Float64Array(H), 8);
    expect(cut.dh.slice(0, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(cut.dh.slice(8).every((x) => x > 0)).toBe(true);
    const small = rnnStateGradients(scaleRecurrent(p, 0.2), inputs, targets, new Float64Array(H));
    const large = rnnStateGradients(scaleRecurrent(p, 3), inputs, targets, new Float64Array(H));
    expect(large.dh[0]).toBeGreaterThan(1e3 * small.dh[0]);
  });

  it('LSTM: ∂L/∂h₋₁ and ∂L/∂c₋₁ match central differences of the char-rnn tape loss', () => {
    const rng = new Rng(4);
    const p = charWellScaledParams({ kind: 'lstm', vocabSize: V, hiddenSize: H, layers: 1 }, rng);
    const h0 = Float64Array.from({ length: H }, () => rng.uniform() - 0.5),
      c0 = Float64Array.from({ length: H }, () => 2 * rng.uniform() - 1);
    // charLoss is the mean over the T predictions of one stream; ours is the sum
    const loss = (h: Float64Array, c: Float64Array): number => T * charLoss(p, { inputs, targets, T, B: 1 }, { h: [h], c: [c] }).loss.item();
    const r = lstmStateGradients(p, inputs, targets, h0, c0, 0);
    expect(r.loss).toBeCloseTo(loss(h0, c0), 10);
    expect(r.dhStart).toBeAllClose(
      central((h) => loss(h, c0), h0),
      { rtol: 1e-6, atol: 1e-9 },
    );
    expect(r.dcStart!).toBeAllClose(
      central((c) => loss(h0, c), c0),
      { rtol: 1e-6, atol: 1e-9 },
    );
    expect(() => lstmStateGradients(p, inputs, targets, h0, c0, T)).toThrow(UserError);
  });

  it('the spectral norm of a diagonal matrix is its largest |entry|; of a rotation, 1', () => {
    expect(spectralNorm(Float64Array.from([2, 0, 0, 0, -5, 0, 0, 0, 1]), 3)).toBeCloseTo(5, 8);
    const a = 0.7;
    expect(spectralNorm(Float64Array.from([Math.cos(a), -Math.sin(a), Math.sin(a), Math.cos(a)]), 2)).toBeCloseTo(1, 8);
  });
});

describe('finite differences in float64 and float32', () => {
  it('cross-entropy of equal logits is ln V, and its gradient is p − onehot = 1/V − [i = t]', () => {
    expect(crossEntropy([0, 0, 0, 0], 2, 'f64')).toBeCloseTo(Math.log(4), 15);
    expect(crossEntropy([0, 0, 0, 0], 2, 'f32')).toBeCloseTo(Math.log(4), 6);
    expect(crossEntropyGrad([0, 0, 0, 0], 2)).toBeAllClose([0.25, 0.25, -0.75, 0.25], { rtol: 1e-15 });
    // shifting every logit by a constant changes neither the loss nor the gradient
    expect(crossEntropy([5, 6, 7], 0, 'f64')).toBeCloseTo(crossEntropy([0, 1, 2], 0, 'f64'), 14);
  });

  it('a large step is limited by truncation (O(h²)) in both precisions alike', () => {
    const y = [0.3, -1.2, 0.8, 2.0, -0.5],
      t = 1;
    const [row] = stepSweep(y, t, [1e-1]);
    expect(row.f64).toBeGreaterThan(1e-4); // h² = 1e-2 times a third derivative of order 0.1
    expect(row.f32 / row.f64).toBeGreaterThan(0.9);
    expect(row.f32 / row.f64).toBeLessThan(1.1);
  });

  it('float64 reaches 1e-8 at its best step; float32 never gets below 1e-6 and is useless at h = 1e-7', () => {
    const y = [0.3, -1.2, 0.8, 2.0, -0.5],
      t = 1;
    const rows = stepSweep(y, t, logSteps(-1, -10, 2));
    expect(Math.min(...rows.map((r) => r.f64))).toBeLessThan(1e-8);
    expect(Math.min(...rows.map((r) => r.f32))).toBeGreaterThan(1e-6); // ε32^(2/3) ≈ 2.4e-5 is the best to expect
    // at h = 1e-7, y ± h rounds to y in float32 for |y| ≥ 1, so the difference is 0 or one ulp: all noise
    expect(centralDifference(y, t, 1e-7, 'f32')[3]).not.toBeCloseTo(crossEntropyGrad(y, t)[3], 2);
  });

  it('logSteps gives k steps per decade, largest first', () => {
    expect(logSteps(-1, -3, 1)).toEqual([0.1, 0.01, 0.001]);
    expect(logSteps(0, -1, 2)).toEqual([1, 0.316228, 0.1]);
  });

  it('error measures: a sign error is 2 for ours, unbounded for |a − n| / |a + n|; exact zeros are 0, not NaN', () => {
    // min-char-rnn's |a − n| / |a + n| is unbounded, cs231n's |a − n| / (|a| + |n|) is at most 1, ours at most 2
    expect(errorMeasures(0.3, -0.3)).toEqual({ absolute: 0.6, minchar: Infinity, cs231n: 1, ours: 2 });
    expect(errorMeasures(3, 1)).toEqual({ absolute: 2, minchar: 0.5, cs231n: 0.5, ours: 2 / 3 });
    expect(errorMeasures(3, -1)).toEqual({ absolute: 4, minchar: 2, cs231n: 1, ours: 4 / 3 });
    const z = errorMeasures(0, 0);
    expect(z.ours).toBe(0);
    expect(Number.isNaN(z.minchar)).toBe(true);
    expect(Number.isNaN(z.cs231n)).toBe(true);
    // the absolute difference depends on the gradient's scale; the relative ones do not
    const small = errorMeasures(1e-6, 1.01e-6),
      big = errorMeasures(1e3, 1.01e3);
    expect(big.absolute / small.absolute).toBeCloseTo(1e9, 0);
    expect(big.ours).toBeCloseTo(small.ours, 12);
  });
});

describe('trainMinChar', () => {
  const text = 'abcdefgh\n'.repeat(60);

  it('the hand-derived and the tape gradients train the same model, chunk for chunk (L = 2)', () => {
    const a = trainMinChar({ text, layers: 2, hidden: 8, iters: 20, seed: 1, path: 'manual' });
    const b = trainMinChar({ text, layers: 2, hidden: 8, iters: 20, seed: 1, path: 'tape' });
    expect(a.losses).toBeAllClose(b.losses, { rtol: 1e-9 });
    expect(a.params.Whh2).toBeAllClose(b.params.Whh2, { rtol: 1e-8, atol: 1e-12 });
  });

  it('learns a repetitive text: the last chunks are far below the uniform guess ln V', () => {
    const run = trainMinChar({ text, heldOut: 'abcdefgh\nabcdefgh\n', layers: 1, hidden: 16, iters: 300, seed: 2, evalEvery: 100 });
    const lnV = Math.log(9);
    expect(run.losses[0]).toBeCloseTo(lnV, 2); // weights ~ 0.01: nearly uniform at first
    const last = run.losses.slice(-20).reduce((s, x) => s + x, 0) / 20;
    expect(last).toBeLessThan(0.2 * lnV);
    expect(run.heldOut.map((r) => r.iteration)).toEqual([100, 200, 300]);
    expect(run.heldOut[2].loss).toBeLessThan(0.2 * lnV);
    expect(run.smooth.length).toBe(300);
  });

  it('the held-out loss of an untrained model is about ln V, and evaluation walks the whole text', () => {
    const config: RNNConfig = { vocabSize: 9, hiddenSize: 8, layers: 3 };
    const p = initParams(config, new Rng(4));
    const ids = Vocab.fromText(text).encode(text.slice(0, 101));
    expect(minCharEvalLoss(p, ids, 25, config)).toBeCloseTo(Math.log(9), 3);
  });

  it("init 'scaled' starts from gradcheck's well-scaled weights", () => {
    const run = trainMinChar({ text, layers: 2, hidden: 8, iters: 1, seed: 3, init: 'scaled', lr: 1e-12 });
    const expected = wellScaledParams(run.config, new Rng(3));
    expect(run.params.Wh1h2).toBeAllClose(expected.Wh1h2, { rtol: 1e-9 }); // lr 1e-12: one step moves nothing visible
    expect(() => trainMinChar({ text, layers: 1, hidden: 8, iters: 1, seed: 1, init: 'xavier' as never })).toThrow(UserError);
  });

  it("resets the pointer and the state where min-char-rnn does (n = 0, and when p + T + 1 ≥ the text's length)", () => {
    // 60 characters, T = 25: chunks start at 0 and 25; at p = 50, 50 + 26 ≥ 60, so back to 0
    const run = trainMinChar({ text: text.slice(0, 60), layers: 1, hidden: 4, iters: 7, seed: 1 });
    expect(run.resets).toEqual([0, 2, 4, 6]);
    // 51 characters: 25 + 26 ≥ 51 already, so every chunk starts at 0 (the gist's ≥, not >)
    expect(trainMinChar({ text: text.slice(0, 51), layers: 1, hidden: 4, iters: 3, seed: 1 }).resets).toEqual([0, 1, 2]);
  });

  it('samples every sampleEvery iterations from iteration 0, without changing the training', () => {
    const plain = trainMinChar({ text, layers: 1, hidden: 8, iters: 12, seed: 1 });
    const sampled = trainMinChar({ text, layers: 1, hidden: 8, iters: 12, seed: 1, sampleEvery: 5, sampleLength: 30 });
    expect(sampled.losses).toEqual(plain.losses);
    expect(sampled.samples.map((s) => s.iteration)).toEqual([0, 5, 10]);
    for (const s of sampled.samples) expect([...s.text].every((c) => 'abcdefgh\n'.includes(c)) && s.text.length === 30).toBe(true);
    expect(sampled.samples[0].smoothLoss).toBeCloseTo(Math.log(9), 12); // min-char-rnn starts smooth_loss at ln V
    expect(sampled.samples[1].smoothLoss).toBe(plain.smooth[4]);
  });

  it('bad options are one-line errors', () => {
    expect(() => trainMinChar({ text, layers: 1, hidden: 8, iters: 1, seed: 1, sampleEvery: -1 })).toThrow(UserError);
    expect(() => trainMinChar({ text, layers: 0, hidden: 8, iters: 1, seed: 1 })).toThrow(UserError);
    expect(() => trainMinChar({ text: 'ab', layers: 1, hidden: 8, iters: 1, seed: 1 })).toThrow(/needs at least 26/);
  });
});

describe('unitCorrelations', () => {
  it('finds the unit that copies a feature (+1), the one that negates it (−1), and gives 0 to a constant unit', async () => {
    const { unitCorrelations, strongestUnits } = await import('../src/lessons/neurons.ts');
    const feature = [0, 1, 0, 0, 1, 1, 0];
    const rng = new Rng(1);
    // unit 0: noise; unit 1: 2·feature + 3; unit 2: constant; unit 3: −feature
    const states = feature.map((f) => Float64Array.from([rng.uniform(), 2 * f + 3, 0.5, -f]));
    const r = unitCorrelations(states, feature);
    expect(r[1]).toBeCloseTo(1, 12);
    expect(r[2]).toBe(0);
    expect(r[3]).toBeCloseTo(-1, 12);
    expect(Math.abs(r[0])).toBeLessThan(1);
    expect(strongestUnits(r, 2).map((u) => u.unit)).toEqual([1, 3]);
    expect(() => unitCorrelations(states, [1, 2])).toThrow(UserError);
  });
});

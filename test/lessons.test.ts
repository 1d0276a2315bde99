// The teaching modules behind the notebooks: the planted bug is caught by the gradient check (and
// only where it should be), the float32/float64 finite-difference lesson shows what it claims, and
// the min-char training loop trains the same way through both gradient paths.

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/random.ts';
import { UserError } from '../src/errors.ts';
import { compareGradients, wellScaledParams } from '../src/gradcheck.ts';
import { Vocab } from '../src/data/vocab.ts';
import { lossAndGrads } from '../src/models/paths.ts';
import { initParams, type RNNConfig } from '../src/models/rnn.ts';
import { buggyLossAndGrads, chunkLoss } from '../src/lessons/planted-bug.ts';
import { centralDifference, crossEntropy, crossEntropyGrad, errorMeasures, logSteps, stepSweep } from '../src/lessons/finite-differences.ts';
import { minCharEvalLoss, trainMinChar } from '../src/lessons/minchar-train.ts';

describe('planted bug (tanh\' written as 1 − h)', () => {
  const text = 'the quick brown fox jumps over the lazy dog';
  const vocab = Vocab.fromText(text);
  const ids = vocab.encode(text.slice(0, 16));
  const inputs = ids.slice(0, 15), targets = ids.slice(1);
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
    let num = 0, den = 0;
    for (const k of ['Wxh', 'Whh1', 'bh1']) {
      for (let i = 0; i < tape.grads[k].size; i++) {
        num += (buggy.grads[k].data[i] - tape.grads[k].data[i]) ** 2;
        den += tape.grads[k].data[i] ** 2;
      }
    }
    expect(Math.sqrt(num / den)).toBeGreaterThan(0); // still wrong…
    expect(Math.sqrt(num / den)).toBeLessThan(0.05); // …but only by a little
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
    const y = [0.3, -1.2, 0.8, 2.0, -0.5], t = 1;
    const [row] = stepSweep(y, t, [1e-1]);
    expect(row.f64).toBeGreaterThan(1e-4); // h² = 1e-2 times a third derivative of order 0.1
    expect(row.f32 / row.f64).toBeGreaterThan(0.9);
    expect(row.f32 / row.f64).toBeLessThan(1.1);
  });

  it('float64 reaches 1e-8 at its best step; float32 never gets below 1e-6 and is useless at h = 1e-7', () => {
    const y = [0.3, -1.2, 0.8, 2.0, -0.5], t = 1;
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
    expect(errorMeasures(0.3, -0.3)).toEqual({ absolute: 0.6, cs231n: Infinity, ours: 2 });
    const z = errorMeasures(0, 0);
    expect(z.ours).toBe(0);
    expect(Number.isNaN(z.cs231n)).toBe(true);
    // the absolute difference depends on the gradient's scale; the relative ones do not
    const small = errorMeasures(1e-6, 1.01e-6), big = errorMeasures(1e3, 1.01e3);
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

  it('bad options are one-line errors', () => {
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

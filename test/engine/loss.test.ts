// softmaxCrossEntropy: the loss against −log of a softmax computed naively, the gradient against
// finite differences, and the numerics of large logits.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backward, Rng, softmaxCrossEntropy, Tensor } from '../../src/engine/index.ts';
import { arbSeed, FD_TOL, tapeVsNumeric } from './numeric.ts';

/** Σᵣ −log( e^{x[r, t_r]} / Σⱼ e^{x[r, j]} ), straight from the definition (no max shift: inputs are small). */
function naiveLoss(logits: Tensor, targets: number[]): number {
  const [N, C] = logits.shape;
  let loss = 0;
  for (let r = 0; r < N; r++) {
    let z = 0;
    for (let j = 0; j < C; j++) z += Math.exp(logits.data[r * C + j]);
    loss -= Math.log(Math.exp(logits.data[r * C + targets[r]]) / z);
  }
  return loss;
}

const arbProblem = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 7 }))
  .chain(([N, C]) => fc.tuple(fc.constant(N), fc.constant(C), fc.array(fc.integer({ min: 0, max: C - 1 }), { minLength: N, maxLength: N })));

describe('softmaxCrossEntropy', () => {
  it('equals the summed −log softmax at the targets; gradient matches finite differences', () => {
    fc.assert(
      fc.property(arbProblem, arbSeed, ([N, C, targets], seed) => {
        const rng = new Rng(seed);
        const logits = Tensor.randn([N, C], rng, 2);
        const { tape, numeric, value } = tapeVsNumeric((x) => softmaxCrossEntropy(x, targets), [logits], rng);
        expect(value.shape).toEqual([]);
        expect(value.item()).toBeCloseTo(naiveLoss(logits, targets), 11);
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 30 },
    );
  });

  it('is unchanged when a constant is added to a row of logits', () => {
    fc.assert(
      fc.property(arbProblem, arbSeed, fc.integer({ min: -500, max: 500 }), ([N, C, targets], seed, c) => {
        const logits = Tensor.randn([N, C], new Rng(seed));
        const shifted = logits.clone();
        for (let j = 0; j < C; j++) shifted.data[j] += c; // row 0 only
        const a = softmaxCrossEntropy(logits, targets).item(),
          b = softmaxCrossEntropy(shifted, targets).item();
        expect(b).toBeCloseTo(a, 9);
      }),
      { numRuns: 20 },
    );
  });

  it('does not overflow for logits like ±1000 (hand-computed: the loss is the gap to the top logit)', () => {
    const logits = Tensor.fromArray(
      [
        [1000, 0, -1000],
        [1000, 0, -1000],
        [1000, 0, -1000],
        [1000, 1000, 1000],
      ],
      true,
    );
    const loss = softmaxCrossEntropy(logits, [0, 1, 2, 1]);
    // rows: −log 1 = 0, −log e^{−1000} = 1000, 2000, and −log(1/3) = log 3
    expect(loss.item()).toBeCloseTo(3000 + Math.log(3), 9);
    backward(loss);
    const g = logits.grad!;
    expect(g.data.every(Number.isFinite)).toBe(true);
    // p − onehot with p = (1, 0, 0) on the first three rows and (1/3, 1/3, 1/3) on the last
    expect(g).toBeAllClose(
      Tensor.fromArray([
        [0, 0, 0],
        [1, -1, 0],
        [1, 0, -1],
        [1 / 3, -2 / 3, 1 / 3],
      ]),
      { rtol: 1e-12, atol: 1e-300 },
    );
  });

  it('scales its gradient by the upstream gradient', () => {
    const rng = new Rng(1);
    const x = Tensor.randn([3, 4], rng, 1, true),
      y = x.detach().asParam();
    backward(softmaxCrossEntropy(x, [0, 3, 1]));
    backward(softmaxCrossEntropy(y, [0, 3, 1]), Tensor.scalar(-2.5));
    expect(y.grad).toBeAllClose(
      Array.from(x.grad!.data, (v) => -2.5 * v),
      { rtol: 1e-14, atol: 1e-16 },
    );
  });

  it('each row of the gradient sums to zero (the probabilities and the one-hot both sum to 1)', () => {
    const x = Tensor.randn([5, 6], new Rng(12), 3, true);
    backward(softmaxCrossEntropy(x, [5, 0, 2, 2, 1]));
    for (let r = 0; r < 5; r++) {
      let s = 0;
      for (let j = 0; j < 6; j++) s += x.grad!.data[r * 6 + j];
      expect(Math.abs(s)).toBeLessThan(1e-14);
    }
  });

  it('rejects bad logits and targets with messages that say what is wrong', () => {
    const x = Tensor.zeros([2, 3]);
    expect(() => softmaxCrossEntropy(Tensor.zeros([3]), [0, 1, 2])).toThrow(/^softmaxCrossEntropy: .*2-D.*\[3\]/);
    expect(() => softmaxCrossEntropy(x, [0])).toThrow(/^softmaxCrossEntropy: 1 targets for 2 rows.*\[2, 3\]/);
    expect(() => softmaxCrossEntropy(x, [0, 3])).toThrow(/^softmaxCrossEntropy: target 3 .*3 classes/);
    expect(() => softmaxCrossEntropy(x, [0, -1])).toThrow(/^softmaxCrossEntropy: target -1/);
    expect(() => softmaxCrossEntropy(x, [0, 1.5])).toThrow(/^softmaxCrossEntropy: target 1.5/);
  });
});

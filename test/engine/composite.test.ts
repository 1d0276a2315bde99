// Composites built from primitives: linear, softmax, logSoftmax. Values against naive loops,
// gradients against finite differences, and the overflow behaviour of the max shift.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linear, logSoftmax, Rng, softmax, Tensor } from '../../src/engine/index.ts';
import { arbSeed, FD_TOL, naiveMatmul, tapeVsNumeric } from './numeric.ts';

const dim = fc.integer({ min: 1, max: 6 });

/** Row-wise softmax from the definition (no max shift: the test inputs are small). */
function naiveSoftmax(x: Tensor): Tensor {
  const [N, C] = x.shape;
  const out = Tensor.zeros([N, C]);
  for (let r = 0; r < N; r++) {
    let z = 0;
    for (let j = 0; j < C; j++) z += Math.exp(x.data[r * C + j]);
    for (let j = 0; j < C; j++) out.data[r * C + j] = Math.exp(x.data[r * C + j]) / z;
  }
  return out;
}

describe('linear', () => {
  it('equals x·Wᵀ + b by a triple loop; gradients for x, W and b match finite differences', () => {
    fc.assert(
      fc.property(dim, dim, dim, arbSeed, (B, In, Out, seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn([B, In], rng),
          W = Tensor.randn([Out, In], rng),
          b = Tensor.randn([Out], rng);
        const { tape, numeric, value } = tapeVsNumeric(linear, [x, W, b], rng);
        const expected = naiveMatmul(x.data, W.data, B, In, Out, false, true);
        for (let i = 0; i < B; i++) for (let o = 0; o < Out; o++) expected[i * Out + o] += b.data[o];
        expect(value.shape).toEqual([B, Out]);
        expect(value).toBeAllClose(expected, { rtol: 1e-12, atol: 1e-13 });
        for (let k = 0; k < 3; k++) expect(tape[k]).toBeAllClose(numeric[k], FD_TOL);
      }),
      { numRuns: 25 },
    );
  });

  it('works without a bias', () => {
    const rng = new Rng(3);
    const x = Tensor.randn([2, 3], rng),
      W = Tensor.randn([4, 3], rng);
    const { tape, numeric, value } = tapeVsNumeric((a, w) => linear(a, w), [x, W], rng);
    expect(value).toBeAllClose(naiveMatmul(x.data, W.data, 2, 3, 4, false, true), { rtol: 1e-12, atol: 1e-13 });
    expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
    expect(tape[1]).toBeAllClose(numeric[1], FD_TOL);
  });
});

describe('softmax', () => {
  it('matches the definition, rows sum to 1, gradient matches finite differences', () => {
    fc.assert(
      fc.property(dim, dim, arbSeed, (N, C, seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn([N, C], rng, 2);
        const { tape, numeric, value } = tapeVsNumeric(softmax, [x], rng);
        expect(value).toBeAllClose(naiveSoftmax(x), { rtol: 1e-12, atol: 1e-15 });
        for (let r = 0; r < N; r++) {
          let s = 0;
          for (let j = 0; j < C; j++) s += value.data[r * C + j];
          expect(s).toBeCloseTo(1, 14);
        }
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 25 },
    );
  });

  it('does not overflow for large logits', () => {
    const p = softmax(
      Tensor.fromArray([
        [1000, 1000],
        [1000, 0],
        [-1000, -1000],
      ]),
    );
    expect(p).toBeAllClose([0.5, 0.5, 1, 0, 0.5, 0.5], { rtol: 1e-15, atol: 1e-300 });
  });

  it('rejects input that is not 2-D, naming its shape', () => {
    expect(() => softmax(Tensor.zeros([3]))).toThrow(/^softmax: .*\[3\]/);
  });
});

describe('logSoftmax', () => {
  it('is the log of the naive softmax, exp-sums to 1 per row, gradient matches finite differences', () => {
    fc.assert(
      fc.property(dim, dim, arbSeed, (N, C, seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn([N, C], rng, 2);
        const { tape, numeric, value } = tapeVsNumeric(logSoftmax, [x], rng);
        const p = naiveSoftmax(x);
        expect(value).toBeAllClose(Array.from(p.data, Math.log), { rtol: 1e-12, atol: 1e-13 });
        for (let r = 0; r < N; r++) {
          let s = 0;
          for (let j = 0; j < C; j++) s += Math.exp(value.data[r * C + j]);
          expect(s).toBeCloseTo(1, 14);
        }
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 25 },
    );
  });

  it('stays finite for logits like ±1000 (hand-computed values)', () => {
    const y = logSoftmax(
      Tensor.fromArray([
        [1000, 0, -1000],
        [1000, 1000, 1000],
      ]),
    );
    expect(y).toBeAllClose([0, -1000, -2000, -Math.log(3), -Math.log(3), -Math.log(3)], { rtol: 1e-14, atol: 1e-14 });
  });

  it('rejects input that is not 2-D, naming its shape', () => {
    expect(() => logSoftmax(Tensor.zeros([2, 2, 2]))).toThrow(/^logSoftmax: .*\[2, 2, 2\]/);
  });
});

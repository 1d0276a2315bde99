// matmul and transpose: values against the textbook triple loop, gradients against finite differences.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backward, matmul, Rng, Tensor, transpose } from '../../src/engine/index.ts';
import { arbSeed, FD_TOL, naiveMatmul, tapeVsNumeric } from './numeric.ts';

const dim = fc.integer({ min: 1, max: 7 });

describe('matmul', () => {
  it('matches a naive triple loop, and its gradients match finite differences', () => {
    fc.assert(
      fc.property(dim, dim, dim, arbSeed, (M, Kd, N, seed) => {
        const rng = new Rng(seed);
        const a = Tensor.randn([M, Kd], rng),
          b = Tensor.randn([Kd, N], rng);
        const { tape, numeric, value } = tapeVsNumeric(matmul, [a, b], rng);
        expect(value.shape).toEqual([M, N]);
        expect(value).toBeAllClose(naiveMatmul(a.data, b.data, M, Kd, N), { rtol: 1e-12, atol: 1e-13 });
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
        expect(tape[1]).toBeAllClose(numeric[1], FD_TOL);
      }),
      { numRuns: 30 },
    );
  });

  it('has the closed-form gradients dA = dC·Bᵀ and dB = Aᵀ·dC', () => {
    fc.assert(
      fc.property(dim, dim, dim, arbSeed, (M, Kd, N, seed) => {
        const rng = new Rng(seed);
        const a = Tensor.randn([M, Kd], rng, 1, true),
          b = Tensor.randn([Kd, N], rng, 1, true);
        const dC = Tensor.randn([M, N], rng);
        backward(matmul(a, b), dC);
        expect(a.grad).toBeAllClose(naiveMatmul(dC.data, b.data, M, N, Kd, false, true), { rtol: 1e-12, atol: 1e-13 });
        expect(b.grad).toBeAllClose(naiveMatmul(a.data, dC.data, Kd, M, N, true, false), { rtol: 1e-12, atol: 1e-13 });
      }),
      { numRuns: 30 },
    );
  });

  it('a hand-computed 2×2 product', () => {
    const c = matmul(
      Tensor.fromArray([
        [1, 2],
        [3, 4],
      ]),
      Tensor.fromArray([
        [5, 6],
        [7, 8],
      ]),
    );
    expect(c.toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
  });

  it('computes the gradient of only the operand that needs one', () => {
    const rng = new Rng(5);
    const a = Tensor.randn([3, 4], rng, 1, true),
      b = Tensor.randn([4, 2], rng);
    backward(matmul(a, b), Tensor.ones([3, 2]));
    expect(a.grad).not.toBeNull();
    expect(b.grad).toBeNull();
  });

  it('rejects mismatched inner dimensions and non-2-D operands, naming both shapes', () => {
    expect(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))).toThrow(/^matmul: .*\[2, 3\].*\[4, 5\]/);
    expect(() => matmul(Tensor.zeros([3]), Tensor.zeros([3, 2]))).toThrow(/^matmul: .*\[3\].*\[3, 2\]/);
    expect(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([2, 3, 1]))).toThrow(/^matmul: .*\[2, 3\].*\[2, 3, 1\]/);
  });
});

describe('transpose', () => {
  it('swaps indices, is its own inverse, and its gradient matches finite differences', () => {
    fc.assert(
      fc.property(dim, dim, arbSeed, (r, c, seed) => {
        const rng = new Rng(seed);
        const a = Tensor.randn([r, c], rng);
        const { tape, numeric, value } = tapeVsNumeric(transpose, [a], rng);
        expect(value.shape).toEqual([c, r]);
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) expect(value.data[j * r + i]).toBe(a.data[i * c + j]);
        expect(transpose(transpose(a))).toBeAllClose(a, { rtol: 0, atol: 0 });
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 20 },
    );
  });

  it('(A·B)ᵀ = Bᵀ·Aᵀ', () => {
    const rng = new Rng(9);
    const a = Tensor.randn([3, 5], rng),
      b = Tensor.randn([5, 2], rng);
    expect(transpose(matmul(a, b))).toBeAllClose(matmul(transpose(b), transpose(a)), { rtol: 1e-13, atol: 1e-14 });
  });

  it('rejects non-2-D input, naming its shape', () => {
    expect(() => transpose(Tensor.zeros([2, 3, 4]))).toThrow(/^transpose: .*\[2, 3, 4\]/);
  });
});

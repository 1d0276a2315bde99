// sum and mean, over everything and over one axis (also negative): values against loops written
// here, gradients against finite differences with a random upstream gradient.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backward, mean, Rng, sum, Tensor } from '../../src/engine/index.ts';
import { arbSeed, arbShape, FD_TOL, ravel, tapeVsNumeric, unravel } from './numeric.ts';

/** Sum over axis `ax` by visiting every element and dropping that axis from its index. */
function naiveSumAxis(x: Tensor, ax: number): Tensor {
  const shape = x.shape.filter((_, i) => i !== ax);
  const out = Tensor.zeros(shape);
  for (let i = 0; i < x.size; i++) {
    const idx = unravel(i, x.shape).filter((_, k) => k !== ax);
    out.data[ravel(idx, shape)] += x.data[i];
  }
  return out;
}

function naiveTotal(x: Tensor): number {
  let s = 0;
  for (const v of x.data) s += v;
  return s;
}

/** A shape and an axis in it, given either as a non-negative or a negative number. */
const arbShapeAxis = arbShape(1, 4, 4).chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 })));

describe('sum', () => {
  it('over everything: a scalar equal to the plain total; gradient matches finite differences', () => {
    fc.assert(
      fc.property(arbShape(0, 4, 5), arbSeed, (shape, seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn(shape, rng);
        const { tape, numeric, value } = tapeVsNumeric((t) => sum(t), [x], rng);
        expect(value.shape).toEqual([]);
        expect(value.item()).toBeCloseTo(naiveTotal(x), 12);
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 20 },
    );
  });

  it('over one axis (negative counts from the end): drops the axis; gradient matches finite differences', () => {
    fc.assert(
      fc.property(arbShapeAxis, arbSeed, ([shape, axis], seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn(shape, rng);
        const ax = axis < 0 ? axis + shape.length : axis;
        const { tape, numeric, value } = tapeVsNumeric((t) => sum(t, axis), [x], rng);
        expect(value).toBeAllClose(naiveSumAxis(x, ax), { rtol: 1e-13, atol: 1e-14 });
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 30 },
    );
  });

  it('a hand-computed example', () => {
    const x = Tensor.fromArray([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(sum(x).item()).toBe(21);
    expect(sum(x, 0).toArray()).toEqual([5, 7, 9]);
    expect(sum(x, -1).toArray()).toEqual([6, 15]);
  });

  it('rejects an axis out of range, naming the axis and the shape', () => {
    const x = Tensor.zeros([2, 3]);
    expect(() => sum(x, 2)).toThrow(/^sum: .*axis 2.*\[2, 3\]/);
    expect(() => sum(x, -3)).toThrow(/^sum: .*axis -3.*\[2, 3\]/);
    expect(() => sum(x, 0.5)).toThrow(/^sum: /);
  });
});

describe('mean', () => {
  it('over everything: total / size; gradient matches finite differences', () => {
    fc.assert(
      fc.property(arbShape(1, 4, 5), arbSeed, (shape, seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn(shape, rng);
        const { tape, numeric, value } = tapeVsNumeric((t) => mean(t), [x], rng);
        expect(value.item()).toBeCloseTo(naiveTotal(x) / x.size, 12);
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 20 },
    );
  });

  it('over one axis: the axis sum divided by its length; gradient matches finite differences', () => {
    fc.assert(
      fc.property(arbShapeAxis, arbSeed, ([shape, axis], seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn(shape, rng);
        const ax = axis < 0 ? axis + shape.length : axis;
        const expected = naiveSumAxis(x, ax);
        for (let i = 0; i < expected.size; i++) expected.data[i] /= shape[ax];
        const { tape, numeric, value } = tapeVsNumeric((t) => mean(t, axis), [x], rng);
        expect(value).toBeAllClose(expected, { rtol: 1e-13, atol: 1e-14 });
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 30 },
    );
  });

  it('gradient of the mean of n entries is 1/n everywhere', () => {
    const x = Tensor.randn([4, 5], new Rng(2), 1, true);
    backward(mean(x));
    expect(x.grad).toBeAllClose(Tensor.full([4, 5], 1 / 20), { rtol: 1e-15, atol: 0 });
  });

  it('rejects an axis out of range, naming the op', () => {
    expect(() => mean(Tensor.zeros([2, 3]), 5)).toThrow(/^mean: .*axis 5.*\[2, 3\]/);
  });
});

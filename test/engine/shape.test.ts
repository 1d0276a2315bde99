// reshape, slice, concat and gatherRows: values against index loops written here, gradients
// against finite differences with a random upstream gradient.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, backward, concat, gatherRows, mul, Rng, reshape, slice, sum, Tensor, tanh } from '../../src/engine/index.ts';
import { arbSeed, arbShape, FD_TOL, ravel, tapeVsNumeric, unravel } from './numeric.ts';

/** A shape, an axis in it (possibly negative) and a range [start, end) along that axis. */
const arbSlice = arbShape(1, 3, 5).chain((shape) =>
  fc.integer({ min: -shape.length, max: shape.length - 1 }).chain((axis) => {
    const n = shape[axis < 0 ? axis + shape.length : axis];
    return fc
      .tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n }))
      .map(([p, q]): [number[], number, number, number] => [shape, axis, Math.min(p, q), Math.max(p, q)]);
  }),
);

describe('reshape', () => {
  it('keeps the row-major order, infers one -1, and passes the gradient straight back', () => {
    fc.assert(
      fc.property(arbShape(1, 3, 4), arbSeed, (shape, seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn(shape, rng);
        const n = x.size;
        const target = [1, n, 1];
        const { tape, numeric, value } = tapeVsNumeric((t) => reshape(t, [1, -1, 1]), [x], rng);
        expect(value.shape).toEqual(target);
        expect(value).toBeAllClose(x.data, { rtol: 0, atol: 0 });
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
        expect(reshape(x, [n]).shape).toEqual([n]);
      }),
      { numRuns: 15 },
    );
  });

  it('rejects a size mismatch, naming both shapes', () => {
    expect(() => reshape(Tensor.zeros([2, 3]), [4, 2])).toThrow(/^reshape: .*\[2, 3\].*\[4, 2\]/);
    expect(() => reshape(Tensor.zeros([2, 3]), [4, -1])).toThrow(/^reshape: .*\[2, 3\].*\[4, -1\]/);
  });
});

describe('slice', () => {
  it('picks [start, end) along an axis; gradient matches finite differences', () => {
    fc.assert(
      fc.property(arbSlice, arbSeed, ([shape, axis, start, end], seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn(shape, rng);
        const ax = axis < 0 ? axis + shape.length : axis;
        const { tape, numeric, value } = tapeVsNumeric((t) => slice(t, axis, start, end), [x], rng);
        const outShape = shape.map((d, i) => (i === ax ? end - start : d));
        expect(value.shape).toEqual(outShape);
        for (let i = 0; i < value.size; i++) {
          const idx = unravel(i, outShape);
          idx[ax] += start;
          expect(value.data[i]).toBe(x.data[ravel(idx, shape)]);
        }
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 40 },
    );
  });

  it('accumulates overlapping slices and a dense use of the same tensor', () => {
    // L = Σ R₁⊙tanh(x[0:3]) + Σ R₂⊙x[1:4] + Σ R₃⊙x[2] + Σ R₄⊙x: row slices and a dense path into one x
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), arbSeed, (cols, seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn([5, cols], rng);
        const R = [Tensor.randn([3, cols], rng), Tensor.randn([3, cols], rng), Tensor.randn([1, cols], rng), Tensor.randn([5, cols], rng)];
        const f = (t: Tensor): Tensor => {
          const parts = [tanh(slice(t, 0, 0, 3)), slice(t, 0, 1, 4), slice(t, -2, 2, 3), t];
          return parts.map((p, i) => sum(mul(p, R[i]))).reduce((acc, s) => add(acc, s));
        };
        const { tape, numeric } = tapeVsNumeric(f, [x], rng);
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 15 },
    );
  });

  it('a loop over every row (as an RNN reads its inputs) gives each row its own gradient', () => {
    const rng = new Rng(4);
    const x = Tensor.randn([6, 3], rng, 1, true);
    const w = Tensor.randn([3], rng);
    let total = Tensor.scalar(0);
    for (let t = 0; t < 6; t++) total = add(total, sum(mul(mul(slice(x, 0, t, t + 1), w), t + 1)));
    backward(total);
    // d/dx[t] of Σₜ (t+1)·(x[t]·w) is (t+1)·w
    const expected = Tensor.zeros([6, 3]);
    for (let t = 0; t < 6; t++) for (let j = 0; j < 3; j++) expected.data[t * 3 + j] = (t + 1) * w.data[j];
    expect(x.grad).toBeAllClose(expected, { rtol: 1e-15, atol: 0 });
  });

  it('rejects a range out of bounds, naming the range, axis and shape', () => {
    const x = Tensor.zeros([2, 3]);
    expect(() => slice(x, 1, 2, 4)).toThrow(/^slice: \[2, 4\).*axis 1.*\[2, 3\]/);
    expect(() => slice(x, 0, 2, 1)).toThrow(/^slice: /);
    expect(() => slice(x, 2, 0, 1)).toThrow(/^slice: .*axis 2/);
  });
});

describe('concat', () => {
  it('joins along an axis (also negative); gradients split back and match finite differences', () => {
    const arb = arbShape(1, 3, 4).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.integer({ min: -shape.length, max: shape.length - 1 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
      ),
    );
    fc.assert(
      fc.property(arb, arbSeed, ([shape, axis, widths], seed) => {
        const rng = new Rng(seed);
        const ax = axis < 0 ? axis + shape.length : axis;
        const parts = widths.map((w) =>
          Tensor.randn(
            shape.map((d, i) => (i === ax ? w : d)),
            rng,
          ),
        );
        const { tape, numeric, value } = tapeVsNumeric((...ps) => concat(ps, axis), parts, rng);
        const total = widths.reduce((a, b) => a + b, 0);
        const outShape = shape.map((d, i) => (i === ax ? total : d));
        expect(value.shape).toEqual(outShape);
        for (let i = 0; i < value.size; i++) {
          const idx = unravel(i, outShape);
          let p = 0;
          while (idx[ax] >= widths[p]) idx[ax] -= widths[p++];
          expect(value.data[i]).toBe(parts[p].data[ravel(idx, parts[p].shape)]);
        }
        for (let p = 0; p < parts.length; p++) expect(tape[p]).toBeAllClose(numeric[p], FD_TOL);
      }),
      { numRuns: 30 },
    );
  });

  it('accumulates when the same tensor appears twice', () => {
    const rng = new Rng(8);
    const x = Tensor.randn([2, 3], rng);
    const { tape, numeric } = tapeVsNumeric((t) => concat([t, tanh(t), t], 1), [x], rng);
    expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
  });

  it('rejects no parts and mismatched off-axis shapes, naming both shapes', () => {
    expect(() => concat([])).toThrow(/^concat: /);
    expect(() => concat([Tensor.zeros([2, 3]), Tensor.zeros([3, 3])], 1)).toThrow(/^concat: .*\[2, 3\].*\[3, 3\]/);
    expect(() => concat([Tensor.zeros([2, 3])], 2)).toThrow(/^concat: .*axis 2/);
  });
});

describe('gatherRows', () => {
  it('gathers rows (with repeats); the scatter-add gradient matches finite differences', () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }))
      .chain(([rows, cols]) =>
        fc.tuple(fc.constant(rows), fc.constant(cols), fc.array(fc.integer({ min: 0, max: rows - 1 }), { minLength: 1, maxLength: 10 })),
      );
    fc.assert(
      fc.property(arb, arbSeed, ([rows, cols, idx], seed) => {
        const rng = new Rng(seed);
        const table = Tensor.randn([rows, cols], rng);
        const { tape, numeric, value, upstream } = tapeVsNumeric((t) => gatherRows(t, idx), [table], rng);
        expect(value.shape).toEqual([idx.length, cols]);
        for (let r = 0; r < idx.length; r++) {
          for (let j = 0; j < cols; j++) expect(value.data[r * cols + j]).toBe(table.data[idx[r] * cols + j]);
        }
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
        // closed form: dTable[i] = Σ_{r: idx[r] = i} R[r]
        const expected = Tensor.zeros([rows, cols]);
        idx.forEach((i, r) => {
          for (let j = 0; j < cols; j++) expected.data[i * cols + j] += upstream.data[r * cols + j];
        });
        expect(tape[0]).toBeAllClose(expected, { rtol: 1e-14, atol: 1e-15 });
      }),
      { numRuns: 30 },
    );
  });

  it('a row picked three times gets three times the gradient; unpicked rows get zero', () => {
    const table = Tensor.fromArray(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      true,
    );
    backward(sum(gatherRows(table, [2, 0, 2, 2])));
    expect(table.grad!.toArray()).toEqual([
      [1, 1],
      [0, 0],
      [3, 3],
    ]);
  });

  it('rejects a non-2-D table and out-of-range or fractional indices', () => {
    expect(() => gatherRows(Tensor.zeros([3]), [0])).toThrow(/^gatherRows: .*\[3\]/);
    expect(() => gatherRows(Tensor.zeros([3, 2]), [3])).toThrow(/^gatherRows: index 3 .*3 rows/);
    expect(() => gatherRows(Tensor.zeros([3, 2]), [-1])).toThrow(/^gatherRows: index -1/);
    expect(() => gatherRows(Tensor.zeros([3, 2]), [0.5])).toThrow(/^gatherRows: index 0.5/);
  });
});

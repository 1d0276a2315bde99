// The numeric kernels behind `K`: the unrolled matrix products against a textbook triple loop
// (on awkward sizes, with and without accumulation), the broadcasting fast paths against the
// index rule, sumTo, and the adjoint pairs the gradient rules rely on (⟨A x, y⟩ = ⟨x, Aᵀ y⟩).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { K, Rng, Tensor } from '../../src/engine/index.ts';
import type { BinaryOp } from '../../src/engine/kernels/index.ts';
import { arbBroadcastPair, arbSeed, arbShape, dot, NAMED_PAIRS, naiveBinary, naiveBroadcastShape, naiveMatmul, naiveSumTo } from './numeric.ts';

const randn = (n: number, rng: Rng): Float64Array => Tensor.randn([n], rng).data;

// sizes around the unrolling boundaries (2 rows, 4-wide K, 2 columns) plus a larger odd one
const awkward = fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 65);

const LAYOUTS: ['matmulNN' | 'matmulNT' | 'matmulTN', boolean, boolean][] = [
  ['matmulNN', false, false],
  ['matmulNT', false, true],
  ['matmulTN', true, false],
];

describe.each(LAYOUTS)('%s', (name, ta, tb) => {
  it('matches the triple loop, overwrites C, and writes nothing past M·N', () => {
    fc.assert(
      fc.property(awkward, awkward, awkward, arbSeed, (M, Kd, N, seed) => {
        const rng = new Rng(seed);
        const A = randn(M * Kd, rng),
          B = randn(Kd * N, rng);
        const C = randn(M * N + 3, rng); // garbage to be overwritten, plus a tail that must survive
        const tail = C.slice(M * N);
        K[name](A, B, C, M, Kd, N);
        expect(C.subarray(0, M * N)).toBeAllClose(naiveMatmul(A, B, M, Kd, N, ta, tb), { rtol: 1e-12, atol: 1e-12 });
        expect(C.subarray(M * N)).toEqual(tail);
      }),
      { numRuns: 40 },
    );
  });

  it('with acc = true adds the product into the existing C', () => {
    fc.assert(
      fc.property(awkward, awkward, awkward, arbSeed, (M, Kd, N, seed) => {
        const rng = new Rng(seed);
        const A = randn(M * Kd, rng),
          B = randn(Kd * N, rng),
          C0 = randn(M * N, rng);
        const C = C0.slice();
        K[name](A, B, C, M, Kd, N, true);
        const P = naiveMatmul(A, B, M, Kd, N, ta, tb);
        expect(C).toBeAllClose(
          P.map((v, i) => v + C0[i]),
          { rtol: 1e-12, atol: 1e-12 },
        );
      }),
      { numRuns: 40 },
    );
  });
});

describe('binary', () => {
  const ops: [BinaryOp, (x: number, y: number) => number][] = [
    ['add', (x, y) => x + y],
    ['sub', (x, y) => x - y],
    ['mul', (x, y) => x * y],
    ['div', (x, y) => x / y],
  ];

  function check(op: BinaryOp, f: (x: number, y: number) => number, as: number[], bs: number[], seed: number): void {
    const rng = new Rng(seed);
    const a = Tensor.randn(as, rng),
      b = Tensor.uniform(bs, rng, 0.5, 2);
    const out = naiveBroadcastShape(as, bs);
    // both operand orders, so each side takes its turn as the broadcast one
    expect(K.binary(op, a.data, as, b.data, bs, out)).toBeAllClose(naiveBinary(a, b, f), { rtol: 0, atol: 0 });
    expect(K.binary(op, b.data, bs, a.data, as, out)).toBeAllClose(naiveBinary(b, a, f), { rtol: 0, atol: 0 });
  }

  it.each(NAMED_PAIRS)('fast paths and the stride path agree with the index rule: %s', (_label, as, bs) => {
    for (const [op, f] of ops) check(op, f, as, bs, 21);
  });

  it('agrees with the index rule on random broadcastable shapes', () => {
    fc.assert(
      fc.property(arbBroadcastPair, arbSeed, fc.constantFrom(...ops), ([as, bs], seed, [op, f]) => check(op, f, as, bs, seed)),
      { numRuns: 60 },
    );
  });
});

describe('sumTo', () => {
  it('sums a broadcast gradient back to each operand shape, as the index rule does', () => {
    fc.assert(
      fc.property(arbBroadcastPair, arbSeed, ([as, bs], seed) => {
        const from = naiveBroadcastShape(as, bs);
        const g = Tensor.randn(from, new Rng(seed)).data;
        for (const to of [as, bs]) expect(K.sumTo(g, from, to)).toBeAllClose(naiveSumTo(g, from, to), { rtol: 1e-13, atol: 1e-14 });
      }),
      { numRuns: 60 },
    );
  });

  it('hand-computed: [2,3] down to [3], [2,1], [1,3] and []', () => {
    const g = Float64Array.of(1, 2, 3, 10, 20, 30);
    expect(K.sumTo(g, [2, 3], [3])).toEqual(Float64Array.of(11, 22, 33));
    expect(K.sumTo(g, [2, 3], [2, 1])).toEqual(Float64Array.of(6, 60));
    expect(K.sumTo(g, [2, 3], [1, 3])).toEqual(Float64Array.of(11, 22, 33));
    expect(K.sumTo(g, [2, 3], [])).toEqual(Float64Array.of(66));
  });
});

describe('adjoint pairs: ⟨fwd(x), y⟩ = ⟨x, adj(y)⟩', () => {
  it('sumAxis / expandAxis', () => {
    const arb = arbShape(1, 4, 4).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 })));
    fc.assert(
      fc.property(arb, arbSeed, ([s, ax], seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn(s, rng).data,
          y = randn(x.length / s[ax], rng);
        expect(dot(K.sumAxis(x, s, ax), y)).toBeCloseTo(dot(x, K.expandAxis(y, s, ax)), 11);
      }),
      { numRuns: 30 },
    );
  });

  it('sliceAxis / padAxis', () => {
    const arb = arbShape(1, 3, 5).chain((s) =>
      fc
        .integer({ min: 0, max: s.length - 1 })
        .chain((ax) => fc.tuple(fc.constant(s), fc.constant(ax), fc.integer({ min: 0, max: s[ax] }), fc.integer({ min: 0, max: s[ax] }))),
    );
    fc.assert(
      fc.property(arb, arbSeed, ([s, ax, p, q], seed) => {
        const [start, end] = [Math.min(p, q), Math.max(p, q)];
        const rng = new Rng(seed);
        const x = Tensor.randn(s, rng).data;
        const y = randn((x.length / s[ax]) * (end - start), rng);
        expect(dot(K.sliceAxis(x, s, ax, start, end), y)).toBeCloseTo(dot(x, K.padAxis(y, s, ax, start, end)), 11);
      }),
      { numRuns: 30 },
    );
  });

  it('gatherRows / scatterAddRows (repeated indices accumulate)', () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }))
      .chain(([rows, cols]) =>
        fc.tuple(fc.constant(rows), fc.constant(cols), fc.array(fc.integer({ min: 0, max: rows - 1 }), { minLength: 0, maxLength: 12 })),
      );
    fc.assert(
      fc.property(arb, arbSeed, ([rows, cols, idx], seed) => {
        const rng = new Rng(seed);
        const table = randn(rows * cols, rng),
          y = randn(idx.length * cols, rng);
        const adj = new Float64Array(rows * cols);
        K.scatterAddRows(adj, cols, idx, y);
        expect(dot(K.gatherRows(table, cols, idx), y)).toBeCloseTo(dot(table, adj), 11);
      }),
      { numRuns: 30 },
    );
  });
});

describe('small kernels', () => {
  it('sum agrees with a plain loop for every length 0..9', () => {
    const rng = new Rng(13);
    for (let n = 0; n < 10; n++) {
      const a = randn(n, rng);
      let s = 0;
      for (const v of a) s += v;
      expect(K.sum(a)).toBeCloseTo(s, 13);
    }
  });

  it('softmaxCrossEntropy kernel: probabilities sum to 1 per row and the loss is −Σ log p[target]', () => {
    const rng = new Rng(17);
    const N = 4,
      C = 5,
      targets = [0, 4, 2, 2];
    const logits = Tensor.randn([N, C], rng, 3).data;
    const { loss, probs } = K.softmaxCrossEntropy(logits, N, C, targets);
    let expected = 0;
    for (let r = 0; r < N; r++) {
      let s = 0;
      for (let j = 0; j < C; j++) s += probs[r * C + j];
      expect(s).toBeCloseTo(1, 14);
      expected -= Math.log(probs[r * C + targets[r]]);
    }
    expect(loss).toBeCloseTo(expected, 12);
  });
});

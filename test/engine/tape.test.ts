// Tape mechanics: accumulation when a tensor is reused, broadcast reduction, shape checks that
// name the op, one backward per graph, seeds, valueAndGrad/grad, and "no tape for inference".

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, backward, concat, exp, grad, matmul, mul, Rng, reshape, slice, sum, Tensor, tanh, valueAndGrad } from '../../src/engine/index.ts';
import { record } from '../../src/engine/tape.ts';
import { arbSeed, arbShape, FD_TOL, naiveMatmul, tapeVsNumeric } from './numeric.ts';

describe('accumulation when a tensor is used more than once', () => {
  it('y = x·x + x·x has gradient 4x (against the closed form and finite differences)', () => {
    fc.assert(
      fc.property(arbShape(1, 3, 4), arbSeed, (shape, seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn(shape, rng);
        const { tape, numeric, upstream } = tapeVsNumeric((t) => add(mul(t, t), mul(t, t)), [x], rng);
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
        expect(tape[0]).toBeAllClose(
          Array.from(x.data, (v, i) => 4 * v * upstream.data[i]),
          { rtol: 1e-14, atol: 1e-15 },
        );
      }),
      { numRuns: 15 },
    );
  });

  it('a scalar weight used at 5 steps: d(w⁵x)/dw = 5w⁴x', () => {
    const w = Tensor.scalar(0.7, true),
      x = Tensor.scalar(1.3);
    let h = x;
    for (let t = 0; t < 5; t++) h = mul(w, h);
    backward(h);
    expect(w.grad!.item()).toBeCloseTo(5 * 0.7 ** 4 * 1.3, 14);
  });

  it('the same W in a 5-step loop h ← W·h: gradient Σₖ (Wᵀ)ᵏ R (W⁴⁻ᵏ h₀)ᵀ, and finite differences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), arbSeed, (n, seed) => {
        const rng = new Rng(seed);
        const W = Tensor.randn([n, n], rng, 0.6),
          h0 = Tensor.randn([n, 1], rng);
        const unroll = (w: Tensor, h: Tensor): Tensor => {
          for (let t = 0; t < 5; t++) h = matmul(w, h);
          return h;
        };
        const { tape, numeric, upstream: R } = tapeVsNumeric(unroll, [W, h0], rng);
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
        expect(tape[1]).toBeAllClose(numeric[1], FD_TOL);
        // closed form with plain loops: powers of W applied to h0, and of Wᵀ applied to R
        const mm = (A: ArrayLike<number>, B: ArrayLike<number>, cols: number, tA = false) => naiveMatmul(A, B, n, n, cols, tA);
        const Wh: Float64Array[] = [h0.data.slice()],
          WtR: Float64Array[] = [R.data.slice()];
        for (let k = 1; k < 5; k++) {
          Wh.push(mm(W.data, Wh[k - 1], 1));
          WtR.push(mm(W.data, WtR[k - 1], 1, true));
        }
        const dW = new Float64Array(n * n);
        for (let k = 0; k < 5; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) dW[i * n + j] += WtR[k][i] * Wh[4 - k][j];
        expect(tape[0]).toBeAllClose(dW, { rtol: 1e-12, atol: 1e-13 });
      }),
      { numRuns: 15 },
    );
  });

  it('a bias broadcast over rows gets the column sums of the upstream gradient', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), arbSeed, (T, Hd, seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn([T, Hd], rng),
          b = Tensor.randn([Hd], rng, 1, true);
        const dy = Tensor.randn([T, Hd], rng);
        backward(add(x, b), dy);
        const colSums = new Float64Array(Hd);
        for (let t = 0; t < T; t++) for (let j = 0; j < Hd; j++) colSums[j] += dy.data[t * Hd + j];
        expect(b.grad!.shape).toEqual([Hd]);
        expect(b.grad).toBeAllClose(colSums, { rtol: 1e-14, atol: 1e-15 });
      }),
      { numRuns: 15 },
    );
  });

  it('a leaf keeps adding across two separate graphs (.grad is never reset by backward)', () => {
    // Documented behaviour: backward() adds into .grad; clearing it between steps is the caller's job.
    const x = Tensor.fromArray([1, 2, 3], true);
    backward(sum(mul(x, x))); // 2x
    expect(x.grad).toBeAllClose([2, 4, 6], { rtol: 0, atol: 0 });
    backward(sum(mul(x, 3))); // + 3
    expect(x.grad).toBeAllClose([5, 7, 9], { rtol: 0, atol: 0 });
  });

  it('a deep chain (20 000 ops) runs backward without recursion', () => {
    const x = Tensor.scalar(0.5, true);
    let y = x;
    for (let i = 0; i < 20_000; i++) y = add(y, 1e-4);
    backward(y);
    expect(x.grad!.item()).toBe(1);
  });
});

describe('one tensor receiving several kinds of gradient', () => {
  it('matmul(x, x): the same tensor as left and right operand', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), arbSeed, (n, seed) => {
        const rng = new Rng(seed);
        const { tape, numeric } = tapeVsNumeric((x) => matmul(x, x), [Tensor.randn([n, n], rng)], rng);
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 10 },
    );
  });

  it('W used as a right operand with different row counts, elementwise, and sliced by rows', () => {
    // covers summing per-step product gradients, row gradients and dense gradients into one tensor,
    // both when W is a leaf and when it is an intermediate (tanh(W)) that passes its sum on
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), arbSeed, (n, m, seed) => {
        const rng = new Rng(seed);
        const xs = [Tensor.randn([1, n], rng), Tensor.randn([3, n], rng), Tensor.randn([2, n], rng)];
        const use = (w: Tensor): Tensor => {
          const parts = [...xs.map((x) => matmul(x, w)), mul(w, w), slice(w, 0, 0, 1), tanh(slice(w, 0, n - 1, n))];
          return concat(
            parts.map((p) => reshape(p, [-1])),
            0,
          );
        };
        const W = Tensor.randn([n, m], rng);
        const leaf = tapeVsNumeric(use, [W], rng);
        expect(leaf.tape[0]).toBeAllClose(leaf.numeric[0], FD_TOL);
        const inner = tapeVsNumeric((w) => use(tanh(w)), [W], rng);
        expect(inner.tape[0]).toBeAllClose(inner.numeric[0], FD_TOL);
      }),
      { numRuns: 15 },
    );
  });

  it("a leaf's .grad is its own buffer: it aliases neither the seed nor another leaf's gradient", () => {
    const a = Tensor.fromArray([1, 2], true),
      b = Tensor.fromArray([3, 4], true);
    const seed = Tensor.fromArray([[5, 6]]);
    backward(reshape(add(a, b), [1, 2]), seed);
    seed.data.fill(0);
    expect(a.grad).toBeAllClose([5, 6], { rtol: 0, atol: 0 });
    a.grad!.data.fill(-1);
    expect(b.grad).toBeAllClose([5, 6], { rtol: 0, atol: 0 });
  });
});

describe('errors', () => {
  it('shape mismatches name the op and both shapes', () => {
    expect(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))).toThrow(/matmul.*\[2, 3\].*\[4, 5\]/);
    expect(() => add(Tensor.zeros([2, 3]), Tensor.zeros([4]))).toThrow(/add.*\[2, 3\].*\[4\]/);
  });

  it('a second backward() through the same graph throws and leaves .grad unchanged', () => {
    const x = Tensor.fromArray([0.3, -0.2], true);
    const loss = sum(tanh(mul(x, x)));
    backward(loss);
    const first = x.grad!.clone();
    expect(() => backward(loss)).toThrow(/already used by an earlier backward\(\)/);
    expect(x.grad).toBeAllClose(first, { rtol: 0, atol: 0 });
  });

  it('a new graph that reuses a consumed subgraph throws before touching any .grad', () => {
    // y = tanh(x) is consumed by the first backward; the second graph mixes y with a fresh leaf w.
    // Known failing (see report): w.grad is written before the throw is reached at tanh.
    const x = Tensor.fromArray([1, 2], true),
      w = Tensor.fromArray([3, 4], true);
    const y = tanh(x);
    backward(sum(y));
    const xGrad = x.grad!.clone();
    expect(() => backward(sum(mul(y, w)))).toThrow(/'tanh' was already used/);
    expect(x.grad).toBeAllClose(xGrad, { rtol: 0, atol: 0 });
    expect(w.grad).toBeNull();
  });

  it('backward() without a seed needs a one-element output; a seed must match its shape', () => {
    const x = Tensor.randn([2, 3], new Rng(1), 1, true);
    const y = exp(x);
    expect(() => backward(y)).toThrow(/backward\(\).*\[2, 3\].*seed/);
    expect(() => backward(y, Tensor.zeros([3, 2]))).toThrow(/seed has shape \[3, 2\].*\[2, 3\]/);
    expect(x.grad).toBeNull();
    expect(() => backward(exp(Tensor.zeros([1])))).toThrow(/does not depend on any tensor that requires a gradient/);
  });

  it('a gradient rule returning the wrong number of gradients is caught, naming the op', () => {
    const a = Tensor.ones([2], true),
      b = Tensor.ones([2], true);
    const y = record('myop', [a, b], new Float64Array(2), [2], (dy) => [dy]);
    expect(() => backward(y, Tensor.ones([2]))).toThrow(/^myop: backward returned 1 gradients for 2 inputs/);
  });

  it('a gradient rule returning a shape that does not reduce to the input is caught, naming op and shapes', () => {
    const a = Tensor.ones([2], true);
    const y = record('myop', [a], new Float64Array(3), [3], (dy) => [dy]);
    expect(() => backward(y, Tensor.ones([3]))).toThrow(/^myop: gradient for input 0 has shape \[3\].*\[2\]/);
  });

  it('a rule may return its gradient in a broadcast shape; the tape sums it down; null means none', () => {
    const a = Tensor.ones([1, 3], true),
      b = Tensor.ones([3], true);
    const y = record('spread', [a, b], new Float64Array(6), [2, 3], (dy) => [dy, null]);
    backward(
      y,
      Tensor.fromArray([
        [1, 2, 3],
        [10, 20, 30],
      ]),
    );
    expect(a.grad!.shape).toEqual([1, 3]);
    expect(a.grad).toBeAllClose([11, 22, 33], { rtol: 0, atol: 0 });
    expect(b.grad).toBeNull();
  });
});

describe('which tensors take part', () => {
  it('inference builds no tape: ops on tensors without requiresGrad carry no node', () => {
    const rng = new Rng(2);
    const a = Tensor.randn([2, 3], rng),
      b = Tensor.randn([3, 2], rng);
    for (const t of [add(a, 1), mul(a, a), tanh(a), matmul(a, b), sum(a), reshape(a, [6])]) {
      expect(t.node).toBeNull();
      expect(t.requiresGrad).toBe(false);
    }
    const p = a.asParam();
    const y = matmul(p, b);
    expect(y.node?.op).toBe('matmul');
    expect(y.requiresGrad).toBe(true);
  });

  it('constants and detached tensors receive no gradient', () => {
    const x = Tensor.fromArray([1, 2], true),
      c = Tensor.fromArray([5, 7]);
    backward(sum(add(mul(x, c), mul(x.detach(), x))));
    // d/dx [x·c + stop(x)·x] = c + x
    expect(x.grad).toBeAllClose([6, 9], { rtol: 0, atol: 0 });
    expect(c.grad).toBeNull();
  });
});

describe('valueAndGrad and grad', () => {
  const model = (p: { W: Tensor; b: Tensor; unused: Tensor }, x: Tensor): Tensor => sum(tanh(add(matmul(x, p.W), p.b)));

  it('return the value and a gradient for every key (zeros for unused), matching finite differences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), arbSeed, (In, Out, seed) => {
        const rng = new Rng(seed);
        const params = { W: Tensor.randn([In, Out], rng), b: Tensor.randn([Out], rng), unused: Tensor.randn([2, 2], rng) };
        const x = Tensor.randn([3, In], rng);
        const { value, grads } = valueAndGrad(model)(params, x);
        expect(Object.keys(grads).sort()).toEqual(['W', 'b', 'unused']);
        expect(grads.unused).toBeAllClose(Tensor.zeros([2, 2]), { rtol: 0, atol: 0 });
        expect(value).toBeCloseTo(model(params, x).item(), 14);
        // finite differences of the same scalar function
        const fd = tapeVsNumeric((W, b) => model({ W, b, unused: params.unused }, x), [params.W, params.b], rng);
        expect(grads.W).toBeAllClose(
          Array.from(fd.numeric[0].data, (g) => g / fd.upstream.item()),
          FD_TOL,
        );
        expect(grads.b).toBeAllClose(
          Array.from(fd.numeric[1].data, (g) => g / fd.upstream.item()),
          FD_TOL,
        );
        expect(grad(model)(params, x).W).toBeAllClose(grads.W, { rtol: 0, atol: 0 });
      }),
      { numRuns: 10 },
    );
  });

  it("do not touch the caller's tensors, and repeated calls do not accumulate", () => {
    const rng = new Rng(6);
    const W = Tensor.randn([3, 2], rng, 1, true);
    const params = { W, b: Tensor.randn([2], rng), unused: Tensor.zeros([1]) };
    const before = W.data.slice();
    const x = Tensor.randn([4, 3], rng);
    const g1 = grad(model)(params, x),
      g2 = grad(model)(params, x);
    expect(W.grad).toBeNull();
    expect(params.b.grad).toBeNull();
    expect(params.b.requiresGrad).toBe(false);
    expect(W.data).toEqual(before);
    expect(g2.W).toBeAllClose(g1.W, { rtol: 0, atol: 0 });
  });

  it('a function that ignores its parameters gives zero gradients; a non-scalar result is rejected', () => {
    const p = { a: Tensor.ones([2]) };
    const r = valueAndGrad((_q: typeof p) => Tensor.scalar(3))(p);
    expect(r.value).toBe(3);
    expect(r.grads.a).toBeAllClose([0, 0], { rtol: 0, atol: 0 });
    expect(() => valueAndGrad((q: typeof p) => mul(q.a, 2))(p)).toThrow(/valueAndGrad: .*\[2\].*not a scalar/);
  });
});

// Elementwise primitives: forward values against loops or identities written here, and tape
// gradients against central finite differences with a random upstream gradient.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, backward, clamp, div, exp, log, mul, neg, Rng, relu, sigmoid, sub, Tensor, tanh } from '../../src/engine/index.ts';
import { arbBroadcastPair, arbSeed, arbShape, awayFrom, FD_TOL, mapT, NAMED_PAIRS, naiveBinary, signedUniform, tapeVsNumeric } from './numeric.ts';

type Binary = (a: Tensor, b: Tensor) => Tensor;

const BINARY: [string, Binary, (x: number, y: number) => number][] = [
  ['add', add, (x, y) => x + y],
  ['sub', sub, (x, y) => x - y],
  ['mul', mul, (x, y) => x * y],
  ['div', div, (x, y) => x / y],
];

/** Operands for op: standard normal, except that a divisor stays away from 0. */
function operands(name: string, as: number[], bs: number[], rng: Rng): [Tensor, Tensor] {
  const a = Tensor.randn(as, rng);
  const b = name === 'div' ? signedUniform(bs, rng) : Tensor.randn(bs, rng);
  return [a, b];
}

function checkBinary(name: string, op: Binary, ref: (x: number, y: number) => number, as: number[], bs: number[], seed: number): void {
  const rng = new Rng(seed);
  const [a, b] = operands(name, as, bs, rng);
  const { tape, numeric, value } = tapeVsNumeric(op, [a, b], rng);
  expect(value).toBeAllClose(naiveBinary(a, b, ref), { rtol: 1e-15, atol: 0 });
  expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
  expect(tape[1]).toBeAllClose(numeric[1], FD_TOL);
}

describe.each(BINARY)('%s', (name, op, ref) => {
  it.each(NAMED_PAIRS)('broadcasts %s: values and gradients', (_label, as, bs) => {
    checkBinary(name, op, ref, as, bs, 7);
  });

  it('matches the naive broadcast and finite differences on random broadcastable shapes', () => {
    fc.assert(
      fc.property(arbBroadcastPair, arbSeed, ([as, bs], seed) => checkBinary(name, op, ref, as, bs, seed)),
      { numRuns: 25 },
    );
  });

  it('throws naming the op and both shapes when shapes do not broadcast', () => {
    const a = Tensor.zeros([2, 3]),
      b = Tensor.zeros([4]);
    expect(() => op(a, b)).toThrow(new RegExp(`^${name}: .*\\[2, 3\\].*\\[4\\]`));
  });
});

describe('binary ops with a plain number', () => {
  it('lift the number to a scalar; its gradient goes nowhere and the tensor gradient is right', () => {
    const rng = new Rng(3);
    const x = signedUniform([2, 3], rng);
    const cases: [Binary, (x: number) => number][] = [
      [(t) => add(t, 2), (v) => v + 2],
      [(t) => sub(1.5, t), (v) => 1.5 - v],
      [(t) => mul(t, -3), (v) => -3 * v],
      [(t) => div(1, t), (v) => 1 / v],
      [(t) => div(t, 4), (v) => v / 4],
    ];
    for (const [f, ref] of cases) {
      const { tape, numeric, value } = tapeVsNumeric((t) => f(t, t), [x], rng);
      expect(value).toBeAllClose(mapT(x, ref), { rtol: 1e-15, atol: 0 });
      expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
    }
  });
});

// ---- unary ops ----------------------------------------------------------------------------------

type Unary = (a: Tensor) => Tensor;

/** [name, op, independent forward, input generator] */
const UNARY: [string, Unary, (x: number) => number, (shape: number[], rng: Rng) => Tensor][] = [
  ['neg', neg, (x) => -x, (s, r) => Tensor.randn(s, r)],
  ['exp', exp, (x) => Math.E ** x, (s, r) => Tensor.randn(s, r)],
  ['log', log, (x) => naiveLn(x), (s, r) => Tensor.uniform(s, r, 0.2, 3)],
  ['tanh', tanh, (x) => (Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1), (s, r) => Tensor.randn(s, r, 1.5)],
  ['sigmoid', sigmoid, (x) => 1 / (1 + Math.exp(-x)), (s, r) => Tensor.randn(s, r, 2)],
  ['relu', relu, (x) => Math.max(0, x), (s, r) => awayFrom(Tensor.randn(s, r), [0])],
  ['clamp(-0.5, 0.8)', (a) => clamp(a, -0.5, 0.8), (x) => Math.min(0.8, Math.max(-0.5, x)), (s, r) => awayFrom(Tensor.randn(s, r), [-0.5, 0.8])],
];

/** ln x by Newton's method on eʸ = x, so the log test does not just call Math.log again. */
function naiveLn(x: number): number {
  let y = 0;
  for (let i = 0; i < 100; i++) y -= 1 - x * Math.exp(-y);
  return y;
}

describe.each(UNARY)('%s', (_name, op, ref, gen) => {
  it('values match an independent formula and gradients match finite differences', () => {
    fc.assert(
      fc.property(arbShape(0, 3, 4), arbSeed, (shape, seed) => {
        const rng = new Rng(seed);
        const x = gen(shape, rng);
        const { tape, numeric, value } = tapeVsNumeric(op, [x], rng);
        expect(value).toBeAllClose(mapT(x, ref), { rtol: 1e-13, atol: 1e-15 });
        expect(tape[0]).toBeAllClose(numeric[0], FD_TOL);
      }),
      { numRuns: 20 },
    );
  });
});

describe('numerical edge cases', () => {
  it('sigmoid is stable for large |x|: no NaN, σ(−x) = 1 − σ(x), gradient tends to 0', () => {
    const x = Tensor.fromArray([-1000, -800, -40, -1, 0, 1, 40, 800, 1000], true);
    const y = sigmoid(x);
    expect(y.data.every(Number.isFinite)).toBe(true);
    expect(y).toBeAllClose([0, 0, Math.exp(-40), 1 / (1 + Math.E), 0.5, 1 / (1 + 1 / Math.E), 1, 1, 1], { rtol: 1e-12, atol: 0 });
    const yNeg = sigmoid(neg(x.detach()));
    expect(Array.from(yNeg.data, (v) => 1 - v)).toBeAllClose(y.data, { rtol: 1e-12, atol: 1e-15 });
    backward(y, Tensor.ones([9]));
    expect(x.grad!.data.every(Number.isFinite)).toBe(true);
    expect(x.grad!.data[0]).toBe(0);
    expect(x.grad!.data[8]).toBe(0);
    expect(x.grad!.data[4]).toBeCloseTo(0.25, 15); // σ'(0) = σ(0)(1 − σ(0)) = 1/4
  });

  it('tanh saturates to ±1 with zero gradient instead of NaN', () => {
    const x = Tensor.fromArray([-500, 500], true);
    const y = tanh(x);
    expect(y).toBeAllClose([-1, 1], { rtol: 0, atol: 0 });
    backward(y, Tensor.ones([2]));
    expect(x.grad).toBeAllClose([0, 0], { rtol: 0, atol: 0 });
  });

  it('relu and clamp pass no gradient at or beyond their kinks (documented convention)', () => {
    const x = Tensor.fromArray([-1, 0, 1e-300, 2], true);
    backward(relu(x), Tensor.fromArray([10, 20, 30, 40]));
    expect(x.grad).toBeAllClose([0, 0, 30, 40], { rtol: 0, atol: 0 });

    const z = Tensor.fromArray([-2, -1, 0, 1, 2], true);
    const c = clamp(z, -1, 1);
    expect(c).toBeAllClose([-1, -1, 0, 1, 1], { rtol: 0, atol: 0 });
    backward(c, Tensor.fromArray([1, 2, 3, 4, 5]));
    expect(z.grad).toBeAllClose([0, 0, 3, 0, 0], { rtol: 0, atol: 0 });
  });

  it('clamp rejects lo > hi, naming both bounds', () => {
    expect(() => clamp(Tensor.zeros([2]), 1, -1)).toThrow(/clamp: .*1.*-1/);
  });

  it('log and exp are inverse on positive inputs', () => {
    const x = Tensor.uniform([3, 4], new Rng(11), 0.01, 50);
    expect(exp(log(x))).toBeAllClose(x, { rtol: 1e-14, atol: 0 });
    expect(log(exp(Tensor.fromArray([-700, 0, 700])))).toBeAllClose([-700, 0, 700], { rtol: 1e-15, atol: 1e-15 });
  });
});

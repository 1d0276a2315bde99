// Shared helpers for the engine tests: central finite differences against the tape, naive
// reference loops written independently of src/engine/kernels, and fast-check arbitraries for
// shapes and seeds (fast-check never generates raw floats here; values come from a seeded Rng).

import fc from 'fast-check';
import { backward, type Rng, type Shape, sizeOf, Tensor } from '../../src/engine/index.ts';

// ---- finite differences -----------------------------------------------------------------------

/** Finite-difference step: float64 central differences have error ~h² + ε/h, smallest near 1e-6..1e-5. */
export const H = 1e-6;

/** Tolerance for tape-vs-finite-difference comparisons (values and gradients of order 1). */
export const FD_TOL = { rtol: 1e-6, atol: 1e-6 };

/**
 * Gradients of L(xs) = Σ f(xs) ⊙ R for a random fixed upstream gradient R, two ways:
 *   tape:    y = f(leaves); backward(y, R); leaf.grad
 *   numeric: (L(x + h·eⱼ) − L(x − h·eⱼ)) / 2h, one entry at a time, on tensors with no graph.
 * Also returns the forward value computed on the graph-free inputs.
 */
export function tapeVsNumeric(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  rng: Rng,
  h = H,
): { tape: Tensor[]; numeric: Tensor[]; value: Tensor; upstream: Tensor } {
  const leaves = inputs.map((x) => new Tensor(x.data.slice(), x.shape, true));
  const y = f(...leaves);
  const R = Tensor.randn(y.shape, rng);
  backward(y, R);
  const tape = leaves.map((l) => l.grad ?? Tensor.zeros(l.shape));

  const consts = inputs.map((x) => x.clone());
  const L = (): number => dot(f(...consts).data, R.data);
  const numeric = consts.map((c) => {
    const g = Tensor.zeros(c.shape);
    for (let j = 0; j < c.size; j++) {
      const old = c.data[j];
      c.data[j] = old + h;
      const plus = L();
      c.data[j] = old - h;
      const minus = L();
      c.data[j] = old;
      g.data[j] = (plus - minus) / (2 * h);
    }
    return g;
  });
  return { tape, numeric, value: f(...inputs.map((x) => x.clone())), upstream: R };
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dot: lengths ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// ---- input conditioning -------------------------------------------------------------------------

/** Move entries lying within `margin` of any of `points` to 2·margin away, keeping finite differences off kinks. */
export function awayFrom(t: Tensor, points: number[], margin = 0.05): Tensor {
  const out = t.clone();
  for (let i = 0; i < out.size; i++) {
    for (const p of points) {
      const d = out.data[i] - p;
      if (Math.abs(d) < margin) out.data[i] = p + (d >= 0 ? 2 * margin : -2 * margin);
    }
  }
  return out;
}

/** Entries with magnitude in [lo, hi) and a random sign: safe denominators. */
export function signedUniform(shape: Shape, rng: Rng, lo = 0.5, hi = 2): Tensor {
  const t = Tensor.uniform(shape, rng, lo, hi);
  for (let i = 0; i < t.size; i++) if (rng.uniform() < 0.5) t.data[i] = -t.data[i];
  return t;
}

// ---- naive reference loops --------------------------------------------------------------------

/** Multi-index of flat position i in a row-major array of `shape`. */
export function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    idx[ax] = i % shape[ax];
    i = Math.floor(i / shape[ax]);
  }
  return idx;
}

/** Flat position of a multi-index in a row-major array of `shape`. */
export function ravel(idx: number[], shape: Shape): number {
  let i = 0;
  for (let ax = 0; ax < shape.length; ax++) i = i * shape[ax] + idx[ax];
  return i;
}

/** The NumPy broadcast shape, written from the rule (right-align, 1 stretches). */
export function naiveBroadcastShape(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const y = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (x !== y && x !== 1 && y !== 1) throw new Error('naiveBroadcastShape: not broadcastable');
    out.push(Math.max(x, y));
  }
  return out;
}

/** Flat position in an array of shape `s` read by output multi-index `outIdx` under broadcasting. */
export function broadcastSource(outIdx: number[], s: Shape): number {
  const lead = outIdx.length - s.length;
  return ravel(
    s.map((d, ax) => (d === 1 ? 0 : outIdx[ax + lead])),
    s,
  );
}

/** out = f(a, b) elementwise with broadcasting, one output element at a time. */
export function naiveBinary(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const shape = naiveBroadcastShape(a.shape, b.shape);
  const out = Tensor.zeros(shape);
  for (let i = 0; i < out.size; i++) {
    const idx = unravel(i, shape);
    out.data[i] = f(a.data[broadcastSource(idx, a.shape)], b.data[broadcastSource(idx, b.shape)]);
  }
  return out;
}

/** Sum of `g` (shape `from`) down to `to` by broadcasting each element back to its source. */
export function naiveSumTo(g: Float64Array, from: Shape, to: Shape): Float64Array {
  const out = new Float64Array(sizeOf(to));
  for (let i = 0; i < g.length; i++) out[broadcastSource(unravel(i, from), to)] += g[i];
  return out;
}

/** C = op(A)·op(B) by the textbook triple loop; A is stored rows×cols as given. */
export function naiveMatmul(A: ArrayLike<number>, B: ArrayLike<number>, M: number, Kd: number, N: number, ta = false, tb = false): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < Kd; k++) s += (ta ? A[k * M + i] : A[i * Kd + k]) * (tb ? B[j * Kd + k] : B[k * N + j]);
      C[i * N + j] = s;
    }
  }
  return C;
}

/** Elementwise map on a copy. */
export function mapT(t: Tensor, f: (x: number) => number): Tensor {
  const out = t.clone();
  for (let i = 0; i < out.size; i++) out.data[i] = f(out.data[i]);
  return out;
}

// ---- arbitraries --------------------------------------------------------------------------------

export const arbSeed = fc.integer({ min: 0, max: 0x7fffffff });

/** A shape of rank minRank..maxRank with every dimension in 1..maxDim. */
export function arbShape(minRank = 1, maxRank = 3, maxDim = 4): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * Two shapes that broadcast together: start from an output shape, then for each operand drop
 * some leading axes and set some remaining ones to 1.
 */
export const arbBroadcastPair: fc.Arbitrary<[number[], number[]]> = arbShape(1, 3, 4).chain((out) => {
  const operand = fc
    .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.map((d, i) => (ones[i] ? 1 : d)).slice(drop));
  return fc.tuple(operand, operand);
});

/** Shape pairs named in the brief, each hitting a different broadcasting path. */
export const NAMED_PAIRS: [string, number[], number[]][] = [
  ['equal shapes', [3, 4], [3, 4]],
  ['bias-like trailing', [5, 4], [4]],
  ['scalar', [2, 3], []],
  ['scalar on the left', [], [2, 3]],
  ['[3,1] with [1,4]', [3, 1], [1, 4]],
  ['[2,3,4] with [3,1]', [2, 3, 4], [3, 1]],
  ['[1,4] with [3,4]', [1, 4], [3, 4]],
  ['leading broadcast on the left', [4], [2, 3, 4]],
];

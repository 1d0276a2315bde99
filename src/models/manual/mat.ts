// The few matrix loops the hand-derived models need, on flat row-major Float64Arrays.
//
// Deliberately separate from src/engine: the manual models check the tape, so they must not share
// its kernels, ops or gradient rules (one shared bug would make both sides agree). Only the
// `Tensor` class is borrowed, as a data container.
//
// A matrix "M×K" is an array of M·K numbers, row i at offset i·K. Functions that work on one row
// of a bigger array take an offset, so the time loops never allocate a view.
//
// Speed: plain JavaScript has no SIMD, so the loops do more arithmetic per memory access: sums
// are split over independent accumulators (unrolled by 2 or 4) so the CPU can overlap the
// multiply-adds instead of waiting on one running sum, and two output rows are computed together
// so each value loaded serves both.

import { Tensor } from '../../engine/tensor.ts';

/** Σ_k a[aOff + k] · b[bOff + k] for k < n. */
export function dot(a: Float64Array, aOff: number, b: Float64Array, bOff: number, n: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += a[aOff + k] * b[bOff + k];
    s1 += a[aOff + k + 1] * b[bOff + k + 1];
    s2 += a[aOff + k + 2] * b[bOff + k + 2];
    s3 += a[aOff + k + 3] * b[bOff + k + 3];
  }
  for (; k < n; k++) s0 += a[aOff + k] * b[bOff + k];
  return s0 + s1 + (s2 + s3);
}

/**
 * C[cOff..] (M×N) += op(A)·B with B K×N. op(A)'s entry (i, k) is A[aOff + i·sAi + k·sAk], so the
 * same loop serves A (sAi = K, sAk = 1) and Aᵀ (A stored K×M: sAi = 1, sAk = M).
 * Loop order i, k, j, two rows of C and four rows of B per pass: each B value loaded serves two
 * multiply-adds, and each C value is read and written once per eight.
 */
function gemmAcc(
  C: Float64Array,
  cOff: number,
  A: Float64Array,
  aOff: number,
  sAi: number,
  sAk: number,
  B: Float64Array,
  M: number,
  K: number,
  N: number,
): void {
  let i = 0;
  for (; i + 1 < M; i += 2) {
    const c = cOff + i * N,
      d = c + N,
      a = aOff + i * sAi,
      e = a + sAi;
    let k = 0;
    for (; k + 3 < K; k += 4) {
      const k0 = k * sAk,
        k1 = k0 + sAk,
        k2 = k1 + sAk,
        k3 = k2 + sAk;
      const x0 = A[a + k0],
        x1 = A[a + k1],
        x2 = A[a + k2],
        x3 = A[a + k3];
      const y0 = A[e + k0],
        y1 = A[e + k1],
        y2 = A[e + k2],
        y3 = A[e + k3];
      const b0 = k * N,
        b1 = b0 + N,
        b2 = b1 + N,
        b3 = b2 + N;
      for (let j = 0; j < N; j++) {
        const p = B[b0 + j],
          q = B[b1 + j],
          r = B[b2 + j],
          s = B[b3 + j];
        C[c + j] += x0 * p + x1 * q + x2 * r + x3 * s;
        C[d + j] += y0 * p + y1 * q + y2 * r + y3 * s;
      }
    }
    for (; k < K; k++) {
      const x = A[a + k * sAk],
        y = A[e + k * sAk],
        b = k * N;
      for (let j = 0; j < N; j++) {
        C[c + j] += x * B[b + j];
        C[d + j] += y * B[b + j];
      }
    }
  }
  if (i < M) addRowTimesMatrix(C, cOff + i * N, A, aOff + i * sAi, sAk, B, K, N);
}

/** C[c..c+N) += a·B, where a's k-th entry is A[aOff + k·sAk] and B is K×N. One row of gemmAcc. */
function addRowTimesMatrix(C: Float64Array, c: number, A: Float64Array, a: number, sAk: number, B: Float64Array, K: number, N: number): void {
  let k = 0;
  for (; k + 3 < K; k += 4) {
    const x0 = A[a + k * sAk],
      x1 = A[a + (k + 1) * sAk],
      x2 = A[a + (k + 2) * sAk],
      x3 = A[a + (k + 3) * sAk];
    const b0 = k * N,
      b1 = b0 + N,
      b2 = b1 + N,
      b3 = b2 + N;
    for (let j = 0; j < N; j++) C[c + j] += x0 * B[b0 + j] + x1 * B[b1 + j] + x2 * B[b2 + j] + x3 * B[b3 + j];
  }
  for (; k < K; k++) {
    const x = A[a + k * sAk],
      b = k * N;
    for (let j = 0; j < N; j++) C[c + j] += x * B[b + j];
  }
}

/** C (M×N) += A (M×K) · B (K×N). */
export function addMatMul(C: Float64Array, A: Float64Array, B: Float64Array, M: number, K: number, N: number): void {
  gemmAcc(C, 0, A, 0, K, 1, B, M, K, N);
}

/** C (M×N) += Aᵀ · B, with A stored K×M and B K×N: a sum over the K rows, e.g. over time steps. */
export function addMatTMul(C: Float64Array, A: Float64Array, B: Float64Array, M: number, K: number, N: number): void {
  gemmAcc(C, 0, A, 0, 1, M, B, M, K, N);
}

/** C (M×N) = A (M×K) · Bᵀ, with B stored N×K: every entry is a dot product of two rows. */
export function matMulT(C: Float64Array, A: Float64Array, B: Float64Array, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    let j = 0;
    for (; j + 1 < N; j += 2) dot2(C, i * N + j, B, j * K, A, i * K, K);
    if (j < N) C[i * N + j] = dot(A, i * K, B, j * K, K);
  }
}

/** out[o], out[o+1] = the two rows of W starting at wOff and wOff + n, each dotted with x[xOff..xOff+n). */
function dot2(out: Float64Array, o: number, W: Float64Array, wOff: number, x: Float64Array, xOff: number, n: number): void {
  const w1 = wOff + n;
  let a0 = 0,
    a1 = 0,
    b0 = 0,
    b1 = 0;
  let k = 0;
  for (; k + 1 < n; k += 2) {
    const x0 = x[xOff + k],
      x1 = x[xOff + k + 1];
    a0 += W[wOff + k] * x0;
    a1 += W[wOff + k + 1] * x1;
    b0 += W[w1 + k] * x0;
    b1 += W[w1 + k + 1] * x1;
  }
  if (k < n) {
    a0 += W[wOff + k] * x[xOff + k];
    b0 += W[w1 + k] * x[xOff + k];
  }
  out[o] = a0 + a1;
  out[o + 1] = b0 + b1;
}

/** out[outOff..outOff+M) = W (M×K) · x[xOff..xOff+K). */
export function matVec(out: Float64Array, outOff: number, W: Float64Array, x: Float64Array, xOff: number, M: number, K: number): void {
  let i = 0;
  for (; i + 1 < M; i += 2) dot2(out, outOff + i, W, i * K, x, xOff, K);
  if (i < M) out[outOff + i] = dot(W, i * K, x, xOff, K);
}

/** out (length K) = Wᵀ · x[xOff..xOff+M), W being M×K: x's entries weight the rows of W. */
export function matTVec(out: Float64Array, W: Float64Array, x: Float64Array, xOff: number, M: number, K: number): void {
  out.fill(0);
  addRowTimesMatrix(out, 0, x, xOff, 1, W, M, K);
}

/** out (length N) += the column sums of A (M×N). */
export function addColumnSums(out: Float64Array, A: Float64Array, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const a = i * N;
    for (let j = 0; j < N; j++) out[j] += A[a + j];
  }
}

/**
 * Row-wise softmax with cross-entropy, in place: each row of Y (T×V logits) becomes the
 * probabilities p_t. Returns Σ_t −log p_t[target_t].
 * NOTE: the loss is taken as log Σ exp(y − max) + max − y_target rather than −log p, so a target
 * with a tiny probability does not lose its digits (or become log 0).
 */
export function softmaxCrossEntropyRows(Y: Float64Array, targets: ArrayLike<number>, T: number, V: number): number {
  let loss = 0;
  for (let t = 0; t < T; t++) {
    const o = t * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (Y[o + v] > max) max = Y[o + v];
    const yTarget = Y[o + targets[t]];
    let z = 0;
    for (let v = 0; v < V; v++) {
      const e = Math.exp(Y[o + v] - max);
      Y[o + v] = e;
      z += e;
    }
    const inv = 1 / z;
    for (let v = 0; v < V; v++) Y[o + v] *= inv;
    loss += Math.log(z) + max - yTarget;
  }
  return loss;
}

/** Check a chunk's indices before the loops trust them. */
export function checkChunk(name: string, inputs: readonly number[], targets: readonly number[], V: number): void {
  if (inputs.length === 0 || inputs.length !== targets.length) {
    throw new Error(`${name}: inputs and targets must be non-empty and of equal length (got ${inputs.length} and ${targets.length})`);
  }
  for (const [what, ids] of [
    ['input', inputs],
    ['target', targets],
  ] as const) {
    for (const i of ids) if (!Number.isInteger(i) || i < 0 || i >= V) throw new Error(`${name}: ${what} ${i} is out of range for vocabulary size ${V}`);
  }
}

/** Throw, naming the model and the parameter, unless every parameter has its expected shape. */
export function checkShapes(where: string, p: { readonly [k: string]: Tensor | undefined }, expected: readonly (readonly [string, readonly number[]])[]): void {
  for (const [name, shape] of expected) {
    const t = p[name];
    if (!t) throw new Error(`${where}: missing parameter ${name}`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${where}: parameter ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
  }
}

/** The shape of a parameter, checked to have `rank` axes. */
export function shapeOf(t: Tensor, rank: number): number[] {
  if (t.shape.length !== rank) throw new Error(`expected a parameter of rank ${rank}, got shape [${t.shape.join(', ')}]`);
  return [...t.shape];
}

/** Zero gradients with the names and shapes of the parameters. */
export function newGrads<P extends { [k in keyof P]: Tensor }>(p: P): P {
  const g = {} as Record<keyof P, Tensor>;
  for (const k of Object.keys(p) as (keyof P)[]) g[k] = Tensor.zeros(p[k].shape);
  return g as P;
}

/** out (N×M) = Aᵀ for A (M×N): the weights' other layout, so a product's inner loop runs along rows. */
export function transposeInto(out: Float64Array, A: Float64Array, M: number, N: number): Float64Array {
  for (let i = 0; i < M; i++) {
    const a = i * N;
    for (let j = 0; j < N; j++) out[j * M + i] = A[a + j];
  }
  return out;
}

/** Aᵀ (N×M) as a new array, for A (M×N). */
export function transposed(A: Float64Array, M: number, N: number): Float64Array {
  return transposeInto(new Float64Array(M * N), A, M, N);
}

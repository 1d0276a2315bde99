// Matrix products on flat row-major Float64Arrays, in the three layouts backward needs:
//   nn: C = A·B     (A: M×K, B: K×N)   forward
//   nt: C = A·Bᵀ    (A: M×K, B: N×K)   dA = dC·Bᵀ
//   tn: C = Aᵀ·B    (A: K×M, B: K×N)   dB = Aᵀ·dC
// C is M×N. With `acc` the product is added to C instead of overwriting it.
//
// Plain JavaScript has no SIMD, so speed comes from doing more arithmetic per load: each loop
// below updates a 2×N strip or keeps 4 independent accumulators, and unrolls K by 4 so a row of
// C is read and written once per four multiply-adds. A naive triple loop runs at about a third
// of this speed.

export function matmulNN(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc = false): void {
  if (!acc) C.fill(0, 0, M * N);
  let i = 0;
  for (; i + 1 < M; i += 2) {
    const c0 = i * N, c1 = c0 + N, a0 = i * K, a1 = a0 + K;
    let k = 0;
    for (; k + 3 < K; k += 4) {
      const x0 = A[a0 + k], x1 = A[a0 + k + 1], x2 = A[a0 + k + 2], x3 = A[a0 + k + 3];
      const y0 = A[a1 + k], y1 = A[a1 + k + 1], y2 = A[a1 + k + 2], y3 = A[a1 + k + 3];
      const b0 = k * N, b1 = b0 + N, b2 = b1 + N, b3 = b2 + N;
      for (let j = 0; j < N; j++) {
        const p = B[b0 + j], q = B[b1 + j], r = B[b2 + j], s = B[b3 + j];
        C[c0 + j] += x0 * p + x1 * q + x2 * r + x3 * s;
        C[c1 + j] += y0 * p + y1 * q + y2 * r + y3 * s;
      }
    }
    for (; k < K; k++) {
      const x = A[a0 + k], y = A[a1 + k], b = k * N;
      for (let j = 0; j < N; j++) {
        C[c0 + j] += x * B[b + j];
        C[c1 + j] += y * B[b + j];
      }
    }
  }
  if (i < M) rowTimesMatrix(A, i * K, B, C, i * N, K, N);
}

/** c[cOff..cOff+N) += a[aOff..aOff+K) · B, B being K×N. (The batch-1 case: a vector times a matrix.) */
function rowTimesMatrix(A: Float64Array, aOff: number, B: Float64Array, C: Float64Array, cOff: number, K: number, N: number): void {
  let k = 0;
  for (; k + 3 < K; k += 4) {
    const x0 = A[aOff + k], x1 = A[aOff + k + 1], x2 = A[aOff + k + 2], x3 = A[aOff + k + 3];
    const b0 = k * N, b1 = b0 + N, b2 = b1 + N, b3 = b2 + N;
    for (let j = 0; j < N; j++) {
      C[cOff + j] += x0 * B[b0 + j] + x1 * B[b1 + j] + x2 * B[b2 + j] + x3 * B[b3 + j];
    }
  }
  for (; k < K; k++) {
    const x = A[aOff + k], b = k * N;
    for (let j = 0; j < N; j++) C[cOff + j] += x * B[b + j];
  }
}

export function matmulNT(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc = false): void {
  for (let i = 0; i < M; i++) {
    const a = i * K, c = i * N;
    let j = 0;
    for (; j + 1 < N; j += 2) {
      const b0 = j * K, b1 = b0 + K;
      // two dot products at once, each with two partial sums
      let s0 = 0, s1 = 0, t0 = 0, t1 = 0;
      let k = 0;
      for (; k + 1 < K; k += 2) {
        const x0 = A[a + k], x1 = A[a + k + 1];
        s0 += x0 * B[b0 + k];
        s1 += x1 * B[b0 + k + 1];
        t0 += x0 * B[b1 + k];
        t1 += x1 * B[b1 + k + 1];
      }
      if (k < K) {
        s0 += A[a + k] * B[b0 + k];
        t0 += A[a + k] * B[b1 + k];
      }
      if (acc) {
        C[c + j] += s0 + s1;
        C[c + j + 1] += t0 + t1;
      } else {
        C[c + j] = s0 + s1;
        C[c + j + 1] = t0 + t1;
      }
    }
    if (j < N) {
      const b0 = j * K;
      let s0 = 0, s1 = 0;
      let k = 0;
      for (; k + 1 < K; k += 2) {
        s0 += A[a + k] * B[b0 + k];
        s1 += A[a + k + 1] * B[b0 + k + 1];
      }
      if (k < K) s0 += A[a + k] * B[b0 + k];
      C[c + j] = acc ? C[c + j] + s0 + s1 : s0 + s1;
    }
  }
}

export function matmulTN(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc = false): void {
  if (!acc) C.fill(0, 0, M * N);
  let k = 0;
  for (; k + 3 < K; k += 4) {
    const a0 = k * M, a1 = a0 + M, a2 = a1 + M, a3 = a2 + M;
    const b0 = k * N, b1 = b0 + N, b2 = b1 + N, b3 = b2 + N;
    for (let i = 0; i < M; i++) {
      const x0 = A[a0 + i], x1 = A[a1 + i], x2 = A[a2 + i], x3 = A[a3 + i];
      const c = i * N;
      for (let j = 0; j < N; j++) {
        C[c + j] += x0 * B[b0 + j] + x1 * B[b1 + j] + x2 * B[b2 + j] + x3 * B[b3 + j];
      }
    }
  }
  for (; k < K; k++) {
    const a = k * M, b = k * N;
    for (let i = 0; i < M; i++) {
      const x = A[a + i], c = i * N;
      for (let j = 0; j < N; j++) C[c + j] += x * B[b + j];
    }
  }
}

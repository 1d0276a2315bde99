// Matrix products on flat row-major Float64Arrays, in the three layouts backward needs:
//   nn: C = A·B     (A: M×K, B: K×N)   forward
//   nt: C = A·Bᵀ    (A: M×K, B: N×K)   dA = dC·Bᵀ
//   tn: C = Aᵀ·B    (A: K×M, B: K×N)   dB = Aᵀ·dC
// C is M×N. With `acc` the product is added to C instead of overwriting it.
//
// Plain JavaScript has no SIMD, so speed comes from doing more arithmetic per load: nn and tn
// update two rows of C at once and unroll K by 4, so each row of C is read and written once per
// four multiply-adds and each load of B serves two rows; nt computes four dot products at once.
// These run at 4–7 GFLOP/s on the shapes of min-char-rnn; a naive triple loop at about 1.

export function matmulNN(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc = false): void {
  if (!acc) C.fill(0, 0, M * N);
  let i = 0;
  for (; i + 1 < M; i += 2) {
    const c0 = i * N,
      c1 = c0 + N,
      a0 = i * K,
      a1 = a0 + K;
    let k = 0;
    for (; k + 3 < K; k += 4) {
      const x0 = A[a0 + k],
        x1 = A[a0 + k + 1],
        x2 = A[a0 + k + 2],
        x3 = A[a0 + k + 3];
      const y0 = A[a1 + k],
        y1 = A[a1 + k + 1],
        y2 = A[a1 + k + 2],
        y3 = A[a1 + k + 3];
      const b0 = k * N,
        b1 = b0 + N,
        b2 = b1 + N,
        b3 = b2 + N;
      for (let j = 0; j < N; j++) {
        const p = B[b0 + j],
          q = B[b1 + j],
          r = B[b2 + j],
          s = B[b3 + j];
        C[c0 + j] += x0 * p + x1 * q + x2 * r + x3 * s;
        C[c1 + j] += y0 * p + y1 * q + y2 * r + y3 * s;
      }
    }
    for (; k < K; k++) {
      const x = A[a0 + k],
        y = A[a1 + k],
        b = k * N;
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
    const x0 = A[aOff + k],
      x1 = A[aOff + k + 1],
      x2 = A[aOff + k + 2],
      x3 = A[aOff + k + 3];
    const b0 = k * N,
      b1 = b0 + N,
      b2 = b1 + N,
      b3 = b2 + N;
    for (let j = 0; j < N; j++) {
      C[cOff + j] += x0 * B[b0 + j] + x1 * B[b1 + j] + x2 * B[b2 + j] + x3 * B[b3 + j];
    }
  }
  for (; k < K; k++) {
    const x = A[aOff + k],
      b = k * N;
    for (let j = 0; j < N; j++) C[cOff + j] += x * B[b + j];
  }
}

export function matmulNT(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc = false): void {
  for (let i = 0; i < M; i++) {
    const a = i * K,
      c = i * N;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      // four dot products at once: each A[i, k] loaded once serves four rows of B
      const b0 = j * K,
        b1 = b0 + K,
        b2 = b1 + K,
        b3 = b2 + K;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let k = 0; k < K; k++) {
        const x = A[a + k];
        s0 += x * B[b0 + k];
        s1 += x * B[b1 + k];
        s2 += x * B[b2 + k];
        s3 += x * B[b3 + k];
      }
      if (acc) {
        C[c + j] += s0;
        C[c + j + 1] += s1;
        C[c + j + 2] += s2;
        C[c + j + 3] += s3;
      } else {
        C[c + j] = s0;
        C[c + j + 1] = s1;
        C[c + j + 2] = s2;
        C[c + j + 3] = s3;
      }
    }
    for (; j < N; j++) {
      const b0 = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a + k] * B[b0 + k];
      C[c + j] = acc ? C[c + j] + s : s;
    }
  }
}

export function matmulTN(A: Float64Array, B: Float64Array, C: Float64Array, M: number, K: number, N: number, acc = false): void {
  if (!acc) C.fill(0, 0, M * N);
  let k = 0;
  for (; k + 3 < K; k += 4) {
    const a0 = k * M,
      a1 = a0 + M,
      a2 = a1 + M,
      a3 = a2 + M;
    const b0 = k * N,
      b1 = b0 + N,
      b2 = b1 + N,
      b3 = b2 + N;
    let i = 0;
    for (; i + 1 < M; i += 2) {
      // rows i and i+1 of C share each load of B's four rows
      const x0 = A[a0 + i],
        x1 = A[a1 + i],
        x2 = A[a2 + i],
        x3 = A[a3 + i];
      const y0 = A[a0 + i + 1],
        y1 = A[a1 + i + 1],
        y2 = A[a2 + i + 1],
        y3 = A[a3 + i + 1];
      const c0 = i * N,
        c1 = c0 + N;
      for (let j = 0; j < N; j++) {
        const p = B[b0 + j],
          q = B[b1 + j],
          r = B[b2 + j],
          s = B[b3 + j];
        C[c0 + j] += x0 * p + x1 * q + x2 * r + x3 * s;
        C[c1 + j] += y0 * p + y1 * q + y2 * r + y3 * s;
      }
    }
    if (i < M) {
      const x0 = A[a0 + i],
        x1 = A[a1 + i],
        x2 = A[a2 + i],
        x3 = A[a3 + i];
      const c = i * N;
      for (let j = 0; j < N; j++) C[c + j] += x0 * B[b0 + j] + x1 * B[b1 + j] + x2 * B[b2 + j] + x3 * B[b3 + j];
    }
  }
  for (; k < K; k++) {
    const a = k * M,
      b = k * N;
    for (let i = 0; i < M; i++) {
      const x = A[a + i],
        c = i * N;
      for (let j = 0; j < N; j++) C[c + j] += x * B[b + j];
    }
  }
}

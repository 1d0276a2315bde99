// The fast path's kernel seam: every numeric loop that one training step of char-rnn's models
// needs, as whole-array operations on flat row-major arrays, in float32 or float64.
//
// Two implementations: `referenceKernels` below (plain TypeScript, readable: the specification and
// the fallback) and the WebAssembly SIMD set (wasm.ts), which must give the same numbers up to
// rounding. Arrays passed to a kernel set must come from its own `alloc` (or be subarrays of such
// arrays): the WebAssembly set keeps all of them inside its memory and passes only offsets.
//
// Dimensions: M, N, K matrix sizes; B rows (streams) of one time step; H hidden size; V vocabulary.
// A "(B, 4H)" gate block holds one row per stream, the gates side by side in PyTorch's order.

import { matmulNN, matmulNT, matmulTN } from '../engine/kernels/matmul.ts';
import { type FloatArray, float64Ops, type VectorOps } from '../optim/vector.ts';
import type { ProgramRunner } from './kernel-calls.ts';

export type DType = 'f32' | 'f64';
export type { FloatArray };
export type KernelName = 'ts' | 'wasm';
export const KERNEL_NAMES: readonly KernelName[] = ['ts', 'wasm'];

/** The optimizers' and clipping's elementwise operations (src/optim/vector.ts) are part of every set. */
/** Something that hands out arrays: a kernel set, or a counter that sizes a set's memory first (arenaBytes). */
export interface Arena {
  alloc(n: number): FloatArray;
  allocInt(n: number): Int32Array;
}

/**
 * The bytes of kernel memory that `allocate` takes, found by running it on an arena that only
 * counts (each array rounded up to 16 bytes, plus 16 to spare): the allocation code is the one
 * count, so a size cannot fall out of step with it. `allocate` must only allocate: the arrays it
 * gets here are empty.
 */
export function arenaBytes(dtype: DType, allocate: (a: Arena) => unknown): number {
  let bytes = 0;
  const count = (n: number, size: number): void => {
    bytes += Math.ceil((n * size) / 16) * 16 + 16;
  };
  const size = dtype === 'f32' ? 4 : 8;
  allocate({
    alloc: (n) => (count(n, size), new Float64Array(0)),
    allocInt: (n) => (count(n, 4), new Int32Array(0)),
  });
  return bytes;
}

export interface FastKernels extends VectorOps, Arena {
  readonly name: KernelName;
  readonly dtype: DType;
  /** Threads the large matrix products are split over (1 for the reference set). */
  readonly threads: number;
  /** Runs recorded groups of kernel calls on both threads at once (kernel-calls.ts, programs.ts); null with one thread. */
  readonly programs: ProgramRunner | null;
  // alloc(n), allocInt(n) (Arena): zeroed arrays of this set's dtype and of int32 ids, usable by its kernels
  /** Stops helper threads; the set must not be used afterwards. */
  dispose(): void;

  // ---- matrix products: C (M×N) = op(A)·op(B), or += with acc -------------------------------
  /** A (M×K) · B (K×N) */
  gemmNN(A: FloatArray, B: FloatArray, C: FloatArray, M: number, K: number, N: number, acc: boolean): void;
  /** A (M×K) · Bᵀ, B stored N×K */
  gemmNT(A: FloatArray, B: FloatArray, C: FloatArray, M: number, K: number, N: number, acc: boolean): void;
  /** Aᵀ · B, A stored K×M, B K×N */
  gemmTN(A: FloatArray, B: FloatArray, C: FloatArray, M: number, K: number, N: number, acc: boolean): void;

  // ---- rows and columns ------------------------------------------------------------------
  /** out[i, :] = table[ids[i], :] + bias for i < M (table has N columns; an embedding lookup). */
  gatherRows(out: FloatArray, table: FloatArray, ids: Int32Array, bias: FloatArray, M: number, N: number): void;
  /** out[ids[i], :] += src[i, :] for i < M (N columns). */
  scatterAddRows(out: FloatArray, src: FloatArray, ids: Int32Array, M: number, N: number): void;
  /** out[i, :] = b for i < M (N columns). */
  fillRows(out: FloatArray, b: FloatArray, M: number, N: number): void;
  /** out[j] += Σ_i A[i, j] (A is M×N). */
  addColumnSums(out: FloatArray, A: FloatArray, M: number, N: number): void;
  /** out[i] = x[i] · m[i] for i < n (out may be x). */
  mul(out: FloatArray, x: FloatArray, m: FloatArray, n: number): void;

  // ---- one time step of a cell, B rows --------------------------------------------------
  /** RNN: h = tanh(a + b_hh), a (B, H) being the input side plus h_{t−1}·W_hhᵀ. */
  rnnForward(a: FloatArray, bhh: FloatArray, h: FloatArray, B: number, H: number): void;
  /** RNN: da = (1 − h²) ⊙ dh. */
  rnnBackward(h: FloatArray, dh: FloatArray, da: FloatArray, B: number, H: number): void;
  /**
   * LSTM: a (B, 4H) holds A_t + h_{t−1}·W_hhᵀ on entry; adds b_hh, applies σ, σ, tanh, σ and
   * leaves the gate values i, f, g, o in a. Then c = f ⊙ cPrev + i ⊙ g, tanhC = tanh(c),
   * h = o ⊙ tanhC (c, tanhC, h are (B, H)).
   */
  lstmForward(a: FloatArray, bhh: FloatArray, cPrev: FloatArray, c: FloatArray, tanhC: FloatArray, h: FloatArray, B: number, H: number): void;
  /**
   * LSTM backward through one step (lstm.manual.ts): from the gate values, cPrev, tanhC and
   * dh = ∂loss/∂h_t, with dc holding ∂loss/∂c_t from step t+1 on entry (zero at the last step)
   * and ∂loss/∂c_{t−1} on exit; writes da (B, 4H), the gradient of the pre-activations.
   */
  lstmBackward(gates: FloatArray, cPrev: FloatArray, tanhC: FloatArray, dh: FloatArray, dc: FloatArray, da: FloatArray, B: number, H: number): void;
  /**
   * GRU (PyTorch's, gru.manual.ts): a (B, 3H) is the input side A_t on entry, u (B, 3H) the hidden
   * side h_{t−1}·W_hhᵀ + b_hh. r = σ(a_r + u_r), z = σ(a_z + u_z), n = tanh(a_n + r ⊙ u_n),
   * h = (1 − z) ⊙ n + z ⊙ hPrev. Leaves r, z, n in a and copies u_n into un (B, H).
   */
  gruForward(a: FloatArray, u: FloatArray, hPrev: FloatArray, h: FloatArray, un: FloatArray, B: number, H: number): void;
  /**
   * GRU backward through one step: writes da (input side) and du (hidden side), both (B, 3H), and
   * adds dh ⊙ z into dhPrev (null at t = 0, where truncated backprop drops it).
   */
  gruBackward(
    gates: FloatArray,
    un: FloatArray,
    hPrev: FloatArray,
    dh: FloatArray,
    dhPrev: FloatArray | null,
    da: FloatArray,
    du: FloatArray,
    B: number,
    H: number,
  ): void;

  // ---- the tape's elementwise ops (tape.ts): functions and operators by code ---------------
  /** out[i] = f(x[i]) for i < n, f = UNARY_CODES' function `code` (out may be x). */
  mapUnary(out: FloatArray, x: FloatArray, n: number, code: number): void;
  /** out[i] = dy[i] · f′ for i < n, f′ written with the output y = f(x): eˣ → y, tanh → 1 − y², σ → y(1 − y). */
  chainUnary(out: FloatArray, dy: FloatArray, y: FloatArray, n: number, code: number): void;
  /** out[i] = a[i] (op) b[i mod m] for i < n (m divides n; m = n for equal shapes), op = BINARY_CODES' `code`. */
  binaryRows(out: FloatArray, a: FloatArray, b: FloatArray, n: number, m: number, code: number): void;
  /**
   * out[r·outStride + j] = a[r·aStride + j] for r < rows, j < width: a block of rows moved between two
   * row strides (the tape's slices, their gradients and concatenations). out and a must not overlap.
   */
  copyRows(out: FloatArray, outStride: number, a: FloatArray, aStride: number, rows: number, width: number): void;

  // ---- loss ------------------------------------------------------------------------------
  /**
   * Softmax cross-entropy of M rows of logits Y (M, V) against targets; returns Σ_i −log p_i[target_i]
   * (summed in float64). Y is overwritten with (softmax(Y) − onehot(target)) · scale, the loss's
   * gradient when the loss is scaled by `scale` (1/M for a mean).
   */
  softmaxCrossEntropy(Y: FloatArray, targets: Int32Array, M: number, V: number, scale: number): number;
}

/** The functions mapUnary and chainUnary know, by code (the engine's op names). */
export const UNARY_CODES = { exp: 0, tanh: 1, sigmoid: 2 } as const;
/** The operators binaryRows knows, by code (the engine's op names). */
export const BINARY_CODES = { add: 0, sub: 1, mul: 2, div: 3 } as const;

/**
 * σ(x) = 1 / (1 + e^−x).
 * NOTE: for x < 0 it is computed as eˣ / (1 + eˣ), so exp never sees a large positive argument.
 */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** The reference kernels: plain TypeScript loops, computing in float64 and storing in the dtype. */
export function referenceKernels(dtype: DType): FastKernels {
  const F = dtype === 'f32' ? Float32Array : Float64Array;
  // The engine's matrix products are written for Float64Array; they index, so they run on either.
  const as64 = (a: FloatArray) => a as Float64Array;
  return {
    name: 'ts',
    dtype,
    threads: 1,
    programs: null,
    alloc: (n) => new F(n),
    allocInt: (n) => new Int32Array(n),
    dispose() {},

    gemmNN: (A, B, C, M, K, N, acc) => matmulNN(as64(A), as64(B), as64(C), M, K, N, acc),
    gemmNT: (A, B, C, M, K, N, acc) => matmulNT(as64(A), as64(B), as64(C), M, K, N, acc),
    gemmTN: (A, B, C, M, K, N, acc) => matmulTN(as64(A), as64(B), as64(C), M, K, N, acc),

    gatherRows(out, table, ids, bias, M, N) {
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[i * N + j] = table[ids[i] * N + j] + bias[j];
    },
    scatterAddRows(out, src, ids, M, N) {
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[ids[i] * N + j] += src[i * N + j];
    },
    fillRows(out, b, M, N) {
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[i * N + j] = b[j];
    },
    addColumnSums(out, A, M, N) {
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[j] += A[i * N + j];
    },
    mul(out, x, m, n) {
      for (let i = 0; i < n; i++) out[i] = x[i] * m[i];
    },

    rnnForward(a, bhh, h, B, H) {
      for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) h[b * H + j] = Math.tanh(a[b * H + j] + bhh[j]);
    },
    rnnBackward(h, dh, da, B, H) {
      for (let k = 0; k < B * H; k++) da[k] = (1 - h[k] * h[k]) * dh[k];
    },
    lstmForward(a, bhh, cPrev, c, tanhC, h, B, H) {
      const G = 4 * H;
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const x = b * G + j,
            k = b * H + j;
          const i = sigmoid(a[x] + bhh[j]);
          const f = sigmoid(a[x + H] + bhh[H + j]);
          const g = Math.tanh(a[x + 2 * H] + bhh[2 * H + j]);
          const o = sigmoid(a[x + 3 * H] + bhh[3 * H + j]);
          a[x] = i;
          a[x + H] = f;
          a[x + 2 * H] = g;
          a[x + 3 * H] = o;
          c[k] = f * cPrev[k] + i * g;
          tanhC[k] = Math.tanh(c[k]);
          h[k] = o * tanhC[k];
        }
      }
    },
    lstmBackward(gates, cPrev, tanhC, dh, dc, da, B, H) {
      const G = 4 * H;
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const x = b * G + j,
            k = b * H + j;
          const i = gates[x],
            f = gates[x + H],
            g = gates[x + 2 * H],
            o = gates[x + 3 * H];
          const tc = tanhC[k];
          const dC = dc[k] + dh[k] * o * (1 - tc * tc);
          dc[k] = dC * f;
          da[x] = dC * g * i * (1 - i);
          da[x + H] = dC * cPrev[k] * f * (1 - f);
          da[x + 2 * H] = dC * i * (1 - g * g);
          da[x + 3 * H] = dh[k] * tc * o * (1 - o);
        }
      }
    },
    gruForward(a, u, hPrev, h, un, B, H) {
      const G = 3 * H;
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const x = b * G + j,
            k = b * H + j;
          const r = sigmoid(a[x] + u[x]);
          const z = sigmoid(a[x + H] + u[x + H]);
          const n = Math.tanh(a[x + 2 * H] + r * u[x + 2 * H]);
          a[x] = r;
          a[x + H] = z;
          a[x + 2 * H] = n;
          un[k] = u[x + 2 * H];
          h[k] = (1 - z) * n + z * hPrev[k];
        }
      }
    },
    gruBackward(gates, un, hPrev, dh, dhPrev, da, du, B, H) {
      const G = 3 * H;
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const x = b * G + j,
            k = b * H + j;
          const r = gates[x],
            z = gates[x + H],
            n = gates[x + 2 * H];
          const d = dh[k];
          if (dhPrev) dhPrev[k] += d * z;
          const dan = d * (1 - z) * (1 - n * n);
          const dar = dan * un[k] * r * (1 - r);
          const daz = d * (hPrev[k] - n) * z * (1 - z);
          da[x] = dar;
          da[x + H] = daz;
          da[x + 2 * H] = dan;
          du[x] = dar;
          du[x + H] = daz;
          du[x + 2 * H] = dan * r;
        }
      }
    },

    mapUnary(out, x, n, code) {
      const f = code === UNARY_CODES.exp ? Math.exp : code === UNARY_CODES.tanh ? Math.tanh : sigmoid;
      for (let i = 0; i < n; i++) out[i] = f(x[i]);
    },
    chainUnary(out, dy, y, n, code) {
      for (let i = 0; i < n; i++) {
        const v = y[i];
        out[i] = dy[i] * (code === UNARY_CODES.exp ? v : code === UNARY_CODES.tanh ? 1 - v * v : v * (1 - v));
      }
    },
    copyRows(out, outStride, a, aStride, rows, width) {
      for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) out[r * outStride + j] = a[r * aStride + j];
    },
    binaryRows(out, a, b, n, m, code) {
      for (let i = 0; i < n; i++) {
        const x = a[i],
          y = b[i % m];
        out[i] = code === BINARY_CODES.add ? x + y : code === BINARY_CODES.sub ? x - y : code === BINARY_CODES.mul ? x * y : x / y;
      }
    },

    softmaxCrossEntropy(Y, targets, M, V, scale) {
      let loss = 0;
      for (let i = 0; i < M; i++) {
        const o = i * V;
        let max = -Infinity;
        for (let v = 0; v < V; v++) if (Y[o + v] > max) max = Y[o + v];
        let z = 0;
        for (let v = 0; v < V; v++) z += Math.exp(Y[o + v] - max);
        loss += Math.log(z) + max - Y[o + targets[i]];
        for (let v = 0; v < V; v++) Y[o + v] = (Math.exp(Y[o + v] - max) / z) * scale;
        Y[o + targets[i]] -= scale;
      }
      return loss;
    },

    ...float64Ops, // the optimizer and clipping loops, shared with the readable optimizers
  };
}

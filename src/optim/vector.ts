// The elementwise operations that optimizers and clipping are made of, over n entries of float
// arrays (float64, or float32 on the fast path). The fast kernel sets (src/fast/kernels.ts)
// implement this interface in WebAssembly; `float64Ops` is the plain loop version that the
// readable optimizers run and that the reference kernel set reuses, so each formula is written once.

export type FloatArray = Float32Array | Float64Array;

export interface VectorOps {
  /** mem += g²; w −= lr·g / √(mem + eps) */
  adagrad(w: FloatArray, g: FloatArray, mem: FloatArray, n: number, lr: number, eps: number): void;
  /** sq = α·sq + (1 − α)·g²; w −= lr·g / (√sq + eps) */
  rmsprop(w: FloatArray, g: FloatArray, sq: FloatArray, n: number, lr: number, alpha: number, eps: number): void;
  /** m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g²; w −= stepSize·m / (√v / root2 + eps) */
  adam(w: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, n: number, stepSize: number, root2: number, beta1: number, beta2: number, eps: number): void;
  /** Clips each entry to [−c, c]; returns how many were cut. */
  clip(g: FloatArray, n: number, c: number): number;
  /** g *= s */
  scale(g: FloatArray, n: number, s: number): void;
  /** Σ g², accumulated in float64 (NaN or ∞ when an entry is). */
  sumSquares(g: FloatArray, n: number): number;
}

/**
 * Where an optimizer keeps its slots and which loops update them: the JavaScript heap and the
 * float64 loops below (`heapMemory`), or a kernel set's memory and its kernels (the tape on the
 * WebAssembly kernels, src/fast/tape.ts). `ops` must accept arrays from `alloc` and from anywhere
 * the parameters and gradients it is given live.
 */
export interface VectorMemory {
  readonly ops: VectorOps;
  /** n zeros that last (until the memory itself is dropped). */
  alloc(n: number): Float64Array;
}

/** The optimizer and clipping loops in plain TypeScript, computing in float64. */
export const float64Ops: VectorOps = {
  adagrad(w, g, mem, n, lr, eps) {
    for (let i = 0; i < n; i++) {
      mem[i] += g[i] * g[i];
      w[i] -= (lr * g[i]) / Math.sqrt(mem[i] + eps);
    }
  },
  rmsprop(w, g, sq, n, lr, alpha, eps) {
    const beta = 1 - alpha;
    for (let i = 0; i < n; i++) {
      sq[i] = alpha * sq[i] + beta * g[i] * g[i];
      w[i] -= (lr * g[i]) / (Math.sqrt(sq[i]) + eps);
    }
  },
  adam(w, g, m, v, n, stepSize, root2, beta1, beta2, eps) {
    const a1 = 1 - beta1,
      a2 = 1 - beta2;
    for (let i = 0; i < n; i++) {
      m[i] = beta1 * m[i] + a1 * g[i];
      v[i] = beta2 * v[i] + a2 * g[i] * g[i];
      w[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / root2 + eps);
    }
  },
  clip(g, n, c) {
    let cut = 0;
    for (let i = 0; i < n; i++) {
      if (g[i] > c) {
        g[i] = c;
        cut++;
      } else if (g[i] < -c) {
        g[i] = -c;
        cut++;
      }
    }
    return cut;
  },
  scale(g, n, s) {
    for (let i = 0; i < n; i++) g[i] *= s;
  },
  sumSquares(g, n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += g[i] * g[i];
    return s;
  },
};

/** Slots on the JavaScript heap, updated by the float64 loops. */
export const heapMemory: VectorMemory = { ops: float64Ops, alloc: (n) => new Float64Array(n) };

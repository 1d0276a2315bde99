// The WebAssembly kernel set's wrapper (src/fast/wasm.ts): every FastKernels method reaches its
// export with the arguments in the right order and the right kinds (arrays as offsets, null, numbers,
// returns), checked against the reference kernels on small odd sizes. The fused kernels' numerics
// are tested in depth in fused.test.ts; here a wrong argument would show as a gross difference.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { type DType, type FastKernels, type FloatArray, referenceKernels } from '../../src/fast/kernels.ts';
import { wasmAvailable, wasmKernels } from '../../src/fast/wasm.ts';

const support = wasmAvailable();
const B = 3,
  H = 5,
  V = 7,
  M = 4,
  N = 6,
  n = 11;

/** An argument: a float array of `len` values from `gen`, token ids below `below`, a number, a boolean or null. */
type Arg = { len: number; gen: (r: Rng) => number } | { ids: number; below: number } | number | boolean | null;
const arr = (len: number, lo = -2, hi = 2): Arg => ({ len, gen: (r) => lo + (hi - lo) * r.uniform() });
const ids = (count: number, below: number): Arg => ({ ids: count, below });

type Checked = Exclude<keyof FastKernels, 'name' | 'dtype' | 'threads' | 'programs' | 'alloc' | 'allocInt' | 'dispose'>;
// A Record so that a FastKernels method without a case here is a type error.
const CASES: Record<Checked, Arg[][]> = {
  gemmNN: [[arr(M * 3), arr(3 * N), arr(M * N), M, 3, N, true]],
  gemmNT: [[arr(M * 3), arr(N * 3), arr(M * N), M, 3, N, false]],
  gemmTN: [[arr(3 * M), arr(3 * N), arr(M * N), M, 3, N, true]],
  gatherRows: [[arr(M * N), arr(V * N), ids(M, V), arr(N), M, N]],
  scatterAddRows: [[arr(V * N), arr(M * N), ids(M, V), M, N]],
  fillRows: [[arr(M * N), arr(N), M, N]],
  addColumnSums: [[arr(N), arr(M * N), M, N]],
  mul: [[arr(n), arr(n), arr(n), n]],
  rnnForward: [[arr(B * H), arr(H), arr(B * H), B, H]],
  rnnBackward: [[arr(B * H, -1, 1), arr(B * H), arr(B * H), B, H]],
  lstmForward: [[arr(B * 4 * H), arr(4 * H), arr(B * H), arr(B * H), arr(B * H), arr(B * H), B, H]],
  lstmBackward: [[arr(B * 4 * H, 0, 1), arr(B * H), arr(B * H, -1, 1), arr(B * H), arr(B * H), arr(B * 4 * H), B, H]],
  gruForward: [[arr(B * 3 * H), arr(B * 3 * H), arr(B * H), arr(B * H), arr(B * H), B, H]],
  gruBackward: [
    [arr(B * 3 * H, 0, 1), arr(B * H), arr(B * H), arr(B * H), arr(B * H), arr(B * 3 * H), arr(B * 3 * H), B, H],
    [arr(B * 3 * H, 0, 1), arr(B * H), arr(B * H), arr(B * H), null, arr(B * 3 * H), arr(B * 3 * H), B, H],
  ],
  softmaxCrossEntropy: [[arr(M * V), ids(M, V), M, V, 0.25]],
  // every function and operator code, n not a multiple of the lanes, and rows of m = 5
  mapUnary: [0, 1, 2].map((code) => [arr(n), arr(n), n, code]),
  chainUnary: [0, 1, 2].map((code) => [arr(n), arr(n), arr(n, 0, 1), n, code]),
  binaryRows: [0, 1, 2, 3].flatMap((code) => [
    [arr(n), arr(n), arr(n, 0.5, 2), n, n, code],
    [arr(3 * 5), arr(3 * 5), arr(5, 0.5, 2), 15, 5, code],
  ]),
  // a 3 × 4 block from rows of 5 into rows of 7 (the rest of out untouched), and whole rows
  copyRows: [
    [arr(3 * 7), 7, arr(3 * 5), 5, 3, 4],
    [arr(n), 0, arr(n), 0, 1, n],
  ],
  adagrad: [[arr(n), arr(n), arr(n, 0.1, 2), n, 0.1, 1e-8]],
  rmsprop: [[arr(n), arr(n), arr(n, 0.1, 2), n, 0.01, 0.9, 1e-8]],
  adam: [[arr(n), arr(n), arr(n), arr(n, 0.1, 2), n, 0.01, 0.95, 0.9, 0.999, 1e-8]],
  clip: [[arr(n), n, 1]],
  scale: [[arr(n), n, -0.5]],
  sumSquares: [[arr(n), n]],
};

/** Runs `method` with the same inputs on both sets; returns [wasm, reference] outputs (arrays and the return value). */
function both(k: FastKernels, r: FastKernels, method: Checked, args: Arg[], seed: number): [number[][], number[][]] {
  const rng = new Rng(seed);
  const ka: unknown[] = [],
    ra: unknown[] = [];
  for (const a of args) {
    if (a === null || typeof a === 'number' || typeof a === 'boolean') {
      ka.push(a), ra.push(a);
    } else if ('ids' in a) {
      const x = k.allocInt(a.ids),
        y = r.allocInt(a.ids);
      for (let i = 0; i < a.ids; i++) x[i] = y[i] = rng.int(a.below);
      ka.push(x), ra.push(y);
    } else {
      const x = k.alloc(a.len),
        y = r.alloc(a.len);
      for (let i = 0; i < a.len; i++) x[i] = y[i] = a.gen(rng);
      ka.push(x), ra.push(y);
    }
  }
  const out = (set: unknown[], ret: unknown) => [
    ...set.filter((x) => ArrayBuffer.isView(x)).map((x) => Array.from(x as FloatArray)),
    ret === undefined ? [] : [ret as number],
  ];
  const kr = (k[method] as (...a: unknown[]) => unknown)(...ka);
  const rr = (r[method] as (...a: unknown[]) => unknown)(...ra);
  return [out(ka, kr), out(ra, rr)];
}

describe.skipIf(!support.ok)('the WebAssembly kernel set matches the reference kernels, method by method', () => {
  for (const dtype of ['f32', 'f64'] as DType[]) {
    for (const method of Object.keys(CASES) as Checked[]) {
      it(`${method} ${dtype}`, () => {
        const k = wasmKernels({ dtype, threads: 1, bytes: 1 << 16 });
        const r = referenceKernels(dtype);
        CASES[method].forEach((args, c) => {
          const [got, want] = both(k, r, method, args, 100 + c);
          expect(got.length).toBe(want.length);
          // f32 elementwise formulas differ from the reference's float64 evaluation by a few ulps
          const tol = dtype === 'f32' ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 1e-12, atol: 1e-14 };
          got.forEach((g, i) => expect(g, `${method} case ${c}, output ${i}`).toBeAllClose(want[i], tol));
        });
      });
    }
  }
});

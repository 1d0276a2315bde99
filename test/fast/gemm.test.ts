// The WebAssembly matrix products (kernels/assembly/gemm.ts through src/fast/wasm.ts) against the
// reference kernels, in every layout, dtype and build, on shapes that hit the edges of the blocking
// (1, 3, 7, 65, past one K, M or N block); one and two threads give the same bits; the allocator.
//
// Tolerance: a sum of K products computed in floating point with unit roundoff u is off by at most
// about (K + 1)·u·Σ_k |a_ik||b_kj| (Higham's γ_n bound; the +1 is the final add into C with acc). The
// reference itself runs in float64 on the same inputs, so for f64 both sides carry such an error:
// we allow 2·(K + 2)·u·(Σ|a||b| + |C₀|), with u = 2⁻²⁴ (f32) or 2⁻⁵³ (f64).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { type DType, type FloatArray, referenceKernels } from '../../src/fast/kernels.ts';
import { type WasmKernels, wasmAvailable, wasmKernels } from '../../src/fast/wasm.ts';

type Layout = 'gemmNN' | 'gemmNT' | 'gemmTN';
const LAYOUTS: Layout[] = ['gemmNN', 'gemmNT', 'gemmTN'];
const support = wasmAvailable();
const ref = referenceKernels('f64');
const unit = (dtype: DType) => (dtype === 'f32' ? 2 ** -24 : 2 ** -53);

/** Fills `a` with uniform values in [−1, 1) from `rng`. */
function fill(a: FloatArray, rng: Rng): void {
  for (let i = 0; i < a.length; i++) a[i] = 2 * rng.uniform() - 1;
}

/**
 * Runs one product on `k` with arrays placed `shift` elements past a 16-byte boundary (so the kernels
 * see unaligned rows) and guard elements around C, and checks it against the float64 reference.
 */
function check(k: WasmKernels, layout: Layout, M: number, K: number, N: number, acc: boolean, seed: number, shift = 0): FloatArray {
  const rng = new Rng(seed);
  const guard = 5;
  const A = k.alloc(M * K + shift).subarray(shift),
    B = k.alloc(K * N + shift).subarray(shift);
  const Cbig = k.alloc(M * N + 2 * guard + shift).subarray(shift);
  fill(A, rng), fill(B, rng), fill(Cbig, rng);
  const C = Cbig.subarray(guard, guard + M * N);
  const before = Float64Array.from(Cbig);
  const A64 = Float64Array.from(A),
    B64 = Float64Array.from(B);
  const expected = Float64Array.from(C);
  ref[layout](A64, B64, expected, M, K, N, acc);
  // Σ_k |a||b| (+ |C₀| with acc): the scale of each entry's rounding error
  const scale = acc ? before.slice(guard, guard + M * N).map(Math.abs) : new Float64Array(M * N);
  ref[layout](A64.map(Math.abs), B64.map(Math.abs), scale, M, K, N, true);

  k[layout](A, B, C, M, K, N, acc);

  const tol = 2 * (K + 2) * unit(k.dtype);
  let worst = 0,
    at = -1;
  for (let i = 0; i < M * N; i++) {
    const excess = Math.abs(C[i] - expected[i]) - tol * scale[i];
    if (!(excess <= 0) && (at < 0 || excess > worst)) (worst = excess), (at = i);
  }
  if (at >= 0) expect.fail(`${layout} ${k.dtype} M${M} K${K} N${N} acc ${acc}: C[${at}] = ${C[at]}, expected ${expected[at]} ± ${tol * scale[at]}`);
  for (let g = 0; g < guard; g++) {
    expect(Cbig[g], 'the element before C is untouched').toBe(before[g]);
    expect(Cbig[guard + M * N + g], 'the element after C is untouched').toBe(before[guard + M * N + g]);
  }
  return C;
}

const bytesFor = (dtype: DType, M: number, K: number, N: number) => (M * K + K * N + M * N + 64) * (dtype === 'f32' ? 4 : 8) + 256;

describe.skipIf(!support.ok)('WebAssembly GEMM vs the reference kernels', () => {
  const dim = fc.oneof(fc.constantFrom(1, 3, 7, 65), fc.integer({ min: 1, max: 140 }));
  const builds = support.relaxed ? [false, true] : [false];
  for (const dtype of ['f32', 'f64'] as DType[]) {
    for (const relaxed of builds) {
      for (const layout of LAYOUTS) {
        it(`${layout} ${dtype} ${relaxed ? 'relaxed' : 'plain'}: random shapes, with and without acc`, () => {
          fc.assert(
            fc.property(dim, dim, dim, fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 3 }), (M, K, N, acc, seed, shift) => {
              const k = wasmKernels({ dtype, relaxed, threads: 1, bytes: bytesFor(dtype, M, K, N) });
              expect(k.variant).toBe(relaxed ? 'relaxed' : 'plain');
              check(k, layout, M, K, N, acc, seed, shift);
            }),
            { numRuns: 40 },
          );
        });
      }
      it(`${dtype} ${relaxed ? 'relaxed' : 'plain'}: past one block of K (256), M (120) and N (512)`, () => {
        const shapes = [
          [130, 300, 600],
          [1, 600, 1100],
          [2, 513, 33],
          [250, 257, 9],
        ];
        const k = wasmKernels({ dtype, relaxed, threads: 1, bytes: shapes.reduce((s, [M, K, N]) => s + 3 * bytesFor(dtype, M, K, N), 0) });
        let seed = 1;
        for (const layout of LAYOUTS) for (const [M, K, N] of shapes) check(k, layout, M, K, N, seed % 2 === 0, seed++);
      });
    }
  }
});

describe.skipIf(!support.ok || !support.threads)('WebAssembly GEMM on two threads', () => {
  // large enough to split (≥ 1 MFLOP, N ≥ 64), with N both a multiple of the split unit and not
  const shapes = [
    [50, 128, 512],
    [1, 512, 2048],
    [1, 1000, 600],
    [13, 100, 400],
    [65, 3, 3000],
    [300, 130, 97],
  ];
  for (const dtype of ['f32', 'f64'] as DType[])
    for (const relaxed of support.relaxed ? [false, true] : [false]) {
      it(`${dtype} ${relaxed ? 'relaxed' : 'plain'}: the same bits as one thread, in every layout`, async () => {
        const bytes = shapes.reduce((s, [M, K, N]) => s + 2 * 3 * bytesFor(dtype, M, K, N), 0);
        const one = wasmKernels({ dtype, relaxed, threads: 1, bytes });
        const two = wasmKernels({ dtype, relaxed, threads: 2, bytes, adaptiveThreads: false });
        try {
          expect(two.threads).toBe(2);
          expect(two.variant).toBe(relaxed ? 'relaxedShared' : 'plainShared');
          expect(await two.whenThreadsReady(20_000), 'the worker started').toBe(true);
          let seed = 7,
            splits = 0;
          for (const layout of LAYOUTS) {
            for (const [M, K, N] of shapes) {
              for (const acc of [false, true]) {
                const c1 = check(one, layout, M, K, N, acc, seed);
                const c2 = check(two, layout, M, K, N, acc, seed++);
                expect(two.threadStats().splits, `${layout} M${M} K${K} N${N} was split`).toBe(++splits);
                const b1 = new Uint8Array(c1.buffer, c1.byteOffset, c1.byteLength),
                  b2 = new Uint8Array(c2.buffer, c2.byteOffset, c2.byteLength);
                expect(Buffer.compare(b1, b2), `${layout} M${M} K${K} N${N} acc ${acc}: bit-identical`).toBe(0);
              }
            }
          }
          // (this thread takes more blocks when the worker is slow to come: the worker must have done some)
          expect(two.threadStats().workerBlocks).toBeGreaterThan(0);
        } finally {
          one.dispose();
          two.dispose();
        }
      });
    }
});

describe.skipIf(!support.ok)('the WebAssembly kernel set: memory and arguments', () => {
  it('hands out zeroed, 16-byte-aligned arrays above offset 0, and says so when the memory is exhausted', () => {
    const k = wasmKernels({ dtype: 'f32', threads: 1, bytes: 1000 });
    const a = k.alloc(3),
      b = k.allocInt(5),
      c = k.alloc(200);
    for (const x of [a, b, c]) {
      expect(x.byteOffset).toBeGreaterThan(0);
      expect(x.byteOffset % 16).toBe(0);
      expect(Array.from(x).every((v) => v === 0)).toBe(true);
    }
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + 12);
    expect(c.byteOffset).toBeGreaterThanOrEqual(b.byteOffset + 20);
    expect(c).toBeInstanceOf(Float32Array);
    expect(() => k.alloc(100)).toThrow(/out of memory: alloc\(100\) needs 400 bytes but only \d+ of the 1000 reserved are left/);
    expect(() => k.allocInt(-1)).toThrow(/non-negative integer/);
    const d = wasmKernels({ dtype: 'f64', threads: 1, bytes: 800 }).alloc(100);
    expect(d).toBeInstanceOf(Float64Array);
  });

  it('refuses arrays from elsewhere or too short for the product, with a message naming the method', () => {
    const k = wasmKernels({ dtype: 'f32', threads: 1, bytes: 4096 });
    const A = k.alloc(4),
      B = k.alloc(4),
      C = k.alloc(4);
    expect(() => k.gemmNN(new Float32Array(4), B, C, 2, 2, 2, false)).toThrow(/gemmNN was given an array that is not in this kernel set's memory/);
    const other = wasmKernels({ dtype: 'f32', threads: 1, bytes: 4096 }).alloc(4);
    expect(() => k.gemmNT(A, other, C, 2, 2, 2, false)).toThrow(/not in this kernel set's memory/);
    expect(() => k.gemmNN(A, B, C, 2, 3, 2, false)).toThrow(/gemmNN\(M 2, K 3, N 2\) needs arrays of 6, 6 and 4 elements, got 4, 4 and 4/);
    const wrongType = new Float64Array(k.memory.buffer, A.byteOffset, 2);
    expect(() => k.gemmTN(wrongType, B, C, 2, 2, 2, false)).toThrow(/Float64Array in a f32 kernel set/);
  });
});

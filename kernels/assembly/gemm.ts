// Matrix products C (M×N) = op(A)·op(B) (+ C with acc) in WebAssembly SIMD, f32 and f64.
//
//   NN: A (M×K) · B (K×N)      NT: A (M×K) · Bᵀ, B stored N×K      TN: Aᵀ · B, A stored K×M, B K×N
//
// GotoBLAS's plan: for a block of KC steps of the sum, copy ("pack") a block of B into panels of NR
// columns and a block of A into panels of MR rows, both laid out in the order the inner loop reads
// them, then a register-blocked micro-kernel computes an MR×NR tile of C as MR·2 vector
// accumulators: one step k loads two vectors of B (NR = 2 vectors = 32 bytes) and one broadcast of
// A per row.
//
// The tile's height MR is set by V8 11 (Node 20), which gives wasm 15 vector registers (xmm0–14)
// and schedules every load of a loop step before the arithmetic (loads keep their order, the pure
// multiply-adds float to the end of the block), so whatever a step loads is live at once. Any
// accumulator that does not fit is spilled, and the reload → add → store round trip then lies on
// the loop-carried chain of the sum: the old 5×8 (mul + add) and 6×8 (FMA) tiles with one
// load_splat per row spilled 2–4 accumulators and ran at ~26 GFLOP/s (f32; node --print-wasm-code
// shows the spills). Shuffles, being pure, are placed next to their use instead, so:
//   f32: MR = 5. One vector load brings rows 0–3 of A, each broadcast by a shuffle just before its
//        two multiply-adds, row 4 by load_splat: 10 accumulators + 2 of B + 1 of A + 1 broadcast
//        = 14 registers with FMA, 15 with mul + add (one more for the product): no spill.
//        ~58 GFLOP/s with FMA, ~50 with mul + add (was ~26 for both; a 6×8 tile does not fit).
//   f64: MR = 4. A vector holds only 2 doubles, so 5 rows would need 16 registers; 4 rows with one
//        load_splat each: 8 + 2 + 4 (+1) = 14 (15). ~27 GFLOP/s with FMA, ~23 with mul + add (was ~13).
// 8 or 10 independent accumulators also cover the FMA latency (4 cycles × 2 units on Zen 4).
//
// One row (M = 1) is a matrix-vector product with its own kernels: a micro-kernel fed one row wastes
// MR − 1 of its rows.
//
// NOTE: every entry of C is computed the same way wherever its column falls in a call's column range
// [j0, j1), as long as j0 is a multiple of COL_ALIGN: lanes are independent, edge tiles are padded
// with zeros rather than handled by different code, and the K blocks are the same. So splitting a
// product between threads at multiples of COL_ALIGN gives bit-identical results.
//
// Pointers are byte offsets into the imported memory. Packing needs scratch space: the host reserves
// gemmScratchBytes() bytes per instance (per thread) and passes them to gemmSetScratch first.

const KC: i32 = 256; // steps of the sum per packed block
const MC: i32 = 120; // rows of A per packed block (a multiple of both MRs)
const NC: i32 = 512; // columns of B per packed block (a multiple of NR for both dtypes)
const TILE_BYTES: i32 = 5 * 32; // one edge tile (the larger MR × 32 bytes)
const COL_ALIGN: i32 = 32; // column splits must fall on multiples of this

let scratch: usize = 0;

/** Rows of the micro-tile (see the top of the file). */
// @ts-ignore: decorator
@inline function mr<T>(): i32 {
  return sizeof<T>() == 4 ? 5 : 4;
}

/** Bytes of packing scratch one instance needs (the f64 sizes, which are the larger). */
export function gemmScratchBytes(): i32 {
  return KC * NC * 8 + MC * KC * 8 + TILE_BYTES;
}
/** Where this instance's packing scratch starts (16-byte aligned, gemmScratchBytes() long). */
export function gemmSetScratch(ptr: usize): void {
  scratch = ptr;
}
/** Threads must split columns at multiples of this. */
export function gemmColAlign(): i32 {
  return COL_ALIGN;
}
/** First byte after the module's static data: the host's allocator starts above it. */
export function heapBase(): usize {
  return __heap_base;
}

// ---- arithmetic helpers ------------------------------------------------------------------------

/** a·b + c, fused when relaxed SIMD is on. */
// @ts-ignore: decorator
@inline function fma<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(v128.mul<T>(a, b), c);
}

// @ts-ignore: decorator
@inline function put<T>(p: usize, v: v128, accum: bool): void {
  v128.store(p, accum ? v128.add<T>(v128.load(p), v) : v);
}

/** Sum of the lanes, in a fixed order. */
// @ts-ignore: decorator
@inline function hsum<T>(v: v128): T {
  if (sizeof<T>() == 4) {
    return (v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1)) + (v128.extract_lane<T>(v, 2) + v128.extract_lane<T>(v, 3));
  }
  return v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1);
}

// ---- packing -----------------------------------------------------------------------------------

/**
 * Packs B's rows pc..pc+kc and columns j..jEnd into panels of NR columns: panel p holds, for each k,
 * NR consecutive values. Columns past jEnd are zeros. bT: B is stored N×K (the NT layout), else K×N.
 */
function packB<T>(B: usize, K: i32, N: i32, bT: bool, pc: i32, kc: i32, j: i32, jEnd: i32, dst: usize): void {
  const S = sizeof<T>();
  const NR = 32 / <i32>S;
  for (; j < jEnd; j += NR) {
    const w = min(NR, jEnd - j);
    if (!bT) {
      let src = B + (<usize>pc * N + j) * S;
      if (w == NR) {
        for (let k = 0; k < kc; k++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += <usize>N * S;
          dst += 32;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let jj = 0; jj < NR; jj++) store<T>(dst + <usize>jj * S, jj < w ? load<T>(src + <usize>jj * S) : <T>0);
          src += <usize>N * S;
          dst += 32;
        }
      }
    } else if (w == NR) {
      packPanelT<T>(B + (<usize>j * K + pc) * S, <usize>K * S, kc, dst, 32);
      dst += <usize>kc * 32;
    } else {
      // B[j + jj, pc + k] = B + ((j + jj)·K + pc + k)·S: read each row of B along k, write across
      for (let jj = 0; jj < NR; jj++) {
        let d = dst + <usize>jj * S;
        if (jj < w) {
          let src = B + (<usize>(j + jj) * K + pc) * S;
          for (let k = 0; k < kc; k++) {
            store<T>(d, load<T>(src));
            src += S;
            d += 32;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<T>(d, <T>0);
            d += 32;
          }
        }
      }
      dst += <usize>kc * 32;
    }
  }
}

/**
 * One full panel read across: `width` / S rows of a matrix (ld bytes apart) read along k and written
 * transposed, `width` bytes per k (a panel of B in the NT layout: width 32; of A in the NN and NT
 * layouts: MR·S = 20 or 32). Squares of 4×4 floats (or 2×2 doubles) at a time with shuffles, then
 * the rows past the last whole square (row 4 of an f32 A panel) and the last steps one by one.
 */
function packPanelT<T>(src: usize, ld: usize, kc: i32, dst: usize, width: usize): void {
  let k = 0;
  if (sizeof<T>() == 4) {
    for (; k + 4 <= kc; k += 4) {
      for (let g: usize = 0; g + 16 <= width; g += 16) {
        const s = src + (g >> 2) * ld + <usize>k * 4; // rows g/4 .. g/4 + 3
        const r0 = v128.load(s), r1 = v128.load(s + ld), r2 = v128.load(s + 2 * ld), r3 = v128.load(s + 3 * ld);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const d = dst + <usize>k * width + g;
        v128.store(d, v128.shuffle<f64>(t0, t2, 0, 2));
        v128.store(d + width, v128.shuffle<f64>(t0, t2, 1, 3));
        v128.store(d + 2 * width, v128.shuffle<f64>(t1, t3, 0, 2));
        v128.store(d + 3 * width, v128.shuffle<f64>(t1, t3, 1, 3));
      }
    }
  } else {
    for (; k + 2 <= kc; k += 2) {
      for (let g: usize = 0; g + 16 <= width; g += 16) {
        const s = src + (g >> 3) * ld + <usize>k * 8; // rows g/8, g/8 + 1
        const r0 = v128.load(s), r1 = v128.load(s + ld);
        const d = dst + <usize>k * width + g;
        v128.store(d, v128.shuffle<f64>(r0, r1, 0, 2));
        v128.store(d + width, v128.shuffle<f64>(r0, r1, 1, 3));
      }
    }
  }
  const S = sizeof<T>();
  const rows = <i32>(width / S);
  const squared = <i32>((width & ~15) / S); // rows done by the squares for steps 0..k
  for (let r = squared; r < rows; r++) {
    for (let kk = 0; kk < k; kk++) store<T>(dst + <usize>kk * width + <usize>r * S, load<T>(src + <usize>r * ld + <usize>kk * S));
  }
  for (; k < kc; k++) {
    for (let r = 0; r < rows; r++) store<T>(dst + <usize>k * width + <usize>r * S, load<T>(src + <usize>r * ld + <usize>k * S));
  }
}

/**
 * Packs A's rows i..iEnd and steps pc..pc+kc into panels of MR rows: panel q holds, for each k, MR
 * consecutive values. Rows past iEnd are zeros. aT: A is stored K×M (the TN layout), else M×K.
 */
function packA<T>(A: usize, M: i32, K: i32, aT: bool, i: i32, iEnd: i32, pc: i32, kc: i32, dst: usize): void {
  const S = sizeof<T>();
  const MR = mr<T>();
  const row = <usize>MR * S;
  for (; i < iEnd; i += MR) {
    const h = min(MR, iEnd - i);
    if (aT && h == MR) {
      // the MR values of one k are already consecutive (20 or 32 bytes): copy them
      let src = A + (<usize>pc * M + i) * S;
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(src));
        if (S == 8) v128.store(dst, v128.load(src, 16), 16);
        else store<f32>(dst, load<f32>(src, 16), 16);
        src += <usize>M * S;
        dst += row;
      }
    } else if (aT) {
      let src = A + (<usize>pc * M + i) * S;
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < MR; r++) store<T>(dst + <usize>r * S, r < h ? load<T>(src + <usize>r * S) : <T>0);
        src += <usize>M * S;
        dst += row;
      }
    } else if (h == MR) {
      packPanelT<T>(A + (<usize>i * K + pc) * S, <usize>K * S, kc, dst, row);
      dst += <usize>kc * row;
    } else {
      for (let r = 0; r < MR; r++) {
        let d = dst + <usize>r * S;
        if (r < h) {
          let src = A + (<usize>(i + r) * K + pc) * S;
          for (let k = 0; k < kc; k++) {
            store<T>(d, load<T>(src));
            src += S;
            d += row;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<T>(d, <T>0);
            d += row;
          }
        }
      }
      dst += <usize>kc * row;
    }
  }
}

// ---- micro-kernels: one MR×NR tile, c (+)= Σ_k ap[k]ᵀ·bp[k] ------------------------------------

// @ts-ignore: decorator
@inline function tile<T>(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, accum: bool): void {
  if (sizeof<T>() == 4) tile5x8(kc, ap, bp, c, ldc, accum);
  else tile4x4(kc, ap, bp, c, ldc, accum);
}

/** f32, 5 rows × 8 columns: rows 0–3 of A by one load and shuffles, row 4 by load_splat. */
function tile5x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, accum: bool): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const a03 = v128.load(ap);
    let a = v128.shuffle<f32>(a03, a03, 0, 0, 0, 0);
    c00 = fma<f32>(a, b0, c00); c01 = fma<f32>(a, b1, c01);
    a = v128.shuffle<f32>(a03, a03, 1, 1, 1, 1);
    c10 = fma<f32>(a, b0, c10); c11 = fma<f32>(a, b1, c11);
    a = v128.shuffle<f32>(a03, a03, 2, 2, 2, 2);
    c20 = fma<f32>(a, b0, c20); c21 = fma<f32>(a, b1, c21);
    a = v128.shuffle<f32>(a03, a03, 3, 3, 3, 3);
    c30 = fma<f32>(a, b0, c30); c31 = fma<f32>(a, b1, c31);
    a = v128.load_splat<f32>(ap, 16);
    c40 = fma<f32>(a, b0, c40); c41 = fma<f32>(a, b1, c41);
    ap += 20;
    bp += 32;
  }
  put<f32>(c, c00, accum); put<f32>(c + 16, c01, accum); c += ldc;
  put<f32>(c, c10, accum); put<f32>(c + 16, c11, accum); c += ldc;
  put<f32>(c, c20, accum); put<f32>(c + 16, c21, accum); c += ldc;
  put<f32>(c, c30, accum); put<f32>(c + 16, c31, accum); c += ldc;
  put<f32>(c, c40, accum); put<f32>(c + 16, c41, accum);
}

/** f64, 4 rows × 4 columns: one load_splat per row of A. */
function tile4x4(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, accum: bool): void {
  const z = f64x2.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load_splat<f64>(ap);
    c00 = fma<f64>(a, b0, c00); c01 = fma<f64>(a, b1, c01);
    a = v128.load_splat<f64>(ap, 8);
    c10 = fma<f64>(a, b0, c10); c11 = fma<f64>(a, b1, c11);
    a = v128.load_splat<f64>(ap, 16);
    c20 = fma<f64>(a, b0, c20); c21 = fma<f64>(a, b1, c21);
    a = v128.load_splat<f64>(ap, 24);
    c30 = fma<f64>(a, b0, c30); c31 = fma<f64>(a, b1, c31);
    ap += 32;
    bp += 32;
  }
  put<f64>(c, c00, accum); put<f64>(c + 16, c01, accum); c += ldc;
  put<f64>(c, c10, accum); put<f64>(c + 16, c11, accum); c += ldc;
  put<f64>(c, c20, accum); put<f64>(c + 16, c21, accum); c += ldc;
  put<f64>(c, c30, accum); put<f64>(c + 16, c31, accum);
}

// ---- the blocked product -------------------------------------------------------------------------

/** Columns j0..j1 of C (+)= op(A)·op(B); aT: A stored K×M; bT: B stored N×K. */
function gemm<T>(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: bool, j0: i32, j1: i32, aT: bool, bT: bool): void {
  if (M <= 0 || j1 <= j0) return;
  if (K <= 0) {
    if (!acc) for (let i = 0; i < M; i++) memory.fill(C + (<usize>i * N + j0) * sizeof<T>(), 0, <usize>(j1 - j0) * sizeof<T>());
    return;
  }
  if (M == 1) {
    // A is one row (NN, NT) or one column stored contiguously (TN): a vector of K entries
    if (bT) mvNT<T>(A, B, C, K, N, acc, j0, j1);
    else mvNN<T>(A, B, C, K, N, acc, j0, j1);
    return;
  }
  if (scratch == 0) unreachable(); // the host forgot gemmSetScratch
  const S = sizeof<T>();
  const NR = 32 / <i32>S;
  const MR = mr<T>();
  const bp0 = scratch, ap0 = scratch + <usize>KC * NC * 8, tmp = ap0 + <usize>MC * KC * 8;
  const ldc = <usize>N * S;
  for (let jc = j0; jc < j1; jc += NC) {
    const jcEnd = min(jc + NC, j1);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const accum = acc || pc > 0;
      packB<T>(B, K, N, bT, pc, kc, jc, jcEnd, bp0);
      for (let ic = 0; ic < M; ic += MC) {
        const icEnd = min(ic + MC, M);
        packA<T>(A, M, K, aT, ic, icEnd, pc, kc, ap0);
        for (let jr = jc; jr < jcEnd; jr += NR) {
          const w = min(NR, jcEnd - jr);
          const bp = bp0 + <usize>((jr - jc) / NR) * kc * 32;
          for (let ir = ic; ir < icEnd; ir += MR) {
            const h = min(MR, icEnd - ir);
            const ap = ap0 + <usize>((ir - ic) / MR) * kc * MR * S;
            const c = C + (<usize>ir * N + jr) * S;
            if (h == MR && w == NR) {
              tile<T>(kc, ap, bp, c, ldc, accum);
            } else {
              // edge: the same tile into scratch (the padding is zeros), then the valid part
              tile<T>(kc, ap, bp, tmp, 32, false);
              for (let r = 0; r < h; r++) {
                for (let jj = 0; jj < w; jj++) {
                  const p = c + (<usize>r * N + jj) * S;
                  const t = load<T>(tmp + <usize>r * 32 + <usize>jj * S);
                  store<T>(p, accum ? load<T>(p) + t : t);
                }
              }
            }
          }
        }
      }
    }
  }
}

// ---- matrix-vector: one row of A --------------------------------------------------------------

/**
 * c[j] (+)= Σ_k a[k]·B[k, j] for j in j0..j1 (B is K×N): strips of 6 vectors of columns down all of
 * K, then strips of 2, then single vectors. Six, not eight: V8 loads a whole step's vectors before
 * its multiply-adds, so a strip of s vectors needs 2s + 1 registers (+1 for mul + add); eight
 * spilled an accumulator and ran at ~21 GFLOP/s. Every column is the same k-ordered sum in its lane
 * whichever strip it falls in.
 */
function mvNN<T>(a: usize, B: usize, C: usize, K: i32, N: i32, acc: bool, j0: i32, j1: i32): void {
  const S = sizeof<T>();
  const VL = 16 / <i32>S;
  const ldb = <usize>N * S;
  const z = v128.splat<T>(<T>0);
  let j = j0;
  for (; j + 6 * VL <= j1; j += 6 * VL) {
    let s0 = z, s1 = z, s2 = z, s3 = z, s4 = z, s5 = z;
    let bp = B + <usize>j * S;
    for (let k = 0; k < K; k++) {
      const x = v128.load_splat<T>(a + <usize>k * S);
      s0 = fma<T>(x, v128.load(bp), s0);
      s1 = fma<T>(x, v128.load(bp, 16), s1);
      s2 = fma<T>(x, v128.load(bp, 32), s2);
      s3 = fma<T>(x, v128.load(bp, 48), s3);
      s4 = fma<T>(x, v128.load(bp, 64), s4);
      s5 = fma<T>(x, v128.load(bp, 80), s5);
      bp += ldb;
    }
    const c = C + <usize>j * S;
    put<T>(c, s0, acc); put<T>(c + 16, s1, acc); put<T>(c + 32, s2, acc);
    put<T>(c + 48, s3, acc); put<T>(c + 64, s4, acc); put<T>(c + 80, s5, acc);
  }
  for (; j + 2 * VL <= j1; j += 2 * VL) {
    let s0 = z, s1 = z;
    let bp = B + <usize>j * S;
    for (let k = 0; k < K; k++) {
      const x = v128.load_splat<T>(a + <usize>k * S);
      s0 = fma<T>(x, v128.load(bp), s0);
      s1 = fma<T>(x, v128.load(bp, 16), s1);
      bp += ldb;
    }
    const c = C + <usize>j * S;
    put<T>(c, s0, acc); put<T>(c + 16, s1, acc);
  }
  for (; j + VL <= j1; j += VL) {
    let s = z;
    let bp = B + <usize>j * S;
    for (let k = 0; k < K; k++) {
      s = fma<T>(v128.load_splat<T>(a + <usize>k * S), v128.load(bp), s);
      bp += ldb;
    }
    put<T>(C + <usize>j * S, s, acc);
  }
  for (; j < j1; j++) {
    let s: T = 0;
    for (let k = 0; k < K; k++) s += load<T>(a + <usize>k * S) * load<T>(B + (<usize>k * N + j) * S);
    const c = C + <usize>j * S;
    store<T>(c, acc ? load<T>(c) + s : s);
  }
}

/**
 * c[j] (+)= Σ_k a[k]·B[j, k] for j in j0..j1 (B is N×K): dot products along K, three rows of B at a
 * time, each with two vector accumulators (even and odd vectors of k), then the lanes, then the
 * last K mod VL terms. A lone row goes through exactly the same steps. Three rows, not four, for the
 * register count (see mvNN): 6 accumulators + 2 vectors of a + 6 loads fit in 15, 8 + 2 + 8 spilled.
 */
function mvNT<T>(a: usize, B: usize, C: usize, K: i32, N: i32, acc: bool, j0: i32, j1: i32): void {
  const S = sizeof<T>();
  const VL = 16 / <i32>S;
  const ldb = <usize>K * S;
  const z = v128.splat<T>(<T>0);
  let j = j0;
  for (; j + 3 <= j1; j += 3) {
    const b0 = B + <usize>j * ldb, b1 = b0 + ldb, b2 = b1 + ldb;
    let p0 = z, q0 = z, p1 = z, q1 = z, p2 = z, q2 = z;
    let k = 0;
    for (; k + 2 * VL <= K; k += 2 * VL) {
      const o = <usize>k * S;
      const x = v128.load(a + o), y = v128.load(a + o, 16);
      p0 = fma<T>(x, v128.load(b0 + o), p0); q0 = fma<T>(y, v128.load(b0 + o, 16), q0);
      p1 = fma<T>(x, v128.load(b1 + o), p1); q1 = fma<T>(y, v128.load(b1 + o, 16), q1);
      p2 = fma<T>(x, v128.load(b2 + o), p2); q2 = fma<T>(y, v128.load(b2 + o, 16), q2);
    }
    if (k + VL <= K) {
      const o = <usize>k * S;
      const x = v128.load(a + o);
      p0 = fma<T>(x, v128.load(b0 + o), p0);
      p1 = fma<T>(x, v128.load(b1 + o), p1);
      p2 = fma<T>(x, v128.load(b2 + o), p2);
      k += VL;
    }
    let s0 = hsum<T>(v128.add<T>(p0, q0)), s1 = hsum<T>(v128.add<T>(p1, q1)), s2 = hsum<T>(v128.add<T>(p2, q2));
    for (; k < K; k++) {
      const o = <usize>k * S;
      const x = load<T>(a + o);
      s0 += x * load<T>(b0 + o);
      s1 += x * load<T>(b1 + o);
      s2 += x * load<T>(b2 + o);
    }
    const c = C + <usize>j * S;
    if (acc) {
      s0 = load<T>(c) + s0; s1 = load<T>(c + S) + s1; s2 = load<T>(c + 2 * S) + s2;
    }
    store<T>(c, s0); store<T>(c + S, s1); store<T>(c + 2 * S, s2);
  }
  for (; j < j1; j++) {
    const b0 = B + <usize>j * ldb;
    let p0 = z, q0 = z;
    let k = 0;
    for (; k + 2 * VL <= K; k += 2 * VL) {
      const o = <usize>k * S;
      p0 = fma<T>(v128.load(a + o), v128.load(b0 + o), p0);
      q0 = fma<T>(v128.load(a + o, 16), v128.load(b0 + o, 16), q0);
    }
    if (k + VL <= K) {
      const o = <usize>k * S;
      p0 = fma<T>(v128.load(a + o), v128.load(b0 + o), p0);
      k += VL;
    }
    let s0 = hsum<T>(v128.add<T>(p0, q0));
    for (; k < K; k++) s0 += load<T>(a + <usize>k * S) * load<T>(b0 + <usize>k * S);
    const c = C + <usize>j * S;
    store<T>(c, acc ? load<T>(c) + s0 : s0);
  }
}

// ---- exports: FastKernels' argument order; the _cols variants compute columns j0..j1 only ----------

export function gemmNN_f32(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32): void {
  gemm<f32>(A, B, C, M, K, N, acc != 0, 0, N, false, false);
}
export function gemmNT_f32(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32): void {
  gemm<f32>(A, B, C, M, K, N, acc != 0, 0, N, false, true);
}
export function gemmTN_f32(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32): void {
  gemm<f32>(A, B, C, M, K, N, acc != 0, 0, N, true, false);
}
export function gemmNN_f64(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32): void {
  gemm<f64>(A, B, C, M, K, N, acc != 0, 0, N, false, false);
}
export function gemmNT_f64(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32): void {
  gemm<f64>(A, B, C, M, K, N, acc != 0, 0, N, false, true);
}
export function gemmTN_f64(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32): void {
  gemm<f64>(A, B, C, M, K, N, acc != 0, 0, N, true, false);
}

export function gemmNN_cols_f32(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32, j0: i32, j1: i32): void {
  gemm<f32>(A, B, C, M, K, N, acc != 0, j0, j1, false, false);
}
export function gemmNT_cols_f32(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32, j0: i32, j1: i32): void {
  gemm<f32>(A, B, C, M, K, N, acc != 0, j0, j1, false, true);
}
export function gemmTN_cols_f32(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32, j0: i32, j1: i32): void {
  gemm<f32>(A, B, C, M, K, N, acc != 0, j0, j1, true, false);
}
export function gemmNN_cols_f64(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32, j0: i32, j1: i32): void {
  gemm<f64>(A, B, C, M, K, N, acc != 0, j0, j1, false, false);
}
export function gemmNT_cols_f64(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32, j0: i32, j1: i32): void {
  gemm<f64>(A, B, C, M, K, N, acc != 0, j0, j1, false, true);
}
export function gemmTN_cols_f64(A: usize, B: usize, C: usize, M: i32, K: i32, N: i32, acc: i32, j0: i32, j1: i32): void {
  gemm<f64>(A, B, C, M, K, N, acc != 0, j0, j1, true, false);
}

// Matrix products C (M×N) = op(A)·op(B) (+ C with acc) in WebAssembly SIMD, f32 and f64.
//
//   NN: A (M×K) · B (K×N)      NT: A (M×K) · Bᵀ, B stored N×K      TN: Aᵀ · B, A stored K×M, B K×N
//
// GotoBLAS's plan: for a block of KC steps of the sum, copy ("pack") a block of B into panels of NR
// columns and a block of A into panels of MR rows, both laid out in the order the inner loop reads
// them, then a register-blocked micro-kernel computes an MR×NR tile of C as MR·2 vector
// accumulators: one step k loads two vectors of B (NR = 2 vectors = 32 bytes) and one broadcast of
// A per row. V8 gives wasm 15 vector registers: MR = 5 (10 accumulators) is the largest that does
// not spill with mul + add; with fused multiply-add (relaxed SIMD, no temporary) MR = 6 fits.
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

const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5; // rows of the micro-tile
const KC: i32 = 256; // steps of the sum per packed block
const MC: i32 = 120; // rows of A per packed block (a multiple of 5 and 6)
const NC: i32 = 512; // columns of B per packed block (a multiple of NR for both dtypes)
const TILE_BYTES: i32 = 6 * 32; // one edge tile (MR × 32 bytes)
const COL_ALIGN: i32 = 32; // column splits must fall on multiples of this

let scratch: usize = 0;

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
      packPanelT<T>(B + (<usize>j * K + pc) * S, <usize>K * S, kc, dst);
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
 * One full panel of the NT layout: NR rows of B (ldb bytes apart) read along k, written transposed,
 * a square of 4×4 floats (or 2×2 doubles) at a time with shuffles, then the last steps one by one.
 */
function packPanelT<T>(src: usize, ldb: usize, kc: i32, dst: usize): void {
  let k = 0;
  if (sizeof<T>() == 4) {
    for (; k + 4 <= kc; k += 4) {
      for (let half: usize = 0; half < 2; half++) {
        const s = src + half * 4 * ldb + <usize>k * 4;
        const r0 = v128.load(s), r1 = v128.load(s + ldb), r2 = v128.load(s + 2 * ldb), r3 = v128.load(s + 3 * ldb);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const d = dst + <usize>k * 32 + half * 16;
        v128.store(d, v128.shuffle<f64>(t0, t2, 0, 2));
        v128.store(d, v128.shuffle<f64>(t0, t2, 1, 3), 32);
        v128.store(d, v128.shuffle<f64>(t1, t3, 0, 2), 64);
        v128.store(d, v128.shuffle<f64>(t1, t3, 1, 3), 96);
      }
    }
  } else {
    for (; k + 2 <= kc; k += 2) {
      for (let pair: usize = 0; pair < 2; pair++) {
        const s = src + pair * 2 * ldb + <usize>k * 8;
        const r0 = v128.load(s), r1 = v128.load(s + ldb);
        const d = dst + <usize>k * 32 + pair * 16;
        v128.store(d, v128.shuffle<f64>(r0, r1, 0, 2));
        v128.store(d, v128.shuffle<f64>(r0, r1, 1, 3), 32);
      }
    }
  }
  const S = sizeof<T>();
  const NR = 32 / <i32>S;
  for (; k < kc; k++) {
    for (let jj = 0; jj < NR; jj++) store<T>(dst + <usize>k * 32 + <usize>jj * S, load<T>(src + <usize>jj * ldb + <usize>k * S));
  }
}

/**
 * Packs A's rows i..iEnd and steps pc..pc+kc into panels of MR rows: panel q holds, for each k, MR
 * consecutive values. Rows past iEnd are zeros. aT: A is stored K×M (the TN layout), else M×K.
 */
function packA<T>(A: usize, M: i32, K: i32, aT: bool, i: i32, iEnd: i32, pc: i32, kc: i32, dst: usize): void {
  const S = sizeof<T>();
  const row = <usize>MR * S;
  for (; i < iEnd; i += MR) {
    const h = min(MR, iEnd - i);
    if (aT) {
      let src = A + (<usize>pc * M + i) * S;
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < MR; r++) store<T>(dst + <usize>r * S, r < h ? load<T>(src + <usize>r * S) : <T>0);
        src += <usize>M * S;
        dst += row;
      }
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

function tile5<T>(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, accum: bool): void {
  const S = sizeof<T>();
  const z = v128.splat<T>(<T>0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load_splat<T>(ap);
    c00 = fma<T>(a, b0, c00); c01 = fma<T>(a, b1, c01);
    a = v128.load_splat<T>(ap + S);
    c10 = fma<T>(a, b0, c10); c11 = fma<T>(a, b1, c11);
    a = v128.load_splat<T>(ap + 2 * S);
    c20 = fma<T>(a, b0, c20); c21 = fma<T>(a, b1, c21);
    a = v128.load_splat<T>(ap + 3 * S);
    c30 = fma<T>(a, b0, c30); c31 = fma<T>(a, b1, c31);
    a = v128.load_splat<T>(ap + 4 * S);
    c40 = fma<T>(a, b0, c40); c41 = fma<T>(a, b1, c41);
    ap += 5 * S;
    bp += 32;
  }
  put<T>(c, c00, accum); put<T>(c + 16, c01, accum); c += ldc;
  put<T>(c, c10, accum); put<T>(c + 16, c11, accum); c += ldc;
  put<T>(c, c20, accum); put<T>(c + 16, c21, accum); c += ldc;
  put<T>(c, c30, accum); put<T>(c + 16, c31, accum); c += ldc;
  put<T>(c, c40, accum); put<T>(c + 16, c41, accum);
}

function tile6<T>(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, accum: bool): void {
  const S = sizeof<T>();
  const z = v128.splat<T>(<T>0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load_splat<T>(ap);
    c00 = fma<T>(a, b0, c00); c01 = fma<T>(a, b1, c01);
    a = v128.load_splat<T>(ap + S);
    c10 = fma<T>(a, b0, c10); c11 = fma<T>(a, b1, c11);
    a = v128.load_splat<T>(ap + 2 * S);
    c20 = fma<T>(a, b0, c20); c21 = fma<T>(a, b1, c21);
    a = v128.load_splat<T>(ap + 3 * S);
    c30 = fma<T>(a, b0, c30); c31 = fma<T>(a, b1, c31);
    a = v128.load_splat<T>(ap + 4 * S);
    c40 = fma<T>(a, b0, c40); c41 = fma<T>(a, b1, c41);
    a = v128.load_splat<T>(ap + 5 * S);
    c50 = fma<T>(a, b0, c50); c51 = fma<T>(a, b1, c51);
    ap += 6 * S;
    bp += 32;
  }
  put<T>(c, c00, accum); put<T>(c + 16, c01, accum); c += ldc;
  put<T>(c, c10, accum); put<T>(c + 16, c11, accum); c += ldc;
  put<T>(c, c20, accum); put<T>(c + 16, c21, accum); c += ldc;
  put<T>(c, c30, accum); put<T>(c + 16, c31, accum); c += ldc;
  put<T>(c, c40, accum); put<T>(c + 16, c41, accum); c += ldc;
  put<T>(c, c50, accum); put<T>(c + 16, c51, accum);
}

// @ts-ignore: decorator
@inline function tile<T>(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, accum: bool): void {
  if (MR == 6) tile6<T>(kc, ap, bp, c, ldc, accum);
  else tile5<T>(kc, ap, bp, c, ldc, accum);
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

/** c[j] (+)= Σ_k a[k]·B[k, j] for j in j0..j1 (B is K×N): strips of 8 vectors of columns down all of K. */
function mvNN<T>(a: usize, B: usize, C: usize, K: i32, N: i32, acc: bool, j0: i32, j1: i32): void {
  const S = sizeof<T>();
  const VL = 16 / <i32>S;
  const ldb = <usize>N * S;
  const z = v128.splat<T>(<T>0);
  let j = j0;
  for (; j + 8 * VL <= j1; j += 8 * VL) {
    let s0 = z, s1 = z, s2 = z, s3 = z, s4 = z, s5 = z, s6 = z, s7 = z;
    let bp = B + <usize>j * S;
    for (let k = 0; k < K; k++) {
      const x = v128.load_splat<T>(a + <usize>k * S);
      s0 = fma<T>(x, v128.load(bp), s0);
      s1 = fma<T>(x, v128.load(bp, 16), s1);
      s2 = fma<T>(x, v128.load(bp, 32), s2);
      s3 = fma<T>(x, v128.load(bp, 48), s3);
      s4 = fma<T>(x, v128.load(bp, 64), s4);
      s5 = fma<T>(x, v128.load(bp, 80), s5);
      s6 = fma<T>(x, v128.load(bp, 96), s6);
      s7 = fma<T>(x, v128.load(bp, 112), s7);
      bp += ldb;
    }
    const c = C + <usize>j * S;
    put<T>(c, s0, acc); put<T>(c + 16, s1, acc); put<T>(c + 32, s2, acc); put<T>(c + 48, s3, acc);
    put<T>(c + 64, s4, acc); put<T>(c + 80, s5, acc); put<T>(c + 96, s6, acc); put<T>(c + 112, s7, acc);
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
 * c[j] (+)= Σ_k a[k]·B[j, k] for j in j0..j1 (B is N×K): dot products along K, four rows of B at a
 * time, each with two vector accumulators (even and odd vectors of k), then the lanes, then the
 * last K mod VL terms. A lone row goes through exactly the same steps.
 */
function mvNT<T>(a: usize, B: usize, C: usize, K: i32, N: i32, acc: bool, j0: i32, j1: i32): void {
  const S = sizeof<T>();
  const VL = 16 / <i32>S;
  const ldb = <usize>K * S;
  const z = v128.splat<T>(<T>0);
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const b0 = B + <usize>j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
    let p0 = z, q0 = z, p1 = z, q1 = z, p2 = z, q2 = z, p3 = z, q3 = z;
    let k = 0;
    for (; k + 2 * VL <= K; k += 2 * VL) {
      const o = <usize>k * S;
      const x = v128.load(a + o), y = v128.load(a + o, 16);
      p0 = fma<T>(x, v128.load(b0 + o), p0); q0 = fma<T>(y, v128.load(b0 + o, 16), q0);
      p1 = fma<T>(x, v128.load(b1 + o), p1); q1 = fma<T>(y, v128.load(b1 + o, 16), q1);
      p2 = fma<T>(x, v128.load(b2 + o), p2); q2 = fma<T>(y, v128.load(b2 + o, 16), q2);
      p3 = fma<T>(x, v128.load(b3 + o), p3); q3 = fma<T>(y, v128.load(b3 + o, 16), q3);
    }
    if (k + VL <= K) {
      const o = <usize>k * S;
      const x = v128.load(a + o);
      p0 = fma<T>(x, v128.load(b0 + o), p0);
      p1 = fma<T>(x, v128.load(b1 + o), p1);
      p2 = fma<T>(x, v128.load(b2 + o), p2);
      p3 = fma<T>(x, v128.load(b3 + o), p3);
      k += VL;
    }
    let s0 = hsum<T>(v128.add<T>(p0, q0)), s1 = hsum<T>(v128.add<T>(p1, q1));
    let s2 = hsum<T>(v128.add<T>(p2, q2)), s3 = hsum<T>(v128.add<T>(p3, q3));
    for (; k < K; k++) {
      const o = <usize>k * S;
      const x = load<T>(a + o);
      s0 += x * load<T>(b0 + o);
      s1 += x * load<T>(b1 + o);
      s2 += x * load<T>(b2 + o);
      s3 += x * load<T>(b3 + o);
    }
    const c = C + <usize>j * S;
    if (acc) {
      s0 = load<T>(c) + s0; s1 = load<T>(c + S) + s1; s2 = load<T>(c + 2 * S) + s2; s3 = load<T>(c + 3 * S) + s3;
    }
    store<T>(c, s0); store<T>(c + S, s1); store<T>(c + 2 * S, s2); store<T>(c + 3 * S, s3);
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

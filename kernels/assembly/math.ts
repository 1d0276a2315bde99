// Vector math for the fused kernels: eˣ, σ(x) and tanh(x) on one v128, lane-wise, for T = f32
// (four lanes) or f64 (two lanes). No tables, no static data: only inline constants.
//
// eˣ by range reduction. With k = round(x / ln2) and r = x − k·ln2 (|r| ≤ ln2/2 ≈ 0.347),
//   eˣ = 2ᵏ · eʳ,   eʳ = 1 + q(r),   q(r) = r·(1 + r/2! + r²/3! + …)
// q is the Taylor series cut where the next term is below a quarter ulp at |r| = ln2/2: after r⁷/7!
// for f32 (r⁸/8! ≈ 5e−9), after r¹³/13! for f64 (r¹⁴/14! ≈ 4e−18).
// k comes from the shifter trick: adding S = 1.5·2^(p−1) (p the mantissa width) rounds y = x·log₂e to
// an integer kept in the low mantissa bits of t = y + S. We add the exponent bias to S as well, so the
// low bits of t hold k + bias and shifting t's bits left by the mantissa width gives the bits of 2ᵏ
// (S's own bits vanish in that shift). ln2 is split in two (Cody–Waite): k·LN2_HI is exact because
// LN2_HI has few significant bits, so r loses nothing to cancellation.
//
// NOTE: the input is clamped so that k + bias stays in [0, 2·bias + 1]: at the low clamp 2ᵏ's bits
// are 0 (the result is +0) and at the high clamp they are ∞'s. So eˣ is 0 below about −87.7 (f32) or
// −708.7 (f64), where the true value is subnormal anyway (an absolute error below the smallest normal
// number), and ∞ from about 88.4 (f32; true overflow at 88.7) or 709.4 (f64; 709.8): early by less
// than 0.4 in x. Never a wrapped exponent.
// NaN propagates: pmin/pmax with x first keep a NaN x, and every later step is arithmetic on it.

// f32 constants
const LOG2E_F: f32 = 1.4426950408889634;
const SHIFT_F: f32 = 12582912.0 + 127.0; // 1.5·2²³ + bias
const LN2_HI_F: f32 = 0.693359375; // 355/512: 9 significant bits, k·LN2_HI_F exact for |k| < 2¹⁵
const LN2_LO_F: f32 = -2.12194440e-4; // ln2 − LN2_HI_F
const EXP_LO_F: f32 = -88.0; // y = −126.96 → k = −127 → 2ᵏ bits 0
const EXP_HI_F: f32 = 89.0; // y = 128.4 → k = 128 → 2ᵏ bits = +∞
const TANH_MAX_F: f32 = 10.0; // tanh(10) = 1 − 4e−9 rounds to 1 in f32

// f64 constants
const LOG2E_D: f64 = 1.4426950408889634;
const SHIFT_D: f64 = 6755399441055744.0 + 1023.0; // 1.5·2⁵² + bias
const LN2_HI_D: f64 = 6.93147180369123816490e-01; // 0x3FE62E42FEE00000: 32 significant bits
const LN2_LO_D: f64 = 1.90821492927058770002e-10; // ln2 − LN2_HI_D
const EXP_LO_D: f64 = -709.0; // y = −1022.9 → k = −1023 → bits 0
const EXP_HI_D: f64 = 709.8; // y = 1024.02 → k = 1024 → bits = +∞
const TANH_MAX_D: f64 = 20.0; // tanh(20) = 1 − 8.5e−18 rounds to 1 in f64

/** q(r) = eʳ − 1 for |r| ≤ ln2/2, accurate relative to q itself (no cancellation near r = 0). */
@inline function expm1Poly<T>(r: v128): v128 {
  if (sizeof<T>() == 4) {
    let p = f32x4.splat(<f32>(1.0 / 5040.0));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>(1.0 / 720.0)));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>(1.0 / 120.0)));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>(1.0 / 24.0)));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>(1.0 / 6.0)));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>0.5));
    p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>1.0));
    return f32x4.mul(p, r);
  } else {
    // 1/(n+1)! for n = 12 … 0
    let p = f64x2.splat(1.0 / 6227020800.0);
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 479001600.0));
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 39916800.0));
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 3628800.0));
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 362880.0));
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 40320.0));
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040.0));
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720.0));
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120.0));
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24.0));
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6.0));
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
    p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
    return f64x2.mul(p, r);
  }
}

/** t = x·log₂e + S: its low mantissa bits hold k + bias, k = round(x / ln2). */
@inline function shifted<T>(x: v128): v128 {
  if (sizeof<T>() == 4) return f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E_F)), f32x4.splat(SHIFT_F));
  return f64x2.add(f64x2.mul(x, f64x2.splat(LOG2E_D)), f64x2.splat(SHIFT_D));
}

/** 2ᵏ from t: k + bias moved into the exponent field. */
@inline function twoToK<T>(t: v128): v128 {
  if (sizeof<T>() == 4) return i32x4.shl(t, 23);
  return i64x2.shl(t, 52);
}

/** r = x − k·ln2, with k = t − S exact and ln2 in two parts. */
@inline function remainder<T>(x: v128, t: v128): v128 {
  if (sizeof<T>() == 4) {
    const k = f32x4.sub(t, f32x4.splat(SHIFT_F));
    return f32x4.sub(f32x4.sub(x, f32x4.mul(k, f32x4.splat(LN2_HI_F))), f32x4.mul(k, f32x4.splat(LN2_LO_F)));
  }
  const k = f64x2.sub(t, f64x2.splat(SHIFT_D));
  return f64x2.sub(f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI_D))), f64x2.mul(k, f64x2.splat(LN2_LO_D)));
}

/** eˣ lane-wise (see the NOTE above for the clamped ends). */
@inline export function vexp<T>(x: v128): v128 {
  if (sizeof<T>() == 4) {
    x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(EXP_HI_F)), f32x4.splat(EXP_LO_F));
  } else {
    x = f64x2.pmax(f64x2.pmin(x, f64x2.splat(EXP_HI_D)), f64x2.splat(EXP_LO_D));
  }
  const t = shifted<T>(x);
  const s = twoToK<T>(t);
  const r = remainder<T>(x, t);
  // 2ᵏ·(1 + q) = 2ᵏ + 2ᵏ·q: one rounding
  return v128.add<T>(s, v128.mul<T>(s, expm1Poly<T>(r)));
}

/**
 * σ(x) = 1 / (1 + e^−x) lane-wise. For x → −∞, e^−x reaches ∞ and σ = 0; for x → +∞, e^−x → 0 and
 * σ = 1. Relative error stays a few ulp on both sides (no subtraction anywhere).
 */
@inline export function vsigmoid<T>(x: v128): v128 {
  const one = v128.splat<T>(<T>1.0);
  return v128.div<T>(one, v128.add<T>(one, vexp<T>(v128.neg<T>(x))));
}

/**
 * tanh(x) lane-wise, as sign(x)·tanh(|x|) with tanh(y/2) = (eʸ − 1) / (eʸ + 1), y = 2|x|.
 * NOTE: eʸ − 1 is formed as (2ᵏ − 1) + 2ᵏ·q(r): for |x| < ln2/4 (k = 0) that is q(r) itself, so small
 * |x| keeps full relative accuracy (the naive 1 − 2/(eʸ + 1) would cancel). |x| is clamped where
 * tanh rounds to 1, so eʸ stays finite; a NaN passes the clamp (pmin keeps its first operand).
 */
@inline export function vtanh<T>(x: v128): v128 {
  let ax: v128;
  if (sizeof<T>() == 4) ax = f32x4.pmin(f32x4.abs(x), f32x4.splat(TANH_MAX_F));
  else ax = f64x2.pmin(f64x2.abs(x), f64x2.splat(TANH_MAX_D));
  const y = v128.add<T>(ax, ax);
  const ty = shifted<T>(y);
  const s = twoToK<T>(ty);
  const r = remainder<T>(y, ty);
  const one = v128.splat<T>(<T>1.0);
  const em1 = v128.add<T>(v128.sub<T>(s, one), v128.mul<T>(s, expm1Poly<T>(r)));
  const t = v128.div<T>(em1, v128.add<T>(em1, v128.splat<T>(<T>2.0)));
  // tanh(|x|) ≥ 0, so OR-ing in x's sign bit gives the odd extension (and tanh(−0) = −0)
  const sign = sizeof<T>() == 4 ? v128.splat<i32>(0x80000000) : v128.splat<i64>(0x8000000000000000);
  return v128.or(t, v128.and(x, sign));
}

/**
 * log(x) for a scalar f64 (once per softmax row). x = 2ᵉ·m with m ∈ [√½, √2), and
 * log m = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + …), s = (m − 1)/(m + 1), |s| ≤ 0.1716, so s² ≤ 0.0295
 * and the series is cut after s²³/23 (the next term is below 1e−18 of the sum).
 */
export function logF64(x: f64): f64 {
  if (!(x > 0.0) || x == Infinity) return x == 0.0 ? -Infinity : x == Infinity ? x : NaN;
  let bits = reinterpret<u64>(x);
  let e: i32 = <i32>(bits >> 52) - 1023;
  if (e == -1023) {
    // subnormal: scale by 2⁵⁴ first
    bits = reinterpret<u64>(x * 18014398509481984.0);
    e = <i32>(bits >> 52) - 1023 - 54;
  }
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000); // m ∈ [1, 2)
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  const s = (m - 1.0) / (m + 1.0);
  const s2 = s * s;
  let p = 1.0 / 23.0;
  for (let n = 21; n >= 1; n -= 2) p = p * s2 + 1.0 / <f64>n;
  const logm = 2.0 * s * p;
  return <f64>e * LN2_HI_D + (logm + <f64>e * LN2_LO_D);
}

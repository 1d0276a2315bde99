// The elementwise and fused kernels of FastKernels (src/fast/kernels.ts, whose TypeScript
// reference is the specification): rows and columns, one time step of the RNN/LSTM/GRU cells,
// softmax cross-entropy, the optimizers and clipping.
//
// Every kernel is written once, generic over the element type T (f32: four lanes per v128, f64:
// two), and exported as <name>_f32 and <name>_f64 at the end of the file. Arrays are byte offsets
// into the imported memory; v128.load/store have no alignment requirement, so subarray views that
// start anywhere are fine. Dimensions: B rows (streams), H hidden size, V vocabulary, M×N matrices.
//
// Each loop runs over whole vectors of L = 16 / sizeof<T> lanes, then over the tail one element at
// a time with the SAME code: `ld(p, false)` loads one element into every lane and `st(p, v, false)`
// stores lane 0, so the tail uses exactly the vector formulas.

import { vexp, vsigmoid, vtanh, logF64 } from './math';

@inline function ld<T>(p: usize, full: bool): v128 {
  return full ? v128.load(p) : v128.load_splat<T>(p);
}
@inline function st<T>(p: usize, v: v128, full: bool): void {
  if (full) v128.store(p, v);
  else v128.store_lane<T>(p, v, 0);
}
@inline function splat<T>(x: f64): v128 {
  return v128.splat<T>(<T>x);
}
@inline function add<T>(a: v128, b: v128): v128 { return v128.add<T>(a, b); }
@inline function sub<T>(a: v128, b: v128): v128 { return v128.sub<T>(a, b); }
@inline function mul<T>(a: v128, b: v128): v128 { return v128.mul<T>(a, b); }
/** (1 − x)·x, the derivative of σ from its value */
@inline function dsig<T>(x: v128): v128 { return v128.mul<T>(v128.sub<T>(splat<T>(1.0), x), x); }
/** 1 − x², the derivative of tanh from its value */
@inline function dtanh<T>(x: v128): v128 { return v128.sub<T>(splat<T>(1.0), v128.mul<T>(x, x)); }
@inline function lanes<T>(): i32 { return 16 / <i32>sizeof<T>(); }
@inline function at<T>(i: i32): usize { return <usize>i * sizeof<T>(); }

// ---- rows and columns ------------------------------------------------------------------------

/** out[i, :] = table[ids[i], :] + bias */
function gatherRows<T>(out: usize, table: usize, ids: usize, bias: usize, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) {
    const src = table + at<T>(load<i32>(ids + (<usize>i << 2)) * N), dst = out + at<T>(i * N);
    let j = 0;
    for (; j + lanes<T>() <= N; j += lanes<T>()) st<T>(dst + at<T>(j), add<T>(ld<T>(src + at<T>(j), true), ld<T>(bias + at<T>(j), true)), true);
    for (; j < N; j++) st<T>(dst + at<T>(j), add<T>(ld<T>(src + at<T>(j), false), ld<T>(bias + at<T>(j), false)), false);
  }
}

/** dst[0..n) += src[0..n) */
@inline function addInto<T>(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + lanes<T>() <= n; j += lanes<T>()) st<T>(dst + at<T>(j), add<T>(ld<T>(dst + at<T>(j), true), ld<T>(src + at<T>(j), true)), true);
  for (; j < n; j++) st<T>(dst + at<T>(j), add<T>(ld<T>(dst + at<T>(j), false), ld<T>(src + at<T>(j), false)), false);
}

/** out[ids[i], :] += src[i, :] (in order of i, so repeated ids accumulate) */
function scatterAddRows<T>(out: usize, src: usize, ids: usize, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) addInto<T>(out + at<T>(load<i32>(ids + (<usize>i << 2)) * N), src + at<T>(i * N), N);
}

/** out[i, :] = b */
function fillRows<T>(out: usize, b: usize, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) {
    const dst = out + at<T>(i * N);
    let j = 0;
    for (; j + lanes<T>() <= N; j += lanes<T>()) st<T>(dst + at<T>(j), ld<T>(b + at<T>(j), true), true);
    for (; j < N; j++) st<T>(dst + at<T>(j), ld<T>(b + at<T>(j), false), false);
  }
}

/** out[j] += Σ_i A[i, j], adding row after row (the reference's order of rounding) */
function addColumnSums<T>(out: usize, A: usize, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) addInto<T>(out, A + at<T>(i * N), N);
}

/** out = x ⊙ m (out may be x) */
function mulKernel<T>(out: usize, x: usize, m: usize, n: i32): void {
  let i = 0;
  for (; i + lanes<T>() <= n; i += lanes<T>()) st<T>(out + at<T>(i), mul<T>(ld<T>(x + at<T>(i), true), ld<T>(m + at<T>(i), true)), true);
  for (; i < n; i++) st<T>(out + at<T>(i), mul<T>(ld<T>(x + at<T>(i), false), ld<T>(m + at<T>(i), false)), false);
}

// ---- RNN cell ----------------------------------------------------------------------------------

function rnnForward<T>(a: usize, bhh: usize, h: usize, B: i32, H: i32): void {
  for (let b = 0; b < B; b++) {
    const ab = a + at<T>(b * H), hb = h + at<T>(b * H);
    let j = 0;
    for (; j + lanes<T>() <= H; j += lanes<T>()) st<T>(hb + at<T>(j), vtanh<T>(add<T>(ld<T>(ab + at<T>(j), true), ld<T>(bhh + at<T>(j), true))), true);
    for (; j < H; j++) st<T>(hb + at<T>(j), vtanh<T>(add<T>(ld<T>(ab + at<T>(j), false), ld<T>(bhh + at<T>(j), false))), false);
  }
}

/** da = (1 − h²) ⊙ dh, over all B·H entries */
function rnnBackward<T>(h: usize, dh: usize, da: usize, B: i32, H: i32): void {
  const n = B * H;
  let k = 0;
  for (; k + lanes<T>() <= n; k += lanes<T>()) st<T>(da + at<T>(k), mul<T>(dtanh<T>(ld<T>(h + at<T>(k), true)), ld<T>(dh + at<T>(k), true)), true);
  for (; k < n; k++) st<T>(da + at<T>(k), mul<T>(dtanh<T>(ld<T>(h + at<T>(k), false)), ld<T>(dh + at<T>(k), false)), false);
}

// ---- LSTM cell: gates i, f, g, o side by side in a row of 4H --------------------------------

/** One vector (or one tail element) of lstmForward; a and bhh point at gate i's column j, hs = H bytes. */
@inline function lstmForwardCell<T>(a: usize, bhh: usize, hs: usize, cPrev: usize, c: usize, tanhC: usize, h: usize, full: bool): void {
  const i = vsigmoid<T>(add<T>(ld<T>(a, full), ld<T>(bhh, full)));
  const f = vsigmoid<T>(add<T>(ld<T>(a + hs, full), ld<T>(bhh + hs, full)));
  const g = vtanh<T>(add<T>(ld<T>(a + 2 * hs, full), ld<T>(bhh + 2 * hs, full)));
  const o = vsigmoid<T>(add<T>(ld<T>(a + 3 * hs, full), ld<T>(bhh + 3 * hs, full)));
  st<T>(a, i, full);
  st<T>(a + hs, f, full);
  st<T>(a + 2 * hs, g, full);
  st<T>(a + 3 * hs, o, full);
  // c = f ⊙ cPrev + i ⊙ g;  h = o ⊙ tanh(c)
  const cv = add<T>(mul<T>(f, ld<T>(cPrev, full)), mul<T>(i, g));
  const tc = vtanh<T>(cv);
  st<T>(c, cv, full);
  st<T>(tanhC, tc, full);
  st<T>(h, mul<T>(o, tc), full);
}

function lstmForward<T>(a: usize, bhh: usize, cPrev: usize, c: usize, tanhC: usize, h: usize, B: i32, H: i32): void {
  const hs = at<T>(H);
  for (let b = 0; b < B; b++) {
    const ab = a + at<T>(4 * b * H), k = at<T>(b * H);
    let j = 0;
    for (; j + lanes<T>() <= H; j += lanes<T>()) {
      const o = at<T>(j);
      lstmForwardCell<T>(ab + o, bhh + o, hs, cPrev + k + o, c + k + o, tanhC + k + o, h + k + o, true);
    }
    for (; j < H; j++) {
      const o = at<T>(j);
      lstmForwardCell<T>(ab + o, bhh + o, hs, cPrev + k + o, c + k + o, tanhC + k + o, h + k + o, false);
    }
  }
}

/** One vector of lstmBackward; gates and da point at gate i's column j, the others at (b, j). */
@inline function lstmBackwardCell<T>(gates: usize, hs: usize, cPrev: usize, tanhC: usize, dh: usize, dc: usize, da: usize, full: bool): void {
  const i = ld<T>(gates, full), f = ld<T>(gates + hs, full), g = ld<T>(gates + 2 * hs, full), o = ld<T>(gates + 3 * hs, full);
  const tc = ld<T>(tanhC, full), dhv = ld<T>(dh, full);
  // through h = o ⊙ tanh(c), plus what step t+1 sent back: dC = dc + dh ⊙ o ⊙ (1 − tanh²c)
  const dC = add<T>(ld<T>(dc, full), mul<T>(mul<T>(dhv, o), dtanh<T>(tc)));
  // c = f ⊙ cPrev + i ⊙ g: dcPrev = dC ⊙ f, and each gate's pre-activation through σ′ or tanh′
  st<T>(dc, mul<T>(dC, f), full);
  st<T>(da, mul<T>(mul<T>(dC, g), dsig<T>(i)), full);
  st<T>(da + hs, mul<T>(mul<T>(dC, ld<T>(cPrev, full)), dsig<T>(f)), full);
  st<T>(da + 2 * hs, mul<T>(mul<T>(dC, i), dtanh<T>(g)), full);
  st<T>(da + 3 * hs, mul<T>(mul<T>(dhv, tc), dsig<T>(o)), full);
}

function lstmBackward<T>(gates: usize, cPrev: usize, tanhC: usize, dh: usize, dc: usize, da: usize, B: i32, H: i32): void {
  const hs = at<T>(H);
  for (let b = 0; b < B; b++) {
    const x = at<T>(4 * b * H), k = at<T>(b * H);
    let j = 0;
    for (; j + lanes<T>() <= H; j += lanes<T>()) {
      const o = at<T>(j);
      lstmBackwardCell<T>(gates + x + o, hs, cPrev + k + o, tanhC + k + o, dh + k + o, dc + k + o, da + x + o, true);
    }
    for (; j < H; j++) {
      const o = at<T>(j);
      lstmBackwardCell<T>(gates + x + o, hs, cPrev + k + o, tanhC + k + o, dh + k + o, dc + k + o, da + x + o, false);
    }
  }
}

// ---- GRU cell: gates r, z, n side by side in a row of 3H -------------------------------------

@inline function gruForwardCell<T>(a: usize, u: usize, hs: usize, hPrev: usize, h: usize, un: usize, full: bool): void {
  const r = vsigmoid<T>(add<T>(ld<T>(a, full), ld<T>(u, full)));
  const z = vsigmoid<T>(add<T>(ld<T>(a + hs, full), ld<T>(u + hs, full)));
  const unv = ld<T>(u + 2 * hs, full);
  const n = vtanh<T>(add<T>(ld<T>(a + 2 * hs, full), mul<T>(r, unv)));
  st<T>(a, r, full);
  st<T>(a + hs, z, full);
  st<T>(a + 2 * hs, n, full);
  st<T>(un, unv, full);
  // h = (1 − z) ⊙ n + z ⊙ hPrev
  st<T>(h, add<T>(mul<T>(sub<T>(splat<T>(1.0), z), n), mul<T>(z, ld<T>(hPrev, full))), full);
}

function gruForward<T>(a: usize, u: usize, hPrev: usize, h: usize, un: usize, B: i32, H: i32): void {
  const hs = at<T>(H);
  for (let b = 0; b < B; b++) {
    const x = at<T>(3 * b * H), k = at<T>(b * H);
    let j = 0;
    for (; j + lanes<T>() <= H; j += lanes<T>()) {
      const o = at<T>(j);
      gruForwardCell<T>(a + x + o, u + x + o, hs, hPrev + k + o, h + k + o, un + k + o, true);
    }
    for (; j < H; j++) {
      const o = at<T>(j);
      gruForwardCell<T>(a + x + o, u + x + o, hs, hPrev + k + o, h + k + o, un + k + o, false);
    }
  }
}

@inline function gruBackwardCell<T>(gates: usize, hs: usize, un: usize, hPrev: usize, dh: usize, dhPrev: usize, da: usize, du: usize, full: bool): void {
  const r = ld<T>(gates, full), z = ld<T>(gates + hs, full), n = ld<T>(gates + 2 * hs, full);
  const d = ld<T>(dh, full);
  // h = (1 − z) ⊙ n + z ⊙ hPrev: hPrev's direct share
  if (dhPrev) st<T>(dhPrev, add<T>(ld<T>(dhPrev, full), mul<T>(d, z)), full);
  // through n = tanh(a_n + r ⊙ u_n), r = σ(a_r + u_r), z = σ(a_z + u_z)
  const dan = mul<T>(mul<T>(d, sub<T>(splat<T>(1.0), z)), dtanh<T>(n));
  const dar = mul<T>(mul<T>(dan, ld<T>(un, full)), dsig<T>(r));
  const daz = mul<T>(mul<T>(d, sub<T>(ld<T>(hPrev, full), n)), dsig<T>(z));
  st<T>(da, dar, full);
  st<T>(da + hs, daz, full);
  st<T>(da + 2 * hs, dan, full);
  st<T>(du, dar, full);
  st<T>(du + hs, daz, full);
  st<T>(du + 2 * hs, mul<T>(dan, r), full);
}

/** dhPrev = 0 means null (t = 0): no hidden-state gradient to add into. */
function gruBackward<T>(gates: usize, un: usize, hPrev: usize, dh: usize, dhPrev: usize, da: usize, du: usize, B: i32, H: i32): void {
  const hs = at<T>(H);
  for (let b = 0; b < B; b++) {
    const x = at<T>(3 * b * H), k = at<T>(b * H);
    const dp: usize = dhPrev ? dhPrev + k : 0;
    let j = 0;
    for (; j + lanes<T>() <= H; j += lanes<T>()) {
      const o = at<T>(j);
      gruBackwardCell<T>(gates + x + o, hs, un + k + o, hPrev + k + o, dh + k + o, dp ? dp + o : 0, da + x + o, du + x + o, true);
    }
    for (; j < H; j++) {
      const o = at<T>(j);
      gruBackwardCell<T>(gates + x + o, hs, un + k + o, hPrev + k + o, dh + k + o, dp ? dp + o : 0, da + x + o, du + x + o, false);
    }
  }
}

// ---- loss ----------------------------------------------------------------------------------------

/** The largest lane (as f64), by `>` like the reference's scan. */
@inline function laneMax<T>(v: v128): f64 {
  if (sizeof<T>() == 8) return max2(f64x2.extract_lane(v, 0), f64x2.extract_lane(v, 1));
  const a = max2(<f64>f32x4.extract_lane(v, 0), <f64>f32x4.extract_lane(v, 1));
  return max2(a, max2(<f64>f32x4.extract_lane(v, 2), <f64>f32x4.extract_lane(v, 3)));
}
@inline function max2(a: f64, b: f64): f64 { return b > a ? b : a; }

/** The sum of the lanes, in f64. */
@inline function laneSum<T>(v: v128): f64 {
  if (sizeof<T>() == 8) return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
  return (<f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1)) + (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3));
}

/**
 * Per row: m = max_v y_v, z = Σ e^(y_v − m), loss += log z + m − y_target, then
 * y ← softmax(y)·scale − scale·onehot(target). The exponentials are stored in the row on the first
 * pass and scaled by scale/z on the second. NaN logits: never the max (as in the reference's `>`),
 * but they make z, the loss and the whole row NaN.
 */
function softmaxCrossEntropy<T>(Y: usize, targets: usize, M: i32, V: i32, scale: f64): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < M; i++) {
    const row = Y + at<T>(i * V);
    const yt = <f64>load<T>(row + at<T>(load<i32>(targets + (<usize>i << 2))));
    // the row's max: per lane, then across lanes and the tail, keeping the first of equal values
    let vm = splat<T>(-Infinity);
    let v = 0;
    for (; v + lanes<T>() <= V; v += lanes<T>()) vm = v128.pmax<T>(vm, v128.load(row + at<T>(v)));
    let m = laneMax<T>(vm);
    for (let w = v; w < V; w++) {
      const x = <f64>load<T>(row + at<T>(w));
      if (x > m) m = x;
    }
    // e = e^(y − m) stored back into the row; z summed per lane, then in f64
    const vmax = splat<T>(m);
    let vz = splat<T>(0.0);
    v = 0;
    for (; v + lanes<T>() <= V; v += lanes<T>()) {
      const e = vexp<T>(sub<T>(v128.load(row + at<T>(v)), vmax));
      v128.store(row + at<T>(v), e);
      vz = add<T>(vz, e);
    }
    let z = laneSum<T>(vz);
    for (; v < V; v++) {
      const p = row + at<T>(v);
      const e = vexp<T>(sub<T>(v128.load_splat<T>(p), vmax));
      v128.store_lane<T>(p, e, 0);
      z += <f64>load<T>(p);
    }
    loss += logF64(z) + m - yt;
    // y ← e · (scale / z), then the target's −scale
    const k = splat<T>(scale / z);
    v = 0;
    for (; v + lanes<T>() <= V; v += lanes<T>()) v128.store(row + at<T>(v), mul<T>(v128.load(row + at<T>(v)), k));
    for (; v < V; v++) st<T>(row + at<T>(v), mul<T>(ld<T>(row + at<T>(v), false), k), false);
    const pt = row + at<T>(load<i32>(targets + (<usize>i << 2)));
    store<T>(pt, load<T>(pt) - <T>scale);
  }
  return loss;
}

// ---- optimizers and clipping (optim.ts's formulas), in T -----------------------------------

/** mem += g²; w −= lr·g / √(mem + eps) */
@inline function adagradStep<T>(w: usize, g: usize, mem: usize, lr: v128, eps: v128, full: bool): void {
  const gv = ld<T>(g, full);
  const m = add<T>(ld<T>(mem, full), mul<T>(gv, gv));
  st<T>(mem, m, full);
  st<T>(w, sub<T>(ld<T>(w, full), v128.div<T>(mul<T>(lr, gv), v128.sqrt<T>(add<T>(m, eps)))), full);
}

function adagrad<T>(w: usize, g: usize, mem: usize, n: i32, lr: f64, eps: f64): void {
  const lrv = splat<T>(lr), epsv = splat<T>(eps);
  let i = 0;
  for (; i + lanes<T>() <= n; i += lanes<T>()) adagradStep<T>(w + at<T>(i), g + at<T>(i), mem + at<T>(i), lrv, epsv, true);
  for (; i < n; i++) adagradStep<T>(w + at<T>(i), g + at<T>(i), mem + at<T>(i), lrv, epsv, false);
}

/** sq = α·sq + (1 − α)·g²; w −= lr·g / (√sq + eps) */
@inline function rmspropStep<T>(w: usize, g: usize, sq: usize, lr: v128, alpha: v128, beta: v128, eps: v128, full: bool): void {
  const gv = ld<T>(g, full);
  const s = add<T>(mul<T>(alpha, ld<T>(sq, full)), mul<T>(mul<T>(beta, gv), gv));
  st<T>(sq, s, full);
  st<T>(w, sub<T>(ld<T>(w, full), v128.div<T>(mul<T>(lr, gv), add<T>(v128.sqrt<T>(s), eps))), full);
}

function rmsprop<T>(w: usize, g: usize, sq: usize, n: i32, lr: f64, alpha: f64, eps: f64): void {
  const lrv = splat<T>(lr), av = splat<T>(alpha), bv = splat<T>(1 - alpha), epsv = splat<T>(eps);
  let i = 0;
  for (; i + lanes<T>() <= n; i += lanes<T>()) rmspropStep<T>(w + at<T>(i), g + at<T>(i), sq + at<T>(i), lrv, av, bv, epsv, true);
  for (; i < n; i++) rmspropStep<T>(w + at<T>(i), g + at<T>(i), sq + at<T>(i), lrv, av, bv, epsv, false);
}

/** m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g²; w −= stepSize·m / (√v / root2 + eps) */
@inline function adamStep<T>(w: usize, g: usize, m: usize, v: usize, step: v128, root2: v128, b1: v128, a1: v128, b2: v128, a2: v128, eps: v128, full: bool): void {
  const gv = ld<T>(g, full);
  const mv = add<T>(mul<T>(b1, ld<T>(m, full)), mul<T>(a1, gv));
  const vv = add<T>(mul<T>(b2, ld<T>(v, full)), mul<T>(mul<T>(a2, gv), gv));
  st<T>(m, mv, full);
  st<T>(v, vv, full);
  const den = add<T>(v128.div<T>(v128.sqrt<T>(vv), root2), eps);
  st<T>(w, sub<T>(ld<T>(w, full), v128.div<T>(mul<T>(step, mv), den)), full);
}

function adam<T>(w: usize, g: usize, m: usize, v: usize, n: i32, stepSize: f64, root2: f64, beta1: f64, beta2: f64, eps: f64): void {
  const sv = splat<T>(stepSize), rv = splat<T>(root2), b1 = splat<T>(beta1), a1 = splat<T>(1 - beta1);
  const b2 = splat<T>(beta2), a2 = splat<T>(1 - beta2), ev = splat<T>(eps);
  let i = 0;
  for (; i + lanes<T>() <= n; i += lanes<T>()) adamStep<T>(w + at<T>(i), g + at<T>(i), m + at<T>(i), v + at<T>(i), sv, rv, b1, a1, b2, a2, ev, true);
  for (; i < n; i++) adamStep<T>(w + at<T>(i), g + at<T>(i), m + at<T>(i), v + at<T>(i), sv, rv, b1, a1, b2, a2, ev, false);
}

/**
 * The largest T not above c. NOTE: the reference compares the stored value with c in f64; for an f32
 * entry g, g > c holds exactly when g > (c rounded down to f32), so comparing against that keeps the
 * count of cut entries identical even when c has no exact f32 value (0.1, say).
 */
@inline function floorToT<T>(c: f64): T {
  if (sizeof<T>() == 8) return <T>c;
  const cf = <f32>c;
  if (!(<f64>cf > c)) return <T>cf;
  const bits = reinterpret<u32>(cf);
  return <T>reinterpret<f32>(cf > 0 ? bits - 1 : cf == 0 ? 0x80000001 : bits + 1);
}

/** Each entry clipped to [−c, c]; returns how many were cut (a NaN is neither cut nor counted). */
function clip<T>(g: usize, n: i32, c: f64): i32 {
  const cd = floorToT<T>(c);
  const hiCmp = splat<T>(cd), loCmp = splat<T>(-cd);
  const hi = splat<T>(c), lo = splat<T>(-c);
  let cut = v128.splat<i64>(0); // −1 per cut lane, summed per lane (i32 lanes for f32, i64 for f64)
  let i = 0;
  for (; i + lanes<T>() <= n; i += lanes<T>()) {
    const p = g + at<T>(i);
    const x = v128.load(p);
    const over = v128.gt<T>(x, hiCmp), under = v128.lt<T>(x, loCmp);
    v128.store(p, v128.bitselect(hi, v128.bitselect(lo, x, under), over)); // `over` first, as in the reference
    if (sizeof<T>() == 4) cut = i32x4.sub(cut, v128.or(over, under));
    else cut = i64x2.sub(cut, v128.or(over, under));
  }
  let count: i32 = 0;
  if (sizeof<T>() == 4) {
    count = i32x4.extract_lane(cut, 0) + i32x4.extract_lane(cut, 1) + i32x4.extract_lane(cut, 2) + i32x4.extract_lane(cut, 3);
  } else {
    count = <i32>(i64x2.extract_lane(cut, 0) + i64x2.extract_lane(cut, 1));
  }
  for (; i < n; i++) {
    const p = g + at<T>(i);
    const x = load<T>(p);
    if (x > cd) {
      store<T>(p, <T>c);
      count++;
    } else if (x < -cd) {
      store<T>(p, <T>-c);
      count++;
    }
  }
  return count;
}

/** g *= s */
function scaleKernel<T>(g: usize, n: i32, s: f64): void {
  const sv = splat<T>(s);
  let i = 0;
  for (; i + lanes<T>() <= n; i += lanes<T>()) st<T>(g + at<T>(i), mul<T>(ld<T>(g + at<T>(i), true), sv), true);
  for (; i < n; i++) st<T>(g + at<T>(i), mul<T>(ld<T>(g + at<T>(i), false), sv), false);
}

/** Σ g², in f64 for either T (an f32's square is exact in f64). */
function sumSquares<T>(g: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + lanes<T>() <= n; i += lanes<T>()) {
    const x = v128.load(g + at<T>(i));
    if (sizeof<T>() == 4) {
      const lo = f64x2.promote_low_f32x4(x);
      const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
      acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
      acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
    } else {
      acc0 = f64x2.add(acc0, f64x2.mul(x, x));
    }
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const x = <f64>load<T>(g + at<T>(i));
    s += x * x;
  }
  return s;
}

// ---- the tape's elementwise ops (src/fast/tape.ts): codes as in src/fast/kernels.ts -----------

/** out = f(x), f by code: 0 eˣ, 1 tanh, 2 σ (out may be x) */
function mapUnary<T>(out: usize, x: usize, n: i32, code: i32): void {
  let i = 0;
  if (code == 0) {
    for (; i + lanes<T>() <= n; i += lanes<T>()) st<T>(out + at<T>(i), vexp<T>(ld<T>(x + at<T>(i), true)), true);
    for (; i < n; i++) st<T>(out + at<T>(i), vexp<T>(ld<T>(x + at<T>(i), false)), false);
  } else if (code == 1) {
    for (; i + lanes<T>() <= n; i += lanes<T>()) st<T>(out + at<T>(i), vtanh<T>(ld<T>(x + at<T>(i), true)), true);
    for (; i < n; i++) st<T>(out + at<T>(i), vtanh<T>(ld<T>(x + at<T>(i), false)), false);
  } else {
    for (; i + lanes<T>() <= n; i += lanes<T>()) st<T>(out + at<T>(i), vsigmoid<T>(ld<T>(x + at<T>(i), true)), true);
    for (; i < n; i++) st<T>(out + at<T>(i), vsigmoid<T>(ld<T>(x + at<T>(i), false)), false);
  }
}

/** out = dy ⊙ f′, f′ from the output y = f(x) by code: 0 y, 1 1 − y², 2 y(1 − y) */
function chainUnary<T>(out: usize, dy: usize, y: usize, n: i32, code: i32): void {
  let i = 0;
  if (code == 0) {
    for (; i + lanes<T>() <= n; i += lanes<T>()) st<T>(out + at<T>(i), mul<T>(ld<T>(dy + at<T>(i), true), ld<T>(y + at<T>(i), true)), true);
    for (; i < n; i++) st<T>(out + at<T>(i), mul<T>(ld<T>(dy + at<T>(i), false), ld<T>(y + at<T>(i), false)), false);
  } else if (code == 1) {
    for (; i + lanes<T>() <= n; i += lanes<T>()) st<T>(out + at<T>(i), mul<T>(ld<T>(dy + at<T>(i), true), dtanh<T>(ld<T>(y + at<T>(i), true))), true);
    for (; i < n; i++) st<T>(out + at<T>(i), mul<T>(ld<T>(dy + at<T>(i), false), dtanh<T>(ld<T>(y + at<T>(i), false))), false);
  } else {
    for (; i + lanes<T>() <= n; i += lanes<T>()) st<T>(out + at<T>(i), mul<T>(ld<T>(dy + at<T>(i), true), dsig<T>(ld<T>(y + at<T>(i), true))), true);
    for (; i < n; i++) st<T>(out + at<T>(i), mul<T>(ld<T>(dy + at<T>(i), false), dsig<T>(ld<T>(y + at<T>(i), false))), false);
  }
}

@inline function binop<T>(code: i32, a: v128, b: v128): v128 {
  if (code == 0) return v128.add<T>(a, b);
  if (code == 1) return v128.sub<T>(a, b);
  if (code == 2) return v128.mul<T>(a, b);
  return v128.div<T>(a, b);
}

/** One row: out[j] = a[j] (op) b[j] for j < m. */
@inline function binaryRow<T>(out: usize, a: usize, b: usize, m: i32, code: i32): void {
  let j = 0;
  for (; j + lanes<T>() <= m; j += lanes<T>()) st<T>(out + at<T>(j), binop<T>(code, ld<T>(a + at<T>(j), true), ld<T>(b + at<T>(j), true)), true);
  for (; j < m; j++) st<T>(out + at<T>(j), binop<T>(code, ld<T>(a + at<T>(j), false), ld<T>(b + at<T>(j), false)), false);
}

/** out = a (op) b over n elements, b (m elements) repeated along the rows of a; op by code: 0 +, 1 −, 2 ×, 3 ÷ */
function binaryRows<T>(out: usize, a: usize, b: usize, n: i32, m: i32, code: i32): void {
  for (let r = 0; r < n; r += m) {
    if (code == 0) binaryRow<T>(out + at<T>(r), a + at<T>(r), b, m, 0);
    else if (code == 1) binaryRow<T>(out + at<T>(r), a + at<T>(r), b, m, 1);
    else if (code == 2) binaryRow<T>(out + at<T>(r), a + at<T>(r), b, m, 2);
    else binaryRow<T>(out + at<T>(r), a + at<T>(r), b, m, 3);
  }
}

/** out[r·outStride + j] = a[r·aStride + j] for r < rows, j < width: a block of rows moved between two row strides (slices, concatenation) */
function copyRows<T>(out: usize, outStride: i32, a: usize, aStride: i32, rows: i32, width: i32): void {
  for (let r = 0; r < rows; r++) memory.copy(out + at<T>(r * outStride), a + at<T>(r * aStride), at<T>(width));
}

// ---- exports: <method>_f32 and <method>_f64, the TypeScript method's argument order ------------

export function mapUnary_f32(out: usize, x: usize, n: i32, code: i32): void { mapUnary<f32>(out, x, n, code); }
export function mapUnary_f64(out: usize, x: usize, n: i32, code: i32): void { mapUnary<f64>(out, x, n, code); }
export function chainUnary_f32(out: usize, dy: usize, y: usize, n: i32, code: i32): void { chainUnary<f32>(out, dy, y, n, code); }
export function chainUnary_f64(out: usize, dy: usize, y: usize, n: i32, code: i32): void { chainUnary<f64>(out, dy, y, n, code); }
export function binaryRows_f32(out: usize, a: usize, b: usize, n: i32, m: i32, code: i32): void { binaryRows<f32>(out, a, b, n, m, code); }
export function binaryRows_f64(out: usize, a: usize, b: usize, n: i32, m: i32, code: i32): void { binaryRows<f64>(out, a, b, n, m, code); }
export function copyRows_f32(out: usize, outStride: i32, a: usize, aStride: i32, rows: i32, width: i32): void { copyRows<f32>(out, outStride, a, aStride, rows, width); }
export function copyRows_f64(out: usize, outStride: i32, a: usize, aStride: i32, rows: i32, width: i32): void { copyRows<f64>(out, outStride, a, aStride, rows, width); }

export function gatherRows_f32(out: usize, table: usize, ids: usize, bias: usize, M: i32, N: i32): void { gatherRows<f32>(out, table, ids, bias, M, N); }
export function gatherRows_f64(out: usize, table: usize, ids: usize, bias: usize, M: i32, N: i32): void { gatherRows<f64>(out, table, ids, bias, M, N); }
export function scatterAddRows_f32(out: usize, src: usize, ids: usize, M: i32, N: i32): void { scatterAddRows<f32>(out, src, ids, M, N); }
export function scatterAddRows_f64(out: usize, src: usize, ids: usize, M: i32, N: i32): void { scatterAddRows<f64>(out, src, ids, M, N); }
export function fillRows_f32(out: usize, b: usize, M: i32, N: i32): void { fillRows<f32>(out, b, M, N); }
export function fillRows_f64(out: usize, b: usize, M: i32, N: i32): void { fillRows<f64>(out, b, M, N); }
export function addColumnSums_f32(out: usize, A: usize, M: i32, N: i32): void { addColumnSums<f32>(out, A, M, N); }
export function addColumnSums_f64(out: usize, A: usize, M: i32, N: i32): void { addColumnSums<f64>(out, A, M, N); }
export function mul_f32(out: usize, x: usize, m: usize, n: i32): void { mulKernel<f32>(out, x, m, n); }
export function mul_f64(out: usize, x: usize, m: usize, n: i32): void { mulKernel<f64>(out, x, m, n); }

export function rnnForward_f32(a: usize, bhh: usize, h: usize, B: i32, H: i32): void { rnnForward<f32>(a, bhh, h, B, H); }
export function rnnForward_f64(a: usize, bhh: usize, h: usize, B: i32, H: i32): void { rnnForward<f64>(a, bhh, h, B, H); }
export function rnnBackward_f32(h: usize, dh: usize, da: usize, B: i32, H: i32): void { rnnBackward<f32>(h, dh, da, B, H); }
export function rnnBackward_f64(h: usize, dh: usize, da: usize, B: i32, H: i32): void { rnnBackward<f64>(h, dh, da, B, H); }
export function lstmForward_f32(a: usize, bhh: usize, cPrev: usize, c: usize, tanhC: usize, h: usize, B: i32, H: i32): void { lstmForward<f32>(a, bhh, cPrev, c, tanhC, h, B, H); }
export function lstmForward_f64(a: usize, bhh: usize, cPrev: usize, c: usize, tanhC: usize, h: usize, B: i32, H: i32): void { lstmForward<f64>(a, bhh, cPrev, c, tanhC, h, B, H); }
export function lstmBackward_f32(gates: usize, cPrev: usize, tanhC: usize, dh: usize, dc: usize, da: usize, B: i32, H: i32): void { lstmBackward<f32>(gates, cPrev, tanhC, dh, dc, da, B, H); }
export function lstmBackward_f64(gates: usize, cPrev: usize, tanhC: usize, dh: usize, dc: usize, da: usize, B: i32, H: i32): void { lstmBackward<f64>(gates, cPrev, tanhC, dh, dc, da, B, H); }
export function gruForward_f32(a: usize, u: usize, hPrev: usize, h: usize, un: usize, B: i32, H: i32): void { gruForward<f32>(a, u, hPrev, h, un, B, H); }
export function gruForward_f64(a: usize, u: usize, hPrev: usize, h: usize, un: usize, B: i32, H: i32): void { gruForward<f64>(a, u, hPrev, h, un, B, H); }
export function gruBackward_f32(gates: usize, un: usize, hPrev: usize, dh: usize, dhPrev: usize, da: usize, du: usize, B: i32, H: i32): void { gruBackward<f32>(gates, un, hPrev, dh, dhPrev, da, du, B, H); }
export function gruBackward_f64(gates: usize, un: usize, hPrev: usize, dh: usize, dhPrev: usize, da: usize, du: usize, B: i32, H: i32): void { gruBackward<f64>(gates, un, hPrev, dh, dhPrev, da, du, B, H); }

export function softmaxCrossEntropy_f32(Y: usize, targets: usize, M: i32, V: i32, scale: f64): f64 { return softmaxCrossEntropy<f32>(Y, targets, M, V, scale); }
export function softmaxCrossEntropy_f64(Y: usize, targets: usize, M: i32, V: i32, scale: f64): f64 { return softmaxCrossEntropy<f64>(Y, targets, M, V, scale); }

export function adagrad_f32(w: usize, g: usize, mem: usize, n: i32, lr: f64, eps: f64): void { adagrad<f32>(w, g, mem, n, lr, eps); }
export function adagrad_f64(w: usize, g: usize, mem: usize, n: i32, lr: f64, eps: f64): void { adagrad<f64>(w, g, mem, n, lr, eps); }
export function rmsprop_f32(w: usize, g: usize, sq: usize, n: i32, lr: f64, alpha: f64, eps: f64): void { rmsprop<f32>(w, g, sq, n, lr, alpha, eps); }
export function rmsprop_f64(w: usize, g: usize, sq: usize, n: i32, lr: f64, alpha: f64, eps: f64): void { rmsprop<f64>(w, g, sq, n, lr, alpha, eps); }
export function adam_f32(w: usize, g: usize, m: usize, v: usize, n: i32, stepSize: f64, root2: f64, beta1: f64, beta2: f64, eps: f64): void { adam<f32>(w, g, m, v, n, stepSize, root2, beta1, beta2, eps); }
export function adam_f64(w: usize, g: usize, m: usize, v: usize, n: i32, stepSize: f64, root2: f64, beta1: f64, beta2: f64, eps: f64): void { adam<f64>(w, g, m, v, n, stepSize, root2, beta1, beta2, eps); }
export function clip_f32(g: usize, n: i32, c: f64): i32 { return clip<f32>(g, n, c); }
export function clip_f64(g: usize, n: i32, c: f64): i32 { return clip<f64>(g, n, c); }
export function scale_f32(g: usize, n: i32, s: f64): void { scaleKernel<f32>(g, n, s); }
export function scale_f64(g: usize, n: i32, s: f64): void { scaleKernel<f64>(g, n, s); }
export function sumSquares_f32(g: usize, n: i32): f64 { return sumSquares<f32>(g, n); }
export function sumSquares_f64(g: usize, n: i32): f64 { return sumSquares<f64>(g, n); }

// kernels/assembly/fused.ts (WebAssembly SIMD) against referenceKernels, the specification, in f32
// and f64: each kernel on random shapes whose widths are not multiples of the 4 (f32) or 2 (f64)
// lanes (the scalar tails), on inputs that start at odd element offsets (unaligned views), with
// pre-activations in [−8, 8] plus saturated ones (±30, ±100). Plus the vector math itself (eˣ, σ,
// tanh, the scalar log) against Math.* on dense grids.
//
// Tolerances, in units of the dtype's ε (2⁻²³ or 2⁻⁵²): the reference computes in f64 from the same
// stored inputs and rounds once at the store; the kernels round at every step in the dtype. Each
// output is a chain of at most ~6 roundings of ≤ ε/2 and transcendentals measured below at ≤ 2.2ε,
// on values of magnitude ≤ 2 (|cPrev| ≤ 2, gates and tanh ≤ 1), with derivatives ≤ 1 in between:
// so |error| ≤ 16ε·|value| + 32ε absolutely is a bound with room, not a fit to the output.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { type DType, type FastKernels, type FloatArray, referenceKernels } from '../../src/fast/kernels.ts';
import { type Exports, type FusedKernels, fusedKernels, type Heap, instantiateAs } from './compile-as.ts';

const EPS: Record<DType, number> = { f32: 2 ** -23, f64: 2 ** -52 };
const tol = (dtype: DType) => ({ rtol: 16 * EPS[dtype], atol: 32 * EPS[dtype] });

let fused: { exports: Exports; heap: Heap };
let probe: { exports: Exports; heap: Heap };
beforeAll(async () => {
  fused = await instantiateAs('kernels/assembly/fused.ts');
  probe = await instantiateAs('kernels/test/math-probe.ts');
}, 60_000);

/** One random case: the wasm kernels, the reference, and twin arrays with equal contents. */
class Case {
  readonly rng: Rng;
  readonly w: FusedKernels;
  readonly r: FastKernels;
  constructor(
    readonly dtype: DType,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    fused.heap.reset();
    this.w = fusedKernels(fused.exports, fused.heap, dtype);
    this.r = referenceKernels(dtype);
  }
  u(lo: number, hi: number): number {
    return lo + (hi - lo) * this.rng.uniform();
  }
  /** A pre-activation: mostly in [−8, 8], one in sixteen saturated at ±30 or ±100. */
  pre(): number {
    if (this.rng.int(16) === 0) return [-100, -30, 30, 100][this.rng.int(4)];
    return this.u(-8, 8);
  }
  /** A wasm array (at an odd element offset half of the time) and a reference array, equal. */
  pair(n: number, gen: () => number): [FloatArray, FloatArray] {
    const off = this.rng.int(2);
    const w = this.w.alloc(n + off).subarray(off);
    for (let i = 0; i < n; i++) w[i] = gen();
    return [w, w.slice()];
  }
  ints(n: number, max: number): [Int32Array, Int32Array] {
    const w = this.w.allocInt(n);
    for (let i = 0; i < n; i++) w[i] = this.rng.int(max);
    return [w, w.slice()];
  }
}

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const DTYPES: DType[] = ['f32', 'f64'];
const seed = fc.integer({ min: 0, max: 0x7fffffff });
const width = fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 13, 65, 128);
const cellShape = fc.record({ B: fc.constantFrom(1, 2, 3, 5), H: width, seed });
const RUNS = { numRuns: 30 };

describe.each(DTYPES)('fused kernels %s == referenceKernels', (dtype) => {
  const t = tol(dtype);

  it('lstmForward (gates, c, tanh c, h)', () => {
    fc.assert(
      fc.property(cellShape, ({ B, H, seed }) => {
        const k = new Case(dtype, seed);
        const [aw, ar] = k.pair(B * 4 * H, () => k.pre());
        const [bw, br] = k.pair(4 * H, () => k.u(-1, 1));
        const [pw, pr] = k.pair(B * H, () => k.u(-2, 2));
        const out = () => [k.pair(B * H, () => 0), k.pair(B * H, () => 0), k.pair(B * H, () => 0)];
        const [[cw, cr], [tw, tr], [hw, hr]] = out();
        k.w.lstmForward(aw, bw, pw, cw, tw, hw, B, H);
        k.r.lstmForward(ar, br, pr, cr, tr, hr, B, H);
        for (const [x, y] of [
          [aw, ar],
          [cw, cr],
          [tw, tr],
          [hw, hr],
        ])
          expect(x).toBeAllClose(y, t);
      }),
      RUNS,
    );
  });

  it('lstmForward propagates a NaN pre-activation to its gate, c, tanh c and h only', () => {
    const k = new Case(dtype, 7);
    const B = 2,
      H = 5;
    const [aw, ar] = k.pair(B * 4 * H, () => k.pre());
    aw[4 * H + 2 * H + 3] = ar[4 * H + 2 * H + 3] = NaN; // stream 1, gate g, column 3
    const [bw, br] = k.pair(4 * H, () => k.u(-1, 1));
    const [pw, pr] = k.pair(B * H, () => k.u(-2, 2));
    const [[cw, cr], [tw, tr], [hw, hr]] = [k.pair(B * H, () => 0), k.pair(B * H, () => 0), k.pair(B * H, () => 0)];
    k.w.lstmForward(aw, bw, pw, cw, tw, hw, B, H);
    k.r.lstmForward(ar, br, pr, cr, tr, hr, B, H);
    expect(Number.isNaN(hw[H + 3])).toBe(true);
    for (const [x, y] of [
      [aw, ar],
      [cw, cr],
      [tw, tr],
      [hw, hr],
    ])
      expect(x).toBeAllClose(y, t); // NaN exactly where the reference has one
  });

  it('lstmBackward (dc in and out, da)', () => {
    fc.assert(
      fc.property(cellShape, ({ B, H, seed }) => {
        const k = new Case(dtype, seed);
        const G = 4 * H;
        // gate values as lstmForward leaves them: σ for i, f, o and tanh for g
        const [gw, gr] = k.pair(B * G, () => 0);
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < G; j++) gw[b * G + j] = gr[b * G + j] = j >= 2 * H && j < 3 * H ? Math.tanh(k.pre()) : sig(k.pre());
        }
        gr.set(gw); // the stored (rounded) values on both sides
        const [pw, pr] = k.pair(B * H, () => k.u(-2, 2));
        const [tw, tr] = k.pair(B * H, () => Math.tanh(k.u(-3, 3)));
        const [dhw, dhr] = k.pair(B * H, () => k.u(-1, 1));
        const [dcw, dcr] = k.pair(B * H, () => k.u(-1, 1));
        const [daw, dar] = k.pair(B * G, () => 0);
        k.w.lstmBackward(gw, pw, tw, dhw, dcw, daw, B, H);
        k.r.lstmBackward(gr, pr, tr, dhr, dcr, dar, B, H);
        expect(dcw).toBeAllClose(dcr, t);
        expect(daw).toBeAllClose(dar, t);
      }),
      RUNS,
    );
  });

  it('gruForward (r, z, n, u_n, h)', () => {
    fc.assert(
      fc.property(cellShape, ({ B, H, seed }) => {
        const k = new Case(dtype, seed);
        const [aw, ar] = k.pair(B * 3 * H, () => k.pre());
        const [uw, ur] = k.pair(B * 3 * H, () => k.pre() / 2);
        const [pw, pr] = k.pair(B * H, () => k.u(-1, 1));
        const [hw, hr] = k.pair(B * H, () => 0);
        const [nw, nr] = k.pair(B * H, () => 0);
        k.w.gruForward(aw, uw, pw, hw, nw, B, H);
        k.r.gruForward(ar, ur, pr, hr, nr, B, H);
        for (const [x, y] of [
          [aw, ar],
          [hw, hr],
          [nw, nr],
          [uw, ur],
        ])
          expect(x).toBeAllClose(y, t);
      }),
      RUNS,
    );
  });

  it('gruBackward (da, du, dhPrev += or null)', () => {
    fc.assert(
      fc.property(cellShape, fc.boolean(), ({ B, H, seed }, withPrev) => {
        const k = new Case(dtype, seed);
        const G = 3 * H;
        const [gw, gr] = k.pair(B * G, () => 0);
        for (let i = 0; i < B * G; i++) gw[i] = i % G >= 2 * H ? Math.tanh(k.pre()) : sig(k.pre());
        gr.set(gw);
        const [nw, nr] = k.pair(B * H, () => k.pre() / 2);
        const [pw, pr] = k.pair(B * H, () => k.u(-1, 1));
        const [dhw, dhr] = k.pair(B * H, () => k.u(-1, 1));
        const [dpw, dpr] = withPrev ? k.pair(B * H, () => k.u(-1, 1)) : [null, null];
        const [daw, dar] = k.pair(B * G, () => 0);
        const [duw, dur] = k.pair(B * G, () => 0);
        k.w.gruBackward(gw, nw, pw, dhw, dpw, daw, duw, B, H);
        k.r.gruBackward(gr, nr, pr, dhr, dpr, dar, dur, B, H);
        expect(daw).toBeAllClose(dar, t);
        expect(duw).toBeAllClose(dur, t);
        if (dpw && dpr) expect(dpw).toBeAllClose(dpr, t);
      }),
      RUNS,
    );
  });

  it('rnnForward and rnnBackward', () => {
    fc.assert(
      fc.property(cellShape, ({ B, H, seed }) => {
        const k = new Case(dtype, seed);
        const [aw, ar] = k.pair(B * H, () => k.pre());
        const [bw, br] = k.pair(H, () => k.u(-1, 1));
        const [hw, hr] = k.pair(B * H, () => 0);
        k.w.rnnForward(aw, bw, hw, B, H);
        k.r.rnnForward(ar, br, hr, B, H);
        expect(hw).toBeAllClose(hr, t);
        hr.set(hw); // backward from the same h on both sides
        const [dhw, dhr] = k.pair(B * H, () => k.u(-1, 1));
        const [dw, dr] = k.pair(B * H, () => 0);
        k.w.rnnBackward(hw, dhw, dw, B, H);
        k.r.rnnBackward(hr, dhr, dr, B, H);
        expect(dw).toBeAllClose(dr, t);
      }),
      RUNS,
    );
  });

  // One rounding of an exact f64 sum or product of two stored values is correctly rounded in f32
  // too (53 ≥ 2·24 + 2), so these match the reference bit for bit.
  it('gatherRows, scatterAddRows (repeated ids), fillRows, addColumnSums, mul (in place): exact', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3, 6), width, fc.constantFrom(1, 3, 9), seed, (M, N, rows, s) => {
        const k = new Case(dtype, s);
        const [tw, tr] = k.pair(rows * N, () => k.u(-1, 1));
        const [iw, ir] = k.ints(M, rows);
        const [bw, br] = k.pair(N, () => k.u(-1, 1));
        const [ow, or] = k.pair(M * N, () => 0);
        k.w.gatherRows(ow, tw, iw, bw, M, N);
        k.r.gatherRows(or, tr, ir, br, M, N);
        expect(ow).toEqual(or);
        k.w.scatterAddRows(tw, ow, iw, M, N);
        k.r.scatterAddRows(tr, or, ir, M, N);
        expect(tw).toEqual(tr);
        k.w.addColumnSums(bw, ow, M, N);
        k.r.addColumnSums(br, or, M, N);
        expect(bw).toEqual(br);
        k.w.fillRows(ow, bw, M, N);
        k.r.fillRows(or, br, M, N);
        expect(ow).toEqual(or);
        const [mw, mr] = k.pair(M * N, () => k.u(-2, 2));
        k.w.mul(ow, ow, mw, M * N);
        k.r.mul(or, or, mr, M * N);
        expect(ow).toEqual(or);
      }),
      RUNS,
    );
  });

  it('softmaxCrossEntropy: gradient in place, loss (f64) within (V + 8)·ε per row', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3, 6), fc.constantFrom(1, 2, 3, 5, 7, 8, 65, 66), seed, fc.boolean(), (M, V, s, wide) => {
        const k = new Case(dtype, s);
        // logits: moderate, or spread wide enough that most probabilities underflow
        const [yw, yr] = k.pair(M * V, () => (wide ? k.u(-150, 150) : k.u(-10, 10)));
        const [tw, tr] = k.ints(M, V);
        const scale = 1 / M;
        const lw = k.w.softmaxCrossEntropy(yw, tw, M, V, scale);
        const lr = k.r.softmaxCrossEntropy(yr, tr, M, V, scale);
        // the row's z is summed in the dtype: relative error ≤ (V/L + 2)ε, so log z is off by that
        expect(Math.abs(lw - lr)).toBeLessThanOrEqual(M * (V + 8) * EPS[dtype] * Math.max(1, Math.abs(lr / M)));
        // p·scale: z's relative error shared by the row plus the exponential's
        expect(yw).toBeAllClose(yr, { rtol: (V + 8) * EPS[dtype], atol: (V + 8) * EPS[dtype] * scale });
      }),
      RUNS,
    );
  });

  it('softmaxCrossEntropy: a NaN logit makes its row and the loss NaN, other rows untouched', () => {
    const k = new Case(dtype, 3);
    const M = 3,
      V = 9;
    const [yw, yr] = k.pair(M * V, () => k.u(-5, 5));
    yw[V + 4] = yr[V + 4] = NaN;
    const [tw, tr] = k.ints(M, V);
    expect(k.w.softmaxCrossEntropy(yw, tw, M, V, 1)).toBeNaN();
    expect(k.r.softmaxCrossEntropy(yr, tr, M, V, 1)).toBeNaN();
    expect(yw).toBeAllClose(yr, { rtol: (V + 8) * EPS[dtype], atol: (V + 8) * EPS[dtype] });
  });

  const lengths = fc.constantFrom(1, 2, 3, 4, 7, 65, 130, 1001);

  it('adagrad, rmsprop, adam (three steps each)', () => {
    fc.assert(
      fc.property(lengths, seed, (n, s) => {
        const k = new Case(dtype, s);
        const [ww, wr] = k.pair(n, () => k.u(-1, 1));
        const [mw, mr] = k.pair(n, () => k.u(1e-4, 1));
        const [vw, vr] = k.pair(n, () => k.u(1e-4, 1));
        for (let step = 0; step < 3; step++) {
          const [gw, gr] = k.pair(n, () => k.u(-1, 1));
          k.w.adagrad(ww, gw, mw, n, 0.1, 1e-8);
          k.r.adagrad(wr, gr, mr, n, 0.1, 1e-8);
          k.w.rmsprop(ww, gw, vw, n, 0.002, 0.95, 1e-8);
          k.r.rmsprop(wr, gr, vr, n, 0.002, 0.95, 1e-8);
          k.w.adam(ww, gw, mw, vw, n, 0.001, 0.3, 0.9, 0.999, 1e-8);
          k.r.adam(wr, gr, mr, vr, n, 0.001, 0.3, 0.9, 0.999, 1e-8);
          for (const [x, y] of [
            [ww, wr],
            [mw, mr],
            [vw, vr],
          ])
            expect(x).toBeAllClose(y, t);
        }
      }),
      RUNS,
    );
  });

  it('clip: the same entries cut and counted, also for a bound with no exact f32 value (and a negative one); NaN left alone', () => {
    fc.assert(
      fc.property(lengths, seed, fc.constantFrom(0.1, 0.5, 1, 5, -0.5), (n, s, c) => {
        const k = new Case(dtype, s);
        const edge = [c, -c, Math.fround(c), -Math.fround(c), NaN, Infinity, -Infinity];
        const [gw, gr] = k.pair(n, () => (k.rng.int(8) === 0 ? edge[k.rng.int(edge.length)] : k.u(-2 * Math.abs(c), 2 * Math.abs(c))));
        expect(k.w.clip(gw, n, c)).toBe(k.r.clip(gr, n, c));
        expect(gw).toEqual(gr);
      }),
      RUNS,
    );
  });

  it('scale, and sumSquares summed in f64 (NaN and ∞ propagate)', () => {
    fc.assert(
      fc.property(lengths, seed, (n, s) => {
        const k = new Case(dtype, s);
        const [gw, gr] = k.pair(n, () => k.u(-3, 3));
        k.w.scale(gw, n, 0.3);
        k.r.scale(gr, n, 0.3);
        expect(gw).toBeAllClose(gr, { rtol: 2 * EPS[dtype], atol: 0 }); // s rounded to the dtype, one product
        gr.set(gw);
        // summed in another order: |error| ≤ n·ε₆₄·Σg², for either dtype
        expect(Math.abs(k.w.sumSquares(gw, n) - k.r.sumSquares(gr, n))).toBeLessThanOrEqual(n * EPS.f64 * k.r.sumSquares(gr, n));
        gw[n - 1] = Infinity;
        expect(k.w.sumSquares(gw, n)).toBe(Infinity);
        gw[0] = NaN;
        expect(k.w.sumSquares(gw, n)).toBeNaN();
      }),
      RUNS,
    );
  });

  it('sumSquares accumulates in f64 (an f32 sum would lose the small squares)', () => {
    const k = new Case(dtype, 1);
    const n = 4096 + 3;
    const [gw, gr] = k.pair(n, () => 2 ** -12); // squares 2⁻²⁴: each below half an f32 ulp of 1
    gw[0] = gr[0] = 1;
    expect(k.w.sumSquares(gw, n)).toBe(1 + (n - 1) * 2 ** -24);
    expect(k.r.sumSquares(gr, n)).toBe(1 + (n - 1) * 2 ** -24);
  });
});

// ---- the vector math of kernels/assembly/math.ts against Math.* ------------------------------------

/** Applies probe function `which` (0 exp, 1 σ, 2 tanh) to xs in the dtype. */
function probeMap(dtype: DType, which: number, xs: ArrayLike<number>): FloatArray {
  probe.heap.reset();
  const n = xs.length;
  const x = dtype === 'f32' ? probe.heap.f32(n) : probe.heap.f64(n);
  const out = dtype === 'f32' ? probe.heap.f32(n) : probe.heap.f64(n);
  x.set(xs);
  probe.exports[`map_${dtype}`](which, x.byteOffset, out.byteOffset, n);
  return out.slice();
}

/** Largest |f̂(x) − f(x)| / |f(x)| in units of ε, f(x) rounded to the dtype. */
function maxRelErr(dtype: DType, which: number, f: (x: number) => number, lo: number, hi: number, n = 100_003): number {
  const round = dtype === 'f32' ? Math.fround : (v: number) => v;
  const xs = Float64Array.from({ length: n }, (_, i) => round(lo + ((hi - lo) * i) / (n - 1)));
  const ys = probeMap(dtype, which, xs);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const e = round(f(xs[i]));
    worst = Math.max(worst, e === 0 ? Math.abs(ys[i]) : Math.abs(ys[i] - e) / Math.abs(e));
  }
  return worst / EPS[dtype];
}

describe.each(DTYPES)('vector math %s', (dtype) => {
  // bounds in ε: what the polynomial, one rounding per step and the final division give (measured
  // 1.0, 1.4, 2.0 in f32 and 1.0, 2.2, 2.2 in f64 on these grids); a wrong coefficient or a lost
  // bit of range reduction shows as ≥ 10
  const xmax = dtype === 'f32' ? 88.3 : 709.0;
  const xmin = dtype === 'f32' ? -87.3 : -708.0;
  it(`exp within 1.5ε of Math.exp on [${xmin}, ${xmax}] (normal results)`, () => {
    expect(maxRelErr(dtype, 0, Math.exp, xmin, xmax)).toBeLessThanOrEqual(1.5);
    expect(maxRelErr(dtype, 0, Math.exp, -1, 1)).toBeLessThanOrEqual(1.5);
  });
  // (in f64 the yardstick 1/(1 + Math.exp(−x)) carries up to ~1ε of its own)
  it('sigmoid within 2.5ε of 1/(1 + e^−x) on [−40, 40]', () => {
    expect(maxRelErr(dtype, 1, sig, -40, 40)).toBeLessThanOrEqual(2.5);
  });
  it('tanh within 3ε of Math.tanh on [−12, 12] and near 0 (no cancellation)', () => {
    expect(maxRelErr(dtype, 2, Math.tanh, -12, 12)).toBeLessThanOrEqual(3);
    expect(maxRelErr(dtype, 2, Math.tanh, -1e-3, 1e-3)).toBeLessThanOrEqual(3);
    expect(maxRelErr(dtype, 2, Math.tanh, -1e-30, 1e-30)).toBeLessThanOrEqual(3);
  });
  it('the ends: exp flushes to 0 and overflows to ∞ (not a wrapped exponent), NaN propagates', () => {
    const tiny = dtype === 'f32' ? 2 ** -126 : 2 ** -1022; // smallest normal
    const [lo, hi] = dtype === 'f32' ? [-200, 89] : [-1000, 710];
    const ex = probeMap(dtype, 0, [lo, 2 * lo, hi, 2 * hi, -Infinity, Infinity, NaN, 0, -0]);
    expect(Array.from(ex)).toEqual([0, 0, Infinity, Infinity, 0, Infinity, NaN, 1, 1]);
    // below the smallest normal result, within one smallest normal of the true value
    const xs = Array.from({ length: 1001 }, (_, i) => (dtype === 'f32' ? -110 + (23 * i) / 1000 : -750 + (42 * i) / 1000));
    const ys = probeMap(dtype, 0, xs);
    for (let i = 0; i < xs.length; i++) expect(Math.abs(ys[i] - Math.exp(xs[i]))).toBeLessThanOrEqual(tiny);
    expect(Array.from(probeMap(dtype, 1, [-Infinity, Infinity, NaN, -1000, 1000]))).toEqual([0, 1, NaN, 0, 1]);
    const th = probeMap(dtype, 2, [-Infinity, Infinity, NaN, -0, 0, -1000, 1000]);
    expect(Array.from(th)).toEqual([-1, 1, NaN, -0, 0, -1, 1]);
    expect(Object.is(th[3], -0)).toBe(true);
  });
});

describe.each(DTYPES)('vector math %s: the tail', (dtype) => {
  it('an element in the scalar tail gets the same bits as in a full vector', () => {
    // 7 elements: one or more full vectors, then a tail; rotating moves each x between the two
    const xs = [-30.5, -3.25, -0.0625, 1e-6, 0.75, 7.5, 95];
    for (const which of [0, 1, 2]) {
      const a = probeMap(dtype, which, xs);
      const b = probeMap(dtype, which, [...xs.slice(4), ...xs.slice(0, 4)]);
      expect(Array.from(b)).toEqual([...Array.from(a).slice(4), ...Array.from(a).slice(0, 4)]);
    }
  });
});

describe('scalar log (softmax rows)', () => {
  it('within 1.5ε of Math.log on [1e−300, 1e300] and [1, 100]; specials', () => {
    const log = (x: number) => probe.exports.log_f64(x);
    let worst = 0;
    for (let i = 0; i <= 20000; i++) {
      for (const x of [10 ** (-300 + (600 * i) / 20000), 1 + (99 * i) / 20000, 1 + i * 2 ** -40]) {
        const e = Math.log(x);
        worst = Math.max(worst, e === 0 ? Math.abs(log(x)) : Math.abs(log(x) - e) / Math.abs(e));
      }
    }
    expect(worst / EPS.f64).toBeLessThanOrEqual(1.5);
    expect(log(1)).toBe(0);
    expect(log(5e-324)).toBeCloseTo(Math.log(5e-324), 12);
    expect([log(0), log(Infinity), log(-1), log(NaN)]).toEqual([-Infinity, Infinity, NaN, NaN]);
  });
});

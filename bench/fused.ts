// npx tsx bench/fused.ts
//
// Nanoseconds per element of the fused kernels (kernels/assembly/fused.ts, plain SIMD build, one
// thread) against the TypeScript reference in the same dtype, at char-rnn's sizes: B 50 streams,
// H 128, V 65, and rmsprop over 250,000 parameters (about a 2×128 LSTM's). An element is one (b, j)
// cell for the LSTM kernels, one logit for the softmax, one parameter for rmsprop. Median of 7
// timed windows of ≥ 50 ms after a warm-up; the machine may be shared, so treat ±20 % as noise.
// This is a benchmark, not a test.

import { Rng } from '../src/engine/random.ts';
import { type DType, type FastKernels, type FloatArray, referenceKernels } from '../src/fast/kernels.ts';
import { type FusedKernels, fusedKernels, instantiateAs } from '../test/fast/compile-as.ts';

const B = 50,
  H = 128,
  V = 65,
  P = 250_000;

type Kernels = FusedKernels | FastKernels;

/** Median ns per element of `run`, which processes `elements` elements per call. */
function time(run: () => void, elements: number): number {
  for (let i = 0; i < 20; i++) run();
  const per: number[] = [];
  for (let w = 0; w < 7; w++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 50) {
      run();
      calls++;
      t = performance.now();
    }
    per.push(((t - t0) * 1e6) / (calls * elements));
  }
  return per.sort((a, b) => a - b)[3];
}

function workloads(k: Kernels, rng: Rng): Record<string, [() => void, number]> {
  const fill = (n: number, lo: number, hi: number): FloatArray => {
    const a = k.alloc(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
    return a;
  };
  const pre = fill(B * 4 * H, -4, 4),
    a = k.alloc(B * 4 * H),
    bhh = fill(4 * H, -0.1, 0.1);
  const cPrev = fill(B * H, -1, 1),
    c = k.alloc(B * H),
    tanhC = k.alloc(B * H),
    h = k.alloc(B * H);
  const dh = fill(B * H, -1, 1),
    dc = fill(B * H, -1, 1),
    dcIn = dc.slice(),
    da = k.alloc(B * 4 * H);
  const logits = fill(B * V, -3, 3),
    Y = k.alloc(B * V);
  const targets = k.allocInt(B);
  for (let i = 0; i < B; i++) targets[i] = rng.int(V);
  const w = fill(P, -0.1, 0.1),
    g = fill(P, -1e-3, 1e-3),
    sq = fill(P, 0, 1e-6);
  k.lstmForward(a, bhh, cPrev, c, tanhC, h, B, H);
  const gates = a.slice();
  const gatesIn = k.alloc(B * 4 * H);
  gatesIn.set(gates);
  return {
    lstmForward: [() => (a.set(pre), k.lstmForward(a, bhh, cPrev, c, tanhC, h, B, H)), B * H],
    lstmBackward: [() => (dc.set(dcIn), k.lstmBackward(gatesIn, cPrev, tanhC, dh, dc, da, B, H)), B * H],
    softmaxCrossEntropy: [() => (Y.set(logits), k.softmaxCrossEntropy(Y, targets, B, V, 1 / B)), B * V],
    rmsprop: [() => k.rmsprop(w, g, sq, P, 2e-3, 0.95, 1e-8), P],
  };
}

const dtype: DType = 'f32';
const { exports, heap } = await instantiateAs('kernels/assembly/fused.ts', 1024);
const wasm = workloads(fusedKernels(exports, heap, dtype), new Rng(1));
const ts = workloads(referenceKernels(dtype), new Rng(1));
console.log(`fused kernels, ${dtype}, B ${B}, H ${H}, V ${V}, rmsprop n ${P}; ns per element, median of 7 (shared machine: ±20 %)`);
console.log('(lstmForward/softmax include re-copying their input, a.set / Y.set, on both sides)');
console.log(`${'kernel'.padEnd(22)}${'wasm'.padStart(9)}${'ts'.padStart(9)}${'speed-up'.padStart(10)}`);
for (const name of Object.keys(wasm)) {
  const tw = time(...wasm[name]),
    tt = time(...ts[name]);
  console.log(`${name.padEnd(22)}${tw.toFixed(2).padStart(9)}${tt.toFixed(2).padStart(9)}${(tt / tw).toFixed(1).padStart(9)}×`);
}

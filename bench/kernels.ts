// Micro-benchmark of the WebAssembly matrix products on char-rnn's shapes: GFLOP/s (median of
// several repetitions, after a warm-up call so V8 has tiered the kernels up) for f32/f64, the
// plain and relaxed-SIMD builds, one and two threads. Run: npx tsx bench/kernels.ts [--quick]
// With two threads the set itself decides, shape by shape, whether splitting pays (it does not when
// other programs keep the cores busy): the share of products it split is printed beside the figure.
//
// The shapes (B = 50 streams, T = 50 steps, H = 128, 4H = 512; V = 65):
//   step fwd    gemmNT  h (B×H) · W_hhᵀ (4H×H)        M 50    K 128   N 512   (T times a batch)
//   step bwd    gemmNN  da (B×4H) · W_hh (4H×H)       M 50    K 512   N 128
//   input proj  gemmNT  x (BT×H) · W_ihᵀ              M 2500  K 128   N 512
//   weight grad gemmTN  da (BT×4H)ᵀ · h (BT×H)        M 512   K 2500  N 128
//   dX          gemmNN  da (BT×4H) · W_ih             M 2500  K 512   N 128
//   3×512 step  gemmNT                                M 50    K 512   N 2048
//   sample      gemmNT / gemmNN, one row              M 1     K 128/512  N 512/2048
//   min-char    gemmNN, one row                       M 1     K 100   N 100

import type { DType } from '../src/fast/kernels.ts';
import { wasmAvailable, wasmKernels } from '../src/fast/wasm.ts';

type Layout = 'gemmNN' | 'gemmNT' | 'gemmTN';
const SHAPES: [string, Layout, number, number, number][] = [
  ['step fwd 2x128', 'gemmNT', 50, 128, 512],
  ['step bwd 2x128', 'gemmNN', 50, 512, 128],
  ['input proj', 'gemmNT', 2500, 128, 512],
  ['weight grad', 'gemmTN', 512, 2500, 128],
  ['dX', 'gemmNN', 2500, 512, 128],
  ['step fwd 3x512', 'gemmNT', 50, 512, 2048],
  ['sample NT 128', 'gemmNT', 1, 128, 512],
  ['sample NN 128', 'gemmNN', 1, 512, 128],
  ['sample NT 512', 'gemmNT', 1, 512, 2048],
  ['min-char NN', 'gemmNN', 1, 100, 100],
];

const quick = process.argv.includes('--quick');
const support = wasmAvailable();
if (!support.ok) {
  console.error(`bench/kernels: ${support.reason}`);
  process.exit(1);
}
console.log(`relaxed SIMD: ${support.relaxed}, threads: ${support.threads}`);

async function run(dtype: DType, relaxed: boolean, threads: 1 | 2): Promise<string[]> {
  const k = wasmKernels({ dtype, threads, relaxed, bytes: 96 << 20 });
  await k.whenThreadsReady();
  const row = [];
  for (const [, layout, M, K, N] of SHAPES) {
    const A = k.alloc(M * K),
      B = k.alloc(K * N),
      C = k.alloc(M * N);
    for (let i = 0; i < A.length; i++) A[i] = ((i * 7) % 13) / 13 - 0.5;
    for (let i = 0; i < B.length; i++) B[i] = ((i * 5) % 11) / 11 - 0.5;
    const flop = 2 * M * K * N;
    const calls = Math.max(1, Math.round(1e8 / flop)); // about 100 MFLOP (a few ms) per timing
    // warm-up: V8 first runs its baseline compiler (Liftoff) and swaps in the optimised code
    // (TurboFan, compiled in the background) a little later, so warm up for 50 ms, not one call;
    // with two threads, the set also times each shape both ways over its first 6 products
    const tw = performance.now();
    for (let w = 0; w < (threads === 2 ? 8 : 1) || performance.now() - tw < 50; w++) k[layout](A, B, C, M, K, N, true);
    const times = [];
    const reps = quick ? 3 : 7;
    const split0 = k.threadStats().splits;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      for (let c = 0; c < calls; c++) k[layout](A, B, C, M, K, N, true);
      times.push((performance.now() - t0) / calls);
    }
    times.sort((a, b) => a - b);
    const gflops = (flop / (times[times.length >> 1] * 1e-3) / 1e9).toFixed(1);
    // with two threads: the share of the products that the set chose to split (see SplitChooser)
    const shared = Math.round((100 * (k.threadStats().splits - split0)) / (reps * calls));
    row.push(threads === 2 ? `${gflops} (${shared}%)` : gflops);
  }
  k.dispose();
  return row;
}

const header = ['shape', 'layout', 'M', 'K', 'N'];
const cols: [string, string[]][] = [];
for (const dtype of ['f32', 'f64'] as DType[]) {
  for (const relaxed of support.relaxed ? [false, true] : [false]) {
    for (const threads of support.threads ? ([1, 2] as const) : ([1] as const)) {
      cols.push([`${dtype} ${relaxed ? 'fma' : 'plain'} ${threads}t`, await run(dtype, relaxed, threads)]);
    }
  }
}
const table = [[...header, ...cols.map((c) => c[0])]];
SHAPES.forEach(([name, layout, M, K, N], i) => table.push([name, layout, String(M), String(K), String(N), ...cols.map((c) => c[1][i])]));
const widths = table[0].map((_, j) => Math.max(...table.map((r) => r[j].length)));
console.log('GFLOP/s (median); 2t: (the share of products split between the threads)');
for (const r of table) console.log(r.map((s, j) => (j < 2 ? s.padEnd(widths[j]) : s.padStart(widths[j]))).join('  '));

// A closer look at the hand-off: 50 forward steps of one LSTM layer (2×128's shapes), each a product
// h·W_hhᵀ followed by the cell's elementwise kernel, as the model runs them.
async function steps(threads: 1 | 2): Promise<number> {
  const B = 50,
    H = 128,
    T = 50;
  const k = wasmKernels({ dtype: 'f32', threads, bytes: 8 << 20 });
  await k.whenThreadsReady();
  const W = k.alloc(4 * H * H),
    a = k.alloc(B * 4 * H),
    bhh = k.alloc(4 * H);
  const h = k.alloc(B * H),
    c0 = k.alloc(B * H),
    c = k.alloc(B * H),
    tanhC = k.alloc(B * H);
  for (let i = 0; i < W.length; i++) W[i] = (((i * 7) % 13) / 13 - 0.5) * 0.2;
  const sequence = () => {
    for (let t = 0; t < T; t++) {
      k.gemmNT(h, W, a, B, H, 4 * H, false);
      k.lstmForward(a, bhh, c0, c, tanhC, h, B, H);
    }
  };
  for (let w = 0; w < 5; w++) sequence();
  const times = [];
  for (let r = 0; r < (quick ? 5 : 21); r++) {
    const t0 = performance.now();
    sequence();
    times.push(performance.now() - t0);
  }
  k.dispose();
  times.sort((x, y) => x - y);
  return times[times.length >> 1];
}
const s1 = await steps(1);
const s2 = support.threads ? await steps(2) : NaN;
console.log(`LSTM 2x128 forward, 50 steps (gemmNT + lstmForward), f32: ${s1.toFixed(2)} ms on 1 thread, ${s2.toFixed(2)} ms on 2`);

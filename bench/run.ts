// npm run bench [-- --json] [-- --reps N] [-- --window SECONDS] [-- --only W2,W4] [-- --f64] [-- --tape]
//
// The issue's workloads on tinyshakespeare (V = 65; W6 on the Tang poems), each through the real Trainer step (batch
// assembly, forward, backward, clipping, optimizer) or the real sampler:
//   W1 min-char-rnn (RNN 1×100, seq 25, batch 1, Adagrad)   W2 char-rnn's default LSTM 2×128
//   W3 LSTM 3×512   W4 sampling 2,000 characters from the W2 model   W5 GRU 2×128
//   W4b sampling 100 streams of 2,000 characters at once from the W2 model (sampleStreams)
//   W6 LSTM 2×256 on the bundled Tang poems (V = 6,758: the decoder and the softmax dominate)
// on the readable float64 TypeScript path (not W6: a minute per step) and on the WebAssembly kernels
// in float32 with 1 and 2 threads (--f64 adds WebAssembly float64; --tape adds the training workloads
// with --grad tape, float64, on the TypeScript kernels and on the WebAssembly tape backend with 1 and
// 2 threads). Reported: chars/s (median of N timed windows after a
// warm-up, with min and max, because these machines are shared and noisy), effective GFLOP/s
// (the matrix products' 2·multiply-adds per character: ×3 for training, forward + backward), and
// the peak memory (max RSS) of the row's own process. This is a benchmark, not a test.

import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { wasmAvailable } from '../src/index.ts';
import { WORKLOADS } from './workload.ts';

const { values: opts } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    reps: { type: 'string', default: '5' },
    window: { type: 'string', default: '1' },
    only: { type: 'string' },
    f64: { type: 'boolean', default: false },
    tape: { type: 'boolean', default: false },
  },
});
const names = opts.only ? opts.only.split(',') : Object.keys(WORKLOADS);
for (const n of names) if (!WORKLOADS[n]) throw new Error(`--only: unknown workload ${n} (expected ${Object.keys(WORKLOADS).join(', ')})`);
const wasm = wasmAvailable();
const rows: [string, string, string, number, string][] = [];
for (const n of names) {
  if (!WORKLOADS[n].noReadable) rows.push([n, 'ts', 'f64', 1, 'manual']);
  if (opts.tape && WORKLOADS[n].train && !WORKLOADS[n].noReadable) rows.push([n, 'ts', 'f64', 1, 'tape']);
  if (!wasm.ok) continue;
  rows.push([n, 'wasm', 'f32', 1, 'manual']);
  if ((WORKLOADS[n].train || WORKLOADS[n].streams) && wasm.threads) rows.push([n, 'wasm', 'f32', 2, 'manual']);
  if (opts.f64) rows.push([n, 'wasm', 'f64', 1, 'manual']);
  if (opts.tape && WORKLOADS[n].train && !WORKLOADS[n].noReadable) {
    rows.push([n, 'wasm', 'f64', 1, 'tape']);
    if (wasm.threads) rows.push([n, 'wasm', 'f64', 2, 'tape']);
  }
}

const machine =
  `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}` +
  (wasm.ok ? `, WebAssembly SIMD${wasm.relaxed ? ' + relaxed (FMA)' : ''}` : `, no WebAssembly kernels (${wasm.reason})`);
if (!opts.json) {
  console.log(`machine: ${machine}`);
  console.log(`chars/s: median of ${opts.reps} windows of ≥ ${opts.window}s after a warm-up; GFLOP/s: the matrix products' share\n`);
  console.log(
    `${'workload'.padEnd(58)} ${'kernels'.padEnd(15)} ${'chars/s'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)} ${'GFLOP/s'.padStart(8)} ${'peak MB'.padStart(8)}`,
  );
}
const results = [];
for (const [n, kernels, dtype, threads, grad] of rows) {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', new URL('./workload.ts', import.meta.url).pathname, n, kernels, dtype, String(threads), opts.reps!, opts.window!, grad],
    { encoding: 'utf8' },
  );
  const r = JSON.parse(out.trim().split('\n').at(-1)!);
  results.push({ ...r, what: WORKLOADS[n].what });
  if (!opts.json) {
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(9);
    const label = `${kernels} ${dtype}${kernels === 'wasm' ? ` ×${threads}` : ''}${grad === 'tape' ? ' tape' : ''}`;
    console.log(
      `${`${n} ${WORKLOADS[n].what}`.padEnd(58)} ${label.padEnd(15)} ${fmt(r.median)} ${fmt(r.min)} ${fmt(r.max)} ${r.gflops.toFixed(1).padStart(8)} ${r.peakMB.toFixed(0).padStart(8)}`,
    );
  }
}
if (opts.json) console.log(JSON.stringify({ machine, reps: Number(opts.reps), windowSec: Number(opts.window), unit: 'chars/s', results }, null, 2));

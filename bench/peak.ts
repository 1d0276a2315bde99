// This machine's 128-bit WebAssembly SIMD peak: GFLOP/s of a loop that does nothing but independent
// float32 multiply-adds on 4-lane vectors, on one core and on two at once (one worker thread each),
// the ceiling the matrix kernels are measured against (docs/performance.md's "share of peak").
//
//   npx tsx bench/peak.ts [--seconds 2] [--json]
//
// The loop keeps 12 accumulators (more than the 4-cycle latency × 2 pipes of a fused multiply-add
// needs), each step a = a·x + y, 2 FLOP per lane: with relaxed SIMD's fused multiply-add (as the
// relaxed kernel build), and as a multiply then an add (as the plain build). Each thread reports the
// median rate of its timed runs; the two-core figure is the sum of both threads' medians; the best
// of three rounds is reported (on a busy machine that is still below the idle peak: quote `uptime`).

import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import asc from 'assemblyscript/asc';

const { values: opts } = parseArgs({ options: { seconds: { type: 'string', default: '2' }, json: { type: 'boolean', default: false } } });
const ACCUMULATORS = 12;

function source(): string {
  const names = Array.from({ length: ACCUMULATORS }, (_, i) => `a${i}`);
  const loop = (step: (a: string) => string) => `
  ${names.map((a, i) => `let ${a} = f32x4.splat(<f32>${i + 1});`).join(' ')}
  const x = f32x4.splat(<f32>0.999999), y = f32x4.splat(<f32>1e-7);
  for (let i = 0; i < n; i++) { ${names.map((a) => `${a} = ${step(a)};`).join(' ')} }
  let s = ${names.join(' ').replace(/ /g, ', ')};
  return f32x4.extract_lane(${names.reduce((acc, a) => (acc ? `f32x4.add(${acc}, ${a})` : a), '')}, 0);`;
  return `
/** ${ACCUMULATORS} vectors × 4 lanes × 2 FLOP per iteration, fused multiply-add. */
export function fma(n: i32): f32 { ${loop((a) => `v128.relaxed_madd<f32>(${a}, x, y)`)} }
/** The same with a multiply and an add. */
export function mulAdd(n: i32): f32 { ${loop((a) => `f32x4.add(f32x4.mul(${a}, x), y)`)} }
`.replace(/let s = [^;]*;/g, '');
}

async function compile(): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  const errors: string[] = [];
  const result = await asc.main(['peak.ts', '-O3', '--runtime', 'stub', '--enable', 'simd', '--enable', 'relaxed-simd', '--outFile', 'peak.wasm'], {
    readFile: (name) => (name === 'peak.ts' ? source() : null),
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) binary = new Uint8Array(contents as Uint8Array);
    },
    stdout: asc.createMemoryStream(),
    stderr: asc.createMemoryStream((chunk) => errors.push(String(chunk))),
  });
  if (result.error || !binary) throw new Error(`bench/peak: asc failed: ${result.error?.message ?? 'no output'}\n${errors.join('')}`);
  return binary;
}

// One thread's measurement: runs of the loop sized to ~50 ms, the median GFLOP/s of those in a window.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, kernel, seconds, start } = workerData;
const f = new WebAssembly.Instance(module, {}).exports[kernel];
const flopPerIter = ${ACCUMULATORS} * 4 * 2;
let n = 1 << 16;
for (let t0 = performance.now(); performance.now() - t0 < 200; ) f(n); // warm-up: let V8 tier up
for (;;) { const t0 = performance.now(); f(n); if (performance.now() - t0 > 50) break; n *= 2; }
while (Date.now() < start) {} // both threads start together
const rates = [];
for (const t1 = performance.now(); performance.now() - t1 < seconds * 1000; ) {
  const t0 = performance.now();
  f(n);
  rates.push((n * flopPerIter) / ((performance.now() - t0) * 1e6));
}
rates.sort((a, b) => a - b);
parentPort.postMessage(rates[rates.length >> 1]);
`;

function onThreads(module: WebAssembly.Module, kernel: string, threads: number): Promise<number[]> {
  const start = Date.now() + 1500;
  return Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(THREAD, { eval: true, workerData: { module, kernel, seconds: Number(opts.seconds), start } });
          w.once('message', (m: number) => {
            resolve(m);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    ),
  );
}

setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20; before the module is compiled
const bytes = await compile();
const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
const results: Record<string, { one: number; two: number }> = {};
// a peak is the best the machine gives: the highest of three rounds (on a busy machine, still a floor)
for (let round = 0; round < 3; round++) {
  for (const kernel of ['fma', 'mulAdd']) {
    const [one] = await onThreads(module, kernel, 1);
    const two = (await onThreads(module, kernel, 2)).reduce((a, b) => a + b, 0);
    const r = (results[kernel] ??= { one: 0, two: 0 });
    r.one = Math.max(r.one, one);
    r.two = Math.max(r.two, two);
  }
}
if (opts.json) console.log(JSON.stringify({ unit: 'GFLOP/s', float32: results }));
else {
  console.log('128-bit WebAssembly SIMD peak, float32 GFLOP/s (median of each thread; two cores: the sum)');
  for (const [k, r] of Object.entries(results)) console.log(`${k.padEnd(7)} 1 core ${r.one.toFixed(1).padStart(6)}   2 cores ${r.two.toFixed(1).padStart(6)}`);
}

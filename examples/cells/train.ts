// A character-level language model around any registered example cell (index.ts), trained on the
// tape, on the TypeScript kernels and then on the WebAssembly tape backend (src/fast/tape.ts):
// the same forward-only code, with nothing written for speed. Prints the loss and the speed of each.
//
//   npx tsx examples/cells/train.ts [cell] [seconds per backend]      (defaults: mgu 20)
//
// The model: x_t = E[id_t] (an embedding, D = H), h_t = cell.step(x_t, h_{t−1}), logits_t =
// W_dec·h_t + b_dec, loss = mean −log softmax[target]; B streams of T characters (char-rnn's
// default sizes), the hidden state carried from chunk to chunk, RMSprop and clipping at 5 as in
// `rnn train`. Dimensions: V vocabulary, H hidden, B streams, T steps.

import { readFileSync } from 'node:fs';
import {
  add,
  clipGradients,
  concat,
  encodeText,
  gatherRows,
  makeOptimizer,
  matmul,
  mul,
  Rng,
  Stripes,
  softmaxCrossEntropy,
  TapeRunner,
  Tensor,
  transpose,
  valueAndGrad,
  wasmAvailable,
} from '../../src/index.ts';
import { type CellParams, EXAMPLE_CELLS, type ExampleCell } from './index.ts';

const H = 128,
  B = 50,
  T = 50;

type LMParams = CellParams & { embed: Tensor; decW: Tensor; decB: Tensor };

function initLM(cell: ExampleCell, V: number, rng: Rng): LMParams {
  const u = (shape: number[]) => Tensor.uniform(shape, rng, -0.08, 0.08);
  const G = cell.gates * H;
  return { embed: u([V, H]), Wih: u([G, H]), Whh: u([G, H]), bih: u([G]), bhh: u([G]), decW: u([V, H]), decB: u([V]) };
}

/** Mean loss of one chunk (time-major ids), and the last hidden state (copied: it outlives the step). */
function chunkLoss(cell: ExampleCell, p: LMParams, batch: { inputs: ArrayLike<number>; targets: ArrayLike<number> }, h0: Float64Array) {
  let h = new Tensor(h0, [B, H]);
  const hs: Tensor[] = [];
  const inputs = Array.from(batch.inputs);
  for (let t = 0; t < T; t++) {
    h = cell.step(gatherRows(p.embed, inputs.slice(t * B, (t + 1) * B)), h, p);
    hs.push(h);
  }
  const logits = add(matmul(concat(hs, 0), transpose(p.decW)), p.decB); // (T·B, V)
  return { loss: mul(softmaxCrossEntropy(logits, batch.targets), 1 / (T * B)), last: h.data.slice() };
}

function train(cell: ExampleCell, ids: Uint8Array | Uint16Array | Uint32Array, V: number, seconds: number, onWasm: boolean) {
  const stripes = new Stripes(ids, B, T);
  const optimizer = makeOptimizer('rmsprop');
  const start = initLM(cell, V, new Rng(7));
  const runner = onWasm ? new TapeRunner(start, 1, 600e6, optimizer) : null; // the optimizer's slots go beside the parameters
  const params = (runner?.params ?? start) as LMParams;
  let h = new Float64Array(B * H);
  const losses: number[] = [];
  const t0 = performance.now();
  for (let k = 0; performance.now() - t0 < seconds * 1000; k++) {
    const batch = stripes.batch(k % stripes.chunks);
    const step = (q: Record<string, Tensor>) => {
      let last = h;
      const out = valueAndGrad((r: LMParams) => {
        const { loss, last: l } = chunkLoss(cell, r, batch, h);
        last = l;
        return loss;
      })(q as LMParams);
      return { ...out, last };
    };
    const { value, grads, last } = runner ? runner.run(step) : step(params);
    clipGradients(
      Object.values(grads).map((g) => g.data),
      'value',
      5,
    );
    optimizer.step(params, grads, 2e-3);
    h = last;
    losses.push(value);
  }
  const elapsed = (performance.now() - t0) / 1000;
  runner?.dispose();
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  return { steps: losses.length, charsPerSecond: (losses.length * B * T) / elapsed, first: losses[0], lastTen: mean(losses.slice(-10)) };
}

const name = process.argv[2] ?? 'mgu';
const seconds = Number(process.argv[3] ?? 20);
const cell = EXAMPLE_CELLS.find((c) => c.name === name);
if (!cell) {
  console.error(`train: no example cell '${name}' (registered: ${EXAMPLE_CELLS.map((c) => c.name).join(', ')})`);
  process.exit(2);
}
if (!(seconds > 0)) {
  console.error(`train: seconds must be a positive number, got ${process.argv[3]}`);
  process.exit(2);
}
const { vocab, ids } = encodeText(readFileSync(new URL('../../data/tinyshakespeare.txt', import.meta.url), 'utf8'));
console.log(`${cell.name} language model: H ${H}, B ${B} × T ${T}, RMSprop 2e-3, tinyshakespeare (V ${vocab.size}); ${seconds} s per backend`);
const backends: [string, boolean][] = [['tape on the TypeScript kernels', false]];
if (wasmAvailable().ok) backends.push(['tape on the WebAssembly backend', true]);
else console.log(`(no WebAssembly kernels: ${wasmAvailable().reason})`);
for (const [label, onWasm] of backends) {
  const r = train(cell, ids, vocab.size, seconds, onWasm);
  console.log(
    `${label.padEnd(32)} ${Math.round(r.charsPerSecond).toLocaleString('en-US').padStart(7)} chars/s  ${r.steps} steps, loss ${r.first.toFixed(3)} → ${r.lastTen.toFixed(3)} (mean of the last 10)`,
  );
}

// One benchmark workload in its own process (bench/run.ts starts one per row, so each row's peak
// memory is its own and no row inherits another's JIT state). Prints one JSON line.
//
//   node --import tsx bench/workload.ts W2 wasm f32 2 <reps> <windowSeconds> [manual|tape]

import { fileURLToPath } from 'node:url';
import {
  type CharRNNConfig,
  charrnn,
  type DType,
  fastStepper,
  fastStepperBytes,
  type KernelChoice,
  makeKernels,
  Rng,
  readTextFile,
  resolveKernels,
  sampleStream,
  sampleStreams,
  Trainer,
  type TrainerOptions,
  Vocab,
} from '../src/index.ts';

export interface Workload {
  what: string;
  train?: Partial<TrainerOptions>;
  sample?: Omit<CharRNNConfig, 'vocabSize'>;
  /** With `sample`: this many streams at once (sampleStreams, on 1 and 2 threads) instead of one. */
  streams?: number;
  /** The bundled text (default tinyshakespeare). */
  data?: string;
  /** No row for the readable float64 path nor the tape: too slow to time (W6: about a minute per step). */
  noReadable?: boolean;
}

export const WORKLOADS: Record<string, Workload> = {
  W1: {
    what: 'min-char-rnn: RNN 1×100, seq 25, batch 1, Adagrad',
    train: { model: 'rnn', layers: 1, hidden: 100, seqLength: 25, batchSize: 1, optim: 'adagrad', lr: 0.1, lrDecay: 1 },
  },
  W2: { what: 'char-rnn default: LSTM 2×128, seq 50, batch 50, RMSprop', train: {} },
  W3: { what: 'LSTM 3×512, seq 50, batch 50, RMSprop', train: { layers: 3, hidden: 512 } },
  W4: { what: 'sampling 2,000 chars from the W2 model', sample: { kind: 'lstm', hiddenSize: 128, layers: 2 } },
  W4b: {
    what: 'sampling 100 streams × 2,000 chars from the W2 model',
    sample: { kind: 'lstm', hiddenSize: 128, layers: 2 },
    streams: 100,
    noReadable: true, // the TypeScript kernels: about 10 s per sample
  },
  W5: { what: 'GRU 2×128, seq 50, batch 50, RMSprop', train: { model: 'gru' } },
  W6: {
    what: 'LSTM 2×256 on the Tang poems (V 6,758), seq 50, batch 50',
    train: { hidden: 256 },
    data: 'tang-poems.txt.gz',
    noReadable: true,
  },
};

/** Multiply-adds per character of one forward step (the matrix products only). */
export function macsPerChar(c: CharRNNConfig): number {
  const G = charrnn.GATES[c.kind],
    H = c.hiddenSize;
  return c.layers * G * H * H + (c.layers - 1) * G * H * H + c.vocabSize * H; // recurrent + inputs above layer 0 + decoder
}

async function main(): Promise<void> {
  const [name, kernels, dtype, threads, reps, windowSec, grad = 'manual'] = process.argv.slice(2);
  const w = WORKLOADS[name];
  const text = readTextFile(fileURLToPath(new URL(`../data/${w.data ?? 'tinyshakespeare.txt'}`, import.meta.url)));
  let work: () => number,
    config: CharRNNConfig,
    flopsPerChar: number,
    dispose = () => {};
  if (w.train) {
    const t = Trainer.fromText(text, {
      ...w.train,
      kernels: kernels as KernelChoice,
      dtype: dtype as DType,
      threads: Number(threads),
      grad: grad as 'manual' | 'tape',
    });
    config = t.config;
    flopsPerChar = 6 * macsPerChar(config); // forward, and backward's two products per forward one
    work = () => (t.step(), t.charsPerStep);
    dispose = () => t.dispose();
  } else {
    const vocab = Vocab.fromText(text);
    config = { ...w.sample!, vocabSize: vocab.size };
    const params = charrnn.initParams(config, new Rng(1));
    flopsPerChar = 2 * macsPerChar(config);
    let seed = 1;
    if (w.streams) {
      // the whole call, as `rnn sample --streams` makes it: kernel set, worker and all
      const streams = w.streams;
      const opts = { streams, length: 2000, kernels: kernels as KernelChoice, dtype: dtype as DType, threads: threads === '2' ? (2 as const) : (1 as const) };
      work = () => (sampleStreams(params, vocab, { ...opts, seed: seed++ }), streams * 2000);
    } else {
      const name = resolveKernels(kernels as KernelChoice);
      const k = name === 'ts' && dtype === 'f64' ? null : makeKernels(name, dtype as DType, 1, fastStepperBytes(config, dtype as DType));
      const stepper = k ? fastStepper(k, params) : undefined;
      work = () => {
        let n = 0;
        for (const _ of sampleStream(params, vocab, { length: 2000, rng: new Rng(seed++), stepper })) n++;
        return n;
      };
      dispose = () => k?.dispose();
    }
  }
  // warm-up: let the JIT tier up, and on two threads let the split's choosers (src/fast/threads.ts)
  // take their first timings each way, about eight steps, which on W3 is longer than a window
  const end0 = performance.now() + 1000 * Number(windowSec);
  const warmSteps = w.train && threads === '2' ? 12 : 1;
  for (let n = 0; n < warmSteps || performance.now() < end0; n++) work();
  const rates: number[] = [];
  for (let r = 0; r < Number(reps); r++) {
    let chars = 0;
    const t0 = performance.now();
    do chars += work();
    while (performance.now() - t0 < 1000 * Number(windowSec));
    rates.push(chars / ((performance.now() - t0) / 1000));
  }
  dispose();
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)];
  console.log(
    JSON.stringify({
      workload: name,
      grad,
      kernels,
      dtype,
      threads: Number(threads),
      median,
      min: rates[0],
      max: rates.at(-1),
      gflops: (median * flopsPerChar) / 1e9,
      peakMB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();

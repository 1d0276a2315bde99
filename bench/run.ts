// npm run bench [-- --json] [-- --reps N]
//
// Speed of the min-char-rnn configuration (V = 65 from tinyshakespeare, H = 100, T = 25, Adagrad,
// clip ±5): training chars/s through the hand-derived and the tape gradient paths, and sampling
// chars/s. Each workload is warmed up, then timed in N windows of about a second; we report the
// median (and the spread), because these machines are shared and noisy. This is a benchmark, not
// a test: nothing here asserts a speed.

import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  Adagrad, Rng, Vocab, clipElementwise, initParams, lossAndGrads, sampleStream, zeroState,
  type GradPath, type RNNConfig,
} from '../src/index.ts';

const { values: opts } = parseArgs({
  options: { json: { type: 'boolean', default: false }, reps: { type: 'string', default: '7' }, window: { type: 'string', default: '1' } },
});
const reps = Number(opts.reps), windowSec = Number(opts.window);

const text = readFileSync(new URL('../data/tinyshakespeare.txt', import.meta.url), 'utf8');
const vocab = Vocab.fromText(text);
const data = vocab.encode(text);
const config: RNNConfig = { vocabSize: vocab.size, hiddenSize: 100, layers: 1 };
const T = 25;

/** Runs `work` (which returns the characters it processed) in timed windows; chars/s per window. */
function measure(work: () => number): number[] {
  const end0 = performance.now() + 1000 * windowSec; // warm-up: let the JIT tier up
  while (performance.now() < end0) work();
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    let chars = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 1000 * windowSec) chars += work();
    rates.push(chars / ((performance.now() - t0) / 1000));
  }
  return rates;
}

function trainer(path: GradPath): () => number {
  const params = initParams(config, new Rng(1));
  const opt = new Adagrad(0.1);
  let h = zeroState(config), p = 0;
  return () => {
    if (p + T + 1 > data.length) { p = 0; h = zeroState(config); }
    const r = lossAndGrads(path, params, data.slice(p, p + T), data.slice(p + 1, p + T + 1), h);
    clipElementwise(r.grads, 5);
    opt.step(params, r.grads);
    h = r.h;
    p += T;
    return T;
  };
}

function sampler(): () => number {
  const params = initParams(config, new Rng(1));
  const chars = sampleStream(params, vocab, { length: Number.MAX_SAFE_INTEGER, temperature: 1, seed: 2 });
  return () => {
    for (let i = 0; i < 100; i++) chars.next();
    return 100;
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const workloads: [string, () => number][] = [
  ['train, manual backprop (chars/s)', trainer('manual')],
  ['train, tape autodiff (chars/s)', trainer('tape')],
  ['sample (chars/s)', sampler()],
];
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
const results = workloads.map(([name, make]) => {
  const rates = measure(make);
  return { name, median: median(rates), min: Math.min(...rates), max: Math.max(...rates) };
});

if (opts.json) {
  console.log(JSON.stringify({ machine, config: { ...config, seqLength: T }, reps, windowSec, results }, null, 2));
} else {
  console.log(`min-char-rnn configuration: V=${config.vocabSize}, H=${config.hiddenSize}, T=${T}, 1 layer, Adagrad, float64`);
  console.log(`machine: ${machine}; median of ${reps} windows of ${windowSec}s\n`);
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(9);
  console.log(`${'workload'.padEnd(34)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}`);
  for (const r of results) console.log(`${r.name.padEnd(34)} ${fmt(r.median)} ${fmt(r.min)} ${fmt(r.max)}`);
}

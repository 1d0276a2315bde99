// npm run bench [-- --json] [-- --reps N] [-- --window SECONDS] [-- --only NAME]
//
// Training and sampling speed on tinyshakespeare (V = 65), float64, one thread:
//   min-char-rnn   1 layer, H 100, T 25, B 1, Adagrad, clip ±5: the post's model (models/rnn.ts)
//   char-rnn       2 layers, H 128, T 50, B 50, RMSprop 2e-3, clip ±5: LSTM and GRU through the
//                  real Trainer step (batch assembly, forward, backward, clip, optimizer)
//   sampling       the char-rnn LSTM, one character at a time (B = 1)
// Every training workload runs through the hand-derived and the tape gradient paths. Each workload
// is warmed up, then timed in N windows (at least one step each); we report the median and the
// spread, because these machines are shared and noisy. This is a benchmark, not a test: nothing
// here asserts a speed.

import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  Adagrad, Rng, Trainer, Vocab, charrnn, clipElementwise, initParams, lossAndGrads, sampleStream, zeroState,
  type CellKind, type GradPath, type RNNConfig,
} from '../src/index.ts';

const { values: opts } = parseArgs({
  options: {
    json: { type: 'boolean', default: false }, reps: { type: 'string', default: '5' }, window: { type: 'string', default: '1' },
    only: { type: 'string' },
  },
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
    do chars += work(); while (performance.now() - t0 < 1000 * windowSec);
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

/** char-rnn's default run (the Trainer's defaults) for `model`, one real training step per call. */
function charRnnTrainer(model: CellKind, grad: GradPath): () => () => number {
  return () => {
    const t = Trainer.fromText(text, { model, grad });
    return () => {
      t.step();
      return t.charsPerStep;
    };
  };
}

function sampler(): () => number {
  const params = charrnn.initParams({ kind: 'lstm', vocabSize: vocab.size, hiddenSize: 128, layers: 2 }, new Rng(1));
  const chars = sampleStream(params, vocab, { length: Number.MAX_SAFE_INTEGER, rng: new Rng(2) });
  return () => {
    for (let i = 0; i < 100; i++) chars.next();
    return 100;
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Each entry builds its workload only when it is about to run (a char-rnn Trainer holds the encoded text).
const workloads: [string, () => () => number][] = [
  ['min-char-rnn train, manual', () => trainer('manual')],
  ['min-char-rnn train, tape', () => trainer('tape')],
  ['char-rnn LSTM train, manual', charRnnTrainer('lstm', 'manual')],
  ['char-rnn LSTM train, tape', charRnnTrainer('lstm', 'tape')],
  ['char-rnn GRU train, manual', charRnnTrainer('gru', 'manual')],
  ['char-rnn GRU train, tape', charRnnTrainer('gru', 'tape')],
  ['char-rnn LSTM sample', sampler],
].filter(([name]) => opts.only === undefined || (name as string).includes(opts.only)) as [string, () => () => number][];
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
const results = workloads.map(([name, make]) => {
  const rates = measure(make());
  return { name, median: median(rates), min: Math.min(...rates), max: Math.max(...rates) };
});

if (opts.json) {
  console.log(JSON.stringify({ machine, reps, windowSec, unit: 'chars/s', results }, null, 2));
} else {
  console.log(`min-char-rnn: V=${config.vocabSize}, H=${config.hiddenSize}, T=${T}, 1 layer, B 1, Adagrad; char-rnn: 2 layers, H 128, T 50, B 50, RMSprop; float64`);
  console.log(`machine: ${machine}; chars/s, median of ${reps} windows of ≥ ${windowSec}s\n`);
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(9);
  console.log(`${'workload'.padEnd(34)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}`);
  for (const r of results) console.log(`${r.name.padEnd(34)} ${fmt(r.median)} ${fmt(r.min)} ${fmt(r.max)}`);
}

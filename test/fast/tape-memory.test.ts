// How much memory the tape on the WebAssembly kernels takes, counted before a step runs
// (tapeArenaBytes, estimateRun with --grad tape) against what a step really uses: the arena's
// high-water mark after forward and backward passes of char-rnn's three models on shapes
// fast-check draws. And a step too big for one WebAssembly memory (4 GiB): a one-line error that
// names what to make smaller, from the library and from the command line, before any allocation.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/index.ts';
import { UserError } from '../../src/errors.ts';
import { tapeArenaBytes, tapeMemoryBytes } from '../../src/fast/tape.ts';
import { TapeRunner } from '../../src/fast/tape-runner.ts';
import { charLossAndGrads } from '../../src/models/charrnn.paths.ts';
import { CELL_KINDS, dropoutMasks, initParams, zeroState } from '../../src/models/charrnn.ts';
import { checkSize, estimateRun } from '../../src/train/estimate.ts';
import { cliSandbox, expectError } from '../cli-helpers.ts';
import { arbSeed } from '../engine/numeric.ts';
import { wasmSupport } from './sets.ts';

const ids = (rng: Rng, n: number, below: number) => Array.from({ length: n }, () => Math.floor(rng.uniform() * below));

describe.runIf(wasmSupport.ok)("the tape's memory, counted ahead", () => {
  const shapes = fc.record({
    kind: fc.constantFrom(...CELL_KINDS),
    V: fc.integer({ min: 2, max: 70 }),
    H: fc.integer({ min: 1, max: 40 }),
    L: fc.integer({ min: 1, max: 3 }),
    T: fc.integer({ min: 1, max: 12 }),
    B: fc.integer({ min: 1, max: 8 }),
    dropout: fc.constantFrom(0, 0.25),
    seed: arbSeed,
  });

  it('tapeArenaBytes is at least the high-water mark of a step, and within 10% of it plus 32 kB of rounding', () => {
    fc.assert(
      fc.property(shapes, ({ kind, V, H, L, T, B, dropout, seed }) => {
        const config = { kind, vocabSize: V, hiddenSize: H, layers: L };
        const rng = new Rng(seed);
        const p = initParams(config, rng);
        const batch = { inputs: ids(rng, T * B, V), targets: ids(rng, T * B, V), T, B };
        const masks = dropoutMasks(config, T, B, dropout, rng);
        const estimate = tapeArenaBytes({ kind, V, H, L, T, B, dropout: dropout > 0 });
        const runner = new TapeRunner(p, 1, estimate);
        try {
          runner.run((q) => charLossAndGrads('tape', q, batch, zeroState(config, B), masks));
          const used = runner.backend.highWater();
          expect(runner.backend.arenaBytes, 'the runner had to grow the arena').toBeLessThan(estimate + 16);
          expect(used).toBeGreaterThan(0);
          expect(estimate).toBeGreaterThanOrEqual(used);
          expect(estimate).toBeLessThanOrEqual(1.1 * used + 32 * 1024);
        } finally {
          runner.dispose();
        }
      }),
      { numRuns: 30 },
    );
  });

  it('estimateRun with --grad tape counts the arena, the placed parameters and slots, not the fast path', () => {
    // W2: char-rnn's LSTM 2 × 128, batch 50 × seq 50; the arena is 417 MB there (docs/performance.md)
    const W2 = { model: 'lstm', layers: 2, hidden: 128, seqLength: 50, batchSize: 50, optim: 'rmsprop', dtype: 'f64' } as const;
    const job = { kind: 'lstm', V: 65, H: 128, L: 2, T: 50, B: 50, dropout: false } as const;
    const tape = estimateRun({ ...W2, grad: 'tape', kernels: 'wasm' }, 65);
    const fast = estimateRun({ ...W2, kernels: 'wasm' }, 65);
    expect(tape.wasmBytes).toBe(tapeMemoryBytes(job, 1));
    expect(tape.bytes).toBe(tape.wasmBytes + 8 * tape.parameters);
    expect(tape.bytes).toBeGreaterThan(417e6);
    expect(tape.bytes).toBeGreaterThan(5 * fast.bytes);
    // on the TypeScript kernels the same arrays live on the JavaScript heap: no WebAssembly memory, the
    // same bytes but for the placed arrays' rounding to 16 bytes
    const ts = estimateRun({ ...W2, grad: 'tape', kernels: 'ts' }, 65);
    expect(ts.wasmBytes).toBe(0);
    expect(Math.abs(ts.bytes - tape.bytes)).toBeLessThan(2 * 16 * 10);
  });
});

describe.runIf(wasmSupport.ok)('a tape step too big for one WebAssembly memory', () => {
  // LSTM 1 × 512, batch 150 × seq 100: about 4.9 GB of arena; src/limits.ts's closed form (3.1 GB) lets it through
  const BIG = { model: 'lstm', layers: 1, hidden: 512, seqLength: 100, batchSize: 150, optim: 'rmsprop', dtype: 'f64', grad: 'tape', kernels: 'wasm' } as const;
  const MESSAGE =
    /^one training step needs about 4\.\d GiB of WebAssembly memory, more than the 4\.0 GiB one memory can hold: use a smaller --batch, --seq or --hidden/;

  it('checkSize refuses it with one line naming batch, seq and hidden', () => {
    const size = estimateRun(BIG, 65);
    expect(size.wasmBytes).toBeGreaterThan(2 ** 32);
    expect(() => checkSize(size, 2 ** 40)).toThrow(UserError);
    expect(() => checkSize(size, 2 ** 40)).toThrow(MESSAGE);
  });

  it('a TapeRunner asked for such an arena refuses it the same way, before allocating', () => {
    const p = initParams({ kind: 'rnn', vocabSize: 3, hiddenSize: 2, layers: 1 }, new Rng(1));
    expect(() => new TapeRunner(p, 1, 2 ** 32)).toThrow(MESSAGE);
  });

  it('rnn train: exit 1 (as every memory refusal of checkSize) and the one line, before any allocation', () => {
    const { rnn } = cliSandbox('rnn-tape-big-');
    const r = rnn(
      'train',
      '--grad',
      'tape',
      '--kernels',
      'wasm',
      '--model',
      'lstm',
      '--layers',
      '1',
      '--hidden',
      '512',
      '--batch',
      '150',
      '--seq',
      '100',
      '--iters',
      '1',
    );
    expectError(
      r,
      1,
      /one training step needs about 4\.\d GiB of WebAssembly memory, more than the 4\.0 GiB one memory can hold: use a smaller --batch, --seq or --hidden/,
    );
  });
});

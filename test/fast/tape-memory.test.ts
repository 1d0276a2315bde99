// How much memory the tape on the WebAssembly kernels takes, counted before a step runs
// (tapeArenaBytes, src/limits.ts's size guard jobBytes with `tape`, estimateRun with --grad tape)
// against what a step really uses: the arena's high-water mark after forward and backward passes
// of char-rnn's three models on shapes fast-check draws, small ones and ones large enough for the
// activations to outweigh everything else. And a step too big for one WebAssembly memory (4 GiB):
// a one-line error that names what to make smaller, from the library and from the command line,
// before any allocation.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/index.ts';
import { TapeRunner, tapeMemoryBytes } from '../../src/fast/tape-runner.ts';
import { checkJob, jobBytes, SizeError, type SizeJob, tapeArenaBytes } from '../../src/limits.ts';
import { charLossAndGrads } from '../../src/models/charrnn.paths.ts';
import { CELL_KINDS, dropoutMasks, initParams, zeroState } from '../../src/models/charrnn.ts';
import { OPTIMIZERS, type OptimName, optimSlots } from '../../src/optim/optim.ts';
import { checkSize, estimateRun } from '../../src/train/estimate.ts';
import { cliSandbox, expectError } from '../cli-helpers.ts';
import { arbSeed } from '../engine/numeric.ts';
import { wasmSupport } from './sets.ts';

const ids = (rng: Rng, n: number, below: number) => Array.from({ length: n }, () => Math.floor(rng.uniform() * below));

interface Shape extends Pick<SizeJob, 'kind' | 'V' | 'H' | 'L' | 'T' | 'B'> {
  dropout: number;
  optim: OptimName;
  seed: number;
}
/** Shapes with H, T and B drawn from the ranges given ([min, max]). */
const shapes = (H: [number, number], T: [number, number], B: [number, number]) =>
  fc.record({
    kind: fc.constantFrom(...CELL_KINDS),
    V: fc.integer({ min: 2, max: 70 }),
    H: fc.integer({ min: H[0], max: H[1] }),
    L: fc.integer({ min: 1, max: 3 }),
    T: fc.integer({ min: T[0], max: T[1] }),
    B: fc.integer({ min: B[0], max: B[1] }),
    dropout: fc.constantFrom(0, 0.25),
    optim: fc.constantFrom(...OPTIMIZERS),
    seed: arbSeed,
  });

/**
 * One training step of charrnn.ts on the WebAssembly tape, its arena sized by tapeArenaBytes, held
 * to what it really used (the arena's high-water mark): tapeArenaBytes never below it and at most
 * 10% + 32 kB above; and src/limits.ts's guard (jobBytes, tape) and estimateRun never below what a
 * tape Trainer holds for it: that arena, the parameters with the optimizer's slots beside them, the
 * Trainer's copy of the parameters and the carried state, counted from the arrays themselves.
 */
function checkStep({ kind, V, H, L, T, B, dropout, optim, seed }: Shape): void {
  const config = { kind, vocabSize: V, hiddenSize: H, layers: L };
  const rng = new Rng(seed);
  const p = initParams(config, rng);
  const state = zeroState(config, B);
  const batch = { inputs: ids(rng, T * B, V), targets: ids(rng, T * B, V), T, B };
  const masks = dropoutMasks(config, T, B, dropout, rng);
  const estimate = tapeArenaBytes({ kind, V, H, L, T, B, dropout: dropout > 0 });
  const runner = new TapeRunner(p, 1, estimate);
  let used: number;
  try {
    runner.run((q) => charLossAndGrads('tape', q, batch, state, masks));
    used = runner.backend.highWater();
    expect(runner.backend.arenaBytes, 'the runner had to grow the arena').toBeLessThan(estimate + 16);
  } finally {
    runner.dispose();
  }
  expect(used).toBeGreaterThan(0);
  expect(estimate).toBeGreaterThanOrEqual(used);
  expect(estimate).toBeLessThanOrEqual(1.1 * used + 32 * 1024);

  const numbers = (ts: Record<string, { size: number }>) => Object.values(ts).reduce((n, t) => n + t.size, 0);
  const carried = [...state.h, ...state.c].reduce((n, a) => n + a.length, 0);
  const slots = optimSlots(optim).length;
  const held = used + 8 * (1 + slots) * numbers(p) + 8 * numbers(p) + 8 * carried;
  const guard = jobBytes({ kind, V, H, L, T, B, bytes: 8, slots, tape: true });
  expect(guard, "src/limits.ts's guard").toBeGreaterThanOrEqual(held);
  const o = { model: kind, layers: L, hidden: H, seqLength: T, batchSize: B, optim, dtype: 'f64', grad: 'tape', kernels: 'wasm', dropout } as const;
  expect(estimateRun(o, V).bytes, 'estimateRun').toBeGreaterThanOrEqual(held - 8 * carried);
}

describe.runIf(wasmSupport.ok)("the tape's memory, counted ahead", () => {
  it('tapeArenaBytes is at least the high-water mark of a step, within 10% of it plus 32 kB of rounding; the size guard counts at least that', () => {
    fc.assert(fc.property(shapes([1, 40], [1, 12], [1, 8]), checkStep), { numRuns: 30 });
  });

  it("the same on shapes whose activations outweigh the parameters and the guard's 64 kB", () => {
    // from 48 units, batch 8 × seq 16 (an LSTM's arena about 5 MB against 0.2 MB of parameters) to
    // 3 × 96, batch 16 × seq 32 (about 100 MB against 0.5 MB)
    fc.assert(fc.property(shapes([48, 96], [16, 32], [8, 16]), checkStep), { numRuns: 8 });
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
  // LSTM 1 × 512, batch 150 × seq 100: an arena of about 4.9 GB (5.0 GB with dropout, which the size
  // guard counts either way). The guard's closed form, before it counted the arena with
  // tapeArenaBytes, said 3.1 GB in all and let it through to checkSize.
  const BIG = { model: 'lstm', layers: 1, hidden: 512, seqLength: 100, batchSize: 150, optim: 'rmsprop', dtype: 'f64', grad: 'tape', kernels: 'wasm' } as const;
  const job = { kind: 'lstm', V: 65, H: 512, L: 1, T: 100, B: 150, bytes: 8, slots: 1, tape: true } as const;
  /** The refusal's end: what to make smaller. */
  const SMALLER = 'this runtime allows: use a smaller --hidden, --layers, --batch or --seq';

  it("src/limits.ts's size guard refuses it in one line naming hidden, batch and seq, before any allocation", () => {
    expect(() => checkJob(job, 2 ** 32, 'this run')).toThrow(SizeError);
    expect(() => checkJob(job, 2 ** 32, 'this run')).toThrow(new RegExp(`^this run would need about 5\\.\\d GB of memory, more than the 4\\.3 GB ${SMALLER}$`));
  });

  it('checkSize refuses it too, whatever the limit: one WebAssembly memory cannot hold it', () => {
    const size = estimateRun(BIG, 65);
    expect(size.wasmBytes).toBeGreaterThan(2 ** 32);
    expect(() => checkSize(size, 2 ** 40)).toThrow(SizeError);
    expect(() => checkSize(size, 2 ** 40)).toThrow(
      new RegExp(
        `^this run on the WebAssembly kernels would need about ${(size.wasmBytes / 1e9).toFixed(1).replace('.', '\\.')} GB of memory, more than the 4\\.3 GB ${SMALLER}$`,
      ),
    );
  });

  it('a TapeRunner asked for such an arena refuses it the same way, before allocating', () => {
    const p = initParams({ kind: 'rnn', vocabSize: 3, hiddenSize: 2, layers: 1 }, new Rng(1));
    expect(() => new TapeRunner(p, 1, 2 ** 33)).toThrow(SizeError);
    expect(() => new TapeRunner(p, 1, 2 ** 33)).toThrow(
      new RegExp(`^one training step on the WebAssembly tape would need about 8\\.6 GB of memory, more than the 4\\.3 GB ${SMALLER}$`),
    );
  });

  it('rnn train: exit 2 (as every refusal of the size guard) and the one line, before the text is read', () => {
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
      2,
      new RegExp(`a 1-layer LSTM with 512 hidden units, vocabulary 1, batch 150 × seq 100 would need about 5\\.\\d GB of memory, more than the .* ${SMALLER}`),
    );
  });
});

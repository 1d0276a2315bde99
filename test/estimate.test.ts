// The size of a run worked out before anything is allocated: parameters counted by hand for
// char-rnn's LSTM, memory no less than a real Trainer takes, FLOPs for a model small enough to
// count on paper, and a too-big model refused with a plain message before any allocation.

import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/random.ts';
import { UserError } from '../src/errors.ts';
import { formatBytes } from '../src/limits.ts';
import { initParams } from '../src/models/charrnn.ts';
import { checkSize, estimateRun, formatFlops } from '../src/train/estimate.ts';
import { Trainer } from '../src/train/trainer.ts';

const LSTM = { model: 'lstm', layers: 2, hidden: 128, seqLength: 50, batchSize: 50, optim: 'rmsprop', dtype: 'f32' } as const;

describe('estimateRun', () => {
  it("counts the parameters of char-rnn's 2 × 128 LSTM on 65 characters", () => {
    // layer 0: W_ih 512×65, W_hh 512×128, two biases of 512; layer 1: W_ih and W_hh 512×128, two biases; decoder 65×128 + 65
    const byHand = 512 * 65 + 512 * 128 + 2 * 512 + 2 * 512 * 128 + 2 * 512 + 65 * 128 + 65;
    expect(byHand).toBe(240_321);
    expect(estimateRun(LSTM, 65).parameters).toBe(byHand);
    for (const model of ['rnn', 'gru', 'lstm'] as const) {
      const p = initParams({ kind: model, vocabSize: 7, hiddenSize: 5, layers: 3 }, new Rng(1));
      const n = Object.values(p).reduce((s, t) => s + t.data.length, 0);
      expect(estimateRun({ ...LSTM, model, layers: 3, hidden: 5 }, 7).parameters).toBe(n);
    }
  });

  it('counts the FLOPs of a one-unit-wide RNN on paper', () => {
    // RNN, H = 2, V = 3, one layer: input lookup 2, W_hh 2×2 = 4, decoder 3×2 = 6 multiply-adds
    const s = estimateRun({ model: 'rnn', layers: 1, hidden: 2, seqLength: 1, batchSize: 1, optim: 'adam', dtype: 'f64' }, 3);
    expect(s.flopsPerChar).toBe(2 * 12);
    expect(s.flopsPerStep).toBe(3 * 24);
    const bigger = estimateRun({ model: 'rnn', layers: 1, hidden: 2, seqLength: 10, batchSize: 4, optim: 'adam', dtype: 'f64' }, 3);
    expect(bigger.flopsPerStep).toBe(40 * 3 * 24); // linear in B × T
  });

  it('counts the memory of parameters, gradients, optimizer slots and activations', () => {
    const s = estimateRun(LSTM, 65),
      P = s.parameters,
      N = 50 * 50,
      H = 128,
      GH = 512;
    // float32 kernel memory: parameters, gradients and RMSprop's one slot (3P); per layer the gate
    // pre-activations (N × GH) and T + 1 steps of h and c; the logits (N × V); then the float64 copy (8P)
    const atLeast = 4 * (3 * P + 2 * (N * GH + 2 * 51 * 50 * H) + N * 65) + 8 * P;
    expect(s.bytes).toBeGreaterThanOrEqual(atLeast);
    expect(s.bytes).toBeLessThan(2 * atLeast);
    expect(estimateRun({ ...LSTM, dtype: 'f64' }, 65).bytes).toBeGreaterThan(1.8 * (s.bytes - 8 * P)); // twice the kernel memory in float64
  });

  it('refuses a model too big for memory before allocating anything, in plain words', () => {
    let err: unknown;
    try {
      Trainer.fromText('abcdefgh'.repeat(500), { hidden: 100_000, batchSize: 2, seqLength: 4 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    // the closed-form guard of src/limits.ts speaks first (estimateRun walks the layers, so it comes second)
    expect((err as Error).message).toMatch(
      /^a 2-layer LSTM with 100000 hidden units, vocabulary 8, batch 2 × seq 4 would need one array of 4\.00e\+10 numbers; at most 4294967295 fit/,
    );
    expect(() => checkSize(estimateRun(LSTM, 65), 1000)).toThrow(/more than the 1\.0 kB available: use fewer hidden units/);
    expect(() => checkSize(estimateRun(LSTM, 65))).not.toThrow();
  });

  it('formats sizes', () => {
    expect(formatBytes(5_600_000)).toBe('5.6 MB');
    expect(formatBytes(1_230_000_000)).toBe('1.2 GB');
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatFlops(3_100_000_000)).toBe('3.1 GFLOP');
  });
});

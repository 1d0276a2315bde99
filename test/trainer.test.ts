// The char-rnn trainer: data fed as B stripes, the state carried within an epoch and zeroed between
// epochs, the learning-rate schedule, divergence detection, dropout only in training, and above all
// exact resumption: a run stopped, checkpointed (through the bytes of the file) and resumed takes
// bit for bit the steps the uninterrupted run takes.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../src/checkpoint/checkpoint.ts';
import { valueAndGrad } from '../src/engine/tape.ts';
import { UserError } from '../src/errors.ts';
import { charLoss, type Params, zeroState } from '../src/models/charrnn.ts';
import { trainLoop } from '../src/node/loop.ts';
import { evalStripes } from '../src/train/data.ts';
import { SMOOTH_WINDOW, smoothedLoss } from '../src/train/smooth.ts';
import { DivergedError, Trainer, type TrainerOptions } from '../src/train/trainer.ts';

const TEXT = 'the cat sat on the mat. the dog sat on the log. '.repeat(12); // 588 characters, V = 14
// The readable float64 path (the hand-derived models, or the tape): these tests hold the trainer's
// logic to exact values; the fast path has its own tests (test/fast/trainer.test.ts).
const SMALL: Partial<TrainerOptions> = {
  layers: 2,
  hidden: 6,
  seqLength: 5,
  batchSize: 3,
  epochs: 3,
  trainFrac: 0.9,
  valFrac: 0.1,
  lr: 1e-2,
  seed: 7,
  kernels: 'ts',
  dtype: 'f64',
};

const copyParams = (p: Params): Params => Object.fromEntries(Object.entries(p).map(([k, t]) => [k, t.clone()]));
const bits = (p: Params): number[][] =>
  Object.keys(p)
    .sort()
    .map((k) => Array.from(p[k].data));

describe('Trainer: data, state and schedule', () => {
  it('reads the training split as B contiguous stripes, T characters at a time', () => {
    const t = Trainer.fromText(TEXT, SMALL);
    const { stripeLength: S, chunks } = t.stripes;
    const ids = t.split.train;
    expect(ids.length).toBe(Math.floor(TEXT.length * 0.9));
    expect(chunks).toBe(Math.floor(Math.floor((ids.length - 1) / 3) / 5));
    // Each stream, read chunk after chunk, is one contiguous run of the text, targets one ahead.
    for (let b = 0; b < 3; b++) {
      const inputs: number[] = [],
        targets: number[] = [];
      for (let k = 0; k < chunks; k++) {
        const batch = t.stripes.batch(k);
        for (let s = 0; s < 5; s++) inputs.push(batch.inputs[s * 3 + b]), targets.push(batch.targets[s * 3 + b]);
      }
      expect(inputs).toEqual(Array.from(ids.subarray(b * S, b * S + chunks * 5)));
      expect(targets).toEqual(Array.from(ids.subarray(b * S + 1, b * S + chunks * 5 + 1)));
    }
  });

  it('carries the state within an epoch and zeroes it at the start of the next', () => {
    const t = Trainer.fromText(TEXT, { ...SMALL, lr: 1e-9 });
    // The loss of chunk k, recomputed independently from a given state with the parameters before the step.
    const lossFrom = (k: number, state: ReturnType<typeof zeroState>): number => charLoss(t.params, t.stripes.batch(k), state).loss.item();
    const chunks = t.chunks;
    for (let i = 0; i < chunks + 1; i++) {
      const k = i % chunks;
      const expected = lossFrom(k, k === 0 ? zeroState(t.config, 3) : t.state);
      expect(t.step()).toBeCloseTo(expected, 10);
    }
  });

  it('decays the learning rate at the end of each epoch from decayAfter on', () => {
    const t = Trainer.fromText(TEXT, { ...SMALL, lrDecay: 0.5, decayAfter: 2, epochs: 4 });
    const seen: number[] = [];
    while (!t.done) {
      if (t.iteration % t.chunks === 0) seen.push(t.lr);
      t.step();
    }
    expect(seen).toEqual([1e-2, 1e-2, 5e-3, 2.5e-3]); // epochs 1, 2 at lr; the ends of epochs 2 and 3 halve it
  });

  it('validates without dropout: the validation loss is the plain loss of the validation stripes', () => {
    const t = Trainer.fromText(TEXT, { ...SMALL, dropout: 0.5 });
    for (let i = 0; i < 3; i++) t.step();
    const val = t.validate();
    const stripes = evalStripes(t.split.val, 3, 5)!;
    let state = zeroState(t.config, stripes.B),
      sum = 0;
    for (let k = 0; k < stripes.chunks; k++) {
      const out = charLoss(t.params, stripes.batch(k), state);
      sum += out.loss.item();
      state = out.state;
    }
    expect(val).toBeCloseTo(sum / stripes.chunks, 12);
    expect(t.history).toEqual([{ iteration: 3, loss: val }]);
  });

  it('uses dropout in training: the same step with and without it gives different losses', () => {
    const a = Trainer.fromText(TEXT, { ...SMALL, dropout: 0.5 });
    const b = Trainer.fromText(TEXT, { ...SMALL, dropout: 0 });
    expect(bits(a.params)).toEqual(bits(b.params)); // same seed, same initialisation
    expect(a.step()).not.toBeCloseTo(b.step(), 6);
  });

  it('learns: the validation loss falls far below the uniform guess ln V', () => {
    const t = Trainer.fromText(TEXT, { ...SMALL, layers: 1, hidden: 24, optim: 'adam', epochs: 40 });
    const start = t.validate();
    while (!t.done) t.step();
    const end = t.validate();
    expect(start).toBeGreaterThan(0.9 * Math.log(t.vocab.size));
    expect(end).toBeLessThan(0.5 * start);
  });

  it('tape and manual gradients train to the same parameters', () => {
    for (const model of ['lstm', 'gru', 'rnn'] as const) {
      const a = Trainer.fromText(TEXT, { ...SMALL, model, dropout: 0.3, grad: 'manual' });
      const b = Trainer.fromText(TEXT, { ...SMALL, model, dropout: 0.3, grad: 'tape' });
      for (let i = 0; i < 4; i++) expect(a.step()).toBeCloseTo(b.step(), 10);
      for (const k of Object.keys(a.params)) expect(a.params[k].data).toBeAllClose(b.params[k].data, { rtol: 1e-8, atol: 1e-12 });
    }
  });
});

describe('Trainer: resuming is exact', () => {
  const cases: Partial<TrainerOptions>[] = [
    { model: 'lstm', optim: 'rmsprop', dropout: 0.25, lrDecay: 0.5, decayAfter: 1 },
    { model: 'gru', optim: 'adam', dropout: 0.1, clipMode: 'norm', clip: 0.5 },
    { model: 'rnn', optim: 'adagrad', lr: 0.1, batchSize: 1 },
  ];
  for (const extra of cases) {
    it(`${extra.model} with ${extra.optim}: N steps, checkpoint bytes, resume, N more = 2N straight (bit for bit)`, () => {
      const opts = { ...SMALL, ...extra };
      const straight = Trainer.fromText(TEXT, opts);
      const n = straight.chunks + 2; // across an epoch boundary (state reset, learning-rate decay)
      const losses: number[] = [];
      for (let i = 0; i < 2 * n; i++) {
        losses.push(straight.step());
        if (i === n - 1) straight.validate();
      }

      const first = Trainer.fromText(TEXT, opts);
      for (let i = 0; i < n; i++) first.step();
      first.validate();
      const bytes = encodeCheckpoint(first.checkpoint());
      const resumed = Trainer.fromCheckpoint(TEXT, decodeCheckpoint(bytes, 'test'));
      const more: number[] = [];
      for (let i = 0; i < n; i++) more.push(resumed.step());

      expect(more).toEqual(losses.slice(n));
      expect(bits(resumed.params)).toEqual(bits(straight.params));
      expect(resumed.state).toEqual(straight.state);
      expect(resumed.rng.state()).toEqual(straight.rng.state());
      expect(resumed.optimizerState()).toEqual(straight.optimizerState());
      expect(resumed.history).toEqual(straight.history);
      expect(resumed.smoothLoss).toBe(straight.smoothLoss);
      expect(resumed.recentLoss).toBe(straight.recentLoss); // the loss shown after a resume is the one shown without it
    });
  }

  it('shows the end of the line through its latest losses, and resumes a checkpoint saved before that record existed', () => {
    const t = Trainer.fromText(TEXT, SMALL);
    expect(t.recentLoss).toBe(Math.log(t.vocab.size)); // before any step: the moving average's start, ln V
    const losses: number[] = [];
    for (let i = 0; i < SMOOTH_WINDOW + 9; i++) {
      losses.push(t.step());
      expect(t.recentLoss).toBe(smoothedLoss(losses, losses.length - 1)); // over the last 51 losses, as the web page's
    }
    const c = t.checkpoint();
    const { recentLosses, ...older } = c.training!.train.progress as Record<string, unknown>;
    expect(recentLosses).toEqual(losses.slice(-SMOOTH_WINDOW));
    const old = Trainer.fromCheckpoint(TEXT, { ...c, training: { ...c.training!, train: { ...c.training!.train, progress: older } } });
    expect(old.recentLoss).toBe(t.smoothLoss); // nothing recent to fit: the stored moving average until the next step
    const next = old.step();
    expect(old.recentLoss).toBe(next);
    expect(() =>
      Trainer.fromCheckpoint(TEXT, { ...c, training: { ...c.training!, train: { ...c.training!.train, progress: { ...older, recentLosses: [1, 'x'] } } } }),
    ).toThrow(/damaged \(recentLosses\)/);
  });

  it('refuses a different text, a model-only checkpoint, and characters outside the vocabulary', () => {
    const t = Trainer.fromText(TEXT, SMALL);
    t.step();
    const c = t.checkpoint();
    expect(() => Trainer.fromCheckpoint(TEXT.slice(1), c)).toThrow(/not the one this run was trained on/);
    expect(() => Trainer.fromCheckpoint(TEXT + 'Z', c)).toThrow(/lacks: "Z"/);
    expect(() => Trainer.fromCheckpoint(TEXT, { ...c, training: undefined })).toThrow(/model only/);
    const damaged = (train: Record<string, unknown>) => ({ ...c, training: { ...c.training!, train } });
    expect(() => Trainer.fromCheckpoint(TEXT, damaged({ ...c.training!.train, progress: undefined }))).toThrow(/training record is damaged \(no progress\)/);
    expect(() => Trainer.fromCheckpoint(TEXT, damaged({ ...c.training!.train, options: undefined }))).toThrow(/damaged \(no options\)/);
  });
});

describe('Trainer: divergence', () => {
  it('stops when the loss is NaN, before touching the parameters', () => {
    const t = Trainer.fromText(TEXT, SMALL);
    t.step();
    t.params['decoder.bias'].data[0] = NaN;
    const before = copyParams(t.params);
    expect(() => t.step()).toThrow(DivergedError);
    expect(() => t.step()).toThrow(/loss became NaN at iteration 2/);
    expect(t.iteration).toBe(1);
    for (const k of Object.keys(before)) expect(Array.from(t.params[k].data)).toEqual(Array.from(before[k].data));
  });

  it('stops when the loss exceeds 3× the first loss', () => {
    const t = Trainer.fromText(TEXT, SMALL);
    const first = t.step();
    t.firstLoss = first / 4; // as if the run had started much lower: the next loss is then > 3× it
    expect(() => t.step()).toThrow(/more than 3× the first loss/);
  });

  it('a real blow-up (huge learning rate) is caught, and the loop keeps the last good checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-diverge-'));
    try {
      const path = join(dir, 'm.safetensors');
      const t = Trainer.fromText(TEXT, { ...SMALL, model: 'rnn', optim: 'adam', lr: 1e-3, clip: 1e9 });
      await trainLoop(t, { iters: 2, checkpointPath: path, evalEvery: 0 });
      const good = readFileSync(path);
      (t.options as TrainerOptions).lr = 1e6; // the schedule reads options.lr
      const err = await trainLoop(t, { iters: 50, checkpointPath: path, evalEvery: 0, checkpointEvery: 1000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DivergedError);
      expect(String((err as Error).message)).toMatch(/last good checkpoint is .*m\.safetensors \(iteration 2\)|was not overwritten/);
      expect(readFileSync(path).equals(good)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('trainLoop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-loop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validates on schedule, keeps the best checkpoint, saves the latest at the end', async () => {
    const t = Trainer.fromText(TEXT, { ...SMALL, optim: 'adam' });
    const evals: number[] = [],
      saves: string[] = [];
    const latest = join(dir, 'a.safetensors'),
      best = join(dir, 'a.best.safetensors');
    const r = await trainLoop(t, {
      iters: 7,
      evalEvery: 3,
      checkpointPath: latest,
      bestPath: best,
      onEval: (e) => evals.push(e.iteration),
      onCheckpoint: (_path, it, kind) => saves.push(`${kind}@${it}`),
    });
    expect(r.stoppedBy).toBe('iters');
    expect(evals).toEqual([3, 6, 7]); // and once at the end of the session
    expect(saves).toContain('latest@7');
    expect(saves.filter((s) => s.startsWith('best')).length).toBeGreaterThan(0);
    const back = decodeCheckpoint(readFileSync(latest), 'latest');
    expect(back.training!.iteration).toBe(7);
  });

  it('runs to the end of the last epoch and validates there', async () => {
    const t = Trainer.fromText(TEXT, { ...SMALL, epochs: 1 });
    const r = await trainLoop(t, { evalEvery: 0 });
    expect(r.stoppedBy).toBe('done');
    expect(t.iteration).toBe(t.chunks);
    expect(t.history.map((h) => h.iteration)).toEqual([t.chunks]);
  });

  it('stops after the current iteration when aborted, and on a time budget', async () => {
    const t = Trainer.fromText(TEXT, SMALL);
    const ac = new AbortController();
    let clock = 0;
    const r = await trainLoop(t, {
      signal: ac.signal,
      evalEvery: 0,
      now: () => clock,
      onProgress: () => {},
      progressMs: 0,
      sampleEvery: 2,
      onSample: () => ac.abort(),
    });
    expect(r.stoppedBy).toBe('signal');
    expect(t.iteration).toBe(2);
    const r2 = await trainLoop(t, { timeSeconds: 1, evalEvery: 0, now: () => (clock += 300) });
    expect(r2.stoppedBy).toBe('time');
  });

  it('checks its options', async () => {
    const t = Trainer.fromText(TEXT, SMALL);
    await expect(trainLoop(t, { iters: -1 })).rejects.toThrow(UserError);
    await expect(trainLoop(t, { evalEvery: 1.5 })).rejects.toThrow(/evalEvery/);
    expect(() => Trainer.fromText(TEXT, { ...SMALL, batchSize: 200 })).toThrow(/too short for batch 200/);
    expect(() => Trainer.fromText(TEXT, { ...SMALL, dropout: 1 })).toThrow(/dropout/);
    expect(() => Trainer.fromText(TEXT, { ...SMALL, model: 'transformer' as never })).toThrow(/model must be one of/);
  });
});

// The tape's loss through the same batch is the reference for the trainer's manual-path loss.
it('the trainer reports the mean loss per character of the chunk', () => {
  const t = Trainer.fromText(TEXT, SMALL);
  const f = valueAndGrad((p: Params) => charLoss(p, t.stripes.batch(0), zeroState(t.config, 3)).loss);
  const { value } = f(copyParams(t.params));
  expect(t.step()).toBeCloseTo(value, 12);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.ts';
import { loadCheckpoint } from '../src/checkpoint/checkpoint.ts';
import { rnnLoss, zeroState, type Params } from '../src/models/rnn.ts';
import { Trainer } from '../src/train/trainer.ts';
import { train, type TrainProgress, type TrainSample } from '../src/train/loop.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnn-trainer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const copy = (p: Params): Params => Object.fromEntries(Object.entries(p).map(([k, t]) => [k, t.clone()]));
/** The loss of one chunk by the tape model, independent of the trainer's gradient path. */
const chunkLoss = (p: Params, data: readonly number[], at: number, T: number, h: readonly Float64Array[]) =>
  rnnLoss(p, data.slice(at, at + T), data.slice(at + 1, at + T + 1), h);
const flat = (p: Params) => Object.fromEntries(Object.entries(p).map(([k, t]) => [k, Array.from(t.data)]));

describe('Trainer', () => {
  it('starts from smooth loss T·ln V and learns a repetitive text', () => {
    const text = 'the quick brown fox jumps. '.repeat(16);
    const t = Trainer.fromText(text, { hidden: 32, seqLength: 12, seed: 1 });
    const V = t.vocab.size, T = 12;
    expect(t.smoothLoss).toBeCloseTo(T * Math.log(V), 12);
    // Weights of scale 0.01 predict an almost uniform distribution: the first loss is ≈ T·ln V.
    const first = t.step();
    expect(Math.abs(first - T * Math.log(V)) / (T * Math.log(V))).toBeLessThan(0.01);
    const losses = [first];
    for (let i = 1; i < 600; i++) losses.push(t.step());
    const tail = losses.slice(-30).reduce((a, b) => a + b, 0) / 30;
    expect(tail).toBeLessThan(0.05 * first);
    expect(t.smoothLoss).toBeLessThan(T * Math.log(V));
    expect(t.lossPerChar).toBeCloseTo(t.smoothLoss / T, 12);
  });

  it('feeds consecutive chunks and carries the hidden state from one to the next', () => {
    const text = 'abcdefghij'.repeat(6);
    const T = 7;
    const t = Trainer.fromText(text, { hidden: 9, layers: 2, seqLength: T, seed: 2 });
    const p0 = copy(t.params);
    const first = chunkLoss(p0, t.data, 0, T, zeroState(t.config));
    expect(t.step()).toBeCloseTo(first.loss.item(), 10);
    expect(t.hidden[0]).toBeAllClose(first.h[0], { rtol: 1e-10 });
    expect(t.hidden[1]).toBeAllClose(first.h[1], { rtol: 1e-10 });

    const p1 = copy(t.params);
    const second = chunkLoss(p1, t.data, T, T, first.h);
    expect(t.step()).toBeCloseTo(second.loss.item(), 10);
    expect(t.position).toBe(2 * T);
    // The carried state matters: starting the second chunk from zeros gives another loss.
    expect(Math.abs(chunkLoss(p1, t.data, T, T, zeroState(t.config)).loss.item() - second.loss.item())).toBeGreaterThan(1e-6);
  });

  it('wraps to the start and resets the hidden state when the next chunk would run past the end', () => {
    const T = 5;
    const text = 'xyzzy plugh!'.slice(0, 2 * T + 1); // exactly two chunks: 2T + 1 characters
    const t = Trainer.fromText(text, { hidden: 6, seqLength: T, seed: 3 });
    const positions: number[] = [];
    for (let i = 0; i < 2; i++) {
      t.step();
      positions.push(t.position);
    }
    expect(positions).toEqual([T, 2 * T]); // the last chunk uses the final character as its last target
    const carried = t.hidden.map((h) => h.slice());
    expect(carried[0].some((v) => v !== 0)).toBe(true);

    const before = copy(t.params);
    const fromZeros = chunkLoss(before, t.data, 0, T, zeroState(t.config)).loss.item();
    const fromCarried = chunkLoss(before, t.data, 0, T, carried).loss.item();
    expect(Math.abs(fromZeros - fromCarried)).toBeGreaterThan(1e-9); // the check can tell them apart
    expect(t.step()).toBeCloseTo(fromZeros, 12);
    expect(t.position).toBe(T);
  });

  it('gives the same parameters with tape and manual gradients', () => {
    const text = 'to be or not to be, that is the question\n'.repeat(3);
    const a = Trainer.fromText(text, { hidden: 10, layers: 2, seqLength: 8, seed: 4, grad: 'tape' });
    const b = Trainer.fromText(text, { hidden: 10, layers: 2, seqLength: 8, seed: 4, grad: 'manual' });
    for (let i = 0; i < 6; i++) expect(a.step()).toBeCloseTo(b.step(), 9);
    for (const name of Object.keys(a.params)) expect(a.params[name]).toBeAllClose(b.params[name], { rtol: 1e-9, atol: 1e-12 });
  });

  it('refuses a text shorter than one chunk and a resume text with unseen characters', () => {
    expect(() => Trainer.fromText('abc', { seqLength: 3 })).toThrow(/3 characters.*needs at least 4/);
    const t = Trainer.fromText('abcabcabc', { seqLength: 3, hidden: 4 });
    const c = t.checkpoint();
    expect(() => Trainer.fromCheckpoint('abcabd😀', c)).toThrow(UserError);
    expect(() => Trainer.fromCheckpoint('abcabd😀', c)).toThrow(/"d".*"😀"/);
  });
});

describe('train', () => {
  const text = 'It was the best of times, it was the worst of times.\n'.repeat(4);
  const opts = { text, hidden: 12, layers: 2, seqLength: 9, seed: 5, sampleEvery: 7, sampleLength: 15 };

  it('N iterations, checkpoint, resume N more = 2N iterations straight (bit for bit)', async () => {
    const N = 25; // text has 212 characters, 23 chunks: the runs wrap around
    const straightSamples: TrainSample[] = [];
    const straight = await train({ ...opts, iters: 2 * N, onSample: (s) => straightSamples.push(s) });

    const path = join(dir, 'half.safetensors');
    const firstHalf = await train({ ...opts, iters: N, checkpointPath: path });
    expect(firstHalf.trainer.iteration).toBe(N);
    const resumedSamples: TrainSample[] = [];
    const resumed = await train({ text, iters: N, sampleEvery: 7, sampleLength: 15, resume: loadCheckpoint(path), onSample: (s) => resumedSamples.push(s) });

    const a = straight.trainer, b = resumed.trainer;
    expect(b.iteration).toBe(2 * N);
    expect(flat(b.params)).toEqual(flat(a.params));
    expect(Object.fromEntries(Object.entries(b.optimizer.mem).map(([k, m]) => [k, Array.from(m)]))).toEqual(
      Object.fromEntries(Object.entries(a.optimizer.mem).map(([k, m]) => [k, Array.from(m)])),
    );
    expect(b.hidden.map((h) => Array.from(h))).toEqual(a.hidden.map((h) => Array.from(h)));
    expect([b.position, b.smoothLoss]).toEqual([a.position, a.smoothLoss]);
    expect(b.rng.state()).toEqual(a.rng.state());
    expect(resumedSamples).toEqual(straightSamples.filter((s) => s.iteration > N));
  });

  it('samples and checkpoints on schedule and saves at the end', async () => {
    const samples: number[] = [], saves: number[] = [];
    const path = join(dir, 'sched.safetensors');
    const r = await train({ ...opts, iters: 17, checkpointEvery: 5, checkpointPath: path, onSample: (s) => samples.push(s.iteration), onCheckpoint: (_, i) => saves.push(i) });
    expect(samples).toEqual([7, 14]);
    expect(saves).toEqual([5, 10, 15, 17]);
    expect(r.stoppedBy).toBe('iters');
    expect(loadCheckpoint(path).iteration).toBe(17);
  });

  it('stops on the time budget, and on an abort signal after the current iteration', async () => {
    let clock = 0;
    const now = () => (clock += 1); // every reading of the clock takes 1 ms
    const timed = await train({ ...opts, timeSeconds: 0.05, now });
    expect(timed.stoppedBy).toBe('time');
    expect(timed.trainer.iteration).toBeGreaterThan(0);
    expect(timed.progress.elapsedSeconds).toBeGreaterThanOrEqual(0.05);

    const controller = new AbortController();
    const path = join(dir, 'abort.safetensors');
    const stopped = await train({
      ...opts, iters: 1000, signal: controller.signal, checkpointPath: path, progressEvery: 1,
      onProgress: (p) => { if (p.iteration === 3) controller.abort(); },
    });
    expect([stopped.stoppedBy, stopped.trainer.iteration]).toEqual(['signal', 3]);
    expect(loadCheckpoint(path).iteration).toBe(3);
  });

  it('reports progress with a rate and an ETA consistent with each other', async () => {
    let clock = 0;
    const reports: TrainProgress[] = [];
    await train({ ...opts, iters: 20, progressEvery: 4, now: () => (clock += 3), onProgress: (p) => reports.push(p) });
    expect(reports.map((p) => p.iteration)).toEqual([4, 8, 12, 16, 20, 20]);
    for (const p of reports) {
      // chars/s counts T characters per iteration; the ETA is the remaining iterations at that rate.
      expect(p.charsPerSecond).toBeCloseTo((p.sessionIterations * 9) / p.elapsedSeconds, 9);
      expect(p.etaSeconds).toBeCloseTo(((20 - p.sessionIterations) * 9) / p.charsPerSecond, 9);
      expect(p.lossPerChar).toBeCloseTo(p.smoothLoss / 9, 12);
    }
    expect(reports.at(-1)!.etaSeconds).toBe(0);
  });

  it('checks its options', async () => {
    await expect(train({ text })).rejects.toThrow(UserError);
    await expect(train({ text, iters: -1 })).rejects.toThrow(/iters/);
    await expect(train({ text, iters: 1, seqLength: 0 })).rejects.toThrow(/seqLength/);
    await expect(train({ text, iters: 1, lr: -0.1 })).rejects.toThrow(/learning rate/);
  });
});

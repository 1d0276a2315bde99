// `rnn train --log` and `rnn plot`: the JSON Lines log of a run, continued by --resume without
// duplicated or stale lines (and with the same numbers as a straight run, since resuming is
// bit-exact), and the chart drawn from one or several logs as SVG or PNG.

import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, expectError } from './cli-helpers.ts';

const { f, rnn } = cliSandbox('rnn-log-');
const TEXT = 'the quick brown fox jumps over the lazy dog. '.repeat(30);
// 20 iterations per epoch (1,282 training characters / (4 × 16)); validation every 5 iterations
const RUN = ['--data', 't.txt', '--layers', '1', '--hidden', '8', '--batch', '4', '--seq', '16', '--epochs', '2', '--eval-every', '5', '--sample-every', '0'];

type Line = {
  type: string;
  iteration: number;
  characters: number;
  loss: number;
  lr: number;
  gradNorm: number;
  elapsedSeconds: number;
  epoch: number;
  bitsPerChar: number;
};
const lines = (name: string): Line[] =>
  readFileSync(f(name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const without = (ls: Line[], type: string): Line[] => ls.filter((l) => l.type === type);

describe('rnn train --log', () => {
  beforeAll(() => writeFileSync(f('t.txt'), TEXT));

  it('writes one line per step and per validation beside the checkpoint; a resumed run continues it exactly', () => {
    const straight = rnn('train', ...RUN, '--checkpoint', 'straight.safetensors');
    expect(straight.code, straight.err).toBe(0);
    expect(straight.out).toContain('logging to straight.log.jsonl');
    const all = lines('straight.log.jsonl');
    expect(all[0]).toMatchObject({ type: 'start', iteration: 0, data: 't.txt', charsPerStep: 64 });
    const train = without(all, 'train');
    expect(train.map((l) => l.iteration)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const l of train) {
      expect(l.characters).toBe(l.iteration * 64);
      expect(l.epoch).toBeCloseTo(l.iteration / 20, 12);
      expect(l.gradNorm).toBeGreaterThan(0);
      expect(l.lr).toBe(0.002);
    }
    expect(train.map((l) => l.elapsedSeconds)).toEqual(train.map((l) => l.elapsedSeconds).sort((a, b) => a - b));
    const val = without(all, 'val');
    expect(val.map((l) => l.iteration)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    for (const l of val) expect(l.bitsPerChar).toBeCloseTo(l.loss / Math.LN2, 12);

    // Stopped at 12 (checkpoint at 12), then lines past the checkpoint as a killed run leaves them, and a torn line.
    expect(rnn('train', ...RUN, '--checkpoint', 'part.safetensors', '--iters', '12').code).toBe(0);
    appendFileSync(f('part.log.jsonl'), JSON.stringify({ ...train[12], loss: 99 }) + '\n{"type":"train","itera');
    const more = rnn(
      'train',
      '--data',
      't.txt',
      '--resume',
      'part.safetensors',
      '--checkpoint',
      'part.safetensors',
      '--sample-every',
      '0',
      '--eval-every',
      '5',
    );
    expect(more.code, more.err).toBe(0);
    const resumed = lines('part.log.jsonl');
    expect(without(resumed, 'start').map((l) => l.iteration)).toEqual([0, 12]);
    const rTrain = without(resumed, 'train');
    expect(rTrain.map((l) => l.iteration)).toEqual(train.map((l) => l.iteration));
    // the same steps as the straight run, bit for bit (the stale loss 99 is gone)
    expect(rTrain.map((l) => [l.loss, l.gradNorm, l.lr])).toEqual(train.map((l) => [l.loss, l.gradNorm, l.lr]));
    expect(without(resumed, 'val').map((l) => [l.iteration, l.loss])).toEqual([
      [5, val[0].loss],
      [10, val[1].loss],
      [12, expect.any(Number)],
      ...val.slice(2).map((l) => [l.iteration, l.loss]),
    ]);
    // training time adds up across the sessions
    expect(rTrain[12].elapsedSeconds).toBeGreaterThanOrEqual(rTrain[11].elapsedSeconds);
  });

  it('--log FILE, --log-every, --no-log; no log without a checkpoint unless asked', () => {
    expect(rnn('train', ...RUN, '--iters', '6', '--checkpoint', 'a.safetensors', '--log', 'sub/my.jsonl', '--log-every', '3').code).toBe(0);
    expect(without(lines('sub/my.jsonl'), 'train').map((l) => l.iteration)).toEqual([3, 6]);
    expect(existsSync(f('a.log.jsonl'))).toBe(false);
    expect(rnn('train', ...RUN, '--iters', '2', '--checkpoint', 'b.safetensors', '--no-log').code).toBe(0);
    expect(existsSync(f('b.log.jsonl'))).toBe(false);
    expect(rnn('train', ...RUN, '--iters', '2', '--no-checkpoint').out).not.toContain('logging');
    expectError(rnn('train', ...RUN, '--log', 'x.jsonl', '--no-log'), 2, /--log and --no-log contradict each other/);
    expectError(rnn('train', ...RUN, '--log-every', '0'), 2, /--log-every must be a positive integer/);
  });
});

describe('rnn plot', () => {
  beforeAll(() => {
    writeFileSync(f('t.txt'), TEXT);
    for (const [name, model] of [
      ['lstm', 'lstm'],
      ['gru', 'gru'],
    ])
      expect(rnn('train', ...RUN, '--iters', '10', '--model', model, '--checkpoint', `${name}.safetensors`).code).toBe(0);
  }, 30_000); // two training processes: 1.9 s together at load 1.3 on two cores; vitest's 10 s for hooks ran out at load 7

  it('draws every run, training and validation, as SVG (by default beside the first log) or PNG', () => {
    const r = rnn('plot', 'lstm.log.jsonl', 'gru.log.jsonl');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('wrote lstm.log.svg (2 runs)\n');
    const svg = readFileSync(f('lstm.log.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    for (const label of ['lstm', 'gru', 'validation', 'training (smoothed over 51 steps)', 'iteration']) expect(svg).toContain(`>${label}<`);
    const c = rnn('plot', 'lstm.log.jsonl', '--x', 'characters', '--smooth', '0', '--out', 'c.png', '--title', 'one run');
    expect(c.code, c.err).toBe(0);
    const png = readFileSync(f('c.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]); // the PNG signature
    expect(png.readUInt32BE(16)).toBeGreaterThan(1000); // width, twice the chart's
  });

  it('bad input: one line and a non-zero exit', () => {
    expectError(rnn('plot'), 2, /give at least one training log/);
    expectError(rnn('plot', 'none.jsonl'), 1, /no such file: none\.jsonl/);
    expectError(rnn('plot', 't.txt'), 1, /t\.txt has no training or validation records/);
    expectError(rnn('plot', 'lstm.log.jsonl', '--out', 'x.gif'), 2, /--out must end in \.svg or \.png/);
    expectError(rnn('plot', 'lstm.log.jsonl', '--x', 'time'), 2, /--x must be 'iterations' or 'characters'/);
    expectError(rnn('plot', 'lstm.log.jsonl', '--smooth', '0.9'), 2, /--smooth must be a non-negative integer, got '0\.9'/); // a count of steps, no longer a factor
  });
});

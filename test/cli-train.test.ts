// `rnn train | sample | eval` as real processes (node bin/rnn.js …): a small char-rnn run on Chinese
// and emoji text, Ctrl-C and kill -9 in the middle of a run and the resumed run ending bit for bit
// where the uninterrupted one ends, PyTorch-written checkpoints, and one-line errors.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../src/checkpoint/checkpoint.ts';
import { loadCheckpoint } from '../src/node/checkpoint.ts';
import { BIN, cliSandbox, expectError, ROOT } from './cli-helpers.ts';

const { dir, f, rnn } = cliSandbox('rnn-cli-train-');
const FIX = join(ROOT, 'test', 'fixtures', 'pytorch');

const POEM = '春眠不觉晓，处处闻啼鸟。😀 夜来风雨声，花落知多少。🎉\n';
// A small run of every kind of option: 2-layer LSTM, dropout, B 4, T 8.
const SMALL = ['--data', 'poem.txt', '--layers', '2', '--hidden', '12', '--batch', '4', '--seq', '8', '--dropout', '0.1', '--lr', '0.01', '--eval-every', '10'];

const sameModel = (a: Checkpoint, b: Checkpoint): void => {
  for (const k of Object.keys(a.params)) expect(Array.from(b.params[k].data), k).toEqual(Array.from(a.params[k].data));
  expect(b.training!.iteration).toBe(a.training!.iteration);
  expect(b.training!.rngState).toEqual(a.training!.rngState);
  for (const [slot, arrays] of Object.entries(a.training!.optimizer.slots)) {
    for (const [k, v] of Object.entries(arrays)) expect(Array.from(b.training!.optimizer.slots[slot][k]), `${slot}.${k}`).toEqual(Array.from(v));
  }
};

beforeAll(() => {
  writeFileSync(f('poem.txt'), POEM.repeat(40));
  writeFileSync(f('other.txt'), '春眠 Zoë 😀');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('train → sample → eval', () => {
  it('trains a 2-layer LSTM on Chinese and emoji, validates, keeps latest and best, samples only its characters', () => {
    const t = rnn('train', ...SMALL, '--epochs', '2', '--checkpoint', 'poem.safetensors', '--sample-length', '30');
    expect(t.code, t.err).toBe(0);
    expect(t.err).toBe('');
    expect(t.out).toMatch(/model: 2-layer LSTM, 12 hidden, dropout 0\.1/);
    expect(t.out).toMatch(/validation at iteration 10 \(epoch [\d.]+\): \d+\.\d{4} nats\/char = \d+\.\d{4} bits\/char/);
    expect(t.out).toMatch(/^finished: /m);
    const latest = loadCheckpoint(f('poem.safetensors'));
    expect(latest.config).toEqual({ kind: 'lstm', vocabSize: new Set([...POEM]).size, hiddenSize: 12, layers: 2 });
    expect(existsSync(f('poem.best.safetensors'))).toBe(true);

    const allowed = new Set([...POEM]);
    for (const args of [[], ['--prime', '春眠', '--temperature', '0.7'], ['--top-k', '3'], ['--argmax']]) {
      const s = rnn('sample', '--checkpoint', 'poem.safetensors', '--length', '200', '--seed', '3', ...args);
      expect(s.code, s.err).toBe(0);
      expect([...s.out].filter((ch) => !allowed.has(ch))).toEqual([]);
      expect([...s.out.replace(/\n$/, '')].length).toBeGreaterThanOrEqual(200);
      if (args[0] === '--prime') expect(s.out.startsWith('春眠')).toBe(true);
    }
    // The run is over: resuming says how to extend it; --epochs does.
    expectError(rnn('train', '--data', 'poem.txt', '--resume', 'poem.safetensors'), 1, /has finished all 2 epochs of its run; give --epochs N \(more than 2\)/);
    const more = rnn(
      'train',
      '--data',
      'poem.txt',
      '--resume',
      'poem.safetensors',
      '--epochs',
      '3',
      '--checkpoint',
      'poem3.safetensors',
      '--sample-every',
      '0',
    );
    expect(more.code, more.err).toBe(0);
    expect(loadCheckpoint(f('poem3.safetensors')).training!.iteration).toBe((latest.training!.iteration / 2) * 3);
    const seeded = () => rnn('sample', '--checkpoint', 'poem.safetensors', '--length', '50', '--seed', '9').out;
    expect(seeded()).toBe(seeded());
    expectError(rnn('sample', '--checkpoint', 'poem.safetensors', '--prime', '春Z'), 1, /"Z"/);

    const e = rnn('eval', '--checkpoint', 'poem.safetensors', '--data', 'poem.txt');
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(/loss: (\d+\.\d{4}) nats\/char = (\d+\.\d{4}) bits\/char/);
    const [, nats, bitsPc] = /loss: (\d+\.\d{4}) nats\/char = (\d+\.\d{4}) bits\/char/.exec(e.out)!;
    expect(Number(bitsPc)).toBeCloseTo(Number(nats) / Math.LN2, 3);
    expect(Number(nats)).toBeLessThan(Math.log(allowed.size)); // it learned something

    // Characters the model never saw are reported and left out, never a crash.
    const o = rnn('eval', '--checkpoint', 'poem.safetensors', '--data', 'other.txt', '--batch', '1');
    expect(o.code, o.err).toBe(0);
    expect(o.err).toMatch(/^rnn: warning: 3 character\(s\) of other\.txt are not in the model's vocabulary and were left out: "Z", "o", "ë"\n$/);
    expect(o.out).toMatch(/loss: \d+\.\d{4} nats\/char/);
  });

  it('Ctrl-C saves and exits 130; kill -9 keeps the last checkpoint; both resume to the exact end of the straight run', async () => {
    const run = [...SMALL, '--model', 'gru', '--epochs', '3', '--sample-every', '0', '--sample-length', '1'];
    const straight = rnn('train', ...run, '--checkpoint', 'straight.safetensors');
    expect(straight.code, straight.err).toBe(0);
    const want = loadCheckpoint(f('straight.safetensors'));

    for (const signal of ['SIGINT', 'SIGKILL'] as const) {
      const path = `${signal}.safetensors`;
      const child = spawn(process.execPath, [BIN, 'train', ...run, '--checkpoint', path, '--checkpoint-every', '3'], { cwd: dir });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // Interrupt once a checkpoint exists and training is under way.
        if (/validation at iteration 10/.test(out) && !child.killed) child.kill(signal);
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      if (signal === 'SIGINT') {
        expect(code, out).toBe(130);
        expect(out).toMatch(/interrupted/);
      } else {
        expect(code).toBe(null); // killed outright: no chance to save
      }
      const saved = loadCheckpoint(f(path)); // whole and valid either way (written by rename)
      expect(saved.training!.iteration).toBeGreaterThanOrEqual(9);
      expect(saved.training!.iteration).toBeLessThan(want.training!.iteration);
      const r = rnn('train', '--data', 'poem.txt', '--resume', path, '--checkpoint', path, '--sample-length', '1');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`resuming ${path} at iteration ${saved.training!.iteration}`));
      sameModel(want, loadCheckpoint(f(path)));
      // the training loss shown at the end (fitted to the latest losses, some from before the stop) is the straight run's
      const shown = (s: string): string | undefined => /train loss (\d+\.\d+) nats\/char/.exec(s)?.[1];
      expect(shown(r.out)).toBeDefined();
      expect(shown(r.out)).toBe(shown(straight.out));
    }
  });

  it('a run that diverges stops with one line and keeps the last good checkpoint', () => {
    const good = rnn('train', ...SMALL, '--model', 'rnn', '--iters', '2', '--checkpoint', 'div.safetensors', '--sample-length', '1');
    expect(good.code, good.err).toBe(0);
    const before = readFileSync(f('div.safetensors'));
    // The same run with a learning rate a million times too large (the first run's options, lr replaced).
    const wild = SMALL.map((a, i) => (SMALL[i - 1] === '--lr' ? '1e4' : a));
    const r = rnn(
      'train',
      ...wild,
      '--model',
      'rnn',
      '--optim',
      'adam',
      '--clip',
      '1e9',
      '--iters',
      '60',
      '--checkpoint',
      'div.safetensors',
      '--checkpoint-every',
      '0',
    );
    expectError(r, 1, /diverged.*(not overwritten|last good checkpoint)/);
    expect(readFileSync(f('div.safetensors')).equals(before)).toBe(true);
  });
});

describe('checkpoints written by PyTorch', () => {
  it('sample and eval read a PyTorch state_dict with the vocabulary in its metadata, or given with --vocab', () => {
    const s = rnn('sample', '--checkpoint', join(FIX, 'lstm-torch.safetensors'), '--length', '100', '--seed', '1');
    expect(s.code, s.err).toBe(0);
    const vocab: string[] = JSON.parse(readFileSync(join(FIX, 'lstm-torch-vocab.json'), 'utf8'));
    expect([...s.out].filter((ch) => !vocab.includes(ch) && ch !== '\n')).toEqual([]);
    expectError(rnn('sample', '--checkpoint', join(FIX, 'lstm-torch-novocab.safetensors')), 1, /no vocabulary.*--vocab/);
    const v = rnn(
      'sample',
      '--checkpoint',
      join(FIX, 'lstm-torch-novocab.safetensors'),
      '--vocab',
      join(FIX, 'lstm-torch-vocab.json'),
      '--length',
      '100',
      '--seed',
      '1',
    );
    expect(v.code, v.err).toBe(0);
    expect(v.out).toBe(s.out); // same weights, same vocabulary, same seed
    const e = rnn('eval', '--checkpoint', join(FIX, 'lstm-torch.safetensors'), '--data', 'poem.txt');
    expect(e.code, e.err).toBe(0);
    expect(e.err).toMatch(/not in the model's vocabulary/);
  });

  it('a PyTorch file cannot be resumed (no optimizer state), with one line saying so', () => {
    writeFileSync(f('english.txt'), 'hello world '.repeat(50));
    expectError(rnn('train', '--data', 'english.txt', '--resume', join(FIX, 'lstm-torch.safetensors')), 1, /model only|lacks/);
  });
});

describe('usage errors', () => {
  it.each([
    [['train', '--model', 'transformer'], /--model must be 'rnn' or 'lstm' or 'gru'/],
    [['train', '--optim', 'sgd'], /--optim must be/],
    [['train', '--dropout', '1'], /--dropout must be a number from 0 to 1/],
    [['train', '--lr-decay', '1.5'], /--lr-decay must be at most 1/],
    [['train', '--resume', 'x.safetensors', '--lr', '0.1'], /--lr cannot change when resuming/],
    [['sample', '--top-k', '0'], /--top-k must be a positive integer/],
    [['eval', '--batch', '0'], /--batch must be a positive integer/],
    [['train', '--threads', '3'], /--threads must be 1 or 2/],
    [['train', '--kernels', 'gpu'], /--kernels must be 'auto' or 'ts' or 'wasm'/],
    [['train', '--dtype', 'f16'], /--dtype must be 'f32' or 'f64'/],
    [['train', '--resume', 'x.safetensors', '--dtype', 'f64'], /--dtype cannot change when resuming/],
    [['sample', '--kernels', 'gpu'], /--kernels must be/],
    [['gradcheck', '--model', 'minchar', '--kernels', 'wasm'], /--kernels is for --model lstm, gru or rnn/],
  ])('rnn %j', (args, message) => expectError(rnn(...args), 2, message));

  it('rnn train --grad tape --dtype f32: the tape is float64 only (exit 2, a usage error: the options conflict)', () => {
    expectError(rnn('train', '--grad', 'tape', '--dtype', 'f32', '--iters', '1', '--no-checkpoint'), 2, /the tape computes in float64/);
  });
});

// The `rnn` command line, run as a real process (node bin/rnn.js …): help, exit codes, one-line
// errors without stack traces, a short end-to-end train → sample run, and files left untouched on failure.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCheckpoint } from '../src/checkpoint/checkpoint.ts';
import type { Io } from '../src/cli/io.ts';
import { formatDuration, ProgressPrinter } from '../src/cli/progress.ts';
import { reportError } from '../src/cli/run.ts';
import type { TrainProgress } from '../src/train/loop.ts';
import { Trainer } from '../src/train/trainer.ts';
import { cliSandbox, expectError, ROOT } from './cli-helpers.ts';

const { dir, f, rnn } = cliSandbox('rnn-cli-', 60_000);

const POEM = '春眠不觉晓，处处闻啼鸟。😀 hello world 🎉\n';

beforeAll(() => {
  writeFileSync(f('poem.txt'), POEM.repeat(12));
  writeFileSync(f('empty.txt'), '');
  writeFileSync(f('short.txt'), 'hello😀');
  writeFileSync(f('other.txt'), 'hello Zoë hello Zoë');
  writeFileSync(f('latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])); // "café" in Latin-1
  mkdirSync(f('adir'));
  // A valid checkpoint made without the command line, and damaged copies of it.
  const good = Buffer.from(encodeCheckpoint(Trainer.fromText(POEM.repeat(2), { layers: 1, hidden: 6, seqLength: 5, batchSize: 2, seed: 1 }).checkpoint()));
  writeFileSync(f('good.safetensors'), good);
  writeFileSync(f('truncated.safetensors'), good.subarray(0, Math.floor(good.length * 0.6)));
  const text = good.toString('latin1');
  expect(text).toContain('"format":"rnn-from-scratch/2"');
  writeFileSync(f('v9.safetensors'), Buffer.from(text.replace('"format":"rnn-from-scratch/2"', '"format":"rnn-from-scratch/9"'), 'latin1'));
  const corrupt = Buffer.from(good);
  corrupt.fill(0x7b, 12, 40); // '{' bytes over the start of the JSON header
  writeFileSync(f('corrupt.safetensors'), corrupt);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('help and version', () => {
  it('lists the commands with no arguments and with --help', () => {
    for (const args of [[], ['--help']]) {
      const r = rnn(...args);
      expect(r.code).toBe(0);
      for (const c of ['train', 'sample', 'gradcheck', 'eval']) expect(r.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    }
  });

  it('prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(rnn('--version')).toMatchObject({ code: 0, out: `rnn ${version}\n` });
  });

  const options: Record<string, string[]> = {
    train: [
      'data',
      'layers',
      'hidden',
      'seq',
      'lr',
      'iters',
      'time',
      'seed',
      'grad',
      'checkpoint',
      'checkpoint-every',
      'sample-every',
      'sample-length',
      'resume',
    ],
    sample: ['checkpoint', 'length', 'temperature', 'prime', 'seed'],
    gradcheck: ['model', 'layers', 'hidden', 'seq', 'batch', 'dropout', 'seed', 'data', 'text', 'samples', 'step'],
  };
  it.each(Object.keys(options))('rnn %s --help shows usage, every option, defaults and an example', (cmd) => {
    const r = rnn(cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`usage: rnn ${cmd} [options]`);
    for (const o of options[cmd]) expect(r.out).toMatch(new RegExp(`^  --${o}\\b`, 'm'));
    expect(r.out).toContain('(default: ');
    expect(r.out).toMatch(/^examples?:\n {2}rnn /m);
  });
});

describe('usage errors exit 2 with one line', () => {
  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['train', '--bogus'], /unknown option '--bogus'/],
    [['train', 'extra'], /unexpected argument 'extra'/],
    [['train', '--hidden'], /--hidden needs a value/],
    [['train', '--hidden', 'abc'], /--hidden must be a positive integer, got 'abc'/],
    [['train', '--layers', '1.5'], /--layers must be a positive integer/],
    [['train', '--seq', '0'], /--seq must be a positive integer, got '0'/],
    [['train', '--lr', '-1'], /--lr needs a value/],
    [['train', '--lr=-1'], /--lr must be a positive number, got '-1'/],
    [['train', '--lr', '0.1x'], /--lr must be a positive number/],
    [['train', '--time', 'soon'], /--time must be a positive number/],
    [['train', '--grad', 'fast'], /--grad must be 'manual' or 'tape'/],
    [['train', '--seq', '5', '--seq', '6'], /more than once/],
    [['sample', '--temperature', '0'], /--temperature must be a positive number/],
    [['sample', '--length', '-5'], /--length needs a value/],
    [['gradcheck', '--text', 'abc', '--data', 'x.txt'], /--data or --text, not both/],
    [['train', '--seed', '4294967296'], /--seed must be an integer from 0 to 4294967295/],
    [['sample', '--seed', '1e3'], /--seed must be a non-negative integer/],
    [['gradcheck', '--seed', '99999999999'], /--seed must be an integer from 0 to 4294967295/],
  ])('rnn %j', (args, message) => expectError(rnn(...args), 2, message));
});

describe('bad input files and checkpoints exit 1 with one line', () => {
  it.each([
    [['train', '--data', 'missing.txt'], 1, /no such file: missing\.txt/],
    [['train', '--data', 'adir'], 1, /adir is a directory/],
    [['train', '--data', 'empty.txt'], 1, /empty/],
    [['train', '--data', 'latin1.txt'], 1, /not valid UTF-8.*offset 3/],
    [
      ['train', '--data', 'short.txt'],
      1,
      /the training text has 6 characters \(5 in the training part\): too short for batch 50 × seq 50 \(needs at least 2501 in the training part\)/,
    ],
    [['gradcheck', '--model', 'minchar', '--text', 'hi', '--seq', '5'], 1, /has 2 characters; --seq 5 needs at least 6/],
    [['sample', '--checkpoint', 'missing.safetensors'], 1, /no such file/],
    [['sample'], 1, /no checkpoint at checkpoints\/model\.safetensors: train a model first/],
    [['sample', '--checkpoint', 'truncated.safetensors'], 1, /truncated\.safetensors/],
    [['sample', '--checkpoint', 'v9.safetensors'], 1, /format rnn-from-scratch\/9 is not supported/],
    [['sample', '--checkpoint', 'corrupt.safetensors'], 1, /corrupt\.safetensors/],
    [['sample', '--checkpoint', 'poem.txt'], 1, /poem\.txt/],
    [
      ['sample', '--checkpoint', 'good.safetensors', '--prime', 'hello Zürich'],
      1,
      /the prime has characters not in the model's vocabulary: "Z", "ü", "i", "c"$/m,
    ],
    [['train', '--data', 'other.txt', '--resume', 'good.safetensors'], 1, /the text has characters that the checkpoint's vocabulary lacks: "Z", "ë"/],
    [['train', '--data', 'poem.txt', '--resume', 'good.safetensors'], 1, /the text is not the one this run was trained on/],
    // options that define the run cannot change on resume: a usage error
    [['train', '--data', 'poem.txt', '--resume', 'good.safetensors', '--hidden', '7'], 2, /--hidden cannot change when resuming/],
    [['train', '--data', 'poem.txt', '--resume', 'good.safetensors', '--seed', '7'], 2, /--seed cannot change when resuming/],
  ] as const)('rnn %j', (args, code, message) => expectError(rnn(...args), code, message));

  it.each([
    [['--checkpoint', 'adir'], /cannot save checkpoint: adir is a directory; give a file name/],
    [['--checkpoint', 'poem.txt/model.safetensors'], /cannot save checkpoint: cannot create directory poem\.txt/],
  ])('an unusable checkpoint path %j is refused before any training', (args, message) => {
    const r = rnn('train', '--data', 'poem.txt', '--iters', '5', '--batch', '2', '--seq', '5', ...args);
    expectError(r, 1, message);
    expect(r.out).not.toMatch(/iter|done/);
  });

  it('a failing resume leaves an existing checkpoint byte-identical and writes nothing', () => {
    const before = readFileSync(f('good.safetensors'));
    const listing = readdirSync(dir).sort();
    const r = rnn('train', '--data', 'poem.txt', '--resume', 'truncated.safetensors', '--checkpoint', 'good.safetensors', '--iters', '5');
    expectError(r, 1, /truncated\.safetensors/);
    expect(readFileSync(f('good.safetensors')).equals(before)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(listing);
  });
});

describe('train, sample, resume, gradcheck', () => {
  it('--no-checkpoint writes no file', () => {
    const r = rnn('train', '--data', 'poem.txt', '--iters', '3', '--hidden', '4', '--batch', '2', '--seq', '5', '--no-checkpoint', '--sample-length', '10');
    expect(r.code, r.err).toBe(0);
    expect(existsSync(f('checkpoints'))).toBe(false);
  });

  it('gradcheck passes on a small model and prints the table, formula and thresholds', () => {
    const r = rnn('gradcheck', '--model', 'minchar', '--layers', '2', '--hidden', '5', '--seq', '6', '--text', 'hello 世界😀!');
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('|a − n| / max(|a|, |n|, 1e-12)');
    expect(r.out).toContain('Wh1h2');
    expect(r.out).toMatch(/PASS/);
  });

  it('gradcheck checks every entry of a small model and samples entries of a large one', () => {
    const small = rnn('gradcheck', '--model', 'minchar', '--hidden', '5', '--seq', '6', '--text', 'hello world');
    expect(small.out).toMatch(/all entries/);
    expect(small.out).toMatch(/^Whh1 +\[5, 5\] +25 /m);
    const large = rnn('gradcheck', '--model', 'minchar', '--hidden', '150', '--seq', '4', '--text', 'hello world');
    expect(large.code, large.out + large.err).toBe(0);
    // the chunk is "hello" (V = 4): Wxh 150·4 + Whh1 150² + bh1 150 + Why 4·150 + by 4 = 23,854 > 20,000
    expect(large.out).toContain('100 random entries per parameter (the model has 23854 parameters');
    expect(large.out).toMatch(/^Whh1 +\[150, 150\] +100 /m);
    expect(large.out).toMatch(/^by +\[\d+\] +\d+ /m);
  });

  it('gradcheck exits 1 and names the failing rows when finite differences are too coarse', () => {
    // With h = 0.5 the central difference's truncation error (of order h²·f''') dwarfs the 1e-6
    // threshold, so the numeric column must disagree with the (correct) analytic gradients.
    const r = rnn('gradcheck', '--model', 'minchar', '--hidden', '5', '--seq', '6', '--text', 'hello world', '--step', '0.5');
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/^Wxh .*FAIL$/m);
    expect(r.out).toMatch(/^FAIL: /m);
  });
});

describe('progress output', () => {
  const p: TrainProgress = {
    iteration: 1200,
    totalIterations: 21150,
    epoch: 2.837,
    epochs: 50,
    sessionIterations: 200,
    loss: 2.05,
    recentLoss: 2.0834,
    smoothLoss: 2.1,
    lr: 0.002,
    charsPerSecond: 12345.6,
    elapsedSeconds: 3,
    etaSeconds: 75,
  };

  it('formats durations', () => {
    expect([formatDuration(75), formatDuration(3725), formatDuration(Infinity)]).toEqual(['1:15', '1:02:05', '?']);
  });

  it('redraws one line on a terminal and clears it before other output; the loss shown is the recent one, not the moving average', () => {
    let out = '';
    const printer = new ProgressPrinter({ out: (s) => (out += s), err: () => {}, isTTY: true, columns: 200, env: {} });
    printer.update(p);
    printer.update({ ...p, iteration: 1300 });
    printer.print('hello');
    const line = (it: string) => `iter ${it}/21,150  epoch 2.84/50  loss 2.083  lr 2.00e-3  12,346 chars/s  ETA 1:15`;
    expect(out).toBe(`\r\x1b[2K${line('1,200')}\r\x1b[2K${line('1,300')}\r\x1b[2Khello\n`);
  });
});

describe('internal errors', () => {
  const capture = (env: Io['env']) => {
    let err = '';
    const code = reportError(new TypeError('boom'), { out: () => {}, err: (s) => (err += s), isTTY: false, columns: 80, env });
    return { code, err };
  };

  it('are one line with exit code 70, with the stack trace only when RNN_DEBUG=1', () => {
    const quiet = capture({});
    expect(quiet.code).toBe(70);
    expect(quiet.err).toBe('rnn: internal error: boom (a bug; RNN_DEBUG=1 shows where)\n');
    const loud = capture({ RNN_DEBUG: '1' });
    expect(loud.code).toBe(70);
    expect(loud.err).toMatch(/^rnn: internal error: boom\nTypeError: boom\n {4}at /);
  });
});

describe('gradcheck --model', () => {
  it("checks an LSTM by default (2 layers, 3 streams), with PyTorch's parameter names, and passes", () => {
    const r = rnn('gradcheck', '--hidden', '3', '--seq', '3', '--text', 'hello world, hello');
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^gradcheck: lstm, 2 layer\(s\), hidden 3, seq 3, batch 3, dropout 0, /m);
    expect(r.out).toMatch(/^rnn\.weight_hh_l1 +\[12, 3\] +36 /m); // 4 gates × H 3 rows, every entry checked
    expect(r.out).toMatch(/^decoder\.bias /m);
    expect(r.out).toMatch(/^PASS: all 10 parameters$/m);
  });

  it.each([
    ['gru', '3', '0.3'],
    ['rnn', '3', '0.3'],
    ['lstm', '1', '0.5'],
  ])('--model %s --layers %s --dropout %s passes', (model, layers, dropout) => {
    const r = rnn(
      'gradcheck',
      '--model',
      model,
      '--layers',
      layers,
      '--hidden',
      '4',
      '--seq',
      '4',
      '--batch',
      '2',
      '--dropout',
      dropout,
      '--text',
      'First Citizen: hi',
    );
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain(`gradcheck: ${model}, ${layers} layer(s), hidden 4, seq 4, batch 2, dropout ${dropout}`);
    expect(r.out).toMatch(new RegExp(`^rnn\\.bias_hh_l${Number(layers) - 1} .*PASS$`, 'm'));
  });

  it('refuses --batch and --dropout for minchar, an unknown model, and a text shorter than seq·batch + 1', () => {
    expectError(rnn('gradcheck', '--model', 'minchar', '--batch', '2'), 2, /--batch is for --model lstm, gru or rnn, not minchar/);
    expectError(rnn('gradcheck', '--model', 'minchar', '--dropout', '0.1'), 2, /--dropout is for --model lstm, gru or rnn/);
    expectError(rnn('gradcheck', '--model', 'tanh'), 2, /--model must be 'rnn' or 'lstm' or 'gru' or 'minchar', got 'tanh'/);
    expectError(rnn('gradcheck', '--dropout', '1'), 2, /--dropout must be a number from 0 to 1/);
    expectError(rnn('gradcheck', '--text', 'hello world', '--seq', '5'), 1, /has 11 characters; --seq 5 × --batch 3 needs at least 16/);
  });
});

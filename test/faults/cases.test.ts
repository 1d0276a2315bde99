// The named cases of the fault-injection suite (issue 18): sizes refused before allocating, only
// regular files read, large texts in bounded memory, hostile checkpoints, faithful resumes,
// honest losses, conflicting options, stale temporary files. Process-level faults (kill -9, a full
// disk, a read-only directory, two writers) are in processes.test.ts; the mutants in checkpoint-mutants.test.ts.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint, removeStaleTemps, saveCheckpoint, Trainer } from '../../src/index.ts';
import { expectOneLineError, type Outcome, rnnInProcess, rnnInProcessEnv, rnnProcess, sandbox, TEXT, TINY, tempsBeside } from './helpers.ts';

const box = sandbox('rnn-cases-');
let cases = 0;
const count = (r: Outcome): Outcome => (cases++, r);
afterAll(() => {
  console.log(`fault suite: ${cases} named cases`);
  rmSync(box.dir, { recursive: true, force: true });
});

const base = (): Checkpoint => decodeCheckpoint(readFileSync(box.checkpoint), 'base');
const write = (name: string, c: Checkpoint): string => {
  const path = box.f(name);
  saveCheckpoint(path, c);
  return path;
};

describe('sizes are refused before anything is allocated (exit 2, the amount and the limit)', () => {
  it.each([
    [['train', '--hidden', '1000000'], /would need one array of 4\.00e\+12 numbers; at most 4294967295/],
    [['train', '--batch', '100000000'], /batch 100000000 × seq 50 would need one array/],
    [['train', '--layers', '100000000'], /100000000-layer LSTM .* would need about 2\.\de\+15 bytes of memory, more than the \d.* (GB|MB) this runtime allows/],
    [['gradcheck', '--hidden', '100000000'], /gradient check .* would need one array/],
    [['gradcheck', '--hidden', '300'], /finite differences .* more than the budget of 2e\+10 .*give --samples K/],
  ])('rnn %s', (args, message) => {
    // a real process: if the guard failed, the allocation must not take the test runner with it
    expectOneLineError(count(rnnProcess(box.dir, [...args, ...(args[0] === 'train' ? ['--no-checkpoint'] : [])], { timeoutMs: 60_000 })), 2, message);
  });

  it('eval and train refuse what exceeds a lowered limit (RNN_MEMORY_LIMIT), naming both amounts', async () => {
    const env = { RNN_MEMORY_LIMIT: '20000' };
    expectOneLineError(
      count(await rnnInProcessEnv(env, 'eval', '--checkpoint', box.checkpoint, '--data', box.data, '--kernels', 'ts')),
      2,
      /would need about \d+ kB of memory, more than the 20 kB this runtime allows/,
    );
    expectOneLineError(count(await rnnInProcessEnv(env, 'train', '--data', box.data, '--hidden', '64', '--no-checkpoint')), 2, /more than the 20 kB/);
    expectOneLineError(
      count(await rnnInProcessEnv(env, 'train', '--resume', box.checkpoint, '--data', box.data, '--checkpoint', box.f('r.safetensors'), '--iters', '1')),
      2,
      /more than the 20 kB/,
    );
  });

  it('a checkpoint whose saved options ask for an absurd chunk (seq 10^9) is refused on resume', async () => {
    const c = base();
    (c.training!.train.options as Record<string, unknown>).seqLength = 1e9;
    const path = write('seq1e9.safetensors', c);
    expectOneLineError(
      count(await rnnInProcess('train', '--resume', path, '--data', box.data, '--checkpoint', box.f('r.safetensors'), '--iters', '1')),
      2,
      /seq 1000000000 would need/,
    );
  });
});

describe('only regular files are read', () => {
  const fifo = box.f('pipe');
  spawnSync('mkfifo', [fifo]);
  mkdirSync(box.f('adir'));
  it.each([
    [['train', '--data', '/dev/zero', '--no-checkpoint'], /\/dev\/zero is a device, not a text file: only regular files are read/],
    [['train', '--data', fifo, '--no-checkpoint'], /pipe is a FIFO \(named pipe\), not a text file/],
    [['eval', '--checkpoint', box.checkpoint, '--data', fifo], /pipe is a FIFO/],
    [['sample', '--checkpoint', fifo], /pipe is a FIFO \(named pipe\), not a checkpoint/],
    [['train', '--data', box.f('adir'), '--no-checkpoint'], /adir is a directory, not a text file/],
  ])('rnn %s', (args, message) => {
    // spawned: a FIFO opened by mistake would block forever, and the timeout ends it
    expectOneLineError(count(rnnProcess(box.dir, args, { timeoutMs: 60_000 })), 1, message);
  });
});

describe('large texts in bounded memory: encoded ids are typed arrays, never a JavaScript array or one string', () => {
  // 24 MB: the old encoding (a JavaScript array of numbers, 8+ bytes each, on the heap) needs ~200 MB
  // of heap and eval's [...text] about 1.5 GB; with ids in a Uint8Array outside the heap, 64 MB do.
  const big = box.f('big.txt');
  const unit = 'abcdefghij klmnopqrst uvwxyz#é.\n'; // '#' and 'é' are not in the checkpoint's vocabulary
  writeFileSync(big, unit.repeat(Math.ceil(24e6 / [...unit].length)));
  const heap = ['--max-old-space-size=64'];
  it('train on 24 MB with a 64 MB heap', () => {
    const r = count(
      rnnProcess(
        box.dir,
        [
          'train',
          '--data',
          big,
          '--iters',
          '2',
          '--hidden',
          '8',
          '--layers',
          '1',
          '--batch',
          '4',
          '--seq',
          '8',
          '--val-frac',
          '0',
          '--kernels',
          'ts',
          '--no-checkpoint',
        ],
        { nodeArgs: heap, timeoutMs: 180_000 },
      ),
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/24,\d{3},\d{3} characters, vocabulary 31;/);
  });
  it('eval on 24 MB, with characters outside the vocabulary, with a 64 MB heap', () => {
    const r = count(
      rnnProcess(box.dir, ['eval', '--checkpoint', box.checkpoint, '--data', big, '--kernels', 'wasm', '--dtype', 'f32', '--batch', '1000', '--seq', '50'], {
        nodeArgs: heap,
        timeoutMs: 300_000,
      }),
    );
    expect(r.code, r.err).toBe(0);
    // the checkpoint's vocabulary (TEXT's) lacks some of these characters: they are counted and left out
    expect(r.err).toMatch(/^rnn: warning: 1,500,000 character\(s\) of .*big\.txt are not in the model's vocabulary and were left out: "#", "é"\n$/);
    expect(r.out).toMatch(/22,499,999 characters scored/); // 24,000,000 − 1,500,000 left out − the first
  });
});

describe('hostile checkpoints: no input reaches an internal error, messages stay short', () => {
  const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
  /** The checkpoint with one tensor's shape nested 200,000 levels deep. */
  function deepShape(): string {
    const bytes = readFileSync(box.checkpoint);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = bytes
      .subarray(8, 8 + n)
      .toString('utf8')
      .replace(/"shape":\[\d+(,\d+)*\]/, `"shape":${deep}`);
    const json = Buffer.from(header.trimEnd());
    const out = Buffer.alloc(8 + json.length + bytes.length - 8 - n);
    out.writeBigUInt64LE(BigInt(json.length));
    json.copy(out, 8);
    bytes.copy(out, 8 + json.length, 8 + n);
    const path = box.f('deep.safetensors');
    writeFileSync(path, out);
    return path;
  }
  it('a shape nested 200,000 levels deep: sample, eval and train --resume each give one short line', async () => {
    const path = deepShape();
    for (const args of [
      ['sample', '--checkpoint', path],
      ['eval', '--checkpoint', path, '--data', box.data],
      ['train', '--resume', path, '--data', box.data, '--checkpoint', box.f('r.safetensors')],
    ]) {
      const r = count(await rnnInProcess(...args));
      expectOneLineError(r, 1, /has shape \[\[\[\[…/);
      expect(r.err.length).toBeLessThan(300);
    }
  });
  it('a history of 200,000 validations loads and resumes (its best is found without spreading it)', async () => {
    const c = base();
    const progress = c.training!.train.progress as { history: { iteration: number; loss: number }[] };
    progress.history = Array.from({ length: 200_000 }, (_, i) => ({ iteration: 0, loss: 4 - i * 1e-5 }));
    const path = write('history.safetensors', c);
    const r = count(
      await rnnInProcess('train', '--resume', path, '--data', box.data, '--checkpoint', box.f('h.safetensors'), '--iters', '1', '--kernels', 'ts'),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/best validation 2\.0000 nats\/char/);
  });
});

describe('faithful resumes or none', () => {
  const resume = (path: string): Promise<Outcome> =>
    rnnInProcess('train', '--resume', path, '--data', box.data, '--checkpoint', box.f('out.safetensors'), '--iters', '1', '--kernels', 'ts');
  it.each([
    [
      'one optimizer tensor missing',
      (c: Checkpoint) => delete c.training!.optimizer.slots.m['decoder.bias'],
      /optimizer state 'm' lacks 1 of the 6 parameters, e\.g\. optim\.m\.decoder\.bias; resuming would restart it from zero/,
    ],
    [
      'every optimizer tensor missing',
      (c: Checkpoint) => {
        c.training!.optimizer.slots = { m: {}, v: {} };
      },
      /optimizer state 'm' lacks 6 of the 6 parameters/,
    ],
    [
      'the step count edited',
      (c: Checkpoint) => {
        c.training!.optimizer.steps = 1;
      },
      /the optimizer has taken 1 steps but the run is at iteration 3/,
    ],
  ])('%s: refused (exit 1), while sample still works', async (_, edit, message) => {
    const c = base();
    edit(c);
    const path = box.f('partial.safetensors');
    writeFileSync(path, encodeCheckpoint(c));
    expectOneLineError(count(await resume(path)), 1, message);
    const s = count(await rnnInProcess('sample', '--checkpoint', path, '--length', '5', '--kernels', 'ts'));
    expect(s.code, s.err).toBe(0);
  });
});

describe('honest numbers: a loss that overflowed is an error, not a score', () => {
  it.each([
    ['f64', 1e308],
    ['f32', 3.4e38],
  ])('weights of %s ±%s', async (dtype, value) => {
    const c = base();
    for (const t of Object.values(c.params)) for (let i = 0; i < t.data.length; i++) t.data[i] = i % 2 ? value : -value;
    const path = write(`extreme-${dtype}.safetensors`, { ...c, training: undefined });
    expectOneLineError(
      count(await rnnInProcess('eval', '--checkpoint', path, '--data', box.data, '--dtype', dtype, '--kernels', 'ts')),
      1,
      /the loss on .* is (NaN|Infinity): the model's outputs overflowed/,
    );
  });
});

describe('conflicting options are usage errors; small texts are counted right', () => {
  it.each([
    [['--grad', 'tape', '--dtype', 'f32'], /the tape computes in float64/],
    [['--train-frac', '0.9', '--val-frac', '0.2'], /train \+ val ≤ 1; got 0\.9 and 0\.2/],
  ])('train %s: exit 2', async (args, message) => {
    expectOneLineError(count(await rnnInProcess('train', '--data', box.data, '--no-checkpoint', ...args)), 2, message);
  });
  it('a 1-character file is reported as 1 character (0 of them in the training part)', async () => {
    writeFileSync(box.f('one.txt'), 'x');
    expectOneLineError(
      count(await rnnInProcess('train', '--data', box.f('one.txt'), '--no-checkpoint')),
      1,
      /the training text has 1 character \(0 in the training part\): too short/,
    );
  });
});

describe('stale temporary files', () => {
  it("a dead writer's temp file is removed at the next save; a live process's is kept", () => {
    const dir = box.f('temps');
    mkdirSync(dir);
    const path = `${dir}/model.safetensors`;
    // pid 2^22 + 1 is above Linux's pid_max (2^22), so no process has it
    const dead = `model.safetensors.tmp-${2 ** 22 + 1}-0123456789ab`;
    const live = `model.safetensors.tmp-${process.ppid}-0123456789ab`;
    const other = 'model.safetensors.tmp-notours';
    for (const n of [dead, live, other]) writeFileSync(`${dir}/${n}`, 'partial');
    const t = Trainer.fromText(TEXT, TINY);
    saveCheckpoint(path, t.checkpoint());
    cases++;
    expect(tempsBeside(dir, 'model.safetensors').sort()).toEqual([live, other].sort());
    expect(removeStaleTemps(path)).toEqual([]);
    expect(decodeCheckpoint(readFileSync(path), path).training?.iteration).toBe(0);
  });
});

// python/train.py, the PyTorch (DDP) trainer, against `rnn train`: the same steps from the same
// checkpoint in float64, two gloo ranks against one process, checkpoints going both ways, and its
// errors. Needs Python 3 with PyTorch (Debian: python3-torch); without it these tests are skipped,
// unless RNN_REQUIRE_TORCH=1 (CI sets it), which makes a missing PyTorch a failure.
//
// The expected values are independent of the script: they come from `rnn train` itself (the
// readable float64 path, --kernels ts --dtype f64) run on the same checkpoint.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Checkpoint, loadCheckpoint } from '../src/index.ts';
import { cliSandbox, ROOT, type RunResult } from './cli-helpers.ts';

const PYTHON = process.env.RNN_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp'; // Debian's reference BLAS is 12× slower
const ENV = { ...process.env, OMP_NUM_THREADS: '1', ...(existsSync(OPENBLAS) ? { LD_LIBRARY_PATH: OPENBLAS } : {}) };
const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', env: ENV });
const HAVE_TORCH = probe.status === 0;
if (!HAVE_TORCH && process.env.RNN_REQUIRE_TORCH)
  throw new Error(
    `RNN_REQUIRE_TORCH is set but ${PYTHON} cannot import torch: ${probe.stderr?.trim().split('\n').at(-1) || (probe.error ? String(probe.error) : `exit code ${probe.status}`)}`,
  );

const TRAIN = join(ROOT, 'python', 'train.py');
const LAUNCH = join(ROOT, 'python', 'launch.py');
const TOL = 1e-10; // relative, per tensor; measured: below 1e-13

// Generous limits: every case starts several processes (Python with PyTorch takes seconds to import), on a shared machine.
const LIMIT = 300_000;
const { f, rnn, dir } = cliSandbox('rnn-torch-', LIMIT);
const py = (...args: string[]): RunResult => {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', cwd: dir, timeout: LIMIT, env: ENV });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const ok = (r: RunResult): RunResult => {
  expect(r.code, r.err).toBe(0);
  return r;
};

// 600 characters, V = 15: at batch 4 × seq 10 an epoch is 13 chunks; at seq 30, 4 chunks.
const TEXT = 'the cat sat on the mat; the dog sat on the log. '.repeat(12) + 'a quick brown fox jumps over  '.repeat(1);
const data = (): string => {
  const path = f('text.txt');
  if (!existsSync(path)) writeFileSync(path, TEXT);
  return path;
};

/** max |a − b| / max |a| over one tensor (a relative error that survives values near zero). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length).toBe(a.length);
  let diff = 0,
    scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Every tensor (parameters, optimizer slots, carried state) and the run's record, to `tol`; counters and the rng exactly. Returns the worst error. */
function expectSameRun(a: Checkpoint, b: Checkpoint, tol: number): number {
  const ta = a.training!,
    tb = b.training!;
  expect(tb.iteration).toBe(ta.iteration);
  expect(tb.rngState).toEqual(ta.rngState);
  expect(tb.optimizer.steps).toBe(ta.optimizer.steps);
  expect(b.vocab).toEqual(a.vocab);
  const worst: [string, number][] = [];
  for (const [name, t] of Object.entries(a.params)) worst.push([name, relErr(t.data, b.params[name].data)]);
  for (const [slot, byParam] of Object.entries(ta.optimizer.slots)) {
    expect(Object.keys(tb.optimizer.slots[slot]).sort()).toEqual(Object.keys(byParam).sort());
    for (const [name, s] of Object.entries(byParam)) worst.push([`optim.${slot}.${name}`, relErr(s, tb.optimizer.slots[slot][name])]);
  }
  ta.state.h.forEach((h, l) => worst.push([`state.h_l${l}`, relErr(h, tb.state.h[l])]));
  ta.state.c.forEach((c, l) => worst.push([`state.c_l${l}`, relErr(c, tb.state.c[l])]));
  const pa = ta.train.progress as { smoothLoss: number; firstLoss: number; history: { iteration: number; loss: number }[] };
  const pb = tb.train.progress as typeof pa;
  worst.push(['smoothLoss', relErr([pa.smoothLoss], [pb.smoothLoss])], ['firstLoss', relErr([pa.firstLoss], [pb.firstLoss])]);
  expect(pb.history.map((r) => r.iteration)).toEqual(pa.history.map((r) => r.iteration));
  worst.push([
    'history',
    relErr(
      pa.history.map((r) => r.loss),
      pb.history.map((r) => r.loss),
    ),
  ]);
  expect(tb.train.data).toBe(ta.train.data);
  expect(tb.train.lr).toBe(ta.train.lr);
  for (const [what, e] of worst) expect(e, what).toBeLessThan(tol);
  return Math.max(...worst.map(([, e]) => e));
}

// Three runs that between them use every cell, optimizer and clipping mode, dropout, and (the
// second and third) an epoch boundary inside the five steps: the state reset and the decayed rate.
const CASES = [
  // 2·16·16·32 masks per step: 2^15 draws, where python/xoshiro.py switches to its jump-ahead lanes
  {
    name: 'lstm, rmsprop, clip by value, dropout',
    args: ['--model', 'lstm', '--layers', '2', '--hidden', '32', '--seq', '16', '--batch', '16', '--dropout', '0.25'],
  },
  {
    name: 'gru, adam, clip by norm, lr decay from epoch 1',
    args: [
      '--model',
      'gru',
      '--layers',
      '2',
      '--hidden',
      '6',
      '--seq',
      '30',
      '--batch',
      '4',
      '--optim',
      'adam',
      '--clip-mode',
      'norm',
      '--clip',
      '0.3',
      '--decay-after',
      '1',
      '--lr-decay',
      '0.5',
    ],
  },
  {
    name: 'rnn, adagrad, one layer, lr decay',
    args: [
      '--model',
      'rnn',
      '--layers',
      '1',
      '--hidden',
      '9',
      '--seq',
      '30',
      '--batch',
      '4',
      '--optim',
      'adagrad',
      '--lr',
      '0.05',
      '--decay-after',
      '1',
      '--lr-decay',
      '0.9',
    ],
  },
];
const common = ['--dtype', 'f64', '--kernels', 'ts', '--eval-every', '2', '--val-frac', '0.1', '--sample-every', '0'];
const start = (tag: string, args: string[]): string => {
  ok(rnn('train', '--data', data(), ...args, ...common, '--iters', '3', '--checkpoint', f(`${tag}.safetensors`)));
  return f(`${tag}.safetensors`);
};

describe.skipIf(!HAVE_TORCH)('python/train.py against rnn train', { timeout: 2 * LIMIT }, () => {
  it.each(CASES.map((c, i) => ({ ...c, i })))('five steps from a checkpoint of rnn train equal rnn train --resume, float64: $name', ({ args, i }) => {
    const from = start(`c${i}`, args);
    ok(
      rnn(
        'train',
        '--data',
        data(),
        '--resume',
        from,
        '--kernels',
        'ts',
        '--iters',
        '5',
        '--eval-every',
        '2',
        '--sample-every',
        '0',
        '--checkpoint',
        f(`c${i}-ts.safetensors`),
      ),
    );
    const r = ok(py(TRAIN, '--data', data(), '--resume', from, '--iters', '5', '--eval-every', '2', '--checkpoint', f(`c${i}-py.safetensors`)));
    expect(r.out).toMatch(/iteration budget reached: 5 iterations .* iteration 8 of/);
    const expected = loadCheckpoint(f(`c${i}-ts.safetensors`)),
      got = loadCheckpoint(f(`c${i}-py.safetensors`));
    expect(got.training!.iteration).toBe(8);
    expectSameRun(expected, got, TOL);
    // the best checkpoints (validation at iterations 4, 6 and 8) agree too
    expectSameRun(loadCheckpoint(f(`c${i}-ts.best.safetensors`)), loadCheckpoint(f(`c${i}-py.best.safetensors`)), TOL);
  });

  it('starts a run as rnn train does: the same initial weights (seed) and the same first steps', () => {
    const args = [
      '--model',
      'lstm',
      '--layers',
      '2',
      '--hidden',
      '5',
      '--seq',
      '10',
      '--batch',
      '4',
      '--dropout',
      '0.1',
      '--dtype',
      'f64',
      '--eval-every',
      '2',
      '--val-frac',
      '0.1',
      '--seed',
      '99',
      '--iters',
      '3',
    ];
    ok(rnn('train', '--data', data(), ...args, '--kernels', 'ts', '--sample-every', '0', '--checkpoint', f('s-ts.safetensors')));
    ok(py(TRAIN, '--data', data(), ...args, '--checkpoint', f('s-py.safetensors')));
    expectSameRun(loadCheckpoint(f('s-ts.safetensors')), loadCheckpoint(f('s-py.safetensors')), TOL);
  });

  it('two gloo ranks take the steps of one process (each rank eight of the sixteen streams)', () => {
    const from = start('w', CASES[0].args);
    ok(py(TRAIN, '--data', data(), '--resume', from, '--iters', '5', '--eval-every', '2', '--checkpoint', f('w1.safetensors')));
    const r = ok(
      py(LAUNCH, '--nproc', '2', TRAIN, '--data', data(), '--resume', from, '--iters', '5', '--eval-every', '2', '--checkpoint', f('w2.safetensors')),
    );
    expect(r.out).toMatch(/on 2 rank\(s\)/);
    // and both equal rnn train's own continuation
    ok(
      rnn(
        'train',
        '--data',
        data(),
        '--resume',
        from,
        '--kernels',
        'ts',
        '--iters',
        '5',
        '--eval-every',
        '2',
        '--sample-every',
        '0',
        '--checkpoint',
        f('w-ts.safetensors'),
      ),
    );
    expectSameRun(loadCheckpoint(f('w1.safetensors')), loadCheckpoint(f('w2.safetensors')), TOL);
    expectSameRun(loadCheckpoint(f('w-ts.safetensors')), loadCheckpoint(f('w2.safetensors')), TOL);
  });

  it('round trip in float32: rnn train -> train.py -> rnn train --resume -> rnn sample', () => {
    const args = ['--hidden', '8', '--seq', '10', '--batch', '4', '--eval-every', '4', '--val-frac', '0.1'];
    ok(rnn('train', '--data', data(), ...args, '--iters', '4', '--sample-every', '0', '--checkpoint', f('r.safetensors')));
    ok(py(TRAIN, '--data', data(), '--resume', f('r.safetensors'), '--iters', '4', '--checkpoint', f('r-py.safetensors')));
    const mid = loadCheckpoint(f('r-py.safetensors'));
    expect(mid.training!.iteration).toBe(8);
    expect((mid.training!.train.options as { dtype: string }).dtype).toBe('f32');
    const back = ok(
      rnn('train', '--data', data(), '--resume', f('r-py.safetensors'), '--iters', '4', '--sample-every', '0', '--checkpoint', f('r-back.safetensors')),
    );
    expect(back.out).toMatch(/resuming .* at iteration 8/);
    expect(loadCheckpoint(f('r-back.safetensors')).training!.iteration).toBe(12);
    const s = ok(rnn('sample', '--checkpoint', f('r-back.safetensors'), '--length', '40', '--seed', '1'));
    expect(s.out.length).toBeGreaterThan(0);
    // the checkpoint the script wrote is also sampled and evaluated directly
    ok(rnn('sample', '--checkpoint', f('r-py.safetensors'), '--length', '20'));
    ok(rnn('eval', '--checkpoint', f('r-py.safetensors'), '--data', data()));
  });

  it('bad input: one line on stderr and the exit code of rnn train (2 for usage, 1 for data)', () => {
    const from = start('e', CASES[0].args);
    const bad = (code: number, message: RegExp, ...args: string[]): void => {
      const r = py(TRAIN, ...args);
      expect(r.code, r.err).toBe(code);
      expect(r.err).toMatch(/^train\.py: error: [^\n]*\n$/);
      expect(r.err).toMatch(message);
    };
    bad(2, /--hidden must be an integer ≥ 1, got 'abc'/, '--data', data(), '--hidden', 'abc');
    bad(2, /--dropout must be in \[0, 1\), got '1'/, '--data', data(), '--dropout', '1');
    bad(2, /--lr-decay must be at most 1/, '--data', data(), '--lr-decay', '1.5');
    bad(2, /--model: invalid choice/, '--data', data(), '--model', 'transformer');
    bad(2, /--hidden cannot change when resuming/, '--data', data(), '--resume', from, '--hidden', '3');
    bad(1, /no such file: .*missing\.txt/, '--data', f('missing.txt'));
    bad(1, /too short for batch 50 × seq 50/, '--data', data());
    writeFileSync(f('other.txt'), TEXT.replace('cat', 'cow'));
    bad(1, /the text is not the one this run was trained on/, '--data', f('other.txt'), '--resume', from);
    writeFileSync(f('cut.safetensors'), readFileSync(from).subarray(0, 300));
    bad(1, /checkpoint .*cut\.safetensors: truncated/, '--data', data(), '--resume', f('cut.safetensors'));
    const w = spawnSync(PYTHON, [TRAIN, '--data', data(), '--resume', from], { encoding: 'utf8', cwd: dir, env: { ...ENV, WORLD_SIZE: '3', RANK: '0' } });
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(/^train\.py: error: the world size 3 does not divide the batch size 16[^\n]*\n$/);
    // PyTorch missing: the same interpreter without its site packages
    const r = spawnSync(PYTHON, ['-S', TRAIN, '--data', data()], { encoding: 'utf8', cwd: dir, env: ENV });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^train\.py: error: PyTorch is not installed/);
  });
});

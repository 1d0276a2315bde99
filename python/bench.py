#!/usr/bin/env python3
"""Throughput of `rnn train` beside python/train.py on 1 and N processes, on one workload.

    python3 python/bench.py                  # char-rnn's defaults (2-layer LSTM, 128 hidden, B 50, T 50), float32
    python3 python/bench.py --iters 10 --reps 3 --nproc 2 --dropout 0.5

Each configuration runs --reps times (interleaved, so load drifts hit all alike) for --iters
iterations on tinyshakespeare, without checkpoints and with a 0.2% validation part (the one
validation at the end costs little); the figure is each program's own chars/s, which counts the
training loop only (not the start-up: Node and the WebAssembly kernels, Python and PyTorch). Prints
the medians and the machine's load before and after.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp'


def load():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def chars_per_second(cmd, env):
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f'bench.py: error: {" ".join(cmd)} failed: {r.stderr.strip().splitlines()[-1:]}')
    line = next(l for l in r.stdout.splitlines() if 'budget reached' in l or l.startswith('finished'))
    return float(re.findall(r'([\d,]+) chars/s', line)[-1].replace(',', ''))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--iters', type=int, default=10)
    p.add_argument('--reps', type=int, default=3)
    p.add_argument('--nproc', type=int, default=2, help='processes of the multi-rank run')
    p.add_argument('--dropout', default='0')
    a = p.parse_args()
    env = dict(os.environ)
    if os.path.isdir(OPENBLAS):
        env['LD_LIBRARY_PATH'] = OPENBLAS
    work = ['--iters', str(a.iters), '--eval-every', '0', '--no-checkpoint', '--val-frac', '0.002', '--dropout', a.dropout]
    rnn = ['node', os.path.join(ROOT, 'bin', 'rnn.js'), 'train', *work, '--sample-every', '0', '--sample-length', '1']
    py = [sys.executable, os.path.join(ROOT, 'python', 'train.py'), *work, '--quiet']
    runs = {
        'rnn train (wasm f32, 2 threads)': rnn,
        'train.py, 1 process (f32)': py,
        f'train.py, {a.nproc} processes (gloo, f32)': [sys.executable, os.path.join(ROOT, 'python', 'launch.py'), '--nproc', str(a.nproc), *py[1:]],
    }
    print(f'workload: char-rnn defaults (2-layer LSTM, 128 hidden, batch 50 x seq 50), tinyshakespeare, dropout {a.dropout}, '
          f'{a.iters} iterations, {a.reps} reps; load before: {load()}', flush=True)
    got = {name: [] for name in runs}
    for _ in range(a.reps):
        for name, cmd in runs.items():
            got[name].append(chars_per_second(cmd, env))
    base = statistics.median(got['rnn train (wasm f32, 2 threads)'])
    for name, xs in got.items():
        m = statistics.median(xs)
        print(f'{name:42s} median {m:9,.0f} chars/s  ({m / base:.2f}x rnn train)  runs: {", ".join(f"{x:,.0f}" for x in xs)}')
    print(f'load after: {load()}')


if __name__ == '__main__':
    main()

"""The issue's workloads W1-W6 in PyTorch (CPU, float32), for putting beside `npm run bench`:

    /usr/bin/python3 bench/torch-peer.py [--threads 1,2] [--seconds 3] [--only W2,W4] [--json]

Needs PyTorch (not a dependency of the project): `apt-get install -y python3-torch libopenblas0-openmp`
on Debian, which installs it for /usr/bin/python3. With Debian's default reference BLAS PyTorch is about
12x slower, so when /usr/lib/x86_64-linux-gnu/openblas-openmp exists and LD_LIBRARY_PATH is unset, the
script runs itself again with OpenBLAS on that path (say --no-openblas to measure what you have).

Workloads (the module of scripts/pytorch/charrnn.py, V = 65 unless said, random ids, state carried and detached
between chunks, mean cross-entropy, each gradient entry clipped to [-5, 5] as char-rnn does):
  W1 min-char-rnn: RNN 1x100, T 25, B 1, Adagrad lr 0.1
  W2 char-rnn's default: LSTM 2x128, T 50, B 50, RMSprop lr 2e-3, alpha 0.95, eps 1e-8
  W3 LSTM 3x512, otherwise as W2          W5 GRU 2x128, otherwise as W2
  W4 sampling from the W2 model, one stream, one character at a time (forward, softmax, draw, feed back)
  W6 LSTM 2x256 with the Tang poems' vocabulary, V = 6,758, otherwise as W2
Training chars/s = T*B / (median seconds per step); sampling chars/s = 1 / (median seconds per
character). Medians over the steps of a timed window after a warm-up. Each workload runs in its own
process, so its peak memory (max RSS) is its own.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp'
VOCAB = 65  # tinyshakespeare's
WORKLOADS = {
    'W1': dict(kind='rnn', L=1, H=100, T=25, B=1, optim='adagrad', lr=0.1),
    'W2': dict(kind='lstm', L=2, H=128, T=50, B=50, optim='rmsprop', lr=2e-3),
    'W3': dict(kind='lstm', L=3, H=512, T=50, B=50, optim='rmsprop', lr=2e-3),
    'W4': dict(kind='lstm', L=2, H=128, sample=True),
    'W5': dict(kind='gru', L=2, H=128, T=50, B=50, optim='rmsprop', lr=2e-3),
    'W6': dict(kind='lstm', L=2, H=256, T=50, B=50, optim='rmsprop', lr=2e-3, V=6758),
}


def median_step(step, seconds):
    """Median seconds per call of step() over a window of `seconds`, after a warm-up of half that."""
    for warm in (True, False):
        times, start = [], time.perf_counter()
        while time.perf_counter() - start < (seconds / 2 if warm else seconds):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def run_one(name, threads, seconds):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts', 'pytorch'))
    from charrnn import CharRNN

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    w = WORKLOADS[name]
    V = w.get('V', VOCAB)
    model = CharRNN(w['kind'], V, w['H'], w['L'])
    detach = lambda s: tuple(x.detach() for x in s) if isinstance(s, tuple) else s.detach()  # noqa: E731
    state = None
    if w.get('sample'):
        model.eval()
        x = torch.zeros(1, 1, dtype=torch.long)

        def step():
            nonlocal x, state
            with torch.no_grad():
                logits, state = model(x, state)
                x = torch.multinomial(F.softmax(logits[0], dim=-1), 1)
        sec, n = median_step(step, seconds)
        rate = 1 / sec
    else:
        T, B = w['T'], w['B']
        if w['optim'] == 'adagrad':
            optim = torch.optim.Adagrad(model.parameters(), lr=w['lr'])
        else:
            optim = torch.optim.RMSprop(model.parameters(), lr=w['lr'], alpha=0.95, eps=1e-8)
        data = torch.randint(V, (T + 1, B))

        def step():
            nonlocal state
            logits, state = model(data[:-1], state)
            state = detach(state)
            loss = F.cross_entropy(logits.reshape(T * B, V), data[1:].reshape(T * B))
            optim.zero_grad()
            loss.backward()
            nn.utils.clip_grad_value_(model.parameters(), 5.0)
            optim.step()
        sec, n = median_step(step, seconds)
        rate = T * B / sec
    return {'workload': name, 'threads': threads, 'chars_per_s': round(rate), 'steps': n,
            'peak_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), 'torch': torch.__version__}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--threads', default='1,2', help='comma-separated torch.set_num_threads values (default 1,2)')
    ap.add_argument('--seconds', type=float, default=3.0, help='timed window per figure (default 3)')
    ap.add_argument('--only', help='comma-separated workloads (default all: W1,W2,W3,W4,W5,W6)')
    ap.add_argument('--json', action='store_true', help='print one JSON object instead of a table')
    ap.add_argument('--no-openblas', action='store_true', help='do not switch to OpenBLAS')
    ap.add_argument('--one', help=argparse.SUPPRESS)  # internal: NAME:THREADS, run in this process
    args = ap.parse_args()
    if args.one:
        name, threads = args.one.split(':')
        print(json.dumps(run_one(name, int(threads), args.seconds)))
        return
    try:
        import torch  # noqa: F401
    except ImportError:
        sys.exit('torch-peer.py: PyTorch is not installed for this Python; on Debian: apt-get install -y python3-torch '
                 'libopenblas0-openmp, then run it with /usr/bin/python3')
    env = dict(os.environ)
    blas = 'as installed'
    if not args.no_openblas and 'LD_LIBRARY_PATH' not in env and os.path.isdir(OPENBLAS):
        env['LD_LIBRARY_PATH'] = OPENBLAS
        blas = 'OpenBLAS (openmp)'
    names = args.only.split(',') if args.only else list(WORKLOADS)
    for n in names:
        if n not in WORKLOADS:
            sys.exit(f'torch-peer.py: unknown workload {n} (expected {", ".join(WORKLOADS)})')
    results = []
    for n in names:
        for threads in [int(t) for t in args.threads.split(',')]:
            if WORKLOADS[n].get('sample') and threads > 1 and results and results[-1]['workload'] == n:
                continue  # one stream of one character: a second thread has nothing to do
            out = subprocess.run([sys.executable, os.path.abspath(__file__), '--one', f'{n}:{threads}', '--seconds', str(args.seconds)],
                                 env=env, capture_output=True, text=True, check=True).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
            if not args.json:
                r = results[-1]
                print(f"{n} threads={threads}: {r['chars_per_s']:>9,} chars/s  peak {r['peak_mb']:>5} MB  (median of {r['steps']} steps)", flush=True)
    if args.json:
        print(json.dumps({'torch': results[0]['torch'] if results else None, 'blas': blas, 'dtype': 'float32', 'results': results}))
    else:
        print(f"PyTorch {results[0]['torch'] if results else '?'} CPU float32, BLAS {blas}")


if __name__ == '__main__':
    main()

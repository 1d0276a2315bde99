"""char-rnn's default workload in PyTorch (CPU, float32), timed for comparison with ours:

    python3 bench/pytorch-peer.py [--threads 1,2] [--seconds 3] [--json]

Training: the CharRNN module of scripts/pytorch/charrnn.py, LSTM and GRU, L = 2, H = 128, V = 65,
B = 50, T = 50 on random ids, hidden state carried (detached) between chunks, mean cross-entropy,
gradient norm clipped to 5, RMSprop lr 2e-3, alpha 0.95, eps 1e-8 (char-rnn's defaults).
Training chars/s = T*B / (median seconds per step). Sampling: the LSTM, one stream (B = 1), one
character at a time (forward one step, softmax, draw, feed back); chars/s = 1 / median seconds
per character. Medians over the steps of a timed window, after a warm-up window.
Needs torch (not a dependency of the project).
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts', 'pytorch'))
from charrnn import CharRNN  # noqa: E402

V, H, L, B, T = 65, 128, 2, 50, 50


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def median_step(step, seconds):
    """Median seconds per call of step() over a window of `seconds`, after a warm-up of half that."""
    for warm in (True, False):
        times, start = [], time.perf_counter()
        while time.perf_counter() - start < (seconds / 2 if warm else seconds):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def train_rate(kind, seconds):
    torch.manual_seed(0)
    model = CharRNN(kind, V, H, L)
    optim = torch.optim.RMSprop(model.parameters(), lr=2e-3, alpha=0.95, eps=1e-8)
    data = torch.randint(V, (T + 1, B))
    state = None

    def step():
        nonlocal state
        logits, state = model(data[:-1], state)
        state = detach(state)
        loss = F.cross_entropy(logits.reshape(T * B, V), data[1:].reshape(T * B))
        optim.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optim.step()

    sec, n = median_step(step, seconds)
    return T * B / sec, n


def sample_rate(kind, seconds):
    torch.manual_seed(0)
    model = CharRNN(kind, V, H, L).eval()
    x, state = torch.zeros(1, 1, dtype=torch.long), None

    def step():
        nonlocal x, state
        with torch.no_grad():
            logits, state = model(x, state)
            x = torch.multinomial(F.softmax(logits[0], dim=-1), 1)  # (1, 1)

    sec, n = median_step(step, seconds)
    return 1 / sec, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--threads', default='1,2', help='comma-separated torch.set_num_threads values (default 1,2)')
    ap.add_argument('--seconds', type=float, default=3.0, help='timed window per figure (default 3)')
    ap.add_argument('--json', action='store_true', help='print one JSON object instead of lines')
    args = ap.parse_args()
    results = []
    for threads in [int(t) for t in args.threads.split(',')]:
        torch.set_num_threads(threads)
        for kind in ('lstm', 'gru'):
            rate, n = train_rate(kind, args.seconds)
            results.append({'workload': f'train {kind}', 'threads': threads, 'chars_per_s': round(rate), 'steps': n})
        rate, n = sample_rate('lstm', args.seconds)
        results.append({'workload': 'sample lstm', 'threads': threads, 'chars_per_s': round(rate), 'steps': n})
    config = {'torch': torch.__version__, 'dtype': 'float32', 'V': V, 'H': H, 'L': L, 'B': B, 'T': T,
              'optimizer': 'RMSprop lr 2e-3 alpha 0.95 eps 1e-8, clip grad norm 5', 'sample_B': 1}
    if args.json:
        print(json.dumps({'config': config, 'results': results}))
        return
    print(f"PyTorch {torch.__version__} CPU float32, L={L} H={H} V={V}; train B={B} T={T}; sample B=1")
    for r in results:
        print(f"pytorch {r['workload']:<12} threads={r['threads']}: {r['chars_per_s']:>9,} chars/s  (median of {r['steps']} steps)")


if __name__ == '__main__':
    main()

"""The min-char-rnn training step in numpy, timed the way bench/run.ts times ours, so the two can be
put side by side on one machine:   python3 bench/numpy-peer.py   (needs numpy; not a dependency).

Same configuration as `npm run bench`: tinyshakespeare, H = 100, T = 25, Adagrad 0.1, clip 5,
hidden state carried between chunks. Column vectors and a one-hot input matrix, as min-char-rnn
writes it. Reports the median chars/s over timed windows of one second after a warm-up window.
"""
import os
import sys
import time

import numpy as np

REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
here = os.path.dirname(os.path.abspath(__file__))
text = open(os.path.join(here, '..', 'data', 'tinyshakespeare.txt'), encoding='utf-8').read()
chars = sorted(set(text))
V, H, T, LR = len(chars), 100, 25, 0.1
index = {c: i for i, c in enumerate(chars)}
data = [index[c] for c in text]

rng = np.random.default_rng(1)
Wxh, Whh, Why = (rng.standard_normal(s) * 0.01 for s in [(H, V), (H, H), (V, H)])
bh, by = np.zeros((H, 1)), np.zeros((V, 1))
params = [Wxh, Whh, Why, bh, by]
memory = [np.zeros_like(p) for p in params]


def loss_and_grads(inputs, targets, hprev):
    xs, hs, ps, loss = {}, {-1: hprev}, {}, 0.0
    for t in range(T):
        xs[t] = np.zeros((V, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        e = np.exp(y - y.max())
        ps[t] = e / e.sum()
        loss -= np.log(ps[t][targets[t], 0])
    grads = [np.zeros_like(p) for p in params]
    dWxh, dWhh, dWhy, dbh, dby = grads
    dh_next = np.zeros_like(hprev)
    for t in reversed(range(T)):
        dy = ps[t].copy()
        dy[targets[t]] -= 1                      # softmax + cross-entropy: p − onehot
        dWhy += dy @ hs[t].T
        dby += dy
        dh = Why.T @ dy + dh_next
        dh_raw = (1 - hs[t] * hs[t]) * dh        # through tanh
        dbh += dh_raw
        dWxh += dh_raw @ xs[t].T
        dWhh += dh_raw @ hs[t - 1].T
        dh_next = Whh.T @ dh_raw
    return loss, grads, hs[T - 1]


position, h = 0, np.zeros((H, 1))


def train_for(seconds):
    global position, h
    start, chars_done = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        if position + T + 1 > len(data):
            position, h = 0, np.zeros((H, 1))
        _, grads, h = loss_and_grads(data[position:position + T], data[position + 1:position + T + 1], h)
        for p, g, m in zip(params, grads, memory):
            np.clip(g, -5, 5, out=g)
            m += g * g
            p -= LR * g / np.sqrt(m + 1e-8)
        position += T
        chars_done += T
    return chars_done / (time.perf_counter() - start)


train_for(1.0)  # warm-up
rates = sorted(train_for(1.0) for _ in range(REPS))
print(f'numpy {np.__version__} min-char-rnn (V={V}, H={H}, T={T}): median {rates[len(rates) // 2]:,.0f} chars/s '
      f'(min {rates[0]:,.0f}, max {rates[-1]:,.0f}) over {REPS} windows of 1 s')

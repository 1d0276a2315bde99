"""Reference values from PyTorch for our CharRNN tests: test/fixtures/pytorch/charrnn-grads.json.

    python3 scripts/pytorch/make_fixtures.py

For each cell (rnn, lstm, gru) and each case below, in float64: parameters from torch.manual_seed
(PyTorch's default init), random input and target ids, a nonzero initial state; recorded are the
parameters (state_dict names -> nested lists), inputs and targets (time-major: index t*B + b), the
initial state, the MEAN cross-entropy over the T*B predictions, every parameter's gradient, and the
final state. States are (L, B, H) nested lists, as PyTorch returns them.

Dropout: PyTorch's dropout RNG cannot be reproduced elsewhere, so the dropout cases run the layers
one at a time (1-layer nn.RNN/LSTM/GRU through torch.func.functional_call on the same parameter
tensors) and multiply layer l's output by a fixed mask masks[l] (entries 0 or 1/(1-p); T*B*H
time-major; the last layer's before the decoder), which is recorded. Without masks this layered
forward is checked here against CharRNN itself.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from charrnn import CharRNN  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'pytorch', 'charrnn-grads.json')
CELLS = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}
# name, L, V, H, T, B, dropout p
CASES = [('L1', 1, 5, 3, 4, 2, 0.0), ('L2', 2, 7, 4, 3, 3, 0.0), ('L2-dropout', 2, 6, 4, 4, 2, 0.3)]


def layered(kind, params, x, h0, c0, masks):
    """CharRNN's forward one layer at a time; masks[l] (T, B, H) multiplies layer l's output. -> logits, hN, cN."""
    L = h0.shape[0]
    hs, cs = [], []
    for l in range(L):
        layer = CELLS[kind](x.shape[2], h0.shape[2], 1)
        weights = {f'{w}_l0': params[f'rnn.{w}_l{l}'] for w in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh')}
        state = (h0[l:l + 1], c0[l:l + 1]) if kind == 'lstm' else h0[l:l + 1]
        x, state = functional_call(layer, weights, (x, state))
        h, c = state if kind == 'lstm' else (state, None)
        hs.append(h)
        if c is not None:
            cs.append(c)
        if masks is not None:
            x = x * masks[l]
    logits = x @ params['decoder.weight'].T + params['decoder.bias']
    return logits, torch.cat(hs), torch.cat(cs) if cs else None


def make_case(kind, seed, name, L, V, H, T, B, p):
    torch.manual_seed(seed)
    model = CharRNN(kind, V, H, L)  # float64 from birth (set_default_dtype in main)
    inputs = torch.randint(V, (T, B))
    targets = torch.randint(V, (T, B))
    h0 = torch.randn(L, B, H, dtype=torch.float64) * 0.5
    c0 = torch.randn(L, B, H, dtype=torch.float64) * 0.5 if kind == 'lstm' else None
    masks = (torch.rand(L, T, B, H, dtype=torch.float64) >= p).double() / (1 - p) if p > 0 else None
    params = dict(model.named_parameters())
    x = F.one_hot(inputs, V).double()

    if masks is None:
        logits, state = model(inputs, (h0, c0) if kind == 'lstm' else h0)
        hN, cN = state if kind == 'lstm' else (state, None)
        # The layered forward (used with masks) must be the same function as the module.
        check = layered(kind, params, x, h0, c0, None)
        assert torch.allclose(check[0], logits, rtol=0, atol=1e-14), 'layered forward differs from CharRNN'
        assert torch.allclose(check[1], hN, rtol=0, atol=1e-14), 'layered final state differs from CharRNN'
    else:
        logits, hN, cN = layered(kind, params, x, h0, c0, masks)
    loss = F.cross_entropy(logits.reshape(T * B, V), targets.reshape(T * B))  # mean over T*B
    loss.backward()

    case = {
        'name': f'{kind}-{name}', 'kind': kind, 'V': V, 'H': H, 'L': L, 'T': T, 'B': B, 'dropout': p,
        'params': {k: v.detach().tolist() for k, v in model.state_dict().items()},
        'inputs': inputs.reshape(-1).tolist(), 'targets': targets.reshape(-1).tolist(),
        'h0': h0.tolist(), 'c0': c0.tolist() if c0 is not None else None,
        'masks': [m.reshape(-1).tolist() for m in masks] if masks is not None else None,
        'loss': loss.item(),
        'grads': {k: v.grad.tolist() for k, v in params.items()},
        'hN': hN.detach().tolist(), 'cN': cN.detach().tolist() if cN is not None else None,
    }
    assert list(case['grads']) == list(case['params'])
    return case


def dump(out):
    """JSON with one line per case field (diffable, and no line per number)."""
    compact = lambda v: json.dumps(v, separators=(',', ':'))
    cases = ',\n'.join('  {\n' + ',\n'.join(f'   {compact(k)}: {compact(v)}' for k, v in c.items()) + '\n  }' for c in out['cases'])
    return '{\n "header": ' + compact(out['header']) + ',\n "cases": [\n' + cases + '\n ]\n}\n'


def main():
    torch.set_default_dtype(torch.float64)
    cases = []
    for k, kind in enumerate(CELLS):
        for c, (name, L, V, H, T, B, p) in enumerate(CASES):
            cases.append(make_case(kind, 1000 + 10 * k + c, name, L, V, H, T, B, p))
    out = {
        'header': {'script': 'scripts/pytorch/make_fixtures.py', 'torch': torch.__version__, 'dtype': 'float64',
                   'loss': 'mean cross-entropy over the T*B predictions (nats)',
                   'layout': 'inputs, targets, masks[l]: time-major (t*B + b [, then h]); h0, c0, hN, cN: (L, B, H)'},
        'cases': cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        f.write(dump(out))
    print(f'wrote {os.path.normpath(OUT)}: {len(cases)} cases')


if __name__ == '__main__':
    main()

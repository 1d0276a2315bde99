"""The README's CharRNN module, run layer by layer so that our dropout masks fit between the layers,
and the optimizers, clipping and schedule of src/train/optim.ts, operation for operation.

Parameter names are the state_dict of nn.RNN / nn.LSTM / nn.GRU (`rnn.weight_ih_l0`, …) and
nn.Linear (`decoder.weight`, `decoder.bias`): exactly the tensors of our checkpoints.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import _VF

CELLS = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}


class CharRNN(nn.Module):
    """One-hot characters -> L stacked RNN (tanh) / LSTM / GRU layers -> linear decoder. Time-major."""

    def __init__(self, kind, V, H, L):
        super().__init__()
        self.kind, self.V, self.L = kind, V, L
        self.rnn = CELLS[kind](V, H, L)
        self.decoder = nn.Linear(H, V)

    def forward(self, inputs, targets, hs, cs, masks=None):
        """inputs, targets (T, b) ids; hs, cs per layer (b, H) (cs empty but for the LSTM); masks (L, T, b, H)
        or None. Returns the summed loss over the T·b predictions (nats) and the states after the chunk."""
        x = F.one_hot(inputs, self.V).to(self.decoder.weight.dtype)  # (T, b, V)
        new_h, new_c = [], []
        for l in range(self.L):
            # NOTE: one layer of PyTorch's own RNN kernel (what nn.LSTM calls for each layer, cuDNN on a GPU),
            # called per layer so that layer l's output can be multiplied by our mask before layer l + 1.
            w = [getattr(self.rnn, f'{n}_l{l}') for n in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh')]
            if self.kind == 'lstm':
                x, h, c = _VF.lstm(x, (hs[l][None], cs[l][None]), w, True, 1, 0.0, self.training, False, False)
                new_c.append(c[0])
            else:
                cell = _VF.gru if self.kind == 'gru' else _VF.rnn_tanh
                x, h = cell(x, hs[l][None], w, True, 1, 0.0, self.training, False, False)
            new_h.append(h[0])
            if masks is not None:
                x = x * masks[l]  # inverted dropout between layers and before the decoder
        logits = self.decoder(x)  # (T, b, V)
        return F.cross_entropy(logits.reshape(-1, self.V), targets.reshape(-1), reduction='sum'), new_h, new_c


def learning_rate(lr, decay, decay_after, epoch):
    """char-rnn's schedule: lr·decayⁿ after n = max(0, epoch − max(decay_after, 1) + 1) decays."""
    n = max(0, epoch - max(decay_after, 1) + 1)
    return lr if n == 0 else lr * decay ** n


@torch.no_grad()
def clip(grads, mode, c):
    """Each entry to [−c, c] (char-rnn), or the global L2 norm to c (clip_grad_norm_'s 1e-6 included)."""
    if mode == 'value':
        for g in grads:
            g.clamp_(-c, c)
        return
    norm = math.sqrt(sum(float((g.double() * g.double()).sum()) for g in grads))
    coef = c / (norm + 1e-6)
    if coef < 1:
        for g in grads:
            g.mul_(coef)


@torch.no_grad()
def optimizer_step(opt, named, lr):
    """One update, in place. opt: {name, hyper, steps, slots: {slot: {param: tensor}}}; named: [(name, parameter)].
    The operations are src/train/optim.ts's, in the same order, so float64 results agree to the last bits."""
    name, h, slots = opt['name'], opt['hyper'], opt['slots']
    t = opt['steps'] + 1
    for n, p in named:
        g = p.grad
        s = [slots[k].setdefault(n, torch.zeros_like(p)) for k in sorted(slots, key=('mem', 'sq', 'm', 'v').index)]
        if name == 'adagrad':  # mem += g²; θ −= lr·g / √(mem + ε)
            s[0].add_(g * g)
            p.sub_((g * lr) / (s[0] + h['eps']).sqrt())
        elif name == 'rmsprop':  # sq = α·sq + (1 − α)·g²; θ −= lr·g / (√sq + ε)
            s[0].mul_(h['alpha']).add_((g * (1 - h['alpha'])) * g)
            p.sub_((g * lr) / (s[0].sqrt() + h['eps']))
        elif name == 'adam':  # bias-corrected, ε added after dividing √v by √(1 − β₂ᵗ), as PyTorch
            b1, b2 = h['beta1'], h['beta2']
            step_size, root2 = lr / (1 - b1 ** t), math.sqrt(1 - b2 ** t)
            s[0].mul_(b1).add_(g * (1 - b1))
            s[1].mul_(b2).add_((g * (1 - b2)) * g)
            p.sub_((s[0] * step_size) / (s[1].sqrt() / root2 + h['eps']))
        else:
            raise ValueError(f'unknown optimizer {name}')
    opt['steps'] = t

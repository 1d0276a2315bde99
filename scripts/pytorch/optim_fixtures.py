"""Reference trajectories of PyTorch's optimizers and of clip_grad_norm_, for test/optim.test.ts:

    python3 scripts/pytorch/optim_fixtures.py

writes test/fixtures/pytorch/optim.json. Everything is float64; JSON floats are written with repr,
so they round-trip exactly.

  params      three parameters of different shapes (initial values)
  grads       one gradient per parameter for each of STEPS steps (their scale varies from step to step)
  lrs         the learning rate of each step, set in param_groups before the step (the trainer's
              schedule changes it between steps, so the optimizers must read it at every step)
  cases       for each optimizer setting, the parameters after every step
  clip        clip_grad_norm_ on the step-0 gradients scaled so that their norm is far above, just below
              (within PyTorch's 1e-6) and below max_norm: the returned norm and the clipped gradients

Adagrad: our Adagrad is min-char-rnn's, θ −= lr·g/√(mem + eps), while torch.optim.Adagrad puts eps
outside the root, θ −= lr·g/(√mem + eps). With eps = 0 the two are the same function, so the case
runs with eps = 0 (the gradients have no zero entries, so nothing divides by zero); the test checks
where eps goes separately.
"""
import json
import os

import torch

STEPS = 8
SHAPES = {'w': (3, 4), 'b': (5,), 'u': (2, 3, 2)}
LRS = [0.01, 0.01, 0.02, 0.005, 0.05, 0.01, 0.002, 0.03]
SCALES = [1.0, 0.5, 3.0, 0.01, 1.0, 10.0, 0.2, 1.0]  # gradient size per step

CASES = [
    # name, torch class, torch kwargs, our optimizer name, our hyperparameters
    ('adagrad', torch.optim.Adagrad, dict(eps=0.0, lr_decay=0.0, initial_accumulator_value=0.0), 'adagrad', dict(eps=0.0)),
    ('rmsprop-charrnn', torch.optim.RMSprop, dict(alpha=0.95, eps=1e-8), 'rmsprop', dict(alpha=0.95, eps=1e-8)),
    ('rmsprop-other', torch.optim.RMSprop, dict(alpha=0.99, eps=1e-3), 'rmsprop', dict(alpha=0.99, eps=1e-3)),
    ('adam', torch.optim.Adam, dict(betas=(0.9, 0.999), eps=1e-8), 'adam', dict(beta1=0.9, beta2=0.999, eps=1e-8)),
    ('adam-other', torch.optim.Adam, dict(betas=(0.8, 0.99), eps=1e-3), 'adam', dict(beta1=0.8, beta2=0.99, eps=1e-3)),
]


def flat(t):
    return t.detach().reshape(-1).tolist()


def main():
    torch.manual_seed(0)
    init = {k: torch.randn(s, dtype=torch.float64) for k, s in SHAPES.items()}
    grads = [{k: torch.randn(s, dtype=torch.float64) * SCALES[i] for k, s in SHAPES.items()} for i in range(STEPS)]

    cases = []
    for name, cls, kwargs, ours, hyper in CASES:
        params = {k: v.clone().requires_grad_(True) for k, v in init.items()}
        opt = cls(list(params.values()), lr=LRS[0], **kwargs)
        trajectory = []
        for i in range(STEPS):
            for group in opt.param_groups:
                group['lr'] = LRS[i]
            for k, p in params.items():
                p.grad = grads[i][k].clone()
            opt.step()
            trajectory.append({k: flat(p) for k, p in params.items()})
        cases.append({'name': name, 'optimizer': ours, 'hyper': hyper, 'torch': f'{cls.__name__}({kwargs})', 'trajectory': trajectory})

    base = grads[0]
    norm0 = torch.sqrt(sum((g * g).sum() for g in base.values())).item()
    clip = []
    for label, max_norm in [('far above', norm0 / 3), ('just above', norm0 * (1 - 1e-3)),
                            ('within 1e-6 below', norm0 + 4e-7), ('below', norm0 * 2)]:
        gs = {k: g.clone().requires_grad_(False) for k, g in base.items()}
        ps = [torch.zeros_like(g, requires_grad=True) for g in gs.values()]
        for p, g in zip(ps, gs.values()):
            p.grad = g
        norm = torch.nn.utils.clip_grad_norm_(ps, max_norm)
        clip.append({'label': label, 'maxNorm': max_norm, 'norm': norm.item(),
                     'clipped': {k: flat(p.grad) for k, p in zip(gs.keys(), ps)}})

    out = {
        'generator': 'scripts/pytorch/optim_fixtures.py',
        'torch': torch.__version__,
        'params': {k: {'shape': list(v.shape), 'data': flat(v)} for k, v in init.items()},
        'grads': [{k: flat(g) for k, g in step.items()} for step in grads],
        'lrs': LRS,
        'cases': cases,
        'clip': clip,
    }
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'pytorch', 'optim.json')
    with open(path, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    print(f'wrote {os.path.normpath(path)}')


if __name__ == '__main__':
    main()

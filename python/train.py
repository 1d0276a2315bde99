#!/usr/bin/env python3
"""`rnn train` on PyTorch, for more cores, machines or GPUs: the same training, and the same checkpoints.

    python3 python/train.py --data input.txt                         # one process, as `rnn train`
    python3 python/train.py --resume checkpoints/model.safetensors   # continue a run of `rnn train`
    torchrun --nproc_per_node 4 python/train.py --resume …           # DDP: the B streams split among 4 ranks
    python3 python/launch.py --nproc 2 python/train.py …             # the same without torchrun (launch.py)

What is the same as `rnn train` (src/train/trainer.ts, loop.ts): the split and the B stripes read T
characters at a time, the state carried from chunk to chunk and zeroed at each epoch's start,
truncated backpropagation, char-rnn's RMSprop (ε outside the root), Adam and min-char-rnn's Adagrad
(ε inside), clipping by value or by global norm, the learning-rate decay, dropout masks drawn from
the run's own xoshiro128** generator (so the same masks), the divergence checks, validation every N
iterations and the best checkpoint. A checkpoint of either continues on the other (--resume).

Dimensions: V vocabulary, H hidden, L layers, T seq, B batch (all streams), W ranks, b = B / W
streams per rank. Each rank runs streams [rank·b, (rank + 1)·b); its loss is the mean over its T·b
predictions, and DDP averages the W gradients, which is the gradient of the mean over all T·B.
"""
import argparse
import math
import os
import signal
import sys
import traceback

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')  # before torch loads OpenMP: idle ranks must not spin
HERE = os.path.dirname(os.path.abspath(__file__))
PROG = 'train.py'
RUN_OPTIONS = ['model', 'layers', 'hidden', 'seq', 'batch', 'optim', 'lr', 'lr_decay', 'decay_after', 'clip',
               'clip_mode', 'dropout', 'train_frac', 'val_frac', 'seed', 'dtype']
DEFAULTS = dict(model='lstm', layers=2, hidden=128, seq=50, batch=50, optim='rmsprop', lr=2e-3, lr_decay=0.97,
                decay_after=10, clip=5.0, clip_mode='value', dropout=0.0, epochs=50, train_frac=0.95, val_frac=0.05,
                seed=123, dtype='f32', eval_every=1000, checkpoint_every=100, device='cpu',
                checkpoint='checkpoints/model.safetensors')
CORPORA = {'tinyshakespeare': 'tinyshakespeare.txt', 'warpeace': 'warpeace.txt.gz', 'linux': 'linux.txt.gz',
           'stacks': 'stacks-project-2015.tex.gz', 'names': 'names.txt.gz', 'tang-poems': 'tang-poems.txt.gz'}


class UsageError(Exception):
    """A bad command line: one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def parse(argv):
    p = Parser(prog=PROG, description='rnn train on PyTorch (DDP under torchrun); the same options and checkpoints.')
    add = p.add_argument
    add('--data', help='training text (UTF-8, plain or gzip) or a bundled corpus name; default the bundled tinyshakespeare')
    add('--model', choices=['lstm', 'gru', 'rnn']); add('--layers'); add('--hidden'); add('--seq'); add('--batch')
    add('--optim', choices=['rmsprop', 'adam', 'adagrad']); add('--lr'); add('--lr-decay'); add('--decay-after')
    add('--clip'); add('--clip-mode', choices=['value', 'norm']); add('--dropout'); add('--epochs')
    add('--iters', help='stop after this many more iterations'); add('--time', help='stop after this many seconds')
    add('--train-frac'); add('--val-frac'); add('--eval-every'); add('--seed')
    add('--dtype', choices=['f32', 'f64'], help='training precision (default f32)')
    add('--device', choices=['cpu', 'cuda'], help='cpu (gloo between ranks) or cuda (NCCL; one GPU per local rank)')
    add('--checkpoint'); add('--no-checkpoint', action='store_true'); add('--checkpoint-every')
    add('--save-dtype', choices=['f32', 'f64']); add('--resume', metavar='FILE')
    add('--quiet', action='store_true', help='print only the summary')
    a = p.parse_args(argv)
    given = {k for k, v in vars(a).items() if v is not None and v is not False}
    if a.resume is not None and given & set(RUN_OPTIONS):
        bad = sorted(given & set(RUN_OPTIONS), key=RUN_OPTIONS.index)[0].replace('_', '-')
        raise UsageError(f'--{bad} cannot change when resuming: the run continues with its checkpoint\'s options')
    if a.checkpoint is not None and a.no_checkpoint:
        raise UsageError('--checkpoint and --no-checkpoint contradict each other')
    for k, v in DEFAULTS.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    integer = lambda name, lo: _number(a, name, int, lambda x: x >= lo, f'an integer ≥ {lo}')
    positive = lambda name: _number(a, name, float, lambda x: x > 0 and math.isfinite(x), 'a positive number')
    for name in ('layers', 'hidden', 'seq', 'batch', 'epochs'):
        integer(name, 1)
    for name in ('decay_after', 'eval_every', 'checkpoint_every'):
        integer(name, 0)
    for name in ('lr', 'lr_decay', 'clip'):
        positive(name)
    _number(a, 'dropout', float, lambda x: 0 <= x < 1, 'in [0, 1)')
    _number(a, 'train_frac', float, lambda x: 0 < x <= 1, 'in (0, 1]')
    _number(a, 'val_frac', float, lambda x: 0 <= x < 1, 'in [0, 1)')
    _number(a, 'seed', int, lambda x: 0 <= x <= 0xFFFFFFFF, 'an integer from 0 to 4294967295')
    if a.lr_decay > 1:
        raise UsageError(f'--lr-decay must be at most 1, got {a.lr_decay}')
    if 'val_frac' in given and 'train_frac' not in given:
        a.train_frac = 1 - a.val_frac  # as rnn train: --val-frac alone takes its share from the training part
    if a.train_frac + a.val_frac > 1 + 1e-12:
        raise UsageError(f'--train-frac + --val-frac must be at most 1, got {a.train_frac} + {a.val_frac}')
    if a.iters is not None:
        integer('iters', 1)
    if a.time is not None:
        positive('time')
    return a, given


def _number(a, name, kind, ok, what):
    raw = getattr(a, name)
    try:
        x = kind(raw) if kind is float or isinstance(raw, int) else int(str(raw), 10)
    except ValueError:
        x = None
    if x is None or not ok(x):
        raise UsageError(f"--{name.replace('_', '-')} must be {what}, got '{raw}'")
    setattr(a, name, x)


def main(argv):
    try:
        a, given = parse(argv)
    except UsageError as e:
        print(f'{PROG}: error: {e} (see --help)', file=sys.stderr)
        return 2
    try:
        import torch  # noqa: F401
    except ImportError:
        print(f'{PROG}: error: PyTorch is not installed for {sys.executable} (Debian: apt-get install python3-torch; '
              f'elsewhere: pip install torch)', file=sys.stderr)
        return 1
    from rnnformat import UserError
    from run import Run, DivergedError
    run = None
    try:
        run = Run(a, given, HERE, CORPORA)
        code = run.train()
    except (UserError, DivergedError) as e:
        rank = os.environ.get('RANK', '0')
        print(f"{PROG}: error: {'' if rank == '0' else f'(rank {rank}) '}{e}", file=sys.stderr)
        code = 1
    except Exception:  # a bug: the stack trace, and rnn's exit code for internal errors
        traceback.print_exc()
        code = 70
    sys.stdout.flush()
    sys.stderr.flush()
    # NOTE: leave at once, with the run still referenced. With torch 1.13, freeing a DDP model can
    # deadlock (the gloo process group's destructor joins a thread that waits for the GIL the
    # destructor holds), and a rank can hang in the interpreter's teardown after
    # destroy_process_group; both were seen here. Every checkpoint is written and flushed by now.
    os._exit(code)


if __name__ == '__main__':
    sys.path.insert(0, HERE)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main(sys.argv[1:]))

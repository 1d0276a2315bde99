"""One training run: setup (fresh or resumed, one process or DDP ranks), the step, validation,
checkpoints and the loop, in the order of src/train/trainer.ts and src/train/loop.ts.

Every rank holds the whole model, the optimizer state and an identical copy of the run's random
generator (it draws every stream's dropout masks and keeps its own streams' part), so after DDP's
all-reduce every rank takes the same step. Rank 0 alone writes checkpoints.
"""
import math
import os
import signal
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from model import CharRNN, clip, learning_rate, optimizer_step
from xoshiro import Rng
from rnnformat import (OPTIM_DEFAULTS, SLOTS, Stripes, UserError, best_path_for, checkpoint_bytes, dropout_masks,
                       eval_stripes, fingerprint, init_params, load_checkpoint, read_text, split_data, vocab_of, write_atomic)


class DivergedError(Exception):
    """The loss or a gradient blew up; nothing was updated by the bad step."""


class Run:
    def __init__(self, a, given, here, corpora):
        self.a, self.given = a, given
        self.world, self.rank = int(os.environ.get('WORLD_SIZE', '1')), int(os.environ.get('RANK', '0'))
        local_rank, local_world = int(os.environ.get('LOCAL_RANK', '0')), int(os.environ.get('LOCAL_WORLD_SIZE', str(self.world)))
        if a.device == 'cuda':
            if not torch.cuda.is_available():
                raise UserError('--device cuda: PyTorch sees no CUDA device here')
            self.device = torch.device('cuda', local_rank % torch.cuda.device_count())
            torch.cuda.set_device(self.device)
        else:
            self.device = torch.device('cpu')
            if 'OMP_NUM_THREADS' not in os.environ:  # the cores shared among this machine's ranks
                torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(1, local_world)))
        data = a.data if a.data is not None else 'tinyshakespeare'
        if data in corpora and not os.path.exists(data):
            data = os.path.join(here, '..', 'data', corpora[data])
        text = read_text(data)
        if a.resume is not None:
            self._resume(text, a.resume)
        else:
            self._fresh(text)
        o = self.o
        self.B, self.T = o['batchSize'], o['seqLength']
        if self.B % self.world != 0:
            raise UserError(f'the world size {self.world} does not divide the batch size {self.B}: each rank takes B / W streams')
        self.b0, self.b1 = self.rank * self.B // self.world, (self.rank + 1) * self.B // self.world
        if self.world > 1:  # after every check of the input, so that bad input fails without waiting for the other ranks
            dist.init_process_group('nccl' if a.device == 'cuda' else 'gloo')
        self.stripes = Stripes(self.train_ids, self.B, self.T)
        self.chunks = self.stripes.chunks
        if self.iteration >= o['epochs'] * self.chunks:
            raise UserError(f"{a.resume} has finished all {o['epochs']} epochs of its run; give --epochs N (more than {o['epochs']}) to train it further")
        self.dtype = torch.float64 if o['dtype'] == 'f64' else torch.float32
        self.module = CharRNN(self.kind, self.V, self.H, self.L).to(self.device, self.dtype)
        with torch.no_grad():
            for n, p in self.module.named_parameters():
                p.copy_(self.params0[n])
        self.named = list(self.module.named_parameters())
        self.model = DistributedDataParallel(self.module) if self.world > 1 else self.module
        for slot in self.opt['slots'].values():
            for n in slot:
                slot[n] = slot[n].to(self.device, self.dtype)
        self.hs = [h[self.b0:self.b1].to(self.device, self.dtype) for h in self.hs]
        self.cs = [c[self.b0:self.b1].to(self.device, self.dtype) for c in self.cs]
        self.checkpoint_path = None if a.no_checkpoint else a.checkpoint
        self.save_dtype = 'F32' if (a.save_dtype or o['dtype']) == 'f32' else 'F64'
        self.stop = False

    def _fresh(self, text):
        a = self.a
        chars = vocab_of(text)
        self.kind, self.V, self.H, self.L = a.model, len(chars), a.hidden, a.layers
        self.vocab = chars
        self.o = {'model': a.model, 'layers': a.layers, 'hidden': a.hidden, 'seqLength': a.seq, 'batchSize': a.batch,
                  'optim': a.optim, 'lr': a.lr, 'lrDecay': a.lr_decay, 'decayAfter': a.decay_after, 'clip': a.clip,
                  'clipMode': a.clip_mode, 'dropout': a.dropout, 'epochs': a.epochs, 'trainFrac': a.train_frac,
                  'valFrac': a.val_frac, 'seed': a.seed, 'grad': 'manual', 'kernels': 'auto', 'dtype': a.dtype, 'threads': 0}
        self._text(text)
        self.rng = Rng(a.seed)
        self.params0 = init_params(self.kind, self.V, self.H, self.L, self.rng)
        self.opt = {'name': a.optim, 'hyper': dict(OPTIM_DEFAULTS[a.optim]), 'steps': 0, 'slots': {s: {} for s in SLOTS[a.optim]}}
        self.iteration, self.smooth, self.first, self.history = 0, math.log(self.V), None, []
        self.hs = [torch.zeros(a.batch, self.H, dtype=torch.float64) for _ in range(self.L)]
        self.cs = [torch.zeros(a.batch, self.H, dtype=torch.float64) for _ in range(self.L)] if self.kind == 'lstm' else []

    def _resume(self, text, path):
        config, self.vocab, self.params0, tr = load_checkpoint(path)
        self.kind, self.V, self.H, self.L = config['kind'], config['V'], config['H'], config['L']
        saved = tr['train']
        if not isinstance(saved.get('options'), dict):
            raise UserError(f'checkpoint {path}: its training record is damaged (no options)')
        self.o = {'kernels': 'ts', 'dtype': 'f64', 'threads': 0, **saved['options']}
        if 'epochs' in self.given:
            self.o['epochs'] = self.a.epochs
        o = self.o
        if (o.get('model'), o.get('layers'), o.get('hidden')) != (self.kind, self.L, self.H):
            raise UserError('checkpoint: its training options do not match its model')
        known = set(self.vocab)
        missing = sorted(set(text) - known)
        if missing:
            raise UserError(f"the text has characters that the checkpoint's vocabulary lacks: {', '.join(repr(c) for c in missing[:10])}")
        self._text(text)
        if self.print != saved.get('data'):
            raise UserError(f"the text is not the one this run was trained on ({len(self.ids)} characters here, "
                            f"{str(saved.get('data')).split(':')[0]} then): resuming needs the same text")
        self.hs, self.cs = tr['state']
        if self.hs[0].shape[0] != o['batchSize']:
            raise UserError(f"checkpoint: carried state has {self.hs[0].shape[0]} streams but the run's batch size is {o['batchSize']}")
        hyper = tr['optimizer'].get('hyper')
        if tr['optimizer']['name'] != o.get('optim'):
            raise UserError(f"checkpoint {path}: its optimizer {tr['optimizer']['name']} is not its run's {o.get('optim')}")
        if not isinstance(hyper, dict) or set(hyper) != set(OPTIM_DEFAULTS[o['optim']]):
            raise UserError(f'checkpoint {path}: optimizer hyperparameters {hyper} do not fit {o["optim"]}')
        self.opt = {'name': o['optim'], 'hyper': hyper, 'steps': tr['optimizer']['steps'], 'slots': tr['optimizer']['slots']}
        self.rng = Rng(tr['rng'])
        p = saved.get('progress') or {}
        self.iteration, self.smooth, self.first = tr['iteration'], p.get('smoothLoss'), p.get('firstLoss')
        self.history = [{'iteration': r['iteration'], 'loss': r['loss']} for r in p.get('history', [])]
        if not isinstance(self.smooth, (int, float)):
            raise UserError(f'checkpoint {path}: its training record is damaged (smoothLoss)')

    def _text(self, text):
        index = {c: i for i, c in enumerate(self.vocab)}
        self.ids = torch.tensor([index[c] for c in text], dtype=torch.long)
        self.print = fingerprint(self.ids)
        self.train_ids, self.val_ids = split_data(self.ids, self.o['trainFrac'], self.o['valFrac'])

    # ---- one step (Trainer.step) ----

    def lr(self):
        o = self.o
        return learning_rate(o['lr'], o['lrDecay'], o['decayAfter'], self.iteration // self.chunks)

    def step(self):
        o, dev = self.o, self.device
        k = self.iteration % self.chunks
        if k == 0:
            self.hs = [torch.zeros_like(h) for h in self.hs]
            self.cs = [torch.zeros_like(c) for c in self.cs]
        inputs, targets = (x.to(dev) for x in self.stripes.batch(k, self.b0, self.b1))
        masks = None
        if o['dropout'] > 0:
            masks = dropout_masks(self.rng, self.L, self.T, self.B, self.H, o['dropout'])[:, :, self.b0:self.b1].to(dev, self.dtype)
        self.module.zero_grad(set_to_none=True)
        total, hs, cs = self.model(inputs, targets, self.hs, self.cs, masks)
        loss = total / (self.T * (self.b1 - self.b0))  # this rank's mean; DDP averages the gradients over ranks
        loss.backward()
        mean = loss.detach().to(torch.float64)
        if self.world > 1:
            dist.all_reduce(mean)
            mean /= self.world
        grads = [p.grad for _, p in self.named]
        finite = bool(torch.stack([torch.isfinite(g).all() for g in grads]).all())
        self._check(float(mean), finite)
        clip(grads, o['clipMode'], o['clip'])
        optimizer_step(self.opt, self.named, self.lr())
        self.hs, self.cs = [h.detach() for h in hs], [c.detach() for c in cs]
        self.iteration += 1
        self.last = float(mean)
        self.smooth = self.last if self.iteration == 1 else 0.99 * self.smooth + 0.01 * self.last

    def _check(self, loss, finite):
        at = f'at iteration {self.iteration + 1}'
        if not math.isfinite(loss):
            raise DivergedError(f'the loss became {loss} {at}: training diverged (try a lower --lr)')
        if not finite:
            raise DivergedError(f'a gradient became NaN or infinite {at}: training diverged (try a lower --lr)')
        if self.first is None:
            self.first = loss
        elif loss > 3 * self.first:
            raise DivergedError(f'the loss {loss:.3f} {at} is more than 3× the first loss {self.first:.3f}: training diverged (try a lower --lr)')

    @torch.no_grad()
    def validate(self):
        """Mean loss over the validation part from a zero state, no dropout; the streams shared among the ranks."""
        st = eval_stripes(self.val_ids, self.B, self.T)
        if st is None:
            return math.nan
        b0, b1 = self.rank * st.B // self.world, (self.rank + 1) * st.B // self.world
        total = torch.zeros((), dtype=torch.float64, device=self.device)
        if b1 > b0:
            hs = [torch.zeros(b1 - b0, self.H, dtype=self.dtype, device=self.device) for _ in range(self.L)]
            cs = [torch.zeros_like(h) for h in hs] if self.kind == 'lstm' else []
            for k in range(st.chunks):
                inputs, targets = (x.to(self.device) for x in st.batch(k, b0, b1))
                s, hs, cs = self.module(inputs, targets, hs, cs)
                total += s.to(torch.float64)
        if self.world > 1:
            dist.all_reduce(total)
        loss = float(total) / (st.chunks * st.T * st.B)
        if math.isfinite(loss):
            self.history.append({'iteration': self.iteration, 'loss': loss})
        return loss

    # ---- checkpoints (Trainer.checkpoint; rank 0 writes) ----

    def save(self, path):
        full = lambda x: self._gather(x).to('cpu', torch.float64)
        hs, cs = [full(h) for h in self.hs], [full(c) for c in self.cs]  # every rank takes part in the gather
        if self.rank != 0 or path is None:
            return
        params = {n: p.detach().to('cpu', torch.float64) for n, p in self.named}
        opt = {**self.opt, 'slots': {s: {n: t.to('cpu', torch.float64) for n, t in by.items()} for s, by in self.opt['slots'].items()}}
        progress = {'iteration': self.iteration, 'smoothLoss': self.smooth, 'firstLoss': self.first, 'history': self.history}
        train = {'options': self.o, 'data': self.print, 'progress': progress, 'epoch': self.iteration / self.chunks, 'lr': self.lr()}
        training = {'optimizer': opt, 'iteration': self.iteration, 'rng': self.rng.state(), 'state': (hs, cs), 'train': train}
        config = {'kind': self.kind, 'V': self.V, 'H': self.H, 'L': self.L}
        write_atomic(path, checkpoint_bytes(config, self.vocab, params, training, self.save_dtype))

    def _gather(self, x):
        if self.world == 1:
            return x
        parts = [torch.empty_like(x) for _ in range(self.world)]
        dist.all_gather(parts, x.contiguous())
        return torch.cat(parts)

    # ---- the loop (src/train/loop.ts trainLoop) ----

    def train(self):
        a, o = self.a, self.o
        total = o['epochs'] * self.chunks
        target = min(total, self.iteration + a.iters) if a.iters is not None else total
        best_path = None if self.checkpoint_path is None else best_path_for(self.checkpoint_path)
        say = (lambda msg: print(msg, flush=True)) if self.rank == 0 else (lambda msg: None)
        if not a.quiet:
            say(f"model: {self.L}-layer {self.kind.upper()}, {self.H} hidden, V {self.V}; batch {self.B} x seq {self.T} on {self.world} "
                f"rank(s) ({self.device.type}, {o['dtype']}); {self.chunks} iterations per epoch, {o['epochs']} epochs = {total}; "
                f"{'resuming ' + a.resume if a.resume else 'seed ' + str(o['seed'])} at iteration {self.iteration}")
        saved, session, start = None, 0, time.perf_counter()
        last_report = start

        def validate():
            before = min((r['loss'] for r in self.history), default=None)
            loss = self.validate()
            if math.isfinite(loss):
                best = before is None or loss < before
                if not a.quiet:
                    say(f"validation at iteration {self.iteration}: {loss:.4f} nats/char = {loss / math.log(2):.4f} bits/char{' (best so far)' if best else ''}")
                if best and best_path is not None:
                    self.save(best_path)

        def interrupted(*_):
            self.stop = True
        previous = signal.signal(signal.SIGINT, interrupted)
        why = 'finished'
        try:
            while True:
                if self.iteration >= total:
                    break
                if self._agree(self.stop or (a.time is not None and time.perf_counter() - start >= a.time)):
                    why = 'interrupted' if self.stop else 'time budget reached'
                    break
                if self.iteration >= target:
                    why = 'iteration budget reached'
                    break
                try:
                    self.step()
                except DivergedError as e:
                    path = self.checkpoint_path
                    kept = (f'; the last good checkpoint is {path} (iteration {saved})' if saved is not None
                            else '' if path is None else f'; {path} was not overwritten' if os.path.exists(path) else '; no checkpoint was written')
                    raise DivergedError(f'{e}{kept}') from None
                session += 1
                it = self.iteration
                evaluated = a.eval_every > 0 and it % a.eval_every == 0 and it < total
                if evaluated:
                    validate()
                if evaluated or (a.checkpoint_every > 0 and it % a.checkpoint_every == 0):
                    self.save(self.checkpoint_path)
                    saved = it
                now = time.perf_counter()
                if not a.quiet and now - last_report >= 2:
                    say(f'iteration {it}/{total} (epoch {it / self.chunks:.2f}): loss {self.last:.4f}, '
                        f'{session * self.T * self.B / (now - start):,.0f} chars/s')
                    last_report = now
            if session > 0 and (self.history[-1]['iteration'] if self.history else -1) != self.iteration:
                validate()
            elapsed = time.perf_counter() - start
            if saved != self.iteration:
                self.save(self.checkpoint_path)
        finally:
            signal.signal(signal.SIGINT, previous)
        best = min((r['loss'] for r in self.history), default=None)
        say(f"{why}: {session} iterations ({session * self.T * self.B:,} characters) in {elapsed:.1f} s, "
            f"{session * self.T * self.B / max(elapsed, 1e-9):,.0f} chars/s; iteration {self.iteration} of {total}, "
            f"train loss {self.smooth:.3f} nats/char" + (f', best validation {best:.4f} nats/char' if best is not None else ''))
        if self.checkpoint_path is not None:
            say(f'checkpoint saved to {self.checkpoint_path} (iteration {self.iteration})')
        return 130 if why == 'interrupted' else 0

    def _agree(self, flag):
        """True when any rank wants to stop (a signal or the time budget), so all ranks stop at the same iteration."""
        if self.world == 1:
            return flag
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item())

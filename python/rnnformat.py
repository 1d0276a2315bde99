"""What `rnn train` and this trainer must agree on bit for bit, written again in Python from the
TypeScript sources it mirrors (named on each part):

  init_params, dropout_masks   from the run's generator (xoshiro.py), in src/models/charrnn.ts's order
  read_text      UTF-8 (strict, BOM dropped), gzip recognised by its magic number (src/data/text.ts)
  vocabulary, split, stripes, fingerprint                     (src/data/vocab.ts, src/train/data.ts)
  safetensors and the checkpoint's metadata                   (src/checkpoint/)

Everything that is wrong with an input is a UserError with a one-line message.
"""
import gzip
import json
import math
import os
import secrets

import torch

FORMAT = 'rnn-from-scratch/2'
MAX_HEADER_BYTES = 100_000_000
GATES = {'rnn': 1, 'lstm': 4, 'gru': 3}
SLOTS = {'adagrad': ('mem',), 'rmsprop': ('sq',), 'adam': ('m', 'v')}
OPTIM_DEFAULTS = {'adagrad': {'eps': 1e-8}, 'rmsprop': {'alpha': 0.95, 'eps': 1e-8}, 'adam': {'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8}}
M32 = 0xFFFFFFFF


class UserError(Exception):
    """A problem with the input: printed as one line, exit code 1."""


def param_shapes(kind, V, H, L):
    """Every parameter with its shape, in state_dict order (the order the initial weights are drawn in)."""
    G = GATES[kind] * H
    out = []
    for l in range(L):
        out += [(f'rnn.weight_ih_l{l}', [G, V if l == 0 else H]), (f'rnn.weight_hh_l{l}', [G, H]),
                (f'rnn.bias_ih_l{l}', [G]), (f'rnn.bias_hh_l{l}', [G])]
    return out + [('decoder.weight', [V, H]), ('decoder.bias', [V])]


def init_params(kind, V, H, L, rng):
    """char-rnn's initialisation (src/models/charrnn.ts initParams): U(-0.08, 0.08), LSTM forget-gate input bias 1."""
    params = {}
    for name, shape in param_shapes(kind, V, H, L):
        n = 1
        for d in shape:
            n *= d
        params[name] = torch.from_numpy(-0.08 + 0.16 * rng.uniforms(n)).reshape(shape)
    if kind == 'lstm':
        for l in range(L):
            params[f'rnn.bias_ih_l{l}'][H:2 * H] = 1.0
    return params


def dropout_masks(rng, L, T, B, H, p):
    """Inverted-dropout masks for one chunk, all B streams, drawn layer by layer in time-major order: (L, T, B, H)."""
    keep = 1 / (1 - p)
    u = torch.from_numpy(rng.uniforms(L * T * B * H)).reshape(L, T, B, H)
    return torch.where(u < p, torch.zeros((), dtype=torch.float64), torch.full((), keep, dtype=torch.float64))


# ---- the text (src/data/text.ts, vocab.ts; src/train/data.ts) ----

def read_text(path):
    try:
        if os.path.isdir(path):
            raise UserError(f'{path} is a directory, not a text file')
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        raise UserError(f'no such file: {path}') from None
    except PermissionError:
        raise UserError(f'cannot read {path}: permission denied') from None
    if data[:2] == b'\x1f\x8b':
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise UserError(f'{path} starts like a gzip file but cannot be decompressed: {e}') from None
    bom = 3 if data[:3] == b'\xef\xbb\xbf' else 0
    if len(data) == bom:
        raise UserError(f'{path} is empty')
    try:
        return data[bom:].decode('utf-8', errors='strict')
    except UnicodeDecodeError as e:
        raise UserError(f'{path} is not valid UTF-8 text: byte 0x{data[bom + e.start]:02X} at offset {bom + e.start}') from None


def vocab_of(text):
    """The distinct code points, sorted by code point (Python's str order is code-point order)."""
    return sorted(set(text))


def split_data(ids, train, val):
    n = len(ids)
    n_train = math.floor(n * train)
    n_val = n - n_train if train + val >= 1 - 1e-9 else min(n - n_train, math.floor(n * val))
    return ids[:n_train], ids[n_train:n_train + n_val]


def fingerprint(ids):
    """FNV-1a over the ids' four little-endian bytes each: resuming checks that the text is the same."""
    h = 0x811C9DC5
    for v in ids.tolist():
        for _ in range(4):
            h = ((h ^ (v & 0xFF)) * 0x01000193) & M32
            v >>= 8
    return f'{len(ids)}:{h:08x}'


class Stripes:
    """ids read as B contiguous stripes of S = ⌊(n − 1)/B⌋, T at a time; chunk k of stream b starts at b·S + k·T."""

    def __init__(self, ids, B, T, what='the training text'):
        self.ids, self.B, self.T = ids, B, T
        self.S = (len(ids) - 1) // B
        self.chunks = self.S // T
        if self.chunks < 1:
            raise UserError(f'{what} has {len(ids)} characters: too short for batch {B} × seq {T} '
                            f'(needs at least {B * T + 1}); use a smaller --batch or --seq')

    def batch(self, k, b0=0, b1=None):
        """Chunk k of streams b0..b1, time-major (T, b): inputs and targets."""
        b1 = self.B if b1 is None else b1
        starts = torch.arange(b0, b1) * self.S + k * self.T
        at = starts[None, :] + torch.arange(self.T)[:, None]
        return self.ids[at], self.ids[at + 1]


def eval_stripes(ids, B, T):
    """Validation stripes: B streams if the text allows, fewer (down to one, with a shorter T) when it is short."""
    if len(ids) < 2:
        return None
    b = max(1, min(B, (len(ids) - 1) // T))
    return Stripes(ids, b, min(T, len(ids) - 1), 'the validation text')


# ---- safetensors and checkpoints (src/checkpoint/) ----

def encode_safetensors(tensors, metadata):
    """tensors: name -> (tensor, 'F64' | 'F32'); written in sorted name order, header padded to 8 bytes."""
    header, chunks, offset = {'__metadata__': metadata}, [], 0
    for name in sorted(tensors):
        t, dtype = tensors[name]
        b = t.detach().to('cpu', torch.float64 if dtype == 'F64' else torch.float32).contiguous().numpy().astype('<f8' if dtype == 'F64' else '<f4').tobytes()
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    head = json.dumps(header, separators=(',', ':'), ensure_ascii=False, allow_nan=False).encode()
    head += b' ' * (-len(head) % 8)
    return len(head).to_bytes(8, 'little') + head + b''.join(chunks)


def decode_safetensors(data, what):
    def fail(msg):
        raise UserError(f'{what}: {msg}')
    if len(data) < 8:
        fail(f'truncated ({len(data)} bytes)')
    n = int.from_bytes(data[:8], 'little')
    if n > MAX_HEADER_BYTES:
        fail(f'header length {n} is larger than the {MAX_HEADER_BYTES}-byte limit (not a safetensors file?)')
    if 8 + n > len(data):
        fail(f'truncated (header says {8 + n} bytes of length and header, file has {len(data)})')
    try:
        header = json.loads(data[8:8 + n].decode('utf-8'))
    except (UnicodeDecodeError, ValueError):
        fail('bad header: not UTF-8 JSON')
    if not isinstance(header, dict):
        fail('bad header: not a JSON object')
    metadata = header.pop('__metadata__', {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        fail('bad header: __metadata__ is not an object of strings')
    buf, tensors = memoryview(data)[8 + n:], {}
    for name, e in header.items():
        try:
            dtype, shape, (b, end) = e['dtype'], [int(d) for d in e['shape']], e['data_offsets']
            size = {'F64': 8, 'F32': 4}[dtype]
        except (KeyError, TypeError, ValueError):
            fail(f"tensor '{name}' has a bad header entry (only F64 and F32 tensors are supported)")
        count = 1
        for d in shape:
            count *= d
        if not (0 <= b <= end <= len(buf)) or end - b != count * size:
            fail(f"tensor '{name}' has data_offsets [{b}, {end}] that do not fit shape {shape} in a {len(buf)}-byte buffer")
        t = torch.frombuffer(bytearray(buf[b:end]), dtype=torch.float64 if dtype == 'F64' else torch.float32) if count else torch.zeros(0)
        tensors[name] = t.to(torch.float64).reshape(shape)
    return tensors, metadata


def load_checkpoint(path):
    """One of our training checkpoints: (config, vocab, params, training) with everything checked."""
    what = f'checkpoint {path}'

    def fail(msg):
        raise UserError(f'{what}: {msg}')
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        raise UserError(f'no such file: {path}') from None
    except (IsADirectoryError, PermissionError) as e:
        raise UserError(f'cannot read {path}: {e.strerror}') from None
    tensors, meta = decode_safetensors(data, what)
    if meta.get('format') != FORMAT:
        fail(f"has format {json.dumps(meta.get('format'))}, expected {FORMAT} (a model-only file cannot be resumed)")
    if 'optimizer' not in meta:
        fail('holds a model only (no optimizer or training state), so it cannot be resumed')
    try:
        config, vocab = json.loads(meta['config']), json.loads(meta['vocab'])
        optimizer, iteration = json.loads(meta['optimizer']), json.loads(meta['iteration'])
        rng, train = json.loads(meta['rng']), json.loads(meta['train'])
    except (KeyError, ValueError) as e:
        fail(f'metadata is missing or not JSON ({e})')
    kind, V, H, L = config.get('kind'), config.get('vocabSize'), config.get('hiddenSize'), config.get('layers')
    if kind not in GATES or not all(isinstance(x, int) and x >= 1 for x in (V, H, L)):
        fail(f'bad config {json.dumps(config)}')
    if not (isinstance(vocab, list) and len(vocab) == V and len(set(vocab)) == V and all(isinstance(c, str) and len(c) == 1 for c in vocab)):
        fail(f'the vocabulary is not {V} distinct characters')
    name = optimizer.get('name')
    if name not in SLOTS:
        fail(f'optimizer {json.dumps(name)} is not supported (expects one of {", ".join(SLOTS)})')
    if not (isinstance(rng, list) and len(rng) == 4 and all(isinstance(v, int) and 0 <= v <= M32 for v in rng)):
        fail(f"metadata 'rng' is {json.dumps(rng)}, expected four unsigned 32-bit integers")

    def take(tname, shape):
        t = tensors.pop(tname, None)
        if t is None:
            fail(f"tensor '{tname}' is missing")
        if list(t.shape) != list(shape):
            fail(f"tensor '{tname}' has shape {list(t.shape)}, expected {list(shape)}")
        if not torch.isfinite(t).all():
            fail(f"tensor '{tname}' contains NaN or infinite values")
        return t
    shapes = param_shapes(kind, V, H, L)
    params = {n: take(n, s) for n, s in shapes}
    slots = {s: {n: take(f'optim.{s}.{n}', sh) for n, sh in shapes if f'optim.{s}.{n}' in tensors} for s in SLOTS[name]}
    h0 = tensors.get('state.h_l0')
    if h0 is None or h0.dim() != 2:
        fail("tensor 'state.h_l0' is missing or not 2-D")
    B = h0.shape[0]
    state = [take(f'state.h_l{l}', [B, H]) for l in range(L)]
    cells = [take(f'state.c_l{l}', [B, H]) for l in range(L)] if kind == 'lstm' else []
    if tensors:
        fail(f"unexpected tensor '{sorted(tensors)[0]}'")
    training = {'optimizer': {**optimizer, 'slots': slots}, 'iteration': iteration, 'rng': rng, 'state': (state, cells), 'train': train}
    return {'kind': kind, 'V': V, 'H': H, 'L': L}, vocab, params, training


def checkpoint_bytes(config, vocab, params, training, dtype):
    """The file `rnn train` writes (src/checkpoint/checkpoint.ts encodeCheckpoint); dtype 'F64' or 'F32'."""
    tensors = {n: (t, dtype) for n, t in params.items()}
    opt = training['optimizer']
    for slot, by_param in opt['slots'].items():
        for n, t in by_param.items():
            tensors[f'optim.{slot}.{n}'] = (t, dtype)
    hs, cs = training['state']
    for l, h in enumerate(hs):
        tensors[f'state.h_l{l}'] = (h, dtype)
    for l, c in enumerate(cs):
        tensors[f'state.c_l{l}'] = (c, dtype)
    dump = lambda x: json.dumps(x, separators=(',', ':'), ensure_ascii=False, allow_nan=False)
    metadata = {
        'format': FORMAT,
        'config': dump({'kind': config['kind'], 'vocabSize': config['V'], 'hiddenSize': config['H'], 'layers': config['L']}),
        'vocab': dump(vocab),
        'optimizer': dump({'name': opt['name'], 'hyper': opt['hyper'], 'steps': opt['steps']}),
        'iteration': dump(training['iteration']),
        'rng': dump(training['rng']),
        'train': dump(training['train']),
    }
    return encode_safetensors(tensors, metadata)


def write_atomic(path, data):
    """Temporary file beside `path`, flushed to disk, renamed over it: a crash leaves the old file or the new one."""
    directory = os.path.dirname(path) or '.'
    tmp = f'{path}.tmp-{os.getpid()}-{secrets.token_hex(6)}'
    try:
        os.makedirs(directory, exist_ok=True)
        with open(tmp, 'xb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise UserError(f'cannot save checkpoint: cannot write {path}: {e.strerror}') from None
    try:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass  # best effort: the data is already in the renamed file


def best_path_for(path):
    """checkpoints/model.safetensors -> checkpoints/model.best.safetensors (as rnn train)."""
    head, base = os.path.split(path)
    stem, ext = os.path.splitext(base)
    return os.path.join(head, f'{stem}.best{ext}') if stem and ext else f'{path}.best'

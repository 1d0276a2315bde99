// Checkpoints (format rnn-from-scratch/2): a plain safetensors file whose tensors are the PyTorch
// state_dict of the CharRNN module, the optimizer's slots and the carried state, with the rest as
// metadata; model-only files written by PyTorch load too. Saving is atomic and refuses anything
// that would not load back; every bad file is a one-line UserError that names the problem.
//
// Dimensions: V vocabulary, H hidden size, L layers, B streams, G gates (rnn 1, gru 3, lstm 4).
//
// Independent references: the expected tensor names and shapes are written out here by hand from
// PyTorch's documentation of nn.RNN/nn.LSTM/nn.GRU (not taken from paramShapes), and two files
// written by PyTorch itself (test/fixtures/pytorch/lstm-torch*.safetensors) must load.

import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, type Checkpoint, decodeCheckpoint, encodeCheckpoint } from '../src/checkpoint/checkpoint.ts';
import { type Dtype, decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, type StoredTensor } from '../src/checkpoint/safetensors.ts';
import { Rng } from '../src/engine/random.ts';
import { Tensor } from '../src/engine/tensor.ts';
import { UserError } from '../src/errors.ts';
import { checkCheckpointPath as checkFromIndex } from '../src/index.ts';
import { type CellKind, type CharRNNConfig, initParams, type State } from '../src/models/charrnn.ts';
import { loadCheckpoint, saveCheckpoint } from '../src/node/checkpoint.ts';
import { checkCheckpointPath } from '../src/node/write.ts';
import { makeOptimizer, OPTIM_DEFAULTS, type OptimizerState, type OptimName, restoreOptimizer } from '../src/optim/optim.ts';

const KINDS: CellKind[] = ['rnn', 'lstm', 'gru'];
const OPTIMS: OptimName[] = ['adagrad', 'rmsprop', 'adam'];
/** Gates per cell, from PyTorch's docs: weight_hh_l0 is (G·H, H). */
const G: Record<CellKind, number> = { rnn: 1, gru: 3, lstm: 4 };
/** Slots per optimizer, from the update rules in optim.ts's header. */
const SLOTS: Record<OptimName, string[]> = { adagrad: ['mem'], rmsprop: ['sq'], adam: ['m', 'v'] };
/** Newline, space, ASCII, Chinese and an emoji (two UTF-16 units, one character). */
const VOCAB = ['\n', ' ', 'e', '中', '文', '😀'];

type Tensors = Record<string, StoredTensor & { dtype?: Dtype }>;

/** The PyTorch state_dict names and shapes, written out by hand (not from paramShapes). */
function torchShapes(kind: CellKind, V: number, H: number, L: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (let l = 0; l < L; l++) {
    out[`rnn.weight_ih_l${l}`] = [G[kind] * H, l === 0 ? V : H];
    out[`rnn.weight_hh_l${l}`] = [G[kind] * H, H];
    out[`rnn.bias_ih_l${l}`] = [G[kind] * H];
    out[`rnn.bias_hh_l${l}`] = [G[kind] * H];
  }
  out['decoder.weight'] = [V, H];
  out['decoder.bias'] = [V];
  return out;
}

interface Options {
  kind?: CellKind;
  optim?: OptimName;
  vocab?: string[];
  H?: number;
  L?: number;
  B?: number;
  seed?: number;
}

/** A full training checkpoint with every field filled with distinct, non-trivial values. */
function makeCheckpoint({ kind = 'lstm', optim = 'adam', vocab = VOCAB, H = 3, L = 2, B = 3, seed = 1 }: Options = {}): Checkpoint {
  const rng = new Rng(seed);
  const config: CharRNNConfig = { kind, vocabSize: vocab.length, hiddenSize: H, layers: L };
  const params = initParams(config, rng);
  for (const t of Object.values(params)) for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  const slots: OptimizerState['slots'] = {};
  for (const slot of SLOTS[optim]) {
    slots[slot] = {};
    // m is a signed average of gradients; mem, sq and v are (averages of) squares.
    for (const [name, t] of Object.entries(params)) slots[slot][name] = Float64Array.from(t.data, () => (slot === 'm' ? rng.normal() : 10 * rng.uniform()));
  }
  const layer = () => Float64Array.from({ length: B * H }, () => Math.tanh(rng.normal()));
  const state: State = { h: Array.from({ length: L }, layer), c: kind === 'lstm' ? Array.from({ length: L }, () => layer().map((x) => 3 * x)) : [] };
  return {
    config,
    vocab,
    params,
    training: {
      optimizer: { name: optim, hyper: { ...OPTIM_DEFAULTS[optim] }, steps: 4321, slots },
      iteration: 2 ** 40 + 3,
      rngState: rng.state(),
      state,
      train: {
        seqLength: 25,
        lr: 2e-3,
        dropout: 0.5,
        smoothLoss: 1.2345678901234567,
        data: { path: 'input.txt', chars: 1115394 },
        losses: [4.17, 2.5, null],
        note: '中文 😀\n',
      },
    },
  };
}

const modelOnly = ({ config, vocab, params }: Checkpoint): Checkpoint => ({ config, vocab, params });

/** Field-by-field comparison; `round` is applied to the expected tensor values (identity, or Math.fround for F32). */
function expectSame(got: Checkpoint, want: Checkpoint, round: (x: number) => number = (x) => x): void {
  const arr = (a: ArrayLike<number>): number[] => Array.from(a, round);
  expect(got.config).toEqual(want.config);
  expect(got.vocab).toEqual(want.vocab);
  expect(Object.keys(got.params).sort()).toEqual(Object.keys(want.params).sort());
  for (const [name, t] of Object.entries(want.params)) {
    expect(got.params[name]).toBeInstanceOf(Tensor);
    expect(got.params[name].shape).toEqual(t.shape);
    expect(Array.from(got.params[name].data)).toEqual(arr(t.data));
  }
  if (!want.training) {
    expect('training' in got).toBe(false);
    return;
  }
  const g = got.training!,
    w = want.training;
  expect([g.optimizer.name, g.optimizer.hyper, g.optimizer.steps]).toEqual([w.optimizer.name, w.optimizer.hyper, w.optimizer.steps]);
  expect(Object.keys(g.optimizer.slots).sort()).toEqual(Object.keys(w.optimizer.slots).sort());
  for (const [slot, byParam] of Object.entries(w.optimizer.slots)) {
    expect(Object.keys(g.optimizer.slots[slot]).sort()).toEqual(Object.keys(byParam).sort());
    for (const [name, a] of Object.entries(byParam)) expect(Array.from(g.optimizer.slots[slot][name])).toEqual(arr(a));
  }
  expect(g.state.h.map((a) => Array.from(a))).toEqual(w.state.h.map(arr));
  expect(g.state.c.map((a) => Array.from(a))).toEqual(w.state.c.map(arr));
  expect(g.iteration).toBe(w.iteration);
  expect(g.rngState).toEqual(w.rngState);
  expect(g.train).toEqual(w.train);
}

/** Re-encode a valid checkpoint's tensors and metadata after `edit`, bypassing encodeCheckpoint's checks. */
function tampered(edit: (t: Tensors, m: Record<string, string>) => void, c: Checkpoint = makeCheckpoint()): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(encodeCheckpoint(c));
  edit(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}

const zeros = (...shape: number[]): StoredTensor => ({ shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)) });

/** A module-only file as PyTorch's `save_file(model.state_dict(), path, metadata)` writes it: F32. */
function torchFile(kind: CellKind, V: number, H: number, L: number, metadata?: Record<string, string>, seed = 3): Uint8Array {
  const rng = new Rng(seed);
  const tensors: Tensors = {};
  for (const [name, shape] of Object.entries(torchShapes(kind, V, H, L))) {
    tensors[name] = { shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform() - 0.5), dtype: 'F32' };
  }
  return encodeSafetensors(tensors, metadata);
}

/** Runs f, expects a UserError with a one-line message matching `message`, and returns the message. */
function expectUserError(f: () => unknown, message: string | RegExp): string {
  let caught: unknown = null;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UserError);
  const msg = (caught as Error).message;
  expect(msg).not.toContain('\n');
  if (typeof message === 'string') expect(msg).toBe(message);
  else expect(msg).toMatch(message);
  return msg;
}

const LSTM2 = 'a 2-layer lstm with V=6, H=3'; // how errors describe makeCheckpoint()'s default config

describe('round trip', () => {
  it('every field of a training checkpoint, each cell with each optimizer, exactly in F64', () => {
    for (const kind of KINDS) {
      for (const optim of OPTIMS) {
        const c = makeCheckpoint({ kind, optim, seed: KINDS.indexOf(kind) * 3 + OPTIMS.indexOf(optim) + 1 });
        const got = decodeCheckpoint(encodeCheckpoint(c), 'ck');
        expectSame(got, c);
        expectSame(decodeCheckpoint(encodeCheckpoint(c, 'F64'), 'ck'), c);
        expect(restoreOptimizer(got.training!.optimizer).name).toBe(optim); // what a resume does with it
      }
    }
  });

  it('in F32 every tensor comes back as Math.fround of the original, the metadata exactly', () => {
    for (const kind of KINDS) {
      const c = makeCheckpoint({ kind, optim: OPTIMS[KINDS.indexOf(kind)], seed: 20 + KINDS.indexOf(kind) });
      const got = decodeCheckpoint(encodeCheckpoint(c, 'F32'), 'ck');
      expectSame(got, c, Math.fround);
      // Not vacuous: the values really were rounded.
      expect(Array.from(got.params['decoder.weight'].data)).not.toEqual(Array.from(c.params['decoder.weight'].data));
    }
  });

  it('a single layer and a single stream, a vocabulary in any order', () => {
    const c = makeCheckpoint({ kind: 'gru', optim: 'rmsprop', L: 1, B: 1, H: 2, vocab: ['😀', 'z', '\n', '中', ' '] });
    expectSame(decodeCheckpoint(encodeCheckpoint(c), 'ck'), c);
  });

  it('an optimizer saved before its first step (slots with no tensors) comes back with its empty slots and resumes', () => {
    for (const optim of OPTIMS) {
      const c = makeCheckpoint({ kind: 'rnn', optim, L: 1 });
      c.training!.optimizer = makeOptimizer(optim).state(); // { m: {}, v: {} } for adam
      c.training!.iteration = 0;
      const got = decodeCheckpoint(encodeCheckpoint(c), 'ck');
      expectSame(got, c);
      expect(Object.keys(got.training!.optimizer.slots).sort()).toEqual([...SLOTS[optim]].sort());
      expect(() => restoreOptimizer(got.training!.optimizer)).not.toThrow();
    }
  });

  it('a model-only checkpoint (no training) round trips and has no training field', () => {
    for (const kind of KINDS) {
      const c = modelOnly(makeCheckpoint({ kind, seed: 30 }));
      const got = decodeCheckpoint(encodeCheckpoint(c), 'ck');
      expectSame(got, c);
      expect(got).not.toHaveProperty('training');
    }
  });
});

describe('file layout', () => {
  it('is a plain safetensors file: state_dict names, optim.<slot>.<param>, state.h_l<l>/state.c_l<l>, with their shapes', () => {
    const c = makeCheckpoint({ kind: 'lstm', optim: 'adam', H: 3, L: 2, B: 3 }); // V = 6
    const { tensors, metadata } = decodeSafetensors(encodeCheckpoint(c));
    const module = [
      'rnn.weight_ih_l0',
      'rnn.weight_hh_l0',
      'rnn.bias_ih_l0',
      'rnn.bias_hh_l0',
      'rnn.weight_ih_l1',
      'rnn.weight_hh_l1',
      'rnn.bias_ih_l1',
      'rnn.bias_hh_l1',
      'decoder.weight',
      'decoder.bias',
    ];
    const names = [
      ...module,
      ...module.map((n) => `optim.m.${n}`),
      ...module.map((n) => `optim.v.${n}`),
      'state.h_l0',
      'state.h_l1',
      'state.c_l0',
      'state.c_l1',
    ];
    expect(Object.keys(tensors).sort()).toEqual(names.sort());
    const shapes: Record<string, number[]> = {
      'rnn.weight_ih_l0': [12, 6],
      'rnn.weight_hh_l0': [12, 3],
      'rnn.bias_ih_l0': [12],
      'rnn.bias_hh_l0': [12],
      'rnn.weight_ih_l1': [12, 3],
      'rnn.weight_hh_l1': [12, 3],
      'rnn.bias_ih_l1': [12],
      'rnn.bias_hh_l1': [12],
      'decoder.weight': [6, 3],
      'decoder.bias': [6],
    };
    for (const [name, shape] of Object.entries(shapes)) {
      for (const stored of [name, `optim.m.${name}`, `optim.v.${name}`]) expect([stored, tensors[stored].shape]).toEqual([stored, shape]);
    }
    for (const s of ['state.h_l0', 'state.h_l1', 'state.c_l0', 'state.c_l1']) expect([s, tensors[s].shape]).toEqual([s, [3, 3]]); // (B, H)
    for (const t of Object.values(tensors)) expect(t.dtype).toBe('F64');
    // The values are where the names say: state.c_l1 is layer 1's cell, row-major (B, H).
    expect(Array.from(tensors['state.c_l1'].data)).toEqual(Array.from(c.training!.state.c[1]));
    expect(Array.from(tensors['optim.v.rnn.bias_hh_l1'].data)).toEqual(Array.from(c.training!.optimizer.slots.v['rnn.bias_hh_l1']));

    expect(Object.keys(metadata).sort()).toEqual(['config', 'format', 'iteration', 'optimizer', 'rng', 'train', 'vocab']);
    expect(metadata.format).toBe('rnn-from-scratch/2');
    expect(CHECKPOINT_FORMAT).toBe('rnn-from-scratch/2');
    expect(JSON.parse(metadata.config)).toEqual({ kind: 'lstm', vocabSize: 6, hiddenSize: 3, layers: 2 });
    expect(JSON.parse(metadata.vocab)).toEqual(VOCAB);
    expect(JSON.parse(metadata.optimizer)).toEqual({ name: 'adam', hyper: { beta1: 0.9, beta2: 0.999, eps: 1e-8 }, steps: 4321 });
    expect(JSON.parse(metadata.iteration)).toBe(2 ** 40 + 3);
    expect(JSON.parse(metadata.rng)).toEqual(c.training!.rngState);
    expect(JSON.parse(metadata.train)).toEqual(c.training!.train);
  });

  it('rnn and gru files hold no state.c; rmsprop and adagrad have their one slot', () => {
    for (const [kind, optim, slot] of [
      ['rnn', 'rmsprop', 'sq'],
      ['gru', 'adagrad', 'mem'],
    ] as const) {
      const { tensors } = decodeSafetensors(encodeCheckpoint(makeCheckpoint({ kind, optim, H: 2, L: 2, B: 3 })));
      const module = Object.keys(torchShapes(kind, 6, 2, 2));
      expect(Object.keys(tensors).sort()).toEqual([...module, ...module.map((n) => `optim.${slot}.${n}`), 'state.h_l0', 'state.h_l1'].sort());
      for (const [name, shape] of Object.entries(torchShapes(kind, 6, 2, 2))) expect([name, tensors[name].shape]).toEqual([name, shape]);
      expect(tensors['state.h_l1'].shape).toEqual([3, 2]);
    }
  });

  it('a model-only file holds exactly the state_dict and format, config and vocab; F32 when asked', () => {
    const c = modelOnly(makeCheckpoint({ kind: 'gru', H: 4, L: 3 }));
    const { tensors, metadata } = decodeSafetensors(encodeCheckpoint(c, 'F32'));
    expect(Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, t.shape]))).toEqual(torchShapes('gru', 6, 4, 3));
    for (const t of Object.values(tensors)) expect(t.dtype).toBe('F32');
    expect(Object.keys(metadata).sort()).toEqual(['config', 'format', 'vocab']);
  });

  it('has the same tensor names and shapes as the file PyTorch saved from its CharRNN module', () => {
    const torch = decodeSafetensors(readFileSync(new URL('./fixtures/pytorch/lstm-torch.safetensors', import.meta.url)));
    const ours = decodeSafetensors(encodeCheckpoint(modelOnly(makeCheckpoint({ kind: 'lstm', vocab: [...'abcdefghijklmnopqrstuvwxyzABC'], H: 8, L: 2 }))));
    const shapes = (f: typeof ours) => Object.fromEntries(Object.entries(f.tensors).map(([n, t]) => [n, t.shape]));
    expect(shapes(ours)).toEqual(shapes(torch));
  });
});

describe('files written by PyTorch (model only, no format metadata)', () => {
  it('infer the config (kind from weight_hh_l0 rows/columns, layers counted, V from decoder.weight)', () => {
    for (const kind of KINDS) {
      for (const L of [1, 2, 3]) {
        const bytes = torchFile(kind, 6, 4, L, { vocab: JSON.stringify(VOCAB) });
        const got = decodeCheckpoint(bytes, 'pt');
        expect(got.config).toEqual({ kind, vocabSize: 6, hiddenSize: 4, layers: L });
        expect(got.vocab).toEqual(VOCAB);
        expect(got).not.toHaveProperty('training');
        // F32 values widened exactly.
        const raw = decodeSafetensors(bytes).tensors;
        for (const [name, shape] of Object.entries(torchShapes(kind, 6, 4, L))) {
          expect(got.params[name].shape).toEqual(shape);
          expect(Array.from(got.params[name].data)).toEqual(Array.from(raw[name].data));
        }
      }
    }
  });

  it('without a vocabulary need --vocab; with opts.vocab they load; the size must match; any order is kept', () => {
    const bare = torchFile('gru', 6, 3, 2);
    expect(decodeSafetensors(bare).metadata).toEqual({});
    expectUserError(() => decodeCheckpoint(bare, 'pt'), /^pt: has no vocabulary in its metadata; give one with --vocab .*6 characters/);
    expect(decodeCheckpoint(bare, 'pt', { vocab: VOCAB }).vocab).toEqual(VOCAB);
    expectUserError(() => decodeCheckpoint(bare, 'pt', { vocab: VOCAB.slice(1) }), "pt: the vocabulary has 5 characters but the model's is 6");
    expectUserError(() => decodeCheckpoint(bare, 'pt', { vocab: [...VOCAB, 'x'] }), "pt: the vocabulary has 7 characters but the model's is 6");
    const shuffled = ['😀', 'e', '\n', '文', ' ', '中'];
    expect(decodeCheckpoint(bare, 'pt', { vocab: shuffled }).vocab).toEqual(shuffled);
    expect(decodeCheckpoint(torchFile('gru', 6, 3, 2, { vocab: JSON.stringify(shuffled) }), 'pt').vocab).toEqual(shuffled);
    // A vocabulary given by the caller overrides the file's.
    expect(decodeCheckpoint(torchFile('gru', 6, 3, 2, { vocab: JSON.stringify(VOCAB) }), 'pt', { vocab: shuffled }).vocab).toEqual(shuffled);
    expectUserError(() => decodeCheckpoint(bare, 'pt', { vocab: ['a', 'a', 'b', 'c', 'd', 'e'] }), 'pt: bad vocabulary: vocabulary lists "a" twice');
  });

  it('the real files saved by PyTorch load, with and without the vocabulary', () => {
    const dir = new URL('./fixtures/pytorch/', import.meta.url);
    const vocab = JSON.parse(readFileSync(new URL('lstm-torch-vocab.json', dir), 'utf8')) as string[];
    const withVocab = loadCheckpoint(new URL('lstm-torch.safetensors', dir).pathname);
    expect(withVocab.config).toEqual({ kind: 'lstm', vocabSize: 29, hiddenSize: 8, layers: 2 });
    expect(withVocab.vocab).toEqual(vocab);
    const bare = new URL('lstm-torch-novocab.safetensors', dir).pathname;
    expectUserError(() => loadCheckpoint(bare), /--vocab/);
    expectSame(loadCheckpoint(bare, { vocab }), withVocab);
  });

  it('a foreign file that is not a CharRNN is refused as such', () => {
    const cases: [Tensors, RegExp][] = [
      [{ x: zeros(1) }, /^pt: not a CharRNN model: expected tensors rnn\.weight_hh_l0 and decoder\.weight/],
      [
        { 'rnn.weight_hh_l0': zeros(5, 3), 'decoder.weight': zeros(2, 3) },
        /^pt: not a CharRNN model: rnn\.weight_hh_l0 has shape \[5,3\]: rows must be 1, 3 or 4 times/,
      ],
      [{ 'rnn.weight_hh_l0': zeros(12), 'decoder.weight': zeros(2, 3) }, /^pt: not a CharRNN model/],
      // Zero hidden units or an empty vocabulary is no model either.
      [
        {
          'rnn.weight_ih_l0': zeros(0, 2),
          'rnn.weight_hh_l0': zeros(0, 0),
          'rnn.bias_ih_l0': zeros(0),
          'rnn.bias_hh_l0': zeros(0),
          'decoder.weight': zeros(2, 0),
          'decoder.bias': zeros(2),
        },
        /^pt: not a CharRNN model/,
      ],
      [
        {
          'rnn.weight_ih_l0': zeros(2, 0),
          'rnn.weight_hh_l0': zeros(2, 2),
          'rnn.bias_ih_l0': zeros(2),
          'rnn.bias_hh_l0': zeros(2),
          'decoder.weight': zeros(0, 2),
          'decoder.bias': zeros(0),
        },
        /^pt: not a CharRNN model/,
      ],
    ];
    for (const [tensors, message] of cases) expectUserError(() => decodeCheckpoint(encodeSafetensors(tensors, { vocab: '["a","b"]' }), 'pt'), message);
    // A whole module plus something else, or with one layer's tensor misshapen.
    const t = decodeSafetensors(torchFile('lstm', 6, 3, 2)).tensors;
    expectUserError(
      () => decodeCheckpoint(encodeSafetensors({ ...t, 'fc.weight': zeros(2, 2) }), 'pt', { vocab: VOCAB }),
      "pt: unexpected tensor 'fc.weight' for a 2-layer lstm with V=6, H=3",
    );
    expectUserError(
      () => decodeCheckpoint(encodeSafetensors({ ...t, 'rnn.weight_ih_l1': zeros(12, 4) }), 'pt', { vocab: VOCAB }),
      "pt: tensor 'rnn.weight_ih_l1' has shape [12, 4], expected [12, 3] for a 2-layer lstm with V=6, H=3",
    );
    // Without `format`, optimizer and state tensors mean nothing: they are unexpected.
    expectUserError(
      () =>
        decodeCheckpoint(
          tampered((_, m) => delete m.format),
          'ck',
        ),
      /^ck: unexpected tensor '(optim|state)\./,
    );
  });
});

describe('bad checkpoints: one-line UserErrors that name the problem', () => {
  const good = encodeCheckpoint(makeCheckpoint());
  const n = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true)); // JSON header length

  it('truncated files, cut at many points', () => {
    for (const cut of [0, 1, 7])
      expectUserError(() => decodeCheckpoint(good.subarray(0, cut), 'ck'), `ck is truncated (${cut} bytes; even the 8-byte header length is incomplete)`);
    for (const cut of [8, 9, 8 + (n >> 1), 8 + n - 1]) {
      expectUserError(
        () => decodeCheckpoint(good.subarray(0, cut), 'ck'),
        `ck is truncated (header says ${8 + n} bytes of length and JSON header, file has ${cut})`,
      );
    }
    for (const cut of [8 + n, 8 + n + 1, 8 + n + 100, good.length - 8, good.length - 1]) {
      expectUserError(() => decodeCheckpoint(good.subarray(0, cut), 'ck'), /^ck: tensor '.*' has data_offsets \[\d+, \d+\] beyond the \d+-byte data buffer$/);
    }
  });

  it('a header length larger than the file, or over the cap', () => {
    const long = good.slice();
    new DataView(long.buffer).setBigUint64(0, BigInt(good.length), true);
    expectUserError(
      () => decodeCheckpoint(long, 'ck'),
      `ck is truncated (header says ${8 + good.length} bytes of length and JSON header, file has ${good.length})`,
    );
    // Only the 8-byte length is crafted: nothing near MAX_HEADER_BYTES is allocated.
    for (const big of [BigInt(MAX_HEADER_BYTES) + 1n, 2n ** 64n - 1n]) {
      const bytes = new Uint8Array(16).fill(0x20);
      new DataView(bytes.buffer).setBigUint64(0, big, true);
      expectUserError(
        () => decodeCheckpoint(bytes, 'ck'),
        `ck: header length ${big} is larger than the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`,
      );
    }
  });

  it('a header that is not JSON, or not UTF-8', () => {
    const bad = good.slice();
    bad.set(new TextEncoder().encode('{"a": '), 8);
    expectUserError(() => decodeCheckpoint(bad, 'ck'), /^ck: bad header: not JSON \(/);
    bad[9] = 0xff;
    expectUserError(() => decodeCheckpoint(bad, 'ck'), 'ck: bad header: not UTF-8');
  });

  it('a missing tensor, by name', () => {
    for (const name of ['rnn.weight_hh_l1', 'decoder.bias', 'state.c_l1', 'state.h_l1']) {
      expectUserError(
        () =>
          decodeCheckpoint(
            tampered((t) => delete t[name]),
            'ck',
          ),
        `ck: tensor '${name}' is missing (expected for ${LSTM2})`,
      );
    }
    expectUserError(
      () =>
        decodeCheckpoint(
          tampered((t) => delete t['state.h_l0']),
          'ck',
        ),
      "ck: tensor 'state.h_l0' is missing or not 2-D",
    );
  });

  it('a wrong shape, naming the tensor and both shapes', () => {
    const cases: [string, number[], string][] = [
      ['decoder.weight', [3, 6], '[6, 3]'],
      ['rnn.weight_ih_l0', [9, 6], '[12, 6]'], // a GRU's weight in an LSTM
      ['rnn.bias_hh_l1', [12, 1], '[12]'],
      ['optim.m.rnn.bias_ih_l0', [11], '[12]'],
      ['state.c_l0', [2, 3], '[3, 3]'], // B must agree with state.h_l0
      ['state.h_l1', [3, 4], '[3, 3]'],
    ];
    for (const [name, shape, want] of cases) {
      expectUserError(
        () =>
          decodeCheckpoint(
            tampered((t) => (t[name] = zeros(...shape))),
            'ck',
          ),
        `ck: tensor '${name}' has shape [${shape.join(', ')}], expected ${want} for ${LSTM2}`,
      );
    }
  });

  it('NaN or infinity in any tensor', () => {
    for (const name of ['rnn.bias_ih_l1', 'optim.v.decoder.weight', 'state.h_l0', 'state.c_l1']) {
      for (const x of [NaN, Infinity, -Infinity]) {
        expectUserError(
          () =>
            decodeCheckpoint(
              tampered((t) => (t[name].data[1] = x)),
              'ck',
            ),
          `ck: tensor '${name}' contains NaN or infinite values`,
        );
      }
    }
  });

  it('an unexpected extra tensor', () => {
    for (const name of ['extra', 'rnn.weight_hh_l2', 'state.h_l2', 'state.c']) {
      expectUserError(
        () =>
          decodeCheckpoint(
            tampered((t) => (t[name] = zeros(1))),
            'ck',
          ),
        `ck: unexpected tensor '${name}' for ${LSTM2}`,
      );
    }
    // state.c_l<l> in a GRU, which has no cell.
    const gru = makeCheckpoint({ kind: 'gru' });
    expectUserError(
      () =>
        decodeCheckpoint(
          tampered((t) => (t['state.c_l0'] = zeros(3, 3)), gru),
          'ck',
        ),
      "ck: unexpected tensor 'state.c_l0' for a 2-layer gru with V=6, H=3",
    );
  });

  it('other formats: an earlier version, a later one, a foreign one', () => {
    // A format-1 file as that version wrote it (min-char names).
    const v1 = encodeSafetensors(
      { Wxh: zeros(3, 2), Whh1: zeros(3, 3), bh1: zeros(3), Why: zeros(2, 3), by: zeros(2) },
      { format: 'rnn-from-scratch/1', vocab: '["a","b"]' },
    );
    expectUserError(() => decodeCheckpoint(v1, 'ck'), /^ck: written by an earlier version of rnn-from-scratch/);
    expectUserError(
      () =>
        decodeCheckpoint(
          tampered((_, m) => (m.format = 'rnn-from-scratch/3')),
          'ck',
        ),
      'ck: checkpoint format rnn-from-scratch/3 is not supported by this version (expects rnn-from-scratch/2)',
    );
    expectUserError(
      () =>
        decodeCheckpoint(
          tampered((_, m) => (m.format = 'pt')),
          'ck',
        ),
      'ck: has format "pt": not an rnn-from-scratch checkpoint',
    );
  });

  it('a bad config, or one that disagrees with the vocabulary or the tensors', () => {
    const withConfig = (cfg: unknown) => tampered((_, m) => (m.config = JSON.stringify(cfg)));
    const cfg = { kind: 'lstm', vocabSize: 6, hiddenSize: 3, layers: 2 };
    const cases: [unknown, string | RegExp][] = [
      [{ ...cfg, kind: 'transformer' }, 'ck: config.kind is "transformer", expected one of rnn, lstm, gru'],
      [{ ...cfg, kind: undefined }, 'ck: config.kind is undefined, expected one of rnn, lstm, gru'],
      [{ ...cfg, vocabSize: 7 }, `ck: tensor 'rnn.weight_ih_l0' has shape [12, 6], expected [12, 7] for a 2-layer lstm with V=7, H=3`],
      [{ ...cfg, kind: 'gru' }, `ck: tensor 'rnn.weight_ih_l0' has shape [12, 6], expected [9, 6] for a 2-layer gru with V=6, H=3`],
      [{ ...cfg, hiddenSize: 4 }, /^ck: tensor 'rnn\.weight_ih_l0' has shape \[12, 6\], expected \[16, 6\]/],
      [{ ...cfg, layers: 1 }, /^ck: unexpected (optimizer )?tensor '.*_l1'/], // layer 1's tensors are left over
      [{ ...cfg, layers: 1e9 }, 'ck: config says 1000000000 layers but the file holds only 34 tensors'], // 10 params + 20 adam slots + 4 states
      [{ ...cfg, hiddenSize: 0 }, "ck: metadata 'config.hiddenSize' is 0, expected an integer ≥ 1"],
      [{ ...cfg, layers: 1.5 }, "ck: metadata 'config.layers' is 1.5, expected an integer ≥ 1"],
      [[6, 3, 2], "ck: metadata 'config' is not a JSON object"],
    ];
    for (const [c, message] of cases) expectUserError(() => decodeCheckpoint(withConfig(c), 'ck'), message);
    expectUserError(
      () =>
        decodeCheckpoint(
          tampered((_, m) => (m.config = '{kind')),
          'ck',
        ),
      "ck: metadata 'config' is not valid JSON",
    );
    expectUserError(
      () =>
        decodeCheckpoint(
          tampered((_, m) => delete m.config),
          'ck',
        ),
      "ck: metadata 'config' is missing",
    );
  });

  it('a bad vocabulary', () => {
    const cases: [string, string][] = [
      [JSON.stringify(VOCAB.slice(0, 5)), "ck: the vocabulary has 5 characters but the model's is 6"],
      ['["\\n"," ","e","e","文","😀"]', 'ck: bad vocabulary: vocabulary lists "e" twice'],
      ['["\\n"," ","e","中文","文","😀"]', 'ck: bad vocabulary: vocabulary entry 3 is "中文", not a single character'],
      ['{', "ck: metadata 'vocab' is not valid JSON"],
    ];
    for (const [vocab, message] of cases)
      expectUserError(
        () =>
          decodeCheckpoint(
            tampered((_, m) => (m.vocab = vocab)),
            'ck',
          ),
        message,
      );
  });

  it('bad training metadata: rng, optimizer, iteration, train', () => {
    const cases: [(m: Record<string, string>) => void, string | RegExp][] = [
      [(m) => delete m.rng, "ck: metadata 'rng' is missing"],
      [(m) => (m.rng = '[1, 2, 3]'), "ck: metadata 'rng' is [1,2,3], expected four unsigned 32-bit integers"],
      [(m) => (m.rng = '[1, 2, 3, 4294967296]'), /^ck: metadata 'rng' is .*expected four unsigned 32-bit integers$/],
      [(m) => (m.rng = '[1, 2, -3, 4]'), /expected four unsigned 32-bit integers$/],
      [(m) => (m.rng = '[1, 2, 3.5, 4]'), /expected four unsigned 32-bit integers$/],
      [(m) => (m.rng = '"1234"'), /expected four unsigned 32-bit integers$/],
      [(m) => (m.rng = 'xyz'), "ck: metadata 'rng' is not valid JSON"],
      [(m) => (m.optimizer = '{"name":"sgd","hyper":{},"steps":0}'), 'ck: optimizer "sgd" is not supported (expects one of adagrad, rmsprop, adam)'],
      [(m) => (m.optimizer = '{"hyper":{},"steps":0}'), 'ck: optimizer undefined is not supported (expects one of adagrad, rmsprop, adam)'],
      [(m) => (m.optimizer = '{"name":"adam","hyper":{"eps":null},"steps":0}'), 'ck: optimizer hyperparameters {"eps":null} are not finite numbers'],
      [(m) => (m.optimizer = '{"name":"adam","hyper":{},"steps":-1}'), "ck: metadata 'optimizer.steps' is -1, expected an integer ≥ 0"],
      [(m) => (m.optimizer = '"adam"'), "ck: metadata 'optimizer' is not a JSON object"],
      [(m) => (m.iteration = '-1'), "ck: metadata 'iteration' is -1, expected an integer ≥ 0"],
      [(m) => (m.iteration = '1.5'), "ck: metadata 'iteration' is 1.5, expected an integer ≥ 0"],
      [(m) => delete m.iteration, "ck: metadata 'iteration' is missing"],
      [(m) => (m.train = '[]'), "ck: metadata 'train' is not a JSON object"],
      [(m) => delete m.train, "ck: metadata 'train' is missing"],
    ];
    for (const [edit, message] of cases)
      expectUserError(
        () =>
          decodeCheckpoint(
            tampered((_, m) => edit(m)),
            'ck',
          ),
        message,
      );
  });

  it('an optimizer tensor for an unknown parameter, or a slot the optimizer does not have', () => {
    for (const name of [
      'optim.m.rnn.weight_hh_l7',
      'optim.m.decoder',
      'optim.nodot',
      'optim..decoder.bias',
      'optim.mem.decoder.bias',
      'optim.sq.decoder.bias',
    ]) {
      expectUserError(
        () =>
          decodeCheckpoint(
            tampered((t) => (t[name] = zeros(6))),
            'ck',
          ),
        `ck: unexpected optimizer tensor '${name}'`,
      );
    }
  });

  it('a hostile slot name is refused and cannot reach Object.prototype', () => {
    for (const slot of ['__proto__', 'constructor', 'toString']) {
      const name = `optim.${slot}.decoder.bias`;
      expectUserError(
        () =>
          decodeCheckpoint(
            tampered((t) => (t[name] = zeros(6))),
            'ck',
          ),
        `ck: unexpected optimizer tensor '${name}'`,
      );
    }
    expect(({} as Record<string, unknown>)['decoder.bias']).toBeUndefined();
    expect((Object as unknown as Record<string, unknown>)['decoder.bias']).toBeUndefined();
  });

  it('a random byte flip in the header is a UserError or a valid checkpoint, never another exception', () => {
    let rejected = 0,
      accepted = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 8 + n - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }), (flips) => {
        const copy = good.slice();
        for (const [at, x] of flips) copy[at] ^= x;
        let got: Checkpoint;
        try {
          got = decodeCheckpoint(copy, 'ck');
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          expect(err.message).not.toContain('\n');
          rejected++;
          return;
        }
        // Valid: it encodes again (which decodes it again, fully checked).
        encodeCheckpoint(got);
        accepted++;
      }),
      { seed: 20240607, numRuns: 400 },
    );
    expect(rejected).toBeGreaterThan(200); // most flips break the JSON or a check
    expect(rejected + accepted).toBe(400);
  });
});

describe('saving and loading files', () => {
  const root = mkdtempSync(join(tmpdir(), 'rnn-ckpt-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('saves into a new directory and loads back; saving again replaces the file', () => {
    const dir = join(root, 'a', 'b');
    const path = join(dir, 'model.safetensors');
    const c1 = makeCheckpoint({ seed: 11 });
    saveCheckpoint(path, c1);
    expectSame(loadCheckpoint(path), c1);
    // A hard link to the old file shows that saving replaces it with a new file (rename) rather
    // than rewriting it in place, where a crash half-way would destroy the old checkpoint.
    const link = join(root, 'old-link.safetensors');
    linkSync(path, link);
    const oldBytes = readFileSync(path);
    const c2 = modelOnly(makeCheckpoint({ kind: 'gru', vocab: ['x', 'y', 'z'], H: 2, L: 1, seed: 12 }));
    saveCheckpoint(path, c2);
    expectSame(loadCheckpoint(path), c2);
    expect(statSync(path).ino).not.toBe(statSync(link).ino);
    expect(readFileSync(link).equals(oldBytes)).toBe(true);
    expectSame(loadCheckpoint(link), c1);
    expect(readdirSync(dir)).toEqual(['model.safetensors']); // no temporary files left
  });

  it('saves F32 when asked (half the tensor bytes), loading as Math.fround', () => {
    const c = makeCheckpoint({ seed: 13 });
    const p64 = join(root, 'f64.safetensors'),
      p32 = join(root, 'f32.safetensors');
    saveCheckpoint(p64, c);
    saveCheckpoint(p32, c, 'F32');
    expectSame(loadCheckpoint(p32), c, Math.fround);
    const dataBytes = (path: string): number => {
      const b = readFileSync(path);
      return b.length - 8 - Number(b.readBigUInt64LE(0));
    };
    // V = 6, H = 3, L = 2, lstm: 252 parameters (12·6 + 12·3 + 24 + 12·3 + 12·3 + 24 + 6·3 + 6), the
    // same again in each of adam's m and v, and 4 states of B·H = 9: 3·252 + 36 = 792 values.
    expect([dataBytes(p64), dataBytes(p32)]).toEqual([8 * 792, 4 * 792]);
  });

  it('a save that fails at the rename leaves what was there and no temporary file', () => {
    const dir = join(root, 'fail');
    const target = join(dir, 'model.safetensors');
    mkdirSync(target, { recursive: true }); // the target path is a directory: rename onto it fails
    writeFileSync(join(target, 'keep.txt'), 'old');
    expectUserError(() => saveCheckpoint(target, makeCheckpoint({ seed: 14 })), `cannot save checkpoint: cannot write ${target}: it is a directory`);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect(readFileSync(join(target, 'keep.txt'), 'utf8')).toBe('old');
  });

  it('refuses to save what would not load back, leaving the old checkpoint byte for byte', () => {
    const dir = join(root, 'refuse');
    const path = join(dir, 'model.safetensors');
    saveCheckpoint(path, makeCheckpoint({ seed: 15 }));
    const before = readFileSync(path);
    const cases: [(c: Checkpoint) => void, string][] = [
      [(c) => (c.params['decoder.weight'].data[4] = NaN), "cannot save checkpoint: tensor 'decoder.weight' contains NaN or infinite values"],
      [(c) => (c.training!.state.h[1][0] = Infinity), "cannot save checkpoint: tensor 'state.h_l1' contains NaN or infinite values"],
      [
        (c) => (c.training!.optimizer.slots.m['rnn.bias_hh_l0'][0] = NaN),
        "cannot save checkpoint: tensor 'optim.m.rnn.bias_hh_l0' contains NaN or infinite values",
      ],
      [(c) => (c.vocab = c.vocab.slice(1)), "cannot save checkpoint: the vocabulary has 5 characters but the model's is 6"],
      [(c) => (c.vocab = ['a', 'a', 'b', 'c', 'd', 'e']), 'cannot save checkpoint: bad vocabulary: vocabulary lists "a" twice'],
      [(c) => (c.training!.optimizer.slots.m.nonsense = new Float64Array(3)), "cannot save checkpoint: unexpected optimizer tensor 'optim.m.nonsense'"],
      [(c) => (c.training!.rngState = [1, 2, 3]), "cannot save checkpoint: metadata 'rng' is [1,2,3], expected four unsigned 32-bit integers"],
      [(c) => (c.training!.iteration = -5), "cannot save checkpoint: metadata 'iteration' is -5, expected an integer ≥ 0"],
      [(c) => delete c.params['rnn.bias_hh_l1'], `cannot save checkpoint: tensor 'rnn.bias_hh_l1' is missing (expected for ${LSTM2})`],
    ];
    for (const [edit, message] of cases) {
      const bad = makeCheckpoint({ seed: 16 });
      edit(bad);
      expectUserError(() => saveCheckpoint(path, bad), message);
      expectUserError(() => encodeCheckpoint(bad), message);
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(readdirSync(dir)).toEqual(['model.safetensors']);
    }
  });

  it('reports a directory that cannot be created', () => {
    const file = join(root, 'plain-file');
    writeFileSync(file, 'x');
    expectUserError(
      () => saveCheckpoint(join(file, 'model.safetensors'), makeCheckpoint({ seed: 17 })),
      /^cannot save checkpoint: cannot create directory .*plain-file/,
    );
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('checkCheckpointPath accepts a writable path without leaving anything behind, and refuses unusable ones', () => {
    expect(checkFromIndex).toBe(checkCheckpointPath); // re-exported unchanged
    const dir = join(root, 'probe', 'deep');
    checkCheckpointPath(join(dir, 'model.safetensors'));
    expect(readdirSync(dir)).toEqual([]); // the directory is made, the probe file removed
    expectUserError(() => checkCheckpointPath(dir), `cannot save checkpoint: ${dir} is a directory; give a file name`);
    const file = join(root, 'plain-file-2');
    writeFileSync(file, 'x');
    expectUserError(() => checkCheckpointPath(join(file, 'sub', 'model.safetensors')), /^cannot save checkpoint: cannot create directory .*plain-file-2/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('loading reports missing, directory, empty, truncated and foreign files', () => {
    const missing = join(root, 'missing.safetensors');
    expectUserError(() => loadCheckpoint(missing), `no such file: ${missing}`);
    expectUserError(() => loadCheckpoint(root), `${root} is a directory, not a checkpoint`);
    const empty = join(root, 'empty.safetensors');
    writeFileSync(empty, '');
    expectUserError(() => loadCheckpoint(empty), `checkpoint ${empty} is truncated (0 bytes; even the 8-byte header length is incomplete)`);
    const good = encodeCheckpoint(makeCheckpoint({ seed: 18 }));
    const cut = join(root, 'cut.safetensors');
    writeFileSync(cut, good.subarray(0, good.length - 1));
    expectUserError(() => loadCheckpoint(cut), new RegExp(`^checkpoint ${cut}: `));
    writeFileSync(cut, good.subarray(0, 100));
    expectUserError(() => loadCheckpoint(cut), new RegExp(`^checkpoint ${cut} is truncated \\(header says \\d+ bytes .*file has 100\\)`));
    const text = join(root, 'notes.txt');
    writeFileSync(text, 'just some text, long enough to have eight bytes');
    expectUserError(() => loadCheckpoint(text), /larger than the 100000000-byte limit/);
    const foreign = join(root, 'foreign.safetensors');
    writeFileSync(foreign, encodeSafetensors({ embedding: zeros(4, 2) }, { author: 'someone' }));
    expectUserError(() => loadCheckpoint(foreign), new RegExp(`^checkpoint ${foreign}: not a CharRNN model`));
  });
});

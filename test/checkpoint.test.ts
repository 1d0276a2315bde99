import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CHECKPOINT_FORMAT, checkCheckpointPath, decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../src/checkpoint/checkpoint.ts';
import { decodeSafetensors, encodeSafetensors } from '../src/checkpoint/safetensors.ts';
import { Rng } from '../src/engine/random.ts';
import { Tensor } from '../src/engine/tensor.ts';
import { initParams } from '../src/models/rnn.ts';
import { UserError } from '../src/errors.ts';

/** A checkpoint with every field filled with distinct, non-trivial values. */
function makeCheckpoint(seed: number, vocab = ['\n', ' ', 'a', '中', '😀'], H = 3, L = 2, withMem = true): Checkpoint {
  const rng = new Rng(seed);
  const config = { vocabSize: vocab.length, hiddenSize: H, layers: L };
  const params = initParams(config, rng);
  for (const t of Object.values(params)) for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  const mem: Record<string, Float64Array> = {};
  if (withMem) for (const [name, t] of Object.entries(params)) mem[name] = Float64Array.from(t.data, () => rng.uniform() * 10);
  return {
    config,
    vocab,
    params,
    optimizer: { name: 'adagrad', lr: 0.1, mem },
    iteration: 12345,
    rngState: rng.state(),
    smoothLoss: 42.123456789,
    position: 777,
    hidden: Array.from({ length: L }, () => Float64Array.from({ length: H }, () => Math.tanh(rng.normal()))),
    train: { seqLength: 25, lr: 0.1, seed, text: 'input.txt', nested: { a: [1, 2] } },
  };
}

/** Field-by-field comparison; `round` is applied to the expected values (identity or Math.fround). */
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
  expect(got.optimizer.name).toBe('adagrad');
  expect(got.optimizer.lr).toBe(want.optimizer.lr);
  expect(Object.keys(got.optimizer.mem).sort()).toEqual(Object.keys(want.optimizer.mem).sort());
  for (const [name, m] of Object.entries(want.optimizer.mem)) expect(Array.from(got.optimizer.mem[name])).toEqual(arr(m));
  expect(got.hidden.map((h) => Array.from(h))).toEqual(want.hidden.map(arr));
  expect(got.iteration).toBe(want.iteration);
  expect(got.rngState).toEqual(want.rngState);
  expect(got.smoothLoss).toBe(want.smoothLoss);
  expect(got.position).toBe(want.position);
  expect(got.train).toEqual(want.train);
}

/** Re-encode a valid checkpoint's tensors and metadata after `edit`, bypassing encodeCheckpoint's checks. */
function tampered(edit: (t: ReturnType<typeof decodeSafetensors>['tensors'], m: Record<string, string>) => void): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(encodeCheckpoint(makeCheckpoint(1)));
  edit(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}

const expectUserError = (f: () => unknown, message: string | RegExp): void => {
  let caught: unknown = null;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UserError);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
};

describe('checkpoint encoding', () => {
  it('round trips every field exactly (F64)', () => {
    for (const [seed, L] of [[1, 1], [2, 2], [3, 3]]) {
      const c = makeCheckpoint(seed, undefined, 4, L);
      expectSame(decodeCheckpoint(encodeCheckpoint(c), 'c'), c);
    }
  });

  it('round trips with an empty optimizer memory, and with F32 as Math.fround', () => {
    const c = makeCheckpoint(5, undefined, 3, 1, false);
    expectSame(decodeCheckpoint(encodeCheckpoint(c), 'c'), c);
    const d = makeCheckpoint(6);
    expectSame(decodeCheckpoint(encodeCheckpoint(d, 'F32'), 'c'), d, Math.fround);
  });

  it('is a readable safetensors file with the documented names and metadata', () => {
    const c = makeCheckpoint(7, ['a', 'b'], 2, 2);
    const { tensors, metadata } = decodeSafetensors(encodeCheckpoint(c));
    expect(Object.keys(tensors).sort()).toEqual(
      ['Wxh', 'Whh1', 'bh1', 'Wh1h2', 'Whh2', 'bh2', 'Why', 'by', 'state.h1', 'state.h2']
        .concat(['Wxh', 'Whh1', 'bh1', 'Wh1h2', 'Whh2', 'bh2', 'Why', 'by'].map((n) => `optim.mem.${n}`))
        .sort(),
    );
    expect(tensors.Wxh.shape).toEqual([2, 2]);
    expect(tensors['state.h2'].shape).toEqual([2]);
    expect(metadata.format).toBe('rnn-from-scratch/1');
    expect(CHECKPOINT_FORMAT).toBe('rnn-from-scratch/1');
    expect(JSON.parse(metadata.config)).toEqual({ vocabSize: 2, hiddenSize: 2, layers: 2 });
    expect(JSON.parse(metadata.vocab)).toEqual(['a', 'b']);
    expect(JSON.parse(metadata.optimizer)).toEqual({ name: 'adagrad', lr: 0.1 });
    expect(JSON.parse(metadata.iteration)).toBe(12345);
    expect(JSON.parse(metadata.position)).toBe(777);
    expect(JSON.parse(metadata.smooth_loss)).toBe(42.123456789);
    expect(JSON.parse(metadata.rng)).toEqual(c.rngState);
    expect(JSON.parse(metadata.train)).toEqual(c.train);
  });

  it('refuses to encode what it could not load back', () => {
    const c = makeCheckpoint(8);
    c.params.Why.data[0] = NaN;
    expectUserError(() => encodeCheckpoint(c), "cannot save checkpoint: tensor 'Why' contains NaN or infinite values");
    const d = makeCheckpoint(8);
    d.vocab = d.vocab.slice(1);
    expectUserError(() => encodeCheckpoint(d), 'cannot save checkpoint: the vocabulary has 4 characters but config.vocabSize is 5');
  });
});

describe('checkpoint validation', () => {
  it('rejects foreign safetensors files and other format versions', () => {
    const foreign = encodeSafetensors({ x: { shape: [1], data: Float64Array.of(1) } }, { author: 'someone' });
    expectUserError(() => decodeCheckpoint(foreign, 'model.st'), "model.st is a safetensors file but not an rnn-from-scratch checkpoint (no 'format' metadata)");
    expectUserError(
      () => decodeCheckpoint(tampered((_, m) => (m.format = 'rnn-from-scratch/2')), 'ck'),
      'ck: checkpoint format rnn-from-scratch/2 is not supported by this version (expects rnn-from-scratch/1)',
    );
    expectUserError(() => decodeCheckpoint(tampered((_, m) => (m.format = 'pt')), 'ck'), 'ck has format "pt": not an rnn-from-scratch checkpoint');
    expectUserError(() => decodeCheckpoint(new TextEncoder().encode('hello world, not a checkpoint'), 'ck'), /^ck/);
  });

  it('names a missing or misshapen tensor', () => {
    expectUserError(() => decodeCheckpoint(tampered((t) => delete t.Whh2), 'ck'), "ck: tensor 'Whh2' is missing");
    expectUserError(() => decodeCheckpoint(tampered((t) => delete t['state.h1']), 'ck'), "ck: tensor 'state.h1' is missing");
    expectUserError(
      () => decodeCheckpoint(tampered((t) => (t.Why = { shape: [3, 5], data: new Float64Array(15), dtype: 'F64' })), 'ck'),
      "ck: tensor 'Why' has shape [3, 5], expected [5, 3] for V=5, H=3, L=2",
    );
    expectUserError(
      () => decodeCheckpoint(tampered((t) => (t['optim.mem.by'] = { shape: [4], data: new Float64Array(4), dtype: 'F64' })), 'ck'),
      "ck: tensor 'optim.mem.by' has shape [4], expected [5] for V=5, H=3, L=2",
    );
    expectUserError(
      () => decodeCheckpoint(tampered((t) => (t.extra = { shape: [1], data: new Float64Array(1), dtype: 'F64' })), 'ck'),
      "ck: unexpected tensor 'extra' for V=5, H=3, L=2",
    );
    expectUserError(() => decodeCheckpoint(tampered((t) => (t.bh1.data[2] = Infinity)), 'ck'), "ck: tensor 'bh1' contains NaN or infinite values");
  });

  it('checks the config against the vocabulary and the tensors', () => {
    const withConfig = (cfg: unknown) => tampered((_, m) => (m.config = JSON.stringify(cfg)));
    expectUserError(() => decodeCheckpoint(withConfig({ vocabSize: 6, hiddenSize: 3, layers: 2 }), 'ck'), 'ck: the vocabulary has 5 characters but config.vocabSize is 6');
    expectUserError(() => decodeCheckpoint(withConfig({ vocabSize: 5, hiddenSize: 4, layers: 2 }), 'ck'), /ck: tensor 'Wxh' has shape \[3, 5\], expected \[4, 5\]/);
    expectUserError(() => decodeCheckpoint(withConfig({ vocabSize: 5, hiddenSize: 3, layers: 1 }), 'ck'), /ck: unexpected tensor '.*'/);
    expectUserError(() => decodeCheckpoint(withConfig({ vocabSize: 5, hiddenSize: 3, layers: 1e9 }), 'ck'), 'ck: config says 1000000000 layers but the file holds only 18 tensors'); // 8 params + 8 mem + 2 states
    expectUserError(() => decodeCheckpoint(withConfig({ vocabSize: 5, hiddenSize: 0, layers: 2 }), 'ck'), /config.hiddenSize' is 0, expected an integer ≥ 1/);
    expectUserError(() => decodeCheckpoint(withConfig([5, 3, 2]), 'ck'), "ck: metadata 'config' is not a JSON object");
    expectUserError(() => decodeCheckpoint(tampered((_, m) => (m.vocab = '["\\n"," ","a","a","😀"]')), 'ck'), 'ck: bad vocabulary: vocabulary lists "a" twice');
    expectUserError(() => decodeCheckpoint(tampered((_, m) => (m.vocab = '{')), 'ck'), "ck: metadata 'vocab' is not valid JSON");
  });

  it('checks every metadata field', () => {
    const cases: [(m: Record<string, string>) => void, string | RegExp][] = [
      [(m) => delete m.rng, "ck: metadata 'rng' is missing"],
      [(m) => (m.rng = '[1, 2, 3]'), /metadata 'rng' is \[1,2,3\], expected four unsigned 32-bit integers/],
      [(m) => (m.rng = '[1, 2, 3, 4294967296]'), /expected four unsigned 32-bit integers/],
      [(m) => (m.iteration = '-1'), "ck: metadata 'iteration' is -1, expected an integer ≥ 0"],
      [(m) => (m.position = '1.5'), "ck: metadata 'position' is 1.5, expected an integer ≥ 0"],
      [(m) => (m.smooth_loss = 'null'), "ck: metadata 'smooth_loss' is null, not a finite number"],
      [(m) => (m.optimizer = '{"name":"adam","lr":0.1}'), 'ck: optimizer "adam" is not supported (expects "adagrad")'],
      [(m) => (m.optimizer = '{"name":"adagrad","lr":-1}'), 'ck: optimizer learning rate -1 is not a positive number'],
      [(m) => (m.train = '[]'), "ck: metadata 'train' is not a JSON object"],
      [(m) => delete m.train, "ck: metadata 'train' is missing"],
    ];
    for (const [edit, message] of cases) expectUserError(() => decodeCheckpoint(tampered((_, m) => edit(m)), 'ck'), message);
  });

  it('a random byte flip inside the JSON header is a UserError or still a valid checkpoint', () => {
    const bytes = encodeCheckpoint(makeCheckpoint(9));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    let rejected = 0;
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 8 + n - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const copy = bytes.slice();
        copy[at] ^= x;
        try {
          decodeCheckpoint(copy, 'ck');
        } catch (err) {
          expect(err).toBeInstanceOf(UserError);
          rejected++;
        }
      }),
      { numRuns: 500 },
    );
    expect(rejected).toBeGreaterThan(250); // most flips break the JSON or a check
  });
});

describe('saving and loading files', () => {
  const root = mkdtempSync(join(tmpdir(), 'rnn-ckpt-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('saves into a new directory and loads back; saving again replaces the file', () => {
    const dir = join(root, 'a', 'b');
    const path = join(dir, 'model.safetensors');
    const c1 = makeCheckpoint(11);
    saveCheckpoint(path, c1);
    expectSame(loadCheckpoint(path), c1);
    // A hard link to the old file shows that saving replaces it with a new file (rename) rather
    // than rewriting it in place, where a crash half-way would destroy the old checkpoint.
    const link = join(root, 'old-link.safetensors');
    linkSync(path, link);
    const oldBytes = readFileSync(path);
    const c2 = makeCheckpoint(12, ['x', 'y', 'z'], 2, 1);
    saveCheckpoint(path, c2);
    expectSame(loadCheckpoint(path), c2);
    expect(statSync(path).ino).not.toBe(statSync(link).ino);
    expect(readFileSync(link).equals(oldBytes)).toBe(true);
    expectSame(loadCheckpoint(link), c1);
    expect(readdirSync(dir)).toEqual(['model.safetensors']); // no temporary files left
  });

  it('a save that fails at the rename leaves what was there and no temporary file', () => {
    const dir = join(root, 'fail');
    const target = join(dir, 'model.safetensors');
    mkdirSync(target, { recursive: true }); // the target path is a directory: rename onto it fails
    writeFileSync(join(target, 'keep.txt'), 'old');
    expectUserError(() => saveCheckpoint(target, makeCheckpoint(13)), `cannot save checkpoint: cannot write ${target}: it is a directory`);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect(readFileSync(join(target, 'keep.txt'), 'utf8')).toBe('old');
  });

  it('a save that fails before writing leaves the old checkpoint byte for byte', () => {
    const dir = join(root, 'nan');
    const path = join(dir, 'model.safetensors');
    saveCheckpoint(path, makeCheckpoint(14));
    const before = readFileSync(path);
    const bad = makeCheckpoint(15);
    bad.hidden[0][0] = NaN;
    expectUserError(() => saveCheckpoint(path, bad), "cannot save checkpoint: tensor 'state.h1' contains NaN or infinite values");
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('reports a directory that cannot be created', () => {
    const file = join(root, 'plain-file');
    writeFileSync(file, 'x');
    expectUserError(() => saveCheckpoint(join(file, 'model.safetensors'), makeCheckpoint(16)), /^cannot save checkpoint: cannot create directory .*plain-file/);
  });

  it('checkCheckpointPath accepts a writable path without leaving anything behind, and refuses unusable ones', () => {
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
    const good = encodeCheckpoint(makeCheckpoint(17));
    const cut = join(root, 'cut.safetensors');
    writeFileSync(cut, good.subarray(0, good.length - 1));
    expectUserError(() => loadCheckpoint(cut), new RegExp(`^checkpoint ${cut}: `));
    writeFileSync(cut, good.subarray(0, 100));
    expectUserError(() => loadCheckpoint(cut), new RegExp(`^checkpoint ${cut} is truncated \\(header says \\d+ bytes .*file has 100\\)`));
    const text = join(root, 'notes.txt');
    writeFileSync(text, 'just some text, long enough to have eight bytes');
    expectUserError(() => loadCheckpoint(text), /larger than the 100000000-byte limit/);
  });
});

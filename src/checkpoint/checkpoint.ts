// A training checkpoint: everything needed to resume training exactly where it stopped (the
// parameters, Adagrad's memory, the RNG state, the carried hidden state, the position in the text)
// or to sample from the model (parameters, configuration and vocabulary). Stored as one safetensors
// file, which other tools can open:
//
//   tensors   Wxh, Whh1, bh1, …, Why, by        the parameters, under their names in models/rnn.ts
//             optim.mem.<name>                  Adagrad's sum of squared gradients, per parameter
//             state.h<l>                        the hidden state carried into the next chunk (l = 1..L)
//   metadata  format = "rnn-from-scratch/1", and JSON strings: config, vocab, optimizer {name, lr},
//             iteration, rng (4 uint32), smooth_loss, position, train (the training options)
//
// Loading checks all of it, so a foreign, truncated or corrupted file is a one-line UserError.

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors.ts';
import { Tensor } from '../engine/tensor.ts';
import { paramShapes, type RNNConfig } from '../models/rnn.ts';
import { Vocab } from '../data/vocab.ts';
import { describeFsError, readFileBytes } from '../data/text.ts';
import { decodeSafetensors, encodeSafetensors, type Dtype, type StoredTensor } from './safetensors.ts';

export const CHECKPOINT_FORMAT = 'rnn-from-scratch/1';

export interface Checkpoint {
  config: RNNConfig;
  vocab: string[];
  /** Canonical names and shapes from paramShapes(config). */
  params: Record<string, Tensor>;
  /** Adagrad's memory keyed by parameter name; empty before the first step. */
  optimizer: { name: 'adagrad'; lr: number; mem: Record<string, Float64Array> };
  iteration: number;
  /** Rng.state(): four uint32. */
  rngState: number[];
  smoothLoss: number;
  /** Data pointer into the training text, in code points. */
  position: number;
  /** The carried hidden state, one length-H array per layer. */
  hidden: Float64Array[];
  /** The training options used (seqLength, lr, seed, …); must be JSON-serialisable. */
  train: Record<string, unknown>;
}

const MEM = 'optim.mem.';
const STATE = 'state.h';

/** Serialise a checkpoint (F64 by default; F32 halves the size and rounds every value). */
export function encodeCheckpoint(c: Checkpoint, dtype: Dtype = 'F64'): Uint8Array {
  const tensors: Record<string, StoredTensor & { dtype: Dtype }> = {};
  for (const [name, t] of Object.entries(c.params)) tensors[name] = { shape: [...t.shape], data: t.data, dtype };
  for (const [name, m] of Object.entries(c.optimizer.mem)) {
    tensors[MEM + name] = { shape: [...(c.params[name]?.shape ?? [m.length])], data: m, dtype };
  }
  c.hidden.forEach((h, i) => (tensors[`${STATE}${i + 1}`] = { shape: [h.length], data: h, dtype }));
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify({ vocabSize: c.config.vocabSize, hiddenSize: c.config.hiddenSize, layers: c.config.layers }),
    vocab: JSON.stringify(c.vocab),
    optimizer: JSON.stringify({ name: c.optimizer.name, lr: c.optimizer.lr }),
    iteration: JSON.stringify(c.iteration),
    rng: JSON.stringify(c.rngState),
    smooth_loss: JSON.stringify(c.smoothLoss),
    position: JSON.stringify(c.position),
    train: JSON.stringify(c.train),
  };
  const bytes = encodeSafetensors(tensors, metadata);
  // Refuse to write what we could not read back (a NaN loss, a wrong shape, a vocabulary mismatch).
  decodeCheckpoint(bytes, 'cannot save checkpoint');
  return bytes;
}

/** Parse and fully validate a checkpoint; `what` names it in errors ("checkpoint runs/a.safetensors"). */
export function decodeCheckpoint(bytes: Uint8Array, what: string): Checkpoint {
  const fail = (msg: string): never => {
    throw new UserError(`${what}: ${msg}`);
  };
  const { tensors, metadata } = decodeSafetensors(bytes, what);
  const meta = readMetadata(metadata, what, Object.keys(tensors).length);
  const { config } = meta;

  const take = (name: string, shape: readonly number[]): Float64Array => {
    const t = tensors[name];
    if (!t) return fail(`tensor '${name}' is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      fail(`tensor '${name}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] for ${describeConfig(config)}`);
    }
    if (!t.data.every(Number.isFinite)) fail(`tensor '${name}' contains NaN or infinite values`);
    return t.data;
  };

  const expected = paramShapes(config);
  const params: Record<string, Tensor> = {};
  for (const [name, shape] of expected) params[name] = new Tensor(take(name, shape), shape);
  const mem: Record<string, Float64Array> = {};
  for (const [name, shape] of expected) if (tensors[MEM + name]) mem[name] = take(MEM + name, shape);
  const hidden: Float64Array[] = [];
  for (let l = 1; l <= config.layers; l++) hidden.push(take(`${STATE}${l}`, [config.hiddenSize]));

  const known = new Set([...expected.map(([n]) => n), ...Object.keys(mem).map((n) => MEM + n), ...hidden.map((_, i) => `${STATE}${i + 1}`)]);
  for (const name of Object.keys(tensors)) if (!known.has(name)) fail(`unexpected tensor '${name}' for ${describeConfig(config)}`);

  return {
    config,
    vocab: meta.vocab,
    params,
    optimizer: { name: 'adagrad', lr: meta.lr, mem },
    iteration: meta.iteration,
    rngState: meta.rng,
    smoothLoss: meta.smoothLoss,
    position: meta.position,
    hidden,
    train: meta.train,
  };
}

/** The checkpoint's metadata, parsed and checked. `tensorCount` bounds the number of layers. */
function readMetadata(metadata: Record<string, string>, what: string, tensorCount: number) {
  const fail = (msg: string): never => {
    throw new UserError(`${what}: ${msg}`);
  };
  const format = metadata.format;
  if (format === undefined) throw new UserError(`${what} is a safetensors file but not an rnn-from-scratch checkpoint (no 'format' metadata)`);
  if (format !== CHECKPOINT_FORMAT) {
    if (format.startsWith('rnn-from-scratch/')) fail(`checkpoint format ${format} is not supported by this version (expects ${CHECKPOINT_FORMAT})`);
    throw new UserError(`${what} has format ${JSON.stringify(format)}: not an rnn-from-scratch checkpoint`);
  }
  const json = (key: string): unknown => {
    if (typeof metadata[key] !== 'string') fail(`metadata '${key}' is missing`);
    try {
      return JSON.parse(metadata[key]);
    } catch {
      return fail(`metadata '${key}' is not valid JSON`);
    }
  };
  const count = (key: string, v: unknown, min: number): number =>
    Number.isSafeInteger(v) && (v as number) >= min ? (v as number) : fail(`metadata '${key}' is ${JSON.stringify(v)}, expected an integer ≥ ${min}`);
  const object = (key: string, v: unknown): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`metadata '${key}' is not a JSON object`);

  const rawConfig = object('config', json('config'));
  const config: RNNConfig = {
    vocabSize: count('config.vocabSize', rawConfig.vocabSize, 1),
    hiddenSize: count('config.hiddenSize', rawConfig.hiddenSize, 1),
    layers: count('config.layers', rawConfig.layers, 1),
  };
  // Each layer needs three tensors; checking this first keeps a corrupt count from looping for ages.
  if (3 * config.layers + 2 > tensorCount) fail(`config says ${config.layers} layers but the file holds only ${tensorCount} tensors`);

  const rawVocab = json('vocab');
  let vocab: Vocab;
  try {
    vocab = Vocab.fromJSON(rawVocab);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return fail(`bad vocabulary: ${err.message}`);
  }
  if (vocab.size !== config.vocabSize) fail(`the vocabulary has ${vocab.size} characters but config.vocabSize is ${config.vocabSize}`);

  const optimizer = object('optimizer', json('optimizer'));
  if (optimizer.name !== 'adagrad') fail(`optimizer ${JSON.stringify(optimizer.name)} is not supported (expects "adagrad")`);
  const lr = optimizer.lr;
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) fail(`optimizer learning rate ${JSON.stringify(lr)} is not a positive number`);

  const rng = json('rng');
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
    fail(`metadata 'rng' is ${JSON.stringify(rng)}, expected four unsigned 32-bit integers`);
  }
  const smoothLoss = json('smooth_loss');
  if (typeof smoothLoss !== 'number' || !Number.isFinite(smoothLoss)) fail(`metadata 'smooth_loss' is ${JSON.stringify(smoothLoss)}, not a finite number`);

  return {
    config,
    vocab: vocab.toJSON(),
    lr: lr as number,
    iteration: count('iteration', json('iteration'), 0),
    rng: rng as number[],
    smoothLoss: smoothLoss as number,
    position: count('position', json('position'), 0),
    train: object('train', json('train')),
  };
}

const describeConfig = (c: RNNConfig): string => `V=${c.vocabSize}, H=${c.hiddenSize}, L=${c.layers}`;

/**
 * Write a checkpoint atomically: the bytes go to a fresh temporary file beside `path`, are flushed
 * to disk, and only then renamed over `path`. A crash or error at any point leaves the previous
 * checkpoint as it was, and the temporary file is removed.
 */
export function saveCheckpoint(path: string, c: Checkpoint): void {
  const bytes = encodeCheckpoint(c);
  const dir = checkpointDirectory(path);
  const tmp = tempName(path);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== null) {
      try { closeSync(fd); } catch { /* already failing; the original error is the one to report */ }
    }
    try { unlinkSync(tmp); } catch { /* it may never have been created */ }
    throw new UserError(`cannot save checkpoint: ${describeFsError(err, path, 'write')}`);
  }
  syncDirectory(dir);
}

/**
 * Check before a long run that a checkpoint can be saved at `path` (so training does not fail at
 * its first save): `path` is not a directory, its directory exists or can be made, and a file can
 * be created there (a probe file, removed at once). Throws a UserError saying what is wrong.
 */
export function checkCheckpointPath(path: string): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // does not exist yet: fine
  }
  if (isDir) throw new UserError(`cannot save checkpoint: ${path} is a directory; give a file name`);
  const dir = checkpointDirectory(path);
  const probe = tempName(path);
  try {
    closeSync(openSync(probe, 'wx', 0o644));
    unlinkSync(probe);
  } catch (err) {
    throw new UserError(`cannot save checkpoint: ${describeFsError(err, probe, 'write')}`);
  }
}

/** The directory of `path`, made if missing; a UserError if it cannot be. */
function checkpointDirectory(path: string): string {
  const dir = dirname(path);
  try {
    makeDirectory(dir);
  } catch (err) {
    throw new UserError(`cannot save checkpoint: ${describeFsError(err, dir, 'create directory')}`);
  }
  return dir;
}

/** A fresh temporary name beside `path` (same directory, so the final rename is atomic). */
const tempName = (path: string): string => `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;

/**
 * mkdir -p. NOTE: not mkdirSync's own `recursive: true`, which in Node 20 spins forever when a
 * parent exists but refuses new entries (e.g. a path under /proc); this walks up once and stops.
 */
function makeDirectory(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return;
    throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const parent = dirname(dir);
  if (parent !== dir) makeDirectory(parent);
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Make the rename itself durable. Best effort: not every platform lets a directory be fsynced. */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // ignore: the data is already safely in the renamed file
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Read and validate a checkpoint file. */
export function loadCheckpoint(path: string): Checkpoint {
  return decodeCheckpoint(readFileBytes(path, 'a checkpoint'), `checkpoint ${path}`);
}

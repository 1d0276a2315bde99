// Checkpoints: one safetensors file that PyTorch can load and that can come from PyTorch.
//
//   tensors   rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0, …, decoder.weight,
//             decoder.bias                   the model, exactly the state_dict of the CharRNN module in
//                                            the README (scripts/pytorch/charrnn.py)
//             optim.<slot>.<param>           optimizer state (adagrad: mem; rmsprop: sq; adam: m, v)
//             state.h_l<l>, state.c_l<l>     the recurrent state carried into the next chunk, (B, H)
//   metadata  format = "rnn-from-scratch/2", config {kind, vocabSize, hiddenSize, layers}, vocab (JSON
//             array of characters); for training checkpoints also optimizer {name, hyper, steps},
//             iteration, rng (4 uint32) and train (options and progress, JSON)
//
// A file without `format` metadata is read as a model written by someone else (PyTorch's
// `safetensors.torch.save_file(module.state_dict(), path)`): the configuration is inferred from the
// tensor shapes and the vocabulary comes from a `vocab` metadata entry or from the caller (--vocab).
// Decoding treats every file as hostile: the header size is capped (safetensors.ts), nothing in it
// is evaluated, and anything missing, misshapen or non-finite is a one-line UserError.

import { Vocab } from '../data/vocab.ts';
import { Tensor } from '../engine/tensor.ts';
import { clip, preview, showDims, UserError } from '../errors.ts';
import { CELL_KINDS, type CellKind, type CharRNNConfig, configOf, HAS_CELL_STATE, type Params, paramShapes, type State } from '../models/charrnn.ts';
import { OPTIMIZERS, type OptimizerState, type OptimName, optimSlots } from '../optim/optim.ts';
import { type Dtype, decodeSafetensors, encodeSafetensors, type StoredTensor } from './safetensors.ts';

export const CHECKPOINT_FORMAT = 'rnn-from-scratch/2';

/** What training needs to continue exactly where it stopped. */
export interface TrainingState {
  optimizer: OptimizerState;
  iteration: number;
  /** Rng.state() of the training rng (dropout masks): four uint32. */
  rngState: number[];
  /** The carried recurrent state, B streams. */
  state: State;
  /** Options and progress of the run (hyperparameters, losses, data fingerprint); JSON-serialisable. */
  train: Record<string, unknown>;
}

export interface Checkpoint {
  config: CharRNNConfig;
  vocab: string[];
  params: Params;
  /** Absent in a model-only file, such as one written by PyTorch. */
  training?: TrainingState;
}

const OPTIM = 'optim.';
const stateName = (which: 'h' | 'c', l: number): string => `state.${which}_l${l}`;

/** Serialise (F64 by default: exact; F32 halves the size, and a resume from it is no longer bit-exact). */
export function encodeCheckpoint(c: Checkpoint, dtype: Dtype = 'F64'): Uint8Array {
  const tensors: Record<string, StoredTensor & { dtype: Dtype }> = {};
  for (const [name, t] of Object.entries(c.params)) tensors[name] = { shape: [...t.shape], data: t.data, dtype };
  const { kind, vocabSize, hiddenSize, layers } = c.config;
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify({ kind, vocabSize, hiddenSize, layers }),
    vocab: JSON.stringify(c.vocab),
  };
  const tr = c.training;
  if (tr) {
    for (const [slot, arrays] of Object.entries(tr.optimizer.slots)) {
      for (const [name, a] of Object.entries(arrays))
        tensors[`${OPTIM}${slot}.${name}`] = { shape: [...(c.params[name]?.shape ?? [a.length])], data: a, dtype };
    }
    const B = tr.state.h[0].length / hiddenSize;
    tr.state.h.forEach((h, l) => (tensors[stateName('h', l)] = { shape: [B, hiddenSize], data: h, dtype }));
    tr.state.c.forEach((s, l) => (tensors[stateName('c', l)] = { shape: [B, hiddenSize], data: s, dtype }));
    Object.assign(metadata, {
      optimizer: JSON.stringify({ name: tr.optimizer.name, hyper: tr.optimizer.hyper, steps: tr.optimizer.steps }),
      iteration: JSON.stringify(tr.iteration),
      rng: JSON.stringify(tr.rngState),
      train: JSON.stringify(tr.train),
    });
  }
  const bytes = encodeSafetensors(tensors, metadata);
  // Refuse to write what we could not read back (a NaN, a wrong shape, a vocabulary mismatch).
  decodeCheckpoint(bytes, 'cannot save checkpoint');
  return bytes;
}

export interface DecodeOptions {
  /** The vocabulary for a file that has none in its metadata (or to override it). */
  vocab?: string[];
}

/** Parse and fully validate a checkpoint; `what` names it in errors ("checkpoint runs/a.safetensors"). */
export function decodeCheckpoint(bytes: Uint8Array, what: string, opts: DecodeOptions = {}): Checkpoint {
  const fail = (msg: string): never => {
    throw new UserError(`${what}: ${msg}`);
  };
  const { tensors, metadata } = decodeSafetensors(bytes, what);
  const format = metadata.format;
  const ours = format !== undefined;
  if (ours && format !== CHECKPOINT_FORMAT) {
    if (format === 'rnn-from-scratch/1')
      fail('written by an earlier version of rnn-from-scratch (format 1, the min-char model before PyTorch names); train a new model with this version');
    if (format.startsWith('rnn-from-scratch/')) fail(`checkpoint format ${clip(format)} is not supported by this version (expects ${CHECKPOINT_FORMAT})`);
    fail(`has format ${preview(format)}: not an rnn-from-scratch checkpoint`);
  }
  const json = (key: string): unknown => {
    if (typeof metadata[key] !== 'string') fail(`metadata '${key}' is missing`);
    try {
      return JSON.parse(metadata[key]);
    } catch {
      return fail(`metadata '${key}' is not valid JSON`);
    }
  };

  // The configuration: declared (ours) or inferred from the shapes (anyone's), then every shape checked.
  let config: CharRNNConfig;
  if (ours) {
    config = readConfig(json('config'), fail);
  } else {
    const found: Params = {};
    for (const [name, t] of Object.entries(tensors)) found[name] = new Tensor(t.data, t.shape);
    try {
      config = configOf(found);
    } catch (err) {
      return fail(`not a CharRNN model: ${(err as Error).message}`);
    }
    if (config.hiddenSize < 1 || config.vocabSize < 1)
      fail(`not a CharRNN model: hidden size ${config.hiddenSize} and vocabulary size ${config.vocabSize} must be at least 1`);
  }
  if (4 * config.layers + 2 > Object.keys(tensors).length)
    fail(`config says ${config.layers} layers but the file holds only ${Object.keys(tensors).length} tensors`);
  const take = (name: string, shape: readonly number[]): Float64Array => {
    const t = tensors[name];
    if (!t) return fail(`tensor '${name}' is missing (expected for ${describeConfig(config)})`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      fail(`tensor '${name}' has shape ${showDims(t.shape)}, expected [${shape.join(', ')}] for ${describeConfig(config)}`);
    }
    if (!t.data.every(Number.isFinite)) fail(`tensor '${name}' contains NaN or infinite values`);
    return t.data;
  };
  const expected = paramShapes(config);
  const params: Params = {};
  for (const [name, shape] of expected) params[name] = new Tensor(take(name, shape), shape);

  // The vocabulary: given by the caller, or from the metadata.
  let rawVocab: unknown = opts.vocab;
  if (rawVocab === undefined) {
    if (metadata.vocab === undefined)
      fail(`has no vocabulary in its metadata; give one with --vocab FILE (a JSON array of ${config.vocabSize} characters, or the training text)`);
    rawVocab = json('vocab');
  }
  let vocab: Vocab;
  try {
    vocab = Vocab.fromJSON(rawVocab);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return fail(`bad vocabulary: ${err.message}`);
  }
  if (vocab.size !== config.vocabSize) fail(`the vocabulary has ${vocab.size} characters but the model's is ${config.vocabSize}`);

  const known = new Set(expected.map(([n]) => n));
  let training: TrainingState | undefined;
  if (ours && metadata.optimizer !== undefined) training = readTraining(config, expected, tensors, json, take, known, fail);
  for (const name of Object.keys(tensors)) if (!known.has(name)) fail(`unexpected tensor '${clip(name)}' for ${describeConfig(config)}`);
  return { config, vocab: vocab.toJSON(), params, ...(training ? { training } : {}) };
}

type Fail = (msg: string) => never;

function readConfig(raw: unknown, fail: Fail): CharRNNConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(`metadata 'config' is not a JSON object`);
  const r = raw as Record<string, unknown>;
  if (!CELL_KINDS.includes(r.kind as CellKind)) fail(`config.kind is ${preview(r.kind)}, expected one of ${CELL_KINDS.join(', ')}`);
  return {
    kind: r.kind as CellKind,
    vocabSize: count('config.vocabSize', r.vocabSize, 1, fail),
    hiddenSize: count('config.hiddenSize', r.hiddenSize, 1, fail),
    layers: count('config.layers', r.layers, 1, fail),
  };
}

function count(key: string, v: unknown, min: number, fail: Fail): number {
  return Number.isSafeInteger(v) && (v as number) >= min ? (v as number) : fail(`metadata '${key}' is ${preview(v)}, expected an integer ≥ ${min}`);
}

function readTraining(
  config: CharRNNConfig,
  expected: [string, number[]][],
  tensors: Record<string, StoredTensor>,
  json: (k: string) => unknown,
  take: (name: string, shape: readonly number[]) => Float64Array,
  known: Set<string>,
  fail: Fail,
): TrainingState {
  const opt = json('optimizer');
  if (typeof opt !== 'object' || opt === null) return fail(`metadata 'optimizer' is not a JSON object`);
  const { name, hyper, steps } = opt as Record<string, unknown>;
  if (!OPTIMIZERS.includes(name as OptimName)) fail(`optimizer ${preview(name)} is not supported (expects one of ${OPTIMIZERS.join(', ')})`);
  if (typeof hyper !== 'object' || hyper === null || !Object.values(hyper).every((v) => typeof v === 'number' && Number.isFinite(v)))
    fail(`optimizer hyperparameters ${preview(hyper)} are not finite numbers`);
  const shapes = new Map(expected);
  // Every slot of the optimizer, even one with no tensors (saved before the first step), and no
  // other. NOTE: a Map, not `slots[slot] ??= {}`: a hostile slot name such as "__proto__" would
  // otherwise reach Object.prototype.
  const slots = new Map(optimSlots(name as OptimName).map((s): [string, Record<string, Float64Array>] => [s, {}]));
  for (const tname of Object.keys(tensors)) {
    if (!tname.startsWith(OPTIM)) continue;
    const rest = tname.slice(OPTIM.length),
      dot = rest.indexOf('.');
    const slot = rest.slice(0, dot),
      param = rest.slice(dot + 1);
    if (dot <= 0 || !slots.has(slot) || !shapes.has(param)) fail(`unexpected optimizer tensor '${clip(tname)}'`);
    slots.get(slot)![param] = take(tname, shapes.get(param)!);
    known.add(tname);
  }
  const h0 = tensors[stateName('h', 0)];
  if (!h0 || h0.shape.length !== 2) return fail(`tensor '${stateName('h', 0)}' is missing or not 2-D`);
  const B = h0.shape[0];
  const state: State = { h: [], c: [] };
  for (let l = 0; l < config.layers; l++) {
    state.h.push(take(stateName('h', l), [B, config.hiddenSize]));
    known.add(stateName('h', l));
    if (HAS_CELL_STATE[config.kind]) {
      state.c.push(take(stateName('c', l), [B, config.hiddenSize]));
      known.add(stateName('c', l));
    }
  }
  const rng = json('rng');
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
    fail(`metadata 'rng' is ${preview(rng)}, expected four unsigned 32-bit integers`);
  }
  const train = json('train');
  if (typeof train !== 'object' || train === null || Array.isArray(train)) fail(`metadata 'train' is not a JSON object`);
  return {
    optimizer: {
      name: name as OptimName,
      hyper: hyper as Record<string, number>,
      steps: count('optimizer.steps', steps, 0, fail),
      slots: Object.fromEntries(slots),
    },
    iteration: count('iteration', json('iteration'), 0, fail),
    rngState: rng as number[],
    state,
    train: train as Record<string, unknown>,
  };
}

const describeConfig = (c: CharRNNConfig): string => `a ${c.layers}-layer ${c.kind} with V=${c.vocabSize}, H=${c.hiddenSize}`;

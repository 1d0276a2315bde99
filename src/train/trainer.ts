// The training state of a char-level RNN and one step of training, as min-char-rnn does it:
//
//   inputs  = data[p .. p+T),  targets = data[p+1 .. p+T+1)      (each target is the next character)
//   loss, grads, h = lossAndGrads(inputs, targets, hprev)         (truncated backprop through T steps)
//   clip every gradient entry to [−5, 5];  Adagrad step;  hprev = h;  p += T
//   when p + T + 1 > N: p = 0 and hprev = 0                       (wrap around, forget the context)
//   smooth_loss = 0.999 · smooth_loss + 0.001 · loss,  starting at −ln(1/V) · T
//
// Dimensions: V vocabulary size, H hidden size, L layers, T characters per chunk (seqLength),
// N characters (code points) of training text. The loop around it (time limit, progress,
// samples, checkpoints) is in loop.ts.

import { Rng } from '../engine/random.ts';
import { Tensor } from '../engine/tensor.ts';
import { UserError } from '../errors.ts';
import { initParams, zeroState, type Params, type RNNConfig } from '../models/rnn.ts';
import { lossAndGrads, type GradPath } from '../models/paths.ts';
import { Vocab, showChar } from '../data/vocab.ts';
import type { Checkpoint } from '../checkpoint/checkpoint.ts';
import { Adagrad, clipElementwise } from './optim.ts';
import { sample } from './sample.ts';

/** Hyperparameters of a fresh run (all optional; the defaults are min-char-rnn's). */
export interface TrainerOptions {
  layers?: number; // L, default 1
  hidden?: number; // H, default 100
  seqLength?: number; // T, default 25
  lr?: number; // Adagrad learning rate, default 0.1
  seed?: number; // seeds initialisation and the samples taken during training, default 42
  grad?: GradPath; // 'manual' (hand-derived backprop, faster) or 'tape' (autodiff), default 'manual'
  clip?: number; // element-wise gradient clip, default 5
}

/** What may change when resuming (the model's shape, vocabulary and RNG come from the checkpoint). */
export type ResumeOptions = Pick<TrainerOptions, 'seqLength' | 'lr' | 'grad' | 'clip'>;

export const TRAINER_DEFAULTS = { layers: 1, hidden: 100, seqLength: 25, lr: 0.1, seed: 42, grad: 'manual', clip: 5 } as const satisfies Required<TrainerOptions>;

interface State {
  vocab: Vocab;
  data: number[];
  params: Params;
  optimizer: Adagrad;
  rng: Rng;
  iteration: number;
  smoothLoss: number;
  position: number;
  hidden: Float64Array[];
  seqLength: number;
  grad: GradPath;
  clip: number;
  seed: number;
}

export class Trainer {
  readonly vocab: Vocab;
  /** The training text as vocabulary ids, one per code point. */
  readonly data: readonly number[];
  readonly config: RNNConfig;
  /** Updated in place by every step. */
  readonly params: Params;
  readonly optimizer: Adagrad;
  /** Drawn from by initialisation and by sample(); its state goes into checkpoints. */
  readonly rng: Rng;
  readonly seqLength: number;
  readonly grad: GradPath;
  readonly clip: number;
  /** The seed the run started from (kept for the record; after start-up the state is in `rng`). */
  readonly seed: number;
  /** Steps taken since the run began (across resumes). */
  iteration: number;
  smoothLoss: number;
  /** Start of the next chunk in `data`. */
  position: number;
  /** Hidden state carried into the next chunk, one length-H array per layer. */
  hidden: Float64Array[];
  /** Loss of the last chunk (summed over its T characters); NaN before the first step. */
  lastLoss = NaN;

  private constructor(s: State) {
    this.vocab = s.vocab;
    this.data = s.data;
    this.params = s.params;
    this.config = { vocabSize: s.vocab.size, hiddenSize: s.params.Whh1.shape[0], layers: s.hidden.length };
    this.optimizer = s.optimizer;
    this.rng = s.rng;
    this.iteration = s.iteration;
    this.smoothLoss = s.smoothLoss;
    this.position = s.position;
    this.hidden = s.hidden;
    this.seqLength = s.seqLength;
    this.grad = s.grad;
    this.clip = s.clip;
    this.seed = s.seed;
  }

  /** A fresh model for `text`: the vocabulary is the text's distinct characters. */
  static fromText(text: string, opts: TrainerOptions = {}): Trainer {
    const o = { ...TRAINER_DEFAULTS, ...definedOnly(opts) };
    checkHyper(o);
    positiveInt('layers', o.layers);
    positiveInt('hidden', o.hidden);
    if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new UserError(`seed must be an integer from 0 to 4294967295, got ${o.seed}`);
    const vocab = Vocab.fromText(text);
    const data = encodeData(vocab, text, o.seqLength);
    const config: RNNConfig = { vocabSize: vocab.size, hiddenSize: o.hidden, layers: o.layers };
    const rng = new Rng(o.seed);
    return new Trainer({
      vocab, data, rng,
      params: initParams(config, rng),
      optimizer: new Adagrad(o.lr),
      iteration: 0,
      smoothLoss: -Math.log(1 / vocab.size) * o.seqLength,
      position: 0,
      hidden: zeroState(config),
      seqLength: o.seqLength, grad: o.grad, clip: o.clip, seed: o.seed,
    });
  }

  /**
   * Continue from a checkpoint on `text`. Every character of the text must be in the checkpoint's
   * vocabulary. seqLength, lr and grad default to those the checkpoint was trained with.
   */
  static fromCheckpoint(text: string, c: Checkpoint, opts: ResumeOptions = {}): Trainer {
    const saved = c.train;
    const savedGrad: GradPath = saved.grad === 'tape' ? 'tape' : saved.grad === 'manual' ? 'manual' : TRAINER_DEFAULTS.grad;
    const o = {
      seqLength: typeof saved.seqLength === 'number' ? saved.seqLength : TRAINER_DEFAULTS.seqLength,
      lr: c.optimizer.lr,
      grad: savedGrad,
      clip: typeof saved.clip === 'number' ? saved.clip : TRAINER_DEFAULTS.clip,
      ...definedOnly(opts),
    };
    checkHyper(o);
    const vocab = Vocab.fromJSON(c.vocab);
    const missing = vocab.unknown(text);
    if (missing.length > 0) {
      throw new UserError(`the text has characters that the checkpoint's vocabulary lacks: ${missing.map(showChar).join(', ')}`);
    }
    const data = encodeData(vocab, text, o.seqLength);
    const optimizer = new Adagrad(o.lr);
    for (const [name, m] of Object.entries(c.optimizer.mem)) optimizer.mem[name] = Float64Array.from(m);
    const params: Params = {};
    for (const [name, t] of Object.entries(c.params)) params[name] = new Tensor(Float64Array.from(t.data), t.shape);
    return new Trainer({
      vocab, data, params, optimizer,
      rng: new Rng(c.rngState),
      iteration: c.iteration,
      smoothLoss: c.smoothLoss,
      position: c.position,
      hidden: c.hidden.map((h) => Float64Array.from(h)),
      seqLength: o.seqLength, grad: o.grad, clip: o.clip,
      seed: typeof saved.seed === 'number' ? saved.seed : NaN,
    });
  }

  /** One training step on the next chunk; returns its loss (summed over the T characters). */
  step(): number {
    const T = this.seqLength;
    if (this.position + T + 1 > this.data.length) {
      this.position = 0;
      this.hidden = zeroState(this.config);
    }
    const p = this.position;
    const inputs = this.data.slice(p, p + T);
    const targets = this.data.slice(p + 1, p + T + 1);
    const { loss, grads, h } = lossAndGrads(this.grad, this.params, inputs, targets, this.hidden);
    clipElementwise(grads, this.clip);
    this.optimizer.step(this.params, grads);
    this.hidden = h;
    this.position = p + T;
    this.iteration++;
    this.lastLoss = loss;
    this.smoothLoss = 0.999 * this.smoothLoss + 0.001 * loss;
    return loss;
  }

  /** Smoothed loss per character (nats). */
  get lossPerChar(): number {
    return this.smoothLoss / this.seqLength;
  }

  /**
   * A sample from the current model, continuing from the carried hidden state with the next
   * input character as its seed (as min-char-rnn does). Draws from the trainer's rng.
   */
  sample(length: number, temperature = 1): string {
    const next = this.position + this.seqLength + 1 > this.data.length ? 0 : this.position;
    return sample(this.params, this.vocab, {
      length, temperature, rng: this.rng,
      prime: this.vocab.chars[this.data[next]],
      hidden: next === 0 && this.position !== 0 ? zeroState(this.config) : this.hidden,
    });
  }

  /**
   * Everything needed to resume exactly here, as copies (later steps do not change it).
   * `extra` is stored in the checkpoint's `train` record.
   */
  checkpoint(extra: Record<string, unknown> = {}): Checkpoint {
    const params: Params = {};
    for (const [name, t] of Object.entries(this.params)) params[name] = t.clone();
    const mem: Record<string, Float64Array> = {};
    for (const [name, m] of Object.entries(this.optimizer.mem)) mem[name] = m.slice();
    return {
      config: { ...this.config },
      vocab: this.vocab.toJSON(),
      params,
      optimizer: { name: 'adagrad', lr: this.optimizer.lr, mem },
      iteration: this.iteration,
      rngState: this.rng.state(),
      smoothLoss: this.smoothLoss,
      position: this.position,
      hidden: this.hidden.map((h) => h.slice()),
      train: {
        ...extra,
        seqLength: this.seqLength, lr: this.optimizer.lr, grad: this.grad, clip: this.clip,
        ...(Number.isFinite(this.seed) ? { seed: this.seed } : {}),
      },
    };
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function positiveInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new UserError(`${name} must be a positive integer, got ${v}`);
}

function checkHyper(o: { seqLength: number; lr: number; grad: string; clip: number }): void {
  positiveInt('seqLength', o.seqLength);
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new UserError(`learning rate must be a positive number, got ${o.lr}`);
  if (!(o.clip > 0)) throw new UserError(`clip must be a positive number, got ${o.clip}`);
  if (o.grad !== 'tape' && o.grad !== 'manual') throw new UserError(`grad must be 'tape' or 'manual', got '${o.grad}'`);
}

/** The text as ids, checked to hold at least one chunk (T inputs and their T targets). */
function encodeData(vocab: Vocab, text: string, T: number): number[] {
  const data = vocab.encode(text);
  if (data.length < T + 1) {
    throw new UserError(`the text has ${data.length} characters; a sequence length of ${T} needs at least ${T + 1}`);
  }
  return data;
}

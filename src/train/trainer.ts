// The state of a char-rnn training run and one step of it, as karpathy/char-rnn's train.lua does it:
//
//   text → ids → train / validation / test split → the train part cut into B stripes (data.ts)
//   iteration i: epoch e = ⌊i / chunks⌋, chunk k = i mod chunks (the state is zeroed when k = 0)
//     masks  = dropout masks drawn from the run's rng (if dropout > 0)
//     loss, grads, state = forward + backward over the chunk (manual or tape), from the carried state
//     stop if loss or a gradient is NaN/Inf, or loss > 3 × the first iteration's loss
//     clip (each entry to ±c, or the global norm to c);  optimizer step at lr·decay^max(0, e − after + 1)
//
// Dimensions: V vocabulary, H hidden, L layers, T seqLength, B batchSize.
// Two ways to run a step: the readable models (the tape, or the hand-derived *.manual.ts files, in
// float64 on TypeScript loops), or the fast path (src/fast/model.ts: the hand-derived maths on a
// kernel set, WebAssembly SIMD or the reference TypeScript kernels, in float32 or float64). The
// manual path with --kernels ts --dtype f64 is the first kind; anything else with grad 'manual' the second.
//
// Everything a step depends on is in the checkpoint (parameters, optimizer state, iteration, the
// rng's state, the carried state), and the data position follows from the iteration, so a resumed
// run takes exactly the steps the uninterrupted run would have taken.

import type { Checkpoint } from '../checkpoint/checkpoint.ts';
import { type EncodedText, encodeText } from '../data/encoded.ts';
import { showChar, Vocab } from '../data/vocab.ts';
import { Rng } from '../engine/random.ts';
import { Tensor } from '../engine/tensor.ts';
import { UserError } from '../errors.ts';
import type { FastKernels } from '../fast/kernels.ts';
import { FastCharRNN, fastModelBytes } from '../fast/model.ts';
import { defaultThreads, makeKernels, resolveKernels } from '../fast/select.ts';
import { applyUpdate, clipGrads, gradNorm, gradsFinite } from '../fast/update.ts';
import { checkJob, DEFAULT_MEMORY_LIMIT } from '../limits.ts';
import { charLossAndGrads } from '../models/charrnn.paths.ts';
import {
  type Batch,
  type CharRNNConfig,
  cloneState,
  type DropoutMasks,
  dropoutMasks,
  initParams,
  type Params,
  type State,
  zeroState,
} from '../models/charrnn.ts';
import {
  allFinite,
  clipElementwise,
  clipGlobalNorm,
  globalNorm,
  learningRate,
  makeOptimizer,
  type Optimizer,
  type OptimizerState,
  restoreOptimizer,
} from '../optim/optim.ts';
import { evalStripes, fingerprint, type Split, Stripes, splitData } from './data.ts';
import { checkSize, estimateRun } from './estimate.ts';
import { evaluateWholeChunks } from './evaluate.ts';
import { BEFORE_FAST, checkOptions, definedOnly, type ResumeOptions, TRAINER_DEFAULTS, type TrainerOptions } from './options.ts';
import { type SampleOptions, sample } from './sample.ts';

export { checkOptions, type ResumeOptions, TRAINER_DEFAULTS, type TrainerOptions };

/** Training stopped because the loss blew up; the parameters were not updated by the bad step. */
export class DivergedError extends UserError {}

export interface ValRecord {
  iteration: number;
  loss: number; // nats per character
}

interface Progress {
  iteration: number;
  smoothLoss: number;
  firstLoss: number | null;
  history: ValRecord[];
}

export class Trainer {
  readonly config: CharRNNConfig;
  readonly stripes: Stripes;
  iteration: number;
  /** Exponential moving average (0.99) of the training loss, nats per character. */
  smoothLoss: number;
  /** Loss of the last step; NaN before the first. */
  lastLoss = NaN;
  /** The global L2 norm of the last step's gradients, before clipping. */
  lastGradNorm = NaN;
  firstLoss: number | null;
  /** Every validation of the run so far (across resumes). */
  readonly history: ValRecord[];
  /** The fast path's model (its own copies of parameters, state and optimizer slots), or null. */
  private readonly fast: FastCharRNN | null;
  private readonly _params: Params;
  private _state: State;
  private paramsStale = false;

  private constructor(
    readonly options: Readonly<TrainerOptions>,
    readonly vocab: Vocab,
    readonly split: Split,
    private readonly dataPrint: string,
    params: Params,
    readonly optimizer: Optimizer,
    /** Draws the dropout masks; its state goes into checkpoints. */
    readonly rng: Rng,
    state: State,
    p: Progress,
  ) {
    this.config = { kind: options.model, vocabSize: vocab.size, hiddenSize: options.hidden, layers: options.layers };
    this.stripes = new Stripes(split.train, options.batchSize, options.seqLength);
    this._params = params;
    this._state = state;
    this.iteration = p.iteration;
    this.smoothLoss = p.smoothLoss;
    this.firstLoss = p.firstLoss;
    this.history = p.history;
    this.fast = null;
    if (options.grad === 'manual') {
      const kernels = resolveKernels(options.kernels);
      if (kernels !== 'ts' || options.dtype !== 'f64') {
        const shape = { config: this.config, B: options.batchSize, T: options.seqLength, optim: optimizer.name, dropout: options.dropout > 0 };
        const threads = options.threads === 0 ? defaultThreads() : (options.threads as 1 | 2);
        const fast = new FastCharRNN(makeKernels(kernels, options.dtype, kernels === 'ts' ? 1 : threads, fastModelBytes(shape, options.dtype)), shape);
        fast.setParams(params);
        fast.setState(state);
        fast.setOptimizerState(optimizer.state());
        this.fast = fast;
        this.paramsStale = true; // in float32 the parameters are now rounded
      }
    }
  }

  /** The parameters (float64 Tensors). With the fast path, a copy refreshed after each step: changing it changes nothing. */
  get params(): Params {
    if (this.fast && this.paramsStale) {
      this.fast.copyParamsTo(this._params);
      this.paramsStale = false;
    }
    return this._params;
  }

  /** The state carried into the next chunk (B streams). */
  get state(): State {
    return this.fast ? this.fast.getState() : this._state;
  }

  set state(s: State) {
    if (this.fast) this.fast.setState(s);
    else this._state = s;
  }

  /** The fast path's kernel set, or null on the readable float64 path. */
  get kernels(): FastKernels | null {
    return this.fast?.k ?? null;
  }

  /** Which kernels and precision the steps run on: e.g. 'wasm f32 ×2', 'ts f64 (manual)'. */
  get engine(): string {
    if (!this.fast) return `ts f64 (${this.options.grad})`;
    return `${this.fast.k.name} ${this.fast.k.dtype}${this.fast.k.threads > 1 ? ` ×${this.fast.k.threads}` : ''}`;
  }

  /** The optimizer's state, to continue exactly (copies). */
  optimizerState(): OptimizerState {
    if (!this.fast) return this.optimizer.state();
    return { name: this.optimizer.name, hyper: { ...this.optimizer.hyper }, steps: this.fast.steps, slots: this.fast.optimizerSlots() };
  }

  /** Stops the kernel set's helper thread, if any. The trainer must not be used afterwards. */
  dispose(): void {
    this.fast?.k.dispose();
  }

  /** A fresh model for `text`: the vocabulary is the text's distinct characters. */
  static fromText(text: string, opts: Partial<TrainerOptions> = {}): Trainer {
    return Trainer.fromEncoded(encodeText(text), opts);
  }

  /** A fresh model for an encoded text (its vocabulary and ids; see data/encoded.ts and readEncodedFile). */
  static fromEncoded({ vocab, ids }: EncodedText, opts: Partial<TrainerOptions> = {}, limit = DEFAULT_MEMORY_LIMIT): Trainer {
    const given = definedOnly(opts);
    // the tape computes in float64, so asking for it without a dtype means float64
    const o: TrainerOptions = { ...TRAINER_DEFAULTS, ...(given.grad === 'tape' && given.dtype === undefined ? { dtype: 'f64' as const } : {}), ...given };
    checkOptions(o);
    checkTrainingSize(o, vocab.size, limit); // closed form, first: estimateRun walks the layers
    checkSize(estimateRun(o, vocab.size), limit); // the fast arena's exact size, before a single parameter is allocated
    const rng = new Rng(o.seed);
    const config: CharRNNConfig = { kind: o.model, vocabSize: vocab.size, hiddenSize: o.hidden, layers: o.layers };
    const split = splitData(ids, { train: o.trainFrac, val: o.valFrac });
    new Stripes(split.train, o.batchSize, o.seqLength, 'the training text', ids.length); // too short: refused before allocating the model
    const params = initParams(config, rng);
    const p: Progress = { iteration: 0, smoothLoss: Math.log(vocab.size), firstLoss: null, history: [] };
    return new Trainer(o, vocab, split, fingerprint(ids), params, makeOptimizer(o.optim), rng, zeroState(config, o.batchSize), p);
  }

  /**
   * Continue a run from its checkpoint, on the same text: a string, or the text encoded with the
   * checkpoint's vocabulary. A checkpoint whose training state is incomplete is refused; `limit`
   * (bytes) bounds the memory the run may need (limits.ts).
   */
  static fromCheckpoint(text: string | EncodedText, c: Checkpoint, changes: ResumeOptions = {}, limit = DEFAULT_MEMORY_LIMIT): Trainer {
    const tr = c.training;
    if (!tr) throw new UserError('this checkpoint holds a model only (no optimizer or training state), so it cannot be resumed');
    const saved = tr.train;
    if (typeof saved.options !== 'object' || saved.options === null) damaged('no options');
    const o: TrainerOptions = { ...BEFORE_FAST, ...(saved.options as TrainerOptions), ...definedOnly(changes) };
    checkOptions(o);
    if (o.model !== c.config.kind || o.layers !== c.config.layers || o.hidden !== c.config.hiddenSize)
      throw new UserError('checkpoint: its training options do not match its model');
    checkTrainingSize(o, c.config.vocabSize, limit);
    const vocab = Vocab.fromJSON(c.vocab);
    let ids: EncodedText['ids'];
    if (typeof text === 'string') {
      const missing = vocab.unknown(text);
      if (missing.length > 0)
        throw new UserError(`the text has characters that the checkpoint's vocabulary lacks: ${missing.slice(0, 10).map(showChar).join(', ')}`);
      ids = encodeText(text, vocab).ids;
    } else {
      if (text.vocab.size !== vocab.size || text.vocab.chars.some((ch, i) => ch !== vocab.chars[i]))
        throw new Error('fromCheckpoint: the text was encoded with another vocabulary');
      ids = text.ids;
    }
    if (typeof saved.data !== 'string') damaged('no data fingerprint');
    const print = fingerprint(ids);
    if (print !== saved.data) {
      throw new UserError(
        `the text is not the one this run was trained on (${ids.length} characters here, ${saved.data.split(':')[0].slice(0, 20)} then): resuming needs the same text`,
      );
    }
    const B = tr.state.h[0].length / c.config.hiddenSize;
    if (B !== o.batchSize) throw new UserError(`checkpoint: carried state has ${B} streams but the run's batch size is ${o.batchSize}`);
    const params: Params = {};
    for (const [name, t] of Object.entries(c.params)) params[name] = new Tensor(Float64Array.from(t.data), t.shape);
    const p = readProgress(saved.progress);
    checkOptimizerComplete(tr.optimizer, tr.iteration, Object.keys(params));
    return new Trainer(
      o,
      vocab,
      splitData(ids, { train: o.trainFrac, val: o.valFrac }),
      print,
      params,
      restoreOptimizer(tr.optimizer),
      new Rng(tr.rngState),
      cloneState(tr.state),
      {
        iteration: tr.iteration,
        ...p,
      },
    );
  }

  /** The lowest validation loss so far (nats/char), or null before the first validation. */
  get bestVal(): number | null {
    // NOTE: a loop, not Math.min(...history): spreading 130,000+ arguments overflows the stack
    let best: number | null = null;
    for (const r of this.history) if (best === null || r.loss < best) best = r.loss;
    return best;
  }

  /** Chunks per epoch. */
  get chunks(): number {
    return this.stripes.chunks;
  }

  /** Iterations of the whole run (epochs × chunks per epoch). */
  get totalIterations(): number {
    return this.options.epochs * this.chunks;
  }

  get done(): boolean {
    return this.iteration >= this.totalIterations;
  }

  /** Epochs completed so far, fractional. */
  get epoch(): number {
    return this.iteration / this.chunks;
  }

  /** The learning rate of the next step. */
  get lr(): number {
    const o = this.options;
    return learningRate({ lr: o.lr, decay: o.lrDecay, decayAfter: o.decayAfter }, Math.floor(this.iteration / this.chunks));
  }

  /** Characters predicted per step (T·B). */
  get charsPerStep(): number {
    return this.options.seqLength * this.options.batchSize;
  }

  /** One training step; returns its loss (nats per character). Throws DivergedError before updating anything if the loss blows up. */
  step(): number {
    const o = this.options;
    const k = this.iteration % this.chunks;
    if (k === 0) this.state = zeroState(this.config, o.batchSize);
    const batch = this.stripes.batch(k);
    const masks = dropoutMasks(this.config, o.seqLength, o.batchSize, o.dropout, this.rng);
    if (this.fast) this.fastStep(batch, masks);
    else {
      const { loss, grads, state } = charLossAndGrads(o.grad, this.params, batch, this.state, masks);
      this.checkLoss(loss, allFinite(grads));
      if (o.clipMode === 'norm') this.lastGradNorm = clipGlobalNorm(grads, o.clip);
      else {
        this.lastGradNorm = globalNorm(grads);
        clipElementwise(grads, o.clip);
      }
      this.optimizer.step(this.params, grads, this.lr);
      this.state = state;
      this.lastLoss = loss;
    }
    const loss = this.lastLoss;
    this.iteration++;
    this.smoothLoss = this.iteration === 1 ? loss : 0.99 * this.smoothLoss + 0.01 * loss;
    return loss;
  }

  /** The fast path's step: the same checks, in the same order, before anything is updated. */
  private fastStep(batch: Batch, masks: DropoutMasks | undefined): void {
    const fast = this.fast!,
      o = this.options;
    fast.saveState(); // a diverged step must leave the carried state as it was
    const loss = fast.run(batch, masks, true);
    try {
      this.checkLoss(loss, gradsFinite(fast));
    } catch (e) {
      fast.restoreState();
      throw e;
    }
    if (o.clipMode === 'value') this.lastGradNorm = gradNorm(fast);
    const norm = clipGrads(fast, o.clipMode, o.clip);
    if (o.clipMode === 'norm') this.lastGradNorm = norm;
    applyUpdate(fast, this.lr, this.optimizer.hyper);
    this.paramsStale = true;
    this.lastLoss = loss;
  }

  /** Throws DivergedError when the loss or a gradient is not finite, or the loss is above 3× the first. */
  private checkLoss(loss: number, gradsFinite: boolean): void {
    const at = `at iteration ${this.iteration + 1}`;
    if (!Number.isFinite(loss)) throw new DivergedError(`the loss became ${loss} ${at}: training diverged (try a lower --lr)`);
    if (!gradsFinite) throw new DivergedError(`a gradient became NaN or infinite ${at}: training diverged (try a lower --lr)`);
    if (this.firstLoss === null) this.firstLoss = loss;
    else if (loss > 3 * this.firstLoss)
      throw new DivergedError(
        `the loss ${loss.toFixed(3)} ${at} is more than 3× the first loss ${this.firstLoss.toFixed(3)}: training diverged (try a lower --lr)`,
      );
  }

  /** Mean validation loss (nats/char) over the whole chunks of the validation split; NaN if there is none. Records it. */
  validate(): number {
    const o = this.options;
    const loss =
      this.split.val.length < 2
        ? NaN
        : this.fast
          ? this.fastEvaluate()
          : evaluateWholeChunks(this.params, evalStripes(this.split.val, o.batchSize, o.seqLength)!);
    if (Number.isFinite(loss)) this.history.push({ iteration: this.iteration, loss });
    return loss;
  }

  /** evaluateWholeChunks() on the fast path (same stripes, same mean), leaving the carried training state alone. */
  private fastEvaluate(): number {
    const fast = this.fast!,
      o = this.options;
    const stripes = evalStripes(this.split.val, o.batchSize, o.seqLength)!;
    if (stripes.B !== fast.B || stripes.T !== fast.T) {
      // a validation text too short for B stripes of T: a model sized for it, on the same kernels and precision
      return evaluateWholeChunks(this.params, stripes, { kernels: fast.k.name, dtype: fast.k.dtype });
    }
    fast.saveState(); // the carried training state, put back afterwards
    fast.zeroState();
    let sum = 0;
    for (let k = 0; k < stripes.chunks; k++) sum += fast.run(stripes.batch(k), undefined, false);
    fast.restoreState();
    return sum / stripes.chunks;
  }

  /**
   * A sample from the current model (from a zero state). It draws from its own rng, seeded from the
   * run's seed and the iteration, so taking samples never changes the training itself.
   */
  sample(length: number, opts: Partial<SampleOptions> = {}): string {
    return sample(this.params, this.vocab, { length, rng: new Rng((this.options.seed + this.iteration * 7919) >>> 0), ...opts });
  }

  /** Everything needed to resume exactly here, as copies. */
  checkpoint(extra: Record<string, unknown> = {}): Checkpoint {
    const params: Params = {};
    for (const [name, t] of Object.entries(this.params)) params[name] = t.clone();
    const progress: Progress = {
      iteration: this.iteration,
      smoothLoss: this.smoothLoss,
      firstLoss: this.firstLoss,
      history: this.history.map((r) => ({ ...r })),
    };
    return {
      config: { ...this.config },
      vocab: this.vocab.toJSON(),
      params,
      training: {
        optimizer: this.optimizerState(),
        iteration: this.iteration,
        rngState: this.rng.state(),
        state: cloneState(this.state),
        train: { ...extra, options: { ...this.options }, data: this.dataPrint, progress, epoch: this.epoch, lr: this.lr },
      },
    };
  }
}

/**
 * A SizeError (before anything is allocated) when a run of these options on a vocabulary of V
 * characters would need more memory than `limit` bytes, or an array longer than a typed array can be.
 */
export function checkTrainingSize(o: TrainerOptions, V: number, limit = DEFAULT_MEMORY_LIMIT): void {
  const slots = { adagrad: 1, rmsprop: 1, adam: 2 }[o.optim] ?? 2;
  const job = {
    kind: o.model,
    V,
    H: o.hidden,
    L: o.layers,
    T: o.seqLength,
    B: o.batchSize,
    bytes: o.dtype === 'f32' ? (4 as const) : (8 as const),
    slots,
    tape: o.grad === 'tape',
  };
  checkJob(
    job,
    limit,
    `a ${o.layers}-layer ${o.model.toUpperCase()} with ${o.hidden} hidden units, vocabulary ${V}, batch ${o.batchSize} × seq ${o.seqLength}`,
  );
}

/**
 * A resume must continue the optimizer exactly: every slot covers every parameter, and the step
 * count is the iteration (Adam's bias correction uses it). Only a run saved before its first step
 * may have empty slots. Anything else is refused, never silently restarted from zero.
 */
function checkOptimizerComplete(state: OptimizerState, iteration: number, names: string[]): void {
  if (state.steps !== iteration) damaged(`the optimizer has taken ${state.steps} steps but the run is at iteration ${iteration}`);
  for (const [slot, byParam] of Object.entries(state.slots)) {
    const missing = names.filter((n) => !Object.hasOwn(byParam, n));
    if (missing.length === names.length && iteration === 0) continue;
    if (missing.length > 0) {
      damaged(
        `the optimizer state '${slot}' lacks ${missing.length} of the ${names.length} parameters, e.g. optim.${slot}.${missing[0]}; resuming would restart it from zero`,
      );
    }
  }
}

/** The run's progress record from a checkpoint, checked field by field (a damaged record is a UserError). */
function damaged(what: string): never {
  throw new UserError(`checkpoint: its training record is damaged (${what}); it cannot be resumed, but it can still be sampled and evaluated`);
}

function readProgress(raw: unknown): Omit<Progress, 'iteration'> {
  const bad = damaged;
  if (typeof raw !== 'object' || raw === null) return bad('no progress');
  const { smoothLoss, firstLoss, history } = raw as Record<string, unknown>;
  if (typeof smoothLoss !== 'number') bad('smoothLoss');
  if (firstLoss !== null && typeof firstLoss !== 'number') bad('firstLoss');
  if (!Array.isArray(history) || !history.every((r) => typeof r?.iteration === 'number' && typeof r?.loss === 'number')) bad('history');
  return {
    smoothLoss: smoothLoss as number,
    firstLoss: firstLoss as number | null,
    history: (history as ValRecord[]).map((r) => ({ iteration: r.iteration, loss: r.loss })),
  };
}

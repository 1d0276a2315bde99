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
// The steps themselves run on a StepEngine (engines.ts), the readable float64 one or the fast one,
// chosen once when the trainer is made; the trainer holds the schedule, the checks and the record.
//
// Everything a step depends on is in the checkpoint (parameters, optimizer state, iteration, the
// rng's state, the carried state), and the data position follows from the iteration, so a resumed
// run takes exactly the steps the uninterrupted run would have taken.

import type { Checkpoint } from '../checkpoint/checkpoint.ts';
import { type EncodedText, encodeText } from '../data/encoded.ts';
import type { Vocab } from '../data/vocab.ts';
import { Rng } from '../engine/random.ts';
import { UserError } from '../errors.ts';
import type { FastKernels } from '../fast/kernels.ts';
import { DEFAULT_MEMORY_LIMIT } from '../limits.ts';
import { type CharRNNConfig, cloneState, dropoutMasks, initParams, type Params, type State, zeroState } from '../models/charrnn.ts';
import { learningRate, makeOptimizer, type Optimizer, type OptimizerState } from '../optim/optim.ts';
import { evalStripes, fingerprint, type Split, Stripes, splitData } from './data.ts';
import { makeEngine, type StepEngine } from './engines.ts';
import { checkSize, estimateRun } from './estimate.ts';
import { checkOptions, checkTrainingSize, definedOnly, type ResumeOptions, TRAINER_DEFAULTS, type TrainerOptions } from './options.ts';
import { type Progress, readResume, type ValRecord } from './resume.ts';
import { type SampleOptions, sample } from './sample.ts';
import { SMOOTH_WINDOW, smoothedLoss } from './smooth.ts';

export { checkOptions, checkTrainingSize, type ResumeOptions, TRAINER_DEFAULTS, type TrainerOptions, type ValRecord };

/** Training stopped because the loss blew up; the parameters were not updated by the bad step. */
export class DivergedError extends UserError {}

export class Trainer {
  readonly config: CharRNNConfig;
  readonly stripes: Stripes;
  iteration: number;
  /**
   * char-rnn's exponential moving average (0.99) of the training loss, nats per character, seeded
   * at the first loss: it trails a falling loss by about a hundred iterations, so it is not what is
   * shown (recentLoss is); checkpoints keep it for the readers that expect it.
   */
  smoothLoss: number;
  /** The latest losses (at most SMOOTH_WINDOW), oldest first. */
  private readonly recentLosses: number[];
  /** Loss of the last step; NaN before the first. */
  lastLoss = NaN;
  /** The global L2 norm of the last step's gradients, before clipping. */
  lastGradNorm = NaN;
  firstLoss: number | null;
  /** Every validation of the run so far (across resumes). */
  readonly history: ValRecord[];
  /** Runs the steps: readable or fast, chosen once (engines.ts). */
  private readonly runner: StepEngine;

  private constructor(
    readonly options: Readonly<TrainerOptions>,
    readonly vocab: Vocab,
    readonly split: Split,
    private readonly dataPrint: string,
    params: Params,
    optimizer: Optimizer,
    /** Draws the dropout masks; its state goes into checkpoints. */
    readonly rng: Rng,
    state: State,
    p: Progress,
  ) {
    this.config = { kind: options.model, vocabSize: vocab.size, hiddenSize: options.hidden, layers: options.layers };
    this.stripes = new Stripes(split.train, options.batchSize, options.seqLength);
    this.iteration = p.iteration;
    this.smoothLoss = p.smoothLoss;
    this.recentLosses = [...p.recentLosses];
    this.firstLoss = p.firstLoss;
    this.history = p.history;
    this.runner = makeEngine(options, this.config, params, state, optimizer);
  }

  /** The parameters (float64 Tensors). With the fast engine, a copy refreshed after each step: changing it changes nothing. */
  get params(): Params {
    return this.runner.params();
  }

  /** The state carried into the next chunk (B streams). */
  get state(): State {
    return this.runner.getState();
  }

  set state(s: State) {
    this.runner.setState(s);
  }

  /** The fast engine's kernel set, or null on the readable float64 path. */
  get kernels(): FastKernels | null {
    return this.runner.kernels;
  }

  /** Which kernels and precision the steps run on: e.g. 'wasm f32 ×2', 'ts f64 (manual)'. */
  get engine(): string {
    return this.runner.name;
  }

  /** The optimizer's state, to continue exactly (copies). */
  optimizerState(): OptimizerState {
    return this.runner.optimizerState();
  }

  /** Stops the kernel set's helper thread, if any. The trainer must not be used afterwards. */
  dispose(): void {
    this.runner.dispose();
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
    const p: Progress = { iteration: 0, smoothLoss: Math.log(vocab.size), recentLosses: [], firstLoss: null, history: [] };
    return new Trainer(o, vocab, split, fingerprint(ids), params, makeOptimizer(o.optim), rng, zeroState(config, o.batchSize), p);
  }

  /**
   * Continue a run from its checkpoint, on the same text: a string, or the text encoded with the
   * checkpoint's vocabulary. A checkpoint whose training state is incomplete is refused; `limit`
   * (bytes) bounds the memory the run may need (limits.ts).
   */
  static fromCheckpoint(text: string | EncodedText, c: Checkpoint, changes: ResumeOptions = {}, limit = DEFAULT_MEMORY_LIMIT): Trainer {
    const r = readResume(text, c, changes, limit);
    return new Trainer(r.options, r.vocab, r.split, r.dataPrint, r.params, r.optimizer, r.rng, r.state, r.progress);
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
    const { loss, gradNorm } = this.runner.step(batch, masks, this.lr, (l, finite) => this.checkLoss(l, finite));
    this.lastLoss = loss;
    this.lastGradNorm = gradNorm;
    this.iteration++;
    this.smoothLoss = this.iteration === 1 ? loss : 0.99 * this.smoothLoss + 0.01 * loss;
    this.recentLosses.push(loss);
    if (this.recentLosses.length > SMOOTH_WINDOW) this.recentLosses.shift();
    return loss;
  }

  /**
   * The training loss now, nats per character: the end of the straight line fitted to the latest
   * SMOOTH_WINDOW losses (smoothedLoss), which follows a falling loss without lagging. Before any
   * step, and just after resuming a checkpoint that predates the record of recent losses, smoothLoss.
   */
  get recentLoss(): number {
    const n = this.recentLosses.length;
    return n === 0 ? this.smoothLoss : smoothedLoss(this.recentLosses, n - 1);
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
    const loss = this.split.val.length < 2 ? NaN : this.runner.evaluate(evalStripes(this.split.val, o.batchSize, o.seqLength)!);
    if (Number.isFinite(loss)) this.history.push({ iteration: this.iteration, loss });
    return loss;
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
      recentLosses: [...this.recentLosses],
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

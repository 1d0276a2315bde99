// Everything the worker does with a model, without the messaging: one Session holds the current
// model (a Trainer when it can train, or bare parameters loaded from a checkpoint) and its text.
// Training itself is trainSlice(): a few Trainer.step() calls, on the Trainer's defaults: the
// WebAssembly kernels in float32, with a second thread when the page is cross-origin isolated.
//
// Every method that builds a new model (init, reset, load) builds it completely before replacing
// the current one, so a UserError (empty text, bad checkpoint) leaves the current model as it was.

import {
  charrnn,
  decodeCheckpoint,
  encodeCheckpoint,
  estimateRun,
  evaluate,
  type Params,
  Rng,
  sample,
  sampleStream,
  Trainer,
  traceActivations,
  UserError,
  Vocab,
} from '../src/core.ts';
import { checkPageSize, fitToText, plainCheckpointError } from './helpers.ts';
import type { ModelInfo, ModelOptions, Progress, SampleRequest, TrainRequest } from './protocol.ts';

/** Validation reads at most this many characters of the held-out part (all of it costs seconds). */
export const VALIDATION_CHARS = 10_000;
/** Validate every this many iterations (and whenever training pauses). */
export const VALIDATE_EVERY = 100;
const SPEED_WINDOW_MS = 3000;
const PASSAGE_CHARS = 400;
/** The longest passage "look inside" reads (it traces every step of every layer). */
export const MAX_INSPECT_CHARS = 5000;

interface Model {
  params: Params;
  vocab: Vocab;
  /** Null for a model that cannot train (loaded without its training state or its text). */
  trainer: Trainer | null;
  origin: string;
  passage: string;
}

interface Data {
  text: string;
  name: string;
}

export class Session {
  private model: Model | null = null;
  private data: Data | null = null;
  private options: ModelOptions | null = null;
  private samples = 0;
  private speed: { at: number; chars: number; ms: number }[] = [];
  private lastValidated = -1;

  get hasModel(): boolean {
    return this.model !== null;
  }

  get trainer(): Trainer | null {
    return this.model?.trainer ?? null;
  }

  /**
   * A new model for `text`: its distinct characters are the vocabulary. Batch and seq are made to
   * fit a short text (the note says so), and the size is checked against the page's limits before
   * anything is allocated.
   */
  init({ text, name, options }: TrainRequest): { info: ModelInfo; note: string } {
    if (text.length === 0) throw new UserError(`${name} is empty: paste or drop some text first`);
    const n = [...text].length;
    const fit = fitToText(n, options.batchSize, options.seqLength);
    const o: ModelOptions = { ...options, batchSize: fit.batch, seqLength: fit.seq };
    checkPageSize(estimateRun({ ...o, dtype: 'f32' }, new Set(text).size));
    const trainer = Trainer.fromText(text, { ...o, grad: 'manual' });
    this.data = { text, name };
    this.options = o;
    return {
      info: this.use({ params: trainer.params, vocab: trainer.vocab, trainer, origin: `new, on ${name}`, passage: passageOf(trainer) }),
      note: fit.note,
    };
  }

  /**
   * A fresh model of the current model's kind and size, with its own training options and text
   * (training starts over); a model that has none (loaded for sampling only) takes the page's.
   */
  reset(page: TrainRequest | null): { info: ModelInfo; note: string } {
    const m = this.need();
    const own = m.trainer && this.data && this.options ? { ...this.data, options: this.options } : null;
    const base = own ?? page;
    if (!base) throw new UserError('nothing to reset to: choose a text to train on first');
    const { kind, layers, hiddenSize } = m.trainer?.config ?? charrnn.configOf(m.params);
    return this.init({ ...base, options: { ...base.options, model: kind, layers, hidden: hiddenSize } });
  }

  /**
   * Makes the run `epochs` long (the trainer is rebuilt from its own checkpoint, so it continues
   * exactly where it was). Refused if the run has already done that many.
   */
  setEpochs(epochs: number): void {
    const tr = this.needTrainer();
    if (epochs === tr.options.epochs) return;
    if (epochs * tr.chunks <= tr.iteration) {
      throw new UserError(`this run has already done ${Math.floor(tr.epoch)} epochs: set epochs higher, or choose "until paused"`);
    }
    const m = this.need();
    const next = Trainer.fromCheckpoint(this.data!.text, tr.checkpoint(), { epochs });
    this.options = optionsOf(next);
    this.use({ ...m, params: next.params, trainer: next });
  }

  /**
   * A checkpoint: ours (with its training state) or a model-only file such as PyTorch writes.
   * Training continues if it has its training state and `data` (default: the current model's
   * text) is the text it was trained on.
   */
  load(bytes: Uint8Array, name: string, data: Data | null = this.data): { info: ModelInfo; note: string } {
    let c: ReturnType<typeof decodeCheckpoint>;
    try {
      c = decodeCheckpoint(bytes, `checkpoint ${name}`);
    } catch (err) {
      throw err instanceof UserError ? new UserError(plainCheckpointError(name, err.message)) : err;
    }
    const vocab = Vocab.fromJSON(c.vocab);
    let trainer: Trainer | null = null,
      note: string;
    if (!c.training) note = 'it holds the model only, so it samples and can be looked inside but not trained further';
    else if (!data) note = 'no text is loaded to continue its training on';
    else {
      try {
        trainer = Trainer.fromCheckpoint(data.text, c);
        note = `training continues from iteration ${trainer.iteration} on ${data.name}`;
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        note = `it cannot continue training here (${err.message}); it samples and can be looked inside`;
      }
    }
    const params = trainer ? trainer.params : c.params;
    const start = data ? firstChars(data.text, PASSAGE_CHARS) : '';
    const passage = trainer
      ? passageOf(trainer)
      : start !== '' && vocab.unknown(start).length === 0
        ? start
        : sample(params, vocab, { length: PASSAGE_CHARS, rng: new Rng(1), temperature: 0.8 });
    if (trainer) {
      this.options = optionsOf(trainer);
      this.data = data;
    }
    return { info: this.use({ params, vocab, trainer, origin: `loaded from ${name}`, passage }), note };
  }

  private use(model: Model): ModelInfo {
    // the replaced trainer's kernel memory and helper thread are released
    if (this.model?.trainer && this.model.trainer !== model.trainer) this.model.trainer.dispose();
    this.model = model;
    this.speed = [];
    this.lastValidated = model.trainer?.iteration ?? -1;
    return this.info();
  }

  /** The current parameters (a trainer on the fast path keeps its own and refreshes this copy on request). */
  private paramsOf(m: Model): Params {
    return m.trainer ? m.trainer.params : m.params;
  }

  info(): ModelInfo {
    const m = this.need();
    const { kind, hiddenSize, layers, vocabSize } = m.trainer?.config ?? charrnn.configOf(m.params);
    let parameters = 0;
    for (const t of Object.values(m.params)) parameters += t.data.length;
    return {
      kind,
      layers,
      hidden: hiddenSize,
      vocabSize,
      parameters,
      origin: m.origin,
      iteration: m.trainer?.iteration ?? 0,
      epoch: m.trainer?.epoch ?? 0,
      epochs: m.trainer?.options.epochs ?? null,
      trainable: m.trainer !== null,
      options: m.trainer ? optionsOf(m.trainer) : null,
      passage: m.passage,
      engine: m.trainer?.engine ?? null,
    };
  }

  /** Training steps for about `budgetMs` (at least one). A DivergedError leaves the parameters as before the bad step. */
  trainSlice(budgetMs: number): Progress {
    const tr = this.needTrainer();
    const losses: number[] = [];
    const start = performance.now();
    let now = start;
    do {
      losses.push(tr.step());
      now = performance.now();
    } while (now - start < budgetMs && !tr.done);
    this.speed.push({ at: now, chars: losses.length * tr.charsPerStep, ms: now - start });
    while (this.speed.length > 1 && now - this.speed[0].at > SPEED_WINDOW_MS) this.speed.shift();
    const chars = this.speed.reduce((s, x) => s + x.chars, 0),
      ms = this.speed.reduce((s, x) => s + x.ms, 0);
    return { iteration: tr.iteration, epoch: tr.epoch, losses, charsPerSecond: (1000 * chars) / ms };
  }

  get validationDue(): boolean {
    const tr = this.trainer;
    return tr !== null && tr.iteration > this.lastValidated && (tr.iteration - Math.max(0, this.lastValidated) >= VALIDATE_EVERY || tr.done);
  }

  /** Loss on the first VALIDATION_CHARS characters of the held-out part; null if nothing new to validate or no held-out text. */
  validate(): { iteration: number; loss: number; characters: number } | null {
    const tr = this.trainer;
    if (!tr || tr.iteration === this.lastValidated) return null;
    this.lastValidated = tr.iteration;
    const ids = tr.split.val.subarray(0, VALIDATION_CHARS);
    // one thread: a second would have to be started for each check of a few chunks, costing more than it saves
    const engine = { kernels: tr.options.kernels, dtype: tr.options.dtype, threads: 1 as const };
    const r = evaluate(tr.params, ids, tr.options.batchSize, tr.options.seqLength, undefined, engine);
    return Number.isFinite(r.loss) ? { iteration: tr.iteration, loss: r.loss, characters: r.predictions } : null;
  }

  /**
   * A sample from the current model, drawn lazily (one character per next()) from a copy of its
   * weights, so the caller can spread it over time while training goes on. Each call draws from a
   * new seeded generator; a bad prime fails here, at once.
   */
  sample(req: SampleRequest): { chars: Generator<string, unknown, undefined>; iteration: number } {
    const m = this.need();
    this.samples++;
    const params: Params = {};
    for (const [k, t] of Object.entries(this.paramsOf(m))) params[k] = t.clone();
    const chars = sampleStream(params, m.vocab, { length: req.length, temperature: req.temperature, prime: req.prime, rng: new Rng(1000 + this.samples) });
    return { chars, iteration: m.trainer?.iteration ?? 0 };
  }

  inspect(text: string, top: number): ReturnType<typeof traceActivations> {
    const m = this.need();
    if (text.length === 0) throw new UserError('the passage is empty');
    const n = [...text].length;
    if (n > MAX_INSPECT_CHARS)
      throw new UserError(`the passage has ${n.toLocaleString('en')} characters; look inside reads at most ${MAX_INSPECT_CHARS.toLocaleString('en')}`);
    return traceActivations(this.paramsOf(m), m.vocab, text, { top });
  }

  /** The current model as a safetensors checkpoint (with its training state when it has one). */
  save(): Uint8Array {
    const m = this.need();
    if (m.trainer) return encodeCheckpoint(m.trainer.checkpoint({ savedBy: 'web playground' }));
    return encodeCheckpoint({ config: charrnn.configOf(m.params), vocab: m.vocab.toJSON(), params: this.paramsOf(m) });
  }

  private need(): Model {
    if (!this.model) throw new UserError('no model yet: press Train, or load a checkpoint');
    return this.model;
  }

  private needTrainer(): Trainer {
    const tr = this.need().trainer;
    if (!tr) throw new UserError('this model was loaded without its training state or text, so it cannot train: press Train for a new model');
    return tr;
  }
}

function optionsOf(tr: Trainer): ModelOptions {
  const { model, layers, hidden, seqLength, batchSize, optim, lr, lrDecay, epochs } = tr.options;
  return { model, layers, hidden, seqLength, batchSize, optim, lr, lrDecay, epochs };
}

/** The start of the held-out text (or of the text, if nothing is held out), from its first whole line when there is one. */
function passageOf(tr: Trainer): string {
  const ids = tr.split.val.length > 1 ? tr.split.val : tr.split.train;
  const text = tr.vocab.decode(ids.subarray(0, 2 * PASSAGE_CHARS));
  const line = text.indexOf('\n');
  const rest = line >= 0 && line < PASSAGE_CHARS ? text.slice(line + 1) : text;
  return firstChars(rest.trim() !== '' ? rest : text, PASSAGE_CHARS); // a text of one line: the line itself
}

/** The first n code points of `text` (never half a surrogate pair). */
function firstChars(text: string, n: number): string {
  return [...text.slice(0, 4 * n)].slice(0, n).join('');
}

// Reading a training checkpoint back into what a Trainer is made of, checked field by field: a
// resume must continue exactly (the same text, the same options, a complete optimizer state), and
// anything else is a one-line UserError, never a silent restart from zero.

import type { Checkpoint } from '../checkpoint/checkpoint.ts';
import { type EncodedText, encodeText } from '../data/encoded.ts';
import { showChar, Vocab } from '../data/vocab.ts';
import { Rng } from '../engine/random.ts';
import { Tensor } from '../engine/tensor.ts';
import { UserError } from '../errors.ts';
import { cloneState, type Params, type State } from '../models/charrnn.ts';
import { type Optimizer, type OptimizerState, restoreOptimizer } from '../optim/optim.ts';
import { fingerprint, type Split, splitData } from './data.ts';
import { BEFORE_FAST, checkOptions, checkTrainingSize, definedOnly, type ResumeOptions, type TrainerOptions } from './options.ts';
import { SMOOTH_WINDOW } from './smooth.ts';

export interface ValRecord {
  iteration: number;
  loss: number; // nats per character
}

/** A run's progress, as the checkpoint's train.progress record keeps it (the iteration is stored apart). */
export interface Progress {
  iteration: number;
  /** char-rnn's moving average (0.99) of the loss; kept so that older readers (and python/run.py) can read the record. */
  smoothLoss: number;
  /** The latest losses, at most SMOOTH_WINDOW: what the shown loss is fitted to (absent from older checkpoints). */
  recentLosses: number[];
  firstLoss: number | null;
  history: ValRecord[];
}

/** Everything a Trainer is made of, read from a checkpoint (copies). */
export interface Resumed {
  options: TrainerOptions;
  vocab: Vocab;
  split: Split;
  dataPrint: string;
  params: Params;
  optimizer: Optimizer;
  rng: Rng;
  state: State;
  progress: Progress;
}

/**
 * A run's checkpoint and its text (a string, or encoded with the checkpoint's vocabulary) as the
 * parts of a Trainer, with `changes` applied to the saved options; `limit` (bytes) bounds the
 * memory the run may need (limits.ts).
 */
export function readResume(text: string | EncodedText, c: Checkpoint, changes: ResumeOptions, limit: number): Resumed {
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
  const ids = idsFor(text, vocab);
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
  const progress = { iteration: tr.iteration, ...readProgress(saved.progress) };
  checkOptimizerComplete(tr.optimizer, tr.iteration, Object.keys(params));
  return {
    options: o,
    vocab,
    split: splitData(ids, { train: o.trainFrac, val: o.valFrac }),
    dataPrint: print,
    params,
    optimizer: restoreOptimizer(tr.optimizer),
    rng: new Rng(tr.rngState),
    state: cloneState(tr.state),
    progress,
  };
}

/** The text's ids under the checkpoint's vocabulary; a character it lacks is a UserError. */
function idsFor(text: string | EncodedText, vocab: Vocab): EncodedText['ids'] {
  if (typeof text === 'string') {
    const missing = vocab.unknown(text);
    if (missing.length > 0)
      throw new UserError(`the text has characters that the checkpoint's vocabulary lacks: ${missing.slice(0, 10).map(showChar).join(', ')}`);
    return encodeText(text, vocab).ids;
  }
  if (text.vocab.size !== vocab.size || text.vocab.chars.some((ch, i) => ch !== vocab.chars[i]))
    throw new Error('fromCheckpoint: the text was encoded with another vocabulary');
  return text.ids;
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
  const { smoothLoss, recentLosses = [], firstLoss, history } = raw as Record<string, unknown>;
  if (typeof smoothLoss !== 'number') bad('smoothLoss');
  if (!Array.isArray(recentLosses) || recentLosses.length > SMOOTH_WINDOW || !recentLosses.every(Number.isFinite)) bad('recentLosses');
  if (firstLoss !== null && typeof firstLoss !== 'number') bad('firstLoss');
  if (!Array.isArray(history) || !history.every((r) => typeof r?.iteration === 'number' && typeof r?.loss === 'number')) bad('history');
  return {
    smoothLoss: smoothLoss as number,
    recentLosses: [...(recentLosses as number[])],
    firstLoss: firstLoss as number | null,
    history: (history as ValRecord[]).map((r) => ({ iteration: r.iteration, loss: r.loss })),
  };
}

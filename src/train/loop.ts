// The training loop around Trainer.step(): when to stop (the end of the last epoch, an iteration
// count, a time budget or an abort signal), validation, the latest and the best checkpoints,
// samples and progress. It prints nothing; everything goes through the callbacks, so the command
// line, a test or a web page can show it as it likes.
//
// The loop is async only so that it can hand control back to the event loop a few times a second:
// that lets a Ctrl-C handler (an AbortSignal) stop training cleanly, with a final checkpoint.
// Checkpoints go to a CheckpointStore: the Node layer's trainLoop (src/node/loop.ts) writes files.

import type { Checkpoint } from '../checkpoint/checkpoint.ts';
import type { Dtype } from '../checkpoint/safetensors.ts';
import { UserError } from '../errors.ts';
import { DivergedError, type Trainer } from './trainer.ts';

export interface TrainProgress {
  iteration: number;
  totalIterations: number;
  /** Epochs completed, fractional. */
  epoch: number;
  /** Epochs of the whole run. */
  epochs: number;
  /** Iterations run by this call. */
  sessionIterations: number;
  /** Loss of the last step, nats per character. */
  loss: number;
  /** The loss shown: the end of a line through the latest losses (Trainer.recentLoss), nats per character. */
  recentLoss: number;
  /** char-rnn's moving average (0.99), which trails a falling loss (Trainer.smoothLoss). */
  smoothLoss: number;
  lr: number;
  /** Training characters per second in this call (T·B per iteration). */
  charsPerSecond: number;
  elapsedSeconds: number;
  /** Seconds until the loop stops, at the current rate. */
  etaSeconds: number;
}

export interface TrainEval {
  iteration: number;
  epoch: number;
  /** Validation loss, nats per character, and in bits. */
  loss: number;
  bitsPerChar: number;
  /** A new best (then saved to bestPath). */
  best: boolean;
}

/** One training step, for a log: the step's loss, learning rate and gradient norm. */
export interface TrainStep {
  iteration: number;
  /** Epochs completed, fractional. */
  epoch: number;
  /** Loss of this step, nats per character. */
  loss: number;
  /** The learning rate this step was taken with. */
  lr: number;
  /** Global L2 norm of the gradients, before clipping. */
  gradNorm: number;
  /** Training characters per second in this call so far. */
  charsPerSecond: number;
  /** Seconds since this call started. */
  elapsedSeconds: number;
}

export interface TrainSample {
  iteration: number;
  text: string;
}

/** Where the loop's checkpoints go, by path: files (src/node/loop.ts), or wherever a caller keeps them. */
export interface CheckpointStore {
  save(path: string, c: Checkpoint, dtype?: Dtype): void;
  exists(path: string): boolean;
}

export interface LoopOptions {
  /** Needed when checkpointPath or bestPath is given. */
  store?: CheckpointStore;
  /** Iterations to run in this call; by default until the last epoch ends. */
  iters?: number;
  /** Time budget in seconds. */
  timeSeconds?: number;
  /** Validate every this many iterations (0 = only at the end). Default 1000, as char-rnn. */
  evalEvery?: number;
  /** Save the latest checkpoint every this many iterations, besides at validations and at the end (0 = not otherwise). */
  checkpointEvery?: number;
  sampleEvery?: number;
  sampleLength?: number;
  /** The latest checkpoint. */
  checkpointPath?: string;
  /** The checkpoint with the best validation loss so far. */
  bestPath?: string;
  dtype?: Dtype;
  /** Extra fields for the checkpoint's `train` record (e.g. the data file). */
  trainInfo?: Record<string, unknown>;
  /** Report progress at least this often (milliseconds, default 500). */
  progressMs?: number;
  /** Stop after the current iteration once aborted (the final checkpoint is still saved). */
  signal?: AbortSignal;
  /** Clock in milliseconds (default performance.now). */
  now?: () => number;
  onProgress?: (p: TrainProgress) => void;
  /** After every step (before its validation, checkpoint or sample). */
  onStep?: (s: TrainStep) => void;
  onEval?: (e: TrainEval) => void;
  onSample?: (s: TrainSample) => void;
  onCheckpoint?: (path: string, iteration: number, kind: 'latest' | 'best') => void;
}

export interface TrainResult {
  progress: TrainProgress;
  stoppedBy: 'done' | 'iters' | 'time' | 'signal';
  /** The last checkpoint written, if any. */
  saved?: { path: string; iteration: number };
}

/**
 * How often the loop yields to the event loop, in milliseconds.
 * NOTE: short on purpose: a signal is only seen when the loop yields, and a supervising process
 * may not wait long (tsx's runner force-kills a child that has not acknowledged SIGINT within
 * about 60 ms). An iteration of char-rnn's default LSTM takes about a second, so the loop yields
 * after every iteration.
 */
const YIELD_MS = 10;

export async function trainLoop(trainer: Trainer, opts: LoopOptions = {}): Promise<TrainResult> {
  const { iters, timeSeconds, evalEvery = 1000, checkpointEvery = 0, sampleEvery = 0, sampleLength = 200, progressMs = 500, store } = opts;
  checkLoopOptions(opts, { evalEvery, checkpointEvery, sampleEvery, sampleLength });
  const now = opts.now ?? (() => performance.now());
  const clock: Clock = {
    now,
    start: now(),
    target: Math.min(trainer.totalIterations, iters === undefined ? Infinity : trainer.iteration + iters),
    timeSeconds,
  };
  let session = 0,
    lastReport = clock.start,
    lastYield = clock.start;
  let saved: TrainResult['saved'];

  const save = (path: string | undefined, kind: 'latest' | 'best'): void => {
    if (path === undefined || !store) return;
    store.save(path, trainer.checkpoint(opts.trainInfo), opts.dtype);
    if (kind === 'latest') saved = { path, iteration: trainer.iteration };
    opts.onCheckpoint?.(path, trainer.iteration, kind);
  };
  const validate = (): void => {
    const before = trainer.bestVal;
    const loss = trainer.validate();
    if (!Number.isFinite(loss)) return;
    const best = before === null || loss < before;
    opts.onEval?.({ iteration: trainer.iteration, epoch: trainer.epoch, loss, bitsPerChar: loss / Math.LN2, best });
    if (best) save(opts.bestPath, 'best');
  };

  let stoppedBy: TrainResult['stoppedBy'] | null;
  while ((stoppedBy = stopReason(trainer, clock, opts.signal)) === null) {
    const lr = trainer.lr;
    try {
      trainer.step();
    } catch (err) {
      if (!(err instanceof DivergedError)) throw err;
      throw new DivergedError(`${err.message}${whatWasKept(saved, opts.checkpointPath, store)}`);
    }
    session++;
    const it = trainer.iteration;
    if (opts.onStep) {
      const elapsedSeconds = (now() - clock.start) / 1000;
      const charsPerSecond = elapsedSeconds > 0 ? (session * trainer.charsPerStep) / elapsedSeconds : 0;
      opts.onStep({ iteration: it, epoch: trainer.epoch, loss: trainer.lastLoss, lr, gradNorm: trainer.lastGradNorm, charsPerSecond, elapsedSeconds });
    }
    const evaluated = evalEvery > 0 && it % evalEvery === 0 && !trainer.done;
    if (evaluated) validate();
    if (evaluated || (checkpointEvery > 0 && it % checkpointEvery === 0)) save(opts.checkpointPath, 'latest');
    if (sampleEvery > 0 && it % sampleEvery === 0) opts.onSample?.({ iteration: it, text: trainer.sample(sampleLength) });
    const t = now();
    if (opts.onProgress && t - lastReport >= progressMs) {
      opts.onProgress(progressOf(trainer, clock, session));
      lastReport = t;
    }
    if (t - lastYield >= YIELD_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = now();
    }
  }
  // Every session ends with a validation, so even a short run reports held-out loss (it changes
  // nothing that later steps depend on).
  if (session > 0 && (trainer.history.at(-1)?.iteration ?? -1) !== trainer.iteration) validate();
  const progress = progressOf(trainer, clock, session);
  opts.onProgress?.(progress);
  if (saved?.iteration !== trainer.iteration) save(opts.checkpointPath, 'latest');
  return { progress, stoppedBy, saved };
}

/** The loop's time and iteration budget: the clock, when it started, the last iteration and the seconds allowed. */
interface Clock {
  now: () => number;
  start: number;
  target: number;
  timeSeconds: number | undefined;
}

function checkLoopOptions(opts: LoopOptions, counts: Record<string, number>): void {
  const { iters, timeSeconds } = opts;
  if (iters !== undefined && (!Number.isSafeInteger(iters) || iters < 0)) throw new UserError(`iters must be a non-negative integer, got ${iters}`);
  if (timeSeconds !== undefined && !(timeSeconds >= 0 && Number.isFinite(timeSeconds)))
    throw new UserError(`time must be a non-negative number, got ${timeSeconds}`);
  for (const [name, v] of Object.entries(counts)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new UserError(`${name} must be a non-negative integer, got ${v}`);
  }
  if (!opts.store && (opts.checkpointPath !== undefined || opts.bestPath !== undefined))
    throw new Error("trainLoop: checkpointPath and bestPath need a store (the Node entry's trainLoop writes files)");
}

/** Why the loop stops before the next step, or null to go on. */
function stopReason(trainer: Trainer, c: Clock, signal: AbortSignal | undefined): TrainResult['stoppedBy'] | null {
  if (trainer.done) return 'done';
  if (signal?.aborted) return 'signal';
  if (trainer.iteration >= c.target) return 'iters';
  if (c.timeSeconds !== undefined && c.now() - c.start >= c.timeSeconds * 1000) return 'time';
  return null;
}

/** What a diverged run's message adds: which checkpoint is still good. */
function whatWasKept(saved: TrainResult['saved'], path: string | undefined, store: CheckpointStore | undefined): string {
  if (saved) return `; the last good checkpoint is ${saved.path} (iteration ${saved.iteration})`;
  if (path === undefined) return '';
  return store?.exists(path) ? `; ${path} was not overwritten` : '; no checkpoint was written';
}

function progressOf(trainer: Trainer, c: Clock, session: number): TrainProgress {
  const elapsedSeconds = (c.now() - c.start) / 1000;
  const rate = elapsedSeconds > 0 ? session / elapsedSeconds : 0; // iterations per second
  let etaSeconds = rate > 0 ? (c.target - trainer.iteration) / rate : Infinity;
  if (c.timeSeconds !== undefined) etaSeconds = Math.min(etaSeconds, Math.max(0, c.timeSeconds - elapsedSeconds));
  return {
    iteration: trainer.iteration,
    totalIterations: trainer.totalIterations,
    epoch: trainer.epoch,
    epochs: trainer.options.epochs,
    sessionIterations: session,
    loss: trainer.lastLoss,
    recentLoss: trainer.recentLoss,
    smoothLoss: trainer.smoothLoss,
    lr: trainer.lr,
    charsPerSecond: rate * trainer.charsPerStep,
    elapsedSeconds,
    etaSeconds,
  };
}

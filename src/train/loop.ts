// The training loop around Trainer.step(): when to stop (an iteration count, a time budget or an
// abort signal), progress reports, samples and checkpoints. It prints nothing; everything goes
// through the callbacks, so the command line, a test or a web page can show it as it likes.
//
// The loop is async only so that it can hand control back to the event loop a few times a second:
// that lets a Ctrl-C handler (an AbortSignal) stop training cleanly, with a final checkpoint.

import { saveCheckpoint } from '../checkpoint/checkpoint.ts';
import { UserError } from '../errors.ts';
import { Trainer, type TrainerOptions } from './trainer.ts';
import type { Checkpoint } from '../checkpoint/checkpoint.ts';

export interface TrainProgress {
  /** Total iterations so far (across resumes). */
  iteration: number;
  /** Iterations run by this call. */
  sessionIterations: number;
  /** Loss of the last chunk, summed over its T characters. */
  loss: number;
  smoothLoss: number;
  /** smoothLoss / T, in nats per character. */
  lossPerChar: number;
  /** Training characters per second in this call (T per iteration). */
  charsPerSecond: number;
  elapsedSeconds: number;
  /** Seconds left: from the rate for an iteration budget, the remaining time for a time budget (the smaller if both). */
  etaSeconds: number;
}

export interface TrainSample {
  iteration: number;
  lossPerChar: number;
  text: string;
}

export interface TrainOptions extends TrainerOptions {
  /** The training text. */
  text: string;
  /** Continue from this checkpoint instead of a fresh model (layers, hidden and seed are then ignored). */
  resume?: Checkpoint;
  /** Iterations to run in this call (not counting those before a resume). */
  iters?: number;
  /** Time budget in seconds. With both iters and timeSeconds, whichever ends first. At least one is required. */
  timeSeconds?: number;
  /** Take a sample every this many iterations (0 = never). Default 0. */
  sampleEvery?: number;
  /** Characters per sample, default 200. */
  sampleLength?: number;
  /** Save checkpoints here: every `checkpointEvery` iterations and at the end. */
  checkpointPath?: string;
  /** 0 = only at the end. Default 0. */
  checkpointEvery?: number;
  /** Extra fields for the checkpoint's `train` record (e.g. the data file). */
  trainInfo?: Record<string, unknown>;
  /** Report progress at least this often (milliseconds, default 200)… */
  progressMs?: number;
  /** …and every this many iterations (0 = only by time; default 0). */
  progressEvery?: number;
  /** Stop after the current iteration once this is aborted (the end-of-run checkpoint is still saved). */
  signal?: AbortSignal;
  /** Clock in milliseconds (default performance.now); tests can pass a fake one. */
  now?: () => number;
  onProgress?: (p: TrainProgress) => void;
  onSample?: (s: TrainSample) => void;
  onCheckpoint?: (path: string, iteration: number) => void;
  /** Called once, after the model is built and before the first step. */
  onStart?: (trainer: Trainer) => void;
}

export interface TrainResult {
  trainer: Trainer;
  /** The final progress report. */
  progress: TrainProgress;
  stoppedBy: 'iters' | 'time' | 'signal';
  /** Where the final checkpoint was written, if anywhere. */
  checkpointPath?: string;
}

/**
 * How often the loop yields to the event loop, in milliseconds.
 * NOTE: short on purpose: a signal is only seen when the loop yields, and a supervising process
 * may not wait long (tsx's runner force-kills a child that has not acknowledged SIGINT within
 * about 60 ms). A yield costs microseconds; an iteration of the default model takes about one ms.
 */
const YIELD_MS = 10;

/** Build a trainer (fresh, or from `resume`) and train it. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { iters, timeSeconds, sampleEvery = 0, sampleLength = 200, checkpointEvery = 0, progressEvery = 0, progressMs = 200 } = opts;
  if (iters === undefined && timeSeconds === undefined) throw new UserError('train: give iters or timeSeconds (or both)');
  if (iters !== undefined && (!Number.isSafeInteger(iters) || iters < 0)) throw new UserError(`iters must be a non-negative integer, got ${iters}`);
  if (timeSeconds !== undefined && !(timeSeconds >= 0 && Number.isFinite(timeSeconds))) throw new UserError(`timeSeconds must be a non-negative number, got ${timeSeconds}`);
  for (const [name, v] of [['sampleEvery', sampleEvery], ['sampleLength', sampleLength], ['checkpointEvery', checkpointEvery], ['progressEvery', progressEvery]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new UserError(`${name} must be a non-negative integer, got ${v}`);
  }
  const trainer = opts.resume ? Trainer.fromCheckpoint(opts.text, opts.resume, opts) : Trainer.fromText(opts.text, opts);
  const now = opts.now ?? (() => performance.now());
  const T = trainer.seqLength;
  opts.onStart?.(trainer);

  const start = now();
  let lastReport = start, lastYield = start, session = 0;
  const report = (): TrainProgress => {
    const elapsedSeconds = (now() - start) / 1000;
    const charsPerSecond = elapsedSeconds > 0 ? (session * T) / elapsedSeconds : 0;
    let etaSeconds = Infinity;
    if (iters !== undefined) etaSeconds = charsPerSecond > 0 ? ((iters - session) * T) / charsPerSecond : iters === session ? 0 : Infinity;
    if (timeSeconds !== undefined) etaSeconds = Math.min(etaSeconds, Math.max(0, timeSeconds - elapsedSeconds));
    return {
      iteration: trainer.iteration, sessionIterations: session,
      loss: trainer.lastLoss, smoothLoss: trainer.smoothLoss, lossPerChar: trainer.lossPerChar,
      charsPerSecond, elapsedSeconds, etaSeconds,
    };
  };
  const save = (): void => {
    if (opts.checkpointPath === undefined) return;
    saveCheckpoint(opts.checkpointPath, trainer.checkpoint(opts.trainInfo));
    opts.onCheckpoint?.(opts.checkpointPath, trainer.iteration);
  };

  let stoppedBy: TrainResult['stoppedBy'];
  for (;;) {
    if (opts.signal?.aborted) { stoppedBy = 'signal'; break; }
    if (iters !== undefined && session >= iters) { stoppedBy = 'iters'; break; }
    if (timeSeconds !== undefined && now() - start >= timeSeconds * 1000) { stoppedBy = 'time'; break; }

    trainer.step();
    session++;

    if (sampleEvery > 0 && trainer.iteration % sampleEvery === 0) {
      // NOTE: drawn whether or not anyone listens, so the rng stream (and a resumed run) does not depend on the callbacks.
      const text = trainer.sample(sampleLength);
      opts.onSample?.({ iteration: trainer.iteration, lossPerChar: trainer.lossPerChar, text });
    }
    if (checkpointEvery > 0 && trainer.iteration % checkpointEvery === 0) save();
    const t = now();
    if (opts.onProgress && ((progressEvery > 0 && session % progressEvery === 0) || t - lastReport >= progressMs)) {
      opts.onProgress(report());
      lastReport = t;
    }
    if (t - lastYield >= YIELD_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = now();
    }
  }
  const progress = report();
  opts.onProgress?.(progress);
  save();
  return { trainer, progress, stoppedBy, checkpointPath: opts.checkpointPath };
}

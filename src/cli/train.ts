// `rnn train`: char-rnn's train.lua on our engine — live progress, validation, the latest and the
// best checkpoints, samples; Ctrl-C stops after the current iteration and still saves; --resume
// continues a run exactly where it stopped.

import {
  CELL_KINDS,
  CLIP_MODES,
  checkCheckpointPath,
  checkOptions,
  checkTrainingSize,
  DivergedError,
  DTYPES,
  estimateRun,
  formatBytes,
  formatFlops,
  GRAD_PATHS,
  KERNEL_CHOICES,
  loadCheckpoint,
  OPTIMIZERS,
  readEncodedFile,
  Trainer,
  type TrainerOptions,
  type TrainResult,
  trainLoop,
  UserError,
  Vocab,
} from '../index.ts';
import {
  choiceOption,
  EXIT,
  formatHelp,
  fractionOption,
  intOption,
  listChars,
  type ParsedOptions,
  parseCommand,
  positiveNumberOption,
  seedOption,
  stringOption,
  threadsOption,
  UsageError,
} from './args.ts';
import { type Io, memoryLimit } from './io.ts';
import { logPathFor, TrainLog } from './log.ts';
import { DEFAULT_DATA_NOTE, dataPathOf, typedSplitFractions } from './text-options.ts';
import { D, DEFAULT_CHECKPOINT, RUN_OPTIONS, trainSpec } from './train-spec.ts';

export { DEFAULT_CHECKPOINT, trainSpec };

import { formatDuration, formatElapsed, framedSample, ProgressPrinter, thousands } from './progress.ts';

export async function trainCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(trainSpec, argv);
  if (!parsed) {
    io.out(formatHelp(trainSpec));
    return EXIT.ok;
  }
  const a = readTrainArgs(parsed.values, parsed.given);
  // Everything is read and checked before anything is written, and sizes before anything is allocated.
  const trainer = openTrainer(a, memoryLimit(io));
  try {
    const dtype = (a.saveDtype ?? trainer.options.dtype) === 'f32' ? 'F32' : 'F64';
    if (trainer.done) {
      throw new UserError(
        `${a.resumePath} has finished all ${trainer.options.epochs} epochs of its run; give --epochs N (more than ${trainer.options.epochs}) to train it further`,
      );
    }
    if (a.checkpointPath !== undefined) checkCheckpointPath(a.checkpointPath);
    const log = a.logPath === undefined ? undefined : new TrainLog(a.logPath, trainer.charsPerStep, a.resumePath === undefined ? undefined : trainer.iteration);
    log?.start(trainer.iteration, a.dataName, trainer.options);
    io.out(describeRun(trainer, a));

    const printer = new ProgressPrinter(io);
    const result = await untilCtrlC(printer, (signal) =>
      trainLoop(trainer, {
        iters: a.iters,
        timeSeconds: a.time,
        evalEvery: a.evalEvery,
        checkpointEvery: a.checkpointEvery,
        sampleEvery: a.sampleEvery,
        sampleLength: a.sampleLength,
        checkpointPath: a.checkpointPath,
        bestPath: a.bestPath,
        dtype,
        signal,
        trainInfo: { data: a.dataName },
        progressMs: io.isTTY ? 500 : 1000,
        onProgress: (p) => printer.update(p),
        onStep: (s) => {
          if (s.iteration % a.logEvery === 0) log?.step(s);
        },
        onEval: (e) => {
          log?.val(e);
          printer.print(
            `validation at iteration ${thousands(e.iteration)} (epoch ${e.epoch.toFixed(2)}): ${e.loss.toFixed(4)} nats/char = ${e.bitsPerChar.toFixed(4)} bits/char${e.best ? ' (best so far)' : ''}`,
          );
        },
        onSample: (s) => printer.print(framedSample(`sample at iteration ${thousands(s.iteration)}`, s.text)),
      }),
    );
    printer.finish(result.progress);
    io.out(describeEnd(trainer, result, a));
    return result.stoppedBy === 'signal' ? EXIT.interrupted : EXIT.ok;
  } finally {
    trainer.dispose();
  }
}

/** The command line's values, checked: the run's options, the loop's settings and the files. */
interface TrainArgs {
  options: TrainerOptions;
  given: Set<string>;
  dataPath: string;
  /** The data as the header names it, and as the checkpoint and log record it. */
  shownData: string;
  dataName: string;
  /** --data as given (for the "continue" hint), or undefined. */
  dataArg: string | undefined;
  iters: number | undefined;
  time: number | undefined;
  evalEvery: number;
  sampleEvery: number;
  sampleLength: number;
  checkpointEvery: number;
  checkpointPath: string | undefined;
  bestPath: string | undefined;
  logPath: string | undefined;
  logEvery: number;
  resumePath: string | undefined;
  saveDtype: TrainerOptions['dtype'] | undefined;
}

function readTrainArgs(v: ParsedOptions, given: Set<string>): TrainArgs {
  const dataPath = dataPathOf(v, given);
  const options: TrainerOptions = {
    model: choiceOption('model', v.model, CELL_KINDS),
    layers: intOption('layers', v.layers, 1),
    hidden: intOption('hidden', v.hidden, 1),
    seqLength: intOption('seq', v.seq, 1),
    batchSize: intOption('batch', v.batch, 1),
    optim: choiceOption('optim', v.optim, OPTIMIZERS),
    lr: positiveNumberOption('lr', v.lr),
    lrDecay: positiveNumberOption('lr-decay', v['lr-decay']),
    decayAfter: intOption('decay-after', v['decay-after'], 0),
    clip: positiveNumberOption('clip', v.clip),
    clipMode: choiceOption('clip-mode', v['clip-mode'], CLIP_MODES),
    dropout: fractionOption('dropout', v.dropout),
    epochs: intOption('epochs', v.epochs, 1),
    ...typedSplitFractions(v, given), // their sum is checked with the other options (checkOptions)
    seed: seedOption(v.seed),
    grad: choiceOption('grad', v.grad, GRAD_PATHS),
    kernels: choiceOption('kernels', v.kernels, KERNEL_CHOICES),
    dtype: given.has('dtype') ? choiceOption('dtype', v.dtype, DTYPES) : v.grad === 'tape' ? 'f64' : D.dtype,
    threads: given.has('threads') ? threadsOption(v.threads) : 0,
  };
  if (options.lrDecay > 1) throw new UsageError(`--lr-decay must be at most 1, got '${v['lr-decay']}'`);
  const iters = v.iters === undefined ? undefined : intOption('iters', v.iters, 1);
  const time = v.time === undefined ? undefined : positiveNumberOption('time', v.time);
  const evalEvery = intOption('eval-every', v['eval-every'], 0);
  const sampleEvery = v['sample-every'] === undefined ? evalEvery : intOption('sample-every', v['sample-every'], 0);
  const sampleLength = intOption('sample-length', v['sample-length'], 1);
  const checkpointEvery = intOption('checkpoint-every', v['checkpoint-every'], 0);
  if (given.has('checkpoint') && v['no-checkpoint']) throw new UsageError('--checkpoint and --no-checkpoint contradict each other');
  const checkpointPath = v['no-checkpoint'] ? undefined : stringOption('checkpoint', v.checkpoint);
  if (given.has('log') && v['no-log']) throw new UsageError('--log and --no-log contradict each other');
  const defaultLog = checkpointPath === undefined ? undefined : logPathFor(checkpointPath);
  const logPath = v['no-log'] ? undefined : given.has('log') ? stringOption('log', v.log) : defaultLog;
  const logEvery = intOption('log-every', v['log-every'], 1);
  const resumePath = v.resume === undefined ? undefined : stringOption('resume', v.resume);
  if (resumePath !== undefined) {
    const fixed = RUN_OPTIONS.filter((o) => given.has(o));
    if (fixed.length > 0)
      throw new UsageError(`--${fixed[0]} cannot change when resuming: the run continues with its checkpoint's options (start a new run to change them)`);
  }
  return {
    options,
    given,
    dataPath,
    shownData: given.has('data') ? dataPath : DEFAULT_DATA_NOTE,
    dataName: given.has('data') ? String(v.data) : 'data/tinyshakespeare.txt (bundled)',
    dataArg: given.has('data') ? String(v.data) : undefined,
    iters,
    time,
    evalEvery,
    sampleEvery,
    sampleLength,
    checkpointEvery,
    checkpointPath,
    bestPath: checkpointPath === undefined ? undefined : bestPathFor(checkpointPath),
    logPath,
    logEvery,
    resumePath,
    saveDtype: given.has('save-dtype') ? choiceOption('save-dtype', v['save-dtype'], DTYPES) : undefined,
  };
}

/** The trainer: resumed from its checkpoint, or fresh on the data (sizes checked before the text is read). */
function openTrainer(a: TrainArgs, limit: number): Trainer {
  const { options, given } = a;
  if (a.resumePath !== undefined) {
    const c = loadCheckpoint(a.resumePath);
    const text = readEncodedFile(a.dataPath, Vocab.fromJSON(c.vocab));
    if (text.unknown.length > 0)
      throw new UserError(`the text has characters that the checkpoint's vocabulary lacks: ${listChars(text.unknown.map((u) => u.ch))}`);
    const changes = {
      epochs: given.has('epochs') ? options.epochs : undefined,
      grad: given.has('grad') ? options.grad : undefined,
      kernels: given.has('kernels') ? options.kernels : undefined,
      threads: given.has('threads') ? options.threads : undefined,
    };
    return Trainer.fromCheckpoint(text, c, changes, limit);
  }
  // conflicting values (--grad tape --dtype f32, fractions adding up to more than 1) are usage errors
  try {
    checkOptions(options);
  } catch (err) {
    throw err instanceof UserError ? new UsageError(err.message) : err;
  }
  checkTrainingSize(options, 1, limit); // the smallest vocabulary: absurd sizes are refused before the text is read
  const text = readEncodedFile(a.dataPath);
  checkTrainingSize(options, text.vocab.size, limit);
  return Trainer.fromEncoded(text, options, limit);
}

/** The header: the data, the model, the training and where it is saved. */
function describeRun(trainer: Trainer, a: TrainArgs): string {
  const o = trainer.options,
    c = trainer.config,
    split = trainer.split;
  const size = estimateRun(o, c.vocabSize);
  const from = a.resumePath ? `resuming ${a.resumePath} at iteration ${thousands(trainer.iteration)}` : `seed ${o.seed}`;
  return (
    `data: ${a.shownData}: ${thousands(split.train.length + split.val.length + split.test.length)} characters, vocabulary ${trainer.vocab.size}; ` +
    `train ${thousands(split.train.length)}, validation ${thousands(split.val.length)}, test ${thousands(split.test.length)}\n` +
    `model: ${c.layers}-layer ${c.kind.toUpperCase()}, ${c.hiddenSize} hidden, dropout ${o.dropout}; ${o.grad} gradients on ${trainer.engine}; ` +
    `${thousands(size.parameters)} parameters, about ${formatBytes(size.bytes)} of memory and ${formatFlops(size.flopsPerStep)} per iteration\n` +
    `training: batch ${o.batchSize} x seq ${o.seqLength}, ${o.optim} lr ${o.lr} (x${o.lrDecay} per epoch after ${o.decayAfter}), clip ${o.clipMode} ${o.clip}; ` +
    `${thousands(trainer.chunks)} iterations per epoch, ${o.epochs} epochs = ${thousands(trainer.totalIterations)} iterations; ${from}\n` +
    (a.checkpointPath ? `saving to ${a.checkpointPath} (best: ${a.bestPath})\n` : '') +
    (a.logPath ? `logging to ${a.logPath}\n` : '')
  );
}

/** The closing lines: why it stopped, the speed and the losses, a last sample, and what to run next. */
function describeEnd(trainer: Trainer, { progress: p, stoppedBy }: TrainResult, a: TrainArgs): string {
  const why = { done: 'finished', iters: 'iteration budget reached', time: 'time budget reached', signal: 'interrupted' }[stoppedBy];
  let out =
    `${why}: ${thousands(p.sessionIterations)} iterations (${thousands(p.sessionIterations * trainer.charsPerStep)} characters) in ${formatElapsed(p.elapsedSeconds)}, ` +
    `${thousands(p.charsPerSecond)} chars/s; iteration ${thousands(p.iteration)} of ${thousands(p.totalIterations)}, train loss ${p.recentLoss.toFixed(3)} nats/char` +
    (trainer.bestVal !== null ? `, best validation ${trainer.bestVal.toFixed(4)} nats/char (${(trainer.bestVal / Math.LN2).toFixed(4)} bits/char)` : '') +
    '\n';
  if (a.sampleEvery === 0 || trainer.iteration % a.sampleEvery !== 0)
    out += framedSample(`sample (${a.sampleLength} characters)`, trainer.sample(a.sampleLength));
  if (a.checkpointPath !== undefined) {
    out += `checkpoint saved to ${a.checkpointPath} (iteration ${thousands(trainer.iteration)})\n`;
    out += `sample more:  npx rnn sample --checkpoint ${a.checkpointPath}\n`;
    if (!trainer.done) {
      const left = formatDuration(((p.totalIterations - p.iteration) * trainer.charsPerStep) / Math.max(p.charsPerSecond, 1));
      out += `continue:     npx rnn train --resume ${a.checkpointPath}${a.dataArg !== undefined ? ` --data ${a.dataArg}` : ''}  (about ${left} left)\n`;
    }
  }
  return out;
}

/**
 * Runs `train` with an AbortSignal that the first Ctrl-C raises (training stops after the current
 * iteration and saves); a second Ctrl-C more than a second later quits at once.
 */
async function untilCtrlC<T>(printer: ProgressPrinter, train: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let interruptedAt = 0;
  const onSigint = (): void => {
    // NOTE: one Ctrl-C can arrive more than once (the terminal signals the whole process group and
    // a runner such as npm or tsx relays it again), so a repeat within a second is the same press.
    if (controller.signal.aborted) {
      if (Date.now() - interruptedAt > 1000) process.exit(EXIT.interrupted);
      return;
    }
    interruptedAt = Date.now();
    controller.abort();
    printer.print('interrupted: stopping after this iteration and saving (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  try {
    return await train(controller.signal);
  } catch (err) {
    if (err instanceof DivergedError) printer.print('');
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** checkpoints/model.safetensors → checkpoints/model.best.safetensors */
export function bestPathFor(path: string): string {
  const m = /^(.*[^/\\])(\.[^./\\]+)$/.exec(path);
  return m ? `${m[1]}.best${m[2]}` : `${path}.best`;
}

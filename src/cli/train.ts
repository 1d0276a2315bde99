// `rnn train`: char-rnn's train.lua on our engine — live progress, validation, the latest and the
// best checkpoints, samples; Ctrl-C stops after the current iteration and still saves; --resume
// continues a run exactly where it stopped.

import {
  CELL_KINDS,
  checkCheckpointPath,
  checkOptions,
  checkTrainingSize,
  DivergedError,
  estimateRun,
  formatBytes,
  formatFlops,
  loadCheckpoint,
  OPTIMIZERS,
  readEncodedFile,
  TRAINER_DEFAULTS,
  Trainer,
  type TrainerOptions,
  trainLoop,
  UserError,
  Vocab,
} from '../index.ts';
import {
  type CommandSpec,
  choiceOption,
  formatHelp,
  fractionOption,
  intOption,
  listChars,
  parseCommand,
  positiveNumberOption,
  seedOption,
  stringOption,
  UsageError,
} from './args.ts';
import { DEFAULT_DATA, type Io, memoryLimit, resolveDataPath } from './io.ts';
import { logPathFor, TrainLog } from './log.ts';
import { formatDuration, formatElapsed, framedSample, ProgressPrinter, thousands } from './progress.ts';

export const DEFAULT_CHECKPOINT = 'checkpoints/model.safetensors';
const D = TRAINER_DEFAULTS;

/** The options that define a run; they come from the checkpoint when resuming. */
const RUN_OPTIONS = [
  'model',
  'layers',
  'hidden',
  'seq',
  'batch',
  'optim',
  'lr',
  'lr-decay',
  'decay-after',
  'clip',
  'clip-mode',
  'dropout',
  'train-frac',
  'val-frac',
  'seed',
  'dtype',
];

export const trainSpec: CommandSpec = {
  name: 'train',
  brief: 'train a character-level RNN, LSTM or GRU on a text file',
  summary:
    "Train a character-level language model on a UTF-8 text file, as karpathy/char-rnn's train.lua does: B parallel streams, truncated backprop over --seq characters with the state carried across batches, validation on held-out text.",
  options: [
    {
      name: 'data',
      value: 'FILE',
      defaultNote: 'the bundled data/tinyshakespeare.txt',
      help: 'training text (UTF-8, plain or gzip), or the name of a bundled corpus (see rnn data)',
    },
    { name: 'model', value: 'lstm|gru|rnn', default: D.model, help: 'cell type (PyTorch nn.LSTM / nn.GRU / nn.RNN equations)' },
    { name: 'layers', value: 'N', default: String(D.layers), help: 'stacked layers' },
    { name: 'hidden', value: 'N', default: String(D.hidden), help: 'hidden units per layer' },
    { name: 'seq', value: 'N', default: String(D.seqLength), help: 'steps of backprop through time per chunk' },
    { name: 'batch', value: 'N', default: String(D.batchSize), help: 'parallel streams (the text is cut into this many stripes)' },
    { name: 'optim', value: 'rmsprop|adam|adagrad', default: D.optim, help: 'optimizer (RMSprop alpha 0.95; Adam betas 0.9, 0.999; eps 1e-8)' },
    { name: 'lr', value: 'X', default: String(D.lr), help: 'learning rate' },
    { name: 'lr-decay', value: 'X', default: String(D.lrDecay), help: 'multiply the learning rate by X after each epoch from --decay-after on (1 = constant)' },
    { name: 'decay-after', value: 'N', default: String(D.decayAfter), help: 'first epoch whose end decays the learning rate' },
    { name: 'clip', value: 'X', default: String(D.clip), help: 'gradient clipping threshold' },
    { name: 'clip-mode', value: 'value|norm', default: D.clipMode, help: 'clip each gradient entry to [-X, X] (char-rnn) or the global L2 norm to X' },
    { name: 'dropout', value: 'P', default: String(D.dropout), help: 'inverted dropout between layers and before the decoder (off at evaluation)' },
    { name: 'epochs', value: 'N', default: String(D.epochs), help: 'passes over the training text' },
    { name: 'iters', value: 'N', help: 'stop after N more iterations (before the last epoch ends)' },
    { name: 'time', value: 'SECONDS', help: 'stop after this long (checkpoint saved; --resume continues)' },
    { name: 'train-frac', value: 'X', default: String(D.trainFrac), help: 'fraction of the text to train on (the first part)' },
    {
      name: 'val-frac',
      value: 'X',
      default: String(D.valFrac),
      help: 'fraction held out for validation (the next part; the rest is test; alone, it sets --train-frac to 1 - X)',
    },
    { name: 'eval-every', value: 'N', default: '1000', help: 'validate (and save) every N iterations; 0 = only at the end' },
    { name: 'seed', value: 'N', default: String(D.seed), help: 'random seed for initialisation and dropout' },
    { name: 'grad', value: 'manual|tape', default: D.grad, help: 'gradients by hand-derived backprop (faster) or by the autodiff tape (float64, TypeScript)' },
    {
      name: 'kernels',
      value: 'auto|wasm|ts',
      default: D.kernels,
      help: 'numeric kernels of the manual path: WebAssembly SIMD, or the reference TypeScript loops (auto: wasm when built)',
    },
    {
      name: 'dtype',
      value: 'f32|f64',
      defaultNote: 'f32; f64 with --grad tape',
      help: 'training precision (f64 with --kernels ts runs the readable hand-derived models)',
    },
    {
      name: 'threads',
      value: '1|2',
      defaultNote: '2 with the WebAssembly kernels',
      help: 'threads splitting the large matrix products (results do not depend on it)',
    },
    {
      name: 'checkpoint',
      value: 'FILE',
      default: DEFAULT_CHECKPOINT,
      help: 'latest checkpoint; the best by validation goes to FILE with .best before the extension',
    },
    { name: 'no-checkpoint', help: 'do not save checkpoints' },
    { name: 'checkpoint-every', value: 'N', default: '100', help: 'also save the latest checkpoint every N iterations (0 = only at validations and the end)' },
    {
      name: 'save-dtype',
      value: 'f32|f64',
      defaultNote: 'as --dtype',
      help: 'checkpoint precision (f32 halves the file; with --dtype f64, resuming from it is then not bit-exact)',
    },
    {
      name: 'log',
      value: 'FILE',
      defaultNote: 'beside the checkpoint, e.g. checkpoints/model.log.jsonl',
      help: 'training log, one JSON line per logged step and per validation (see rnn plot); a resumed run continues it',
    },
    { name: 'no-log', help: 'write no training log' },
    { name: 'log-every', value: 'N', default: '1', help: 'log every N-th step' },
    { name: 'sample-every', value: 'N', defaultNote: 'as --eval-every', help: 'print a sample every N iterations (0 = never)' },
    { name: 'sample-length', value: 'N', default: '200', help: 'characters per sample' },
    { name: 'resume', value: 'FILE', help: 'continue a run from its checkpoint, exactly as if never interrupted' },
  ],
  notes: [
    'With --resume the model and every training option come from the checkpoint; only --data (which must be',
    'the same text), --epochs, --grad, --kernels, --threads, --iters, --time and the checkpoint and sample options may be',
    'given (the run stays bit-exact only on the kernels it started with; --threads never changes a result).',
    'Training stops with a message if the loss becomes NaN/Inf or exceeds 3x its first value; the last good',
    'checkpoint is kept. Ctrl-C stops after the current iteration, saves, and exits with code 130.',
    "char-rnn's defaults apply to every model. min-char-rnn's setting is --model rnn --layers 1 --hidden 100",
    '--seq 25 --batch 1 --optim adagrad --lr 0.1 --lr-decay 1.',
  ],
  examples: [
    'rnn train                                   # char-rnn: 2x128 LSTM on tinyshakespeare',
    'rnn train --data my.txt --model gru --dropout 0.25 --time 600',
    'rnn train --resume checkpoints/model.safetensors',
  ],
};

export async function trainCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(trainSpec, argv);
  if (!parsed) {
    io.out(formatHelp(trainSpec));
    return 0;
  }
  const { values: v, given } = parsed;
  const dataPath = given.has('data') ? resolveDataPath(stringOption('data', v.data)) : DEFAULT_DATA;
  const shownData = given.has('data') ? dataPath : 'the bundled data/tinyshakespeare.txt';
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
    clipMode: choiceOption('clip-mode', v['clip-mode'], ['value', 'norm'] as const),
    dropout: fractionOption('dropout', v.dropout),
    epochs: intOption('epochs', v.epochs, 1),
    trainFrac: fractionOption('train-frac', v['train-frac'], true),
    valFrac: fractionOption('val-frac', v['val-frac']),
    seed: seedOption(v.seed),
    grad: choiceOption('grad', v.grad, ['manual', 'tape'] as const),
    kernels: choiceOption('kernels', v.kernels, ['auto', 'wasm', 'ts'] as const),
    dtype: given.has('dtype') ? choiceOption('dtype', v.dtype, ['f32', 'f64'] as const) : v.grad === 'tape' ? 'f64' : D.dtype,
    threads: given.has('threads') ? intOption('threads', v.threads, 1) : 0,
  };
  if (options.threads > 2) throw new UsageError(`--threads must be 1 or 2, got '${v.threads}'`);
  // --val-frac alone takes its share from the training part (char-rnn's test fraction stays 0).
  if (given.has('val-frac') && !given.has('train-frac')) options.trainFrac = 1 - options.valFrac;
  if (options.lrDecay > 1) throw new UsageError(`--lr-decay must be at most 1, got '${v['lr-decay']}'`);
  const iters = v.iters === undefined ? undefined : intOption('iters', v.iters, 1);
  const time = v.time === undefined ? undefined : positiveNumberOption('time', v.time);
  const evalEvery = intOption('eval-every', v['eval-every'], 0);
  const sampleEvery = v['sample-every'] === undefined ? evalEvery : intOption('sample-every', v['sample-every'], 0);
  const sampleLength = intOption('sample-length', v['sample-length'], 1);
  const checkpointEvery = intOption('checkpoint-every', v['checkpoint-every'], 0);
  if (given.has('checkpoint') && v['no-checkpoint']) throw new UsageError('--checkpoint and --no-checkpoint contradict each other');
  const checkpointPath = v['no-checkpoint'] ? undefined : stringOption('checkpoint', v.checkpoint);
  const bestPath = checkpointPath === undefined ? undefined : bestPathFor(checkpointPath);
  if (given.has('log') && v['no-log']) throw new UsageError('--log and --no-log contradict each other');
  const logPath = v['no-log']
    ? undefined
    : given.has('log')
      ? stringOption('log', v.log)
      : checkpointPath === undefined
        ? undefined
        : logPathFor(checkpointPath);
  const logEvery = intOption('log-every', v['log-every'], 1);
  const resumePath = v.resume === undefined ? undefined : stringOption('resume', v.resume);
  if (resumePath !== undefined) {
    const fixed = RUN_OPTIONS.filter((o) => given.has(o));
    if (fixed.length > 0)
      throw new UsageError(`--${fixed[0]} cannot change when resuming: the run continues with its checkpoint's options (start a new run to change them)`);
  }

  // Everything is read and checked before anything is written, and sizes before anything is allocated.
  const limit = memoryLimit(io);
  let trainer: Trainer;
  if (resumePath !== undefined) {
    const c = loadCheckpoint(resumePath);
    const vocab = Vocab.fromJSON(c.vocab);
    const text = readEncodedFile(dataPath, vocab);
    if (text.unknown.length > 0)
      throw new UserError(`the text has characters that the checkpoint's vocabulary lacks: ${listChars(text.unknown.map((u) => u.ch))}`);
    const changes = {
      epochs: given.has('epochs') ? options.epochs : undefined,
      grad: given.has('grad') ? options.grad : undefined,
      kernels: given.has('kernels') ? options.kernels : undefined,
      threads: given.has('threads') ? options.threads : undefined,
    };
    trainer = Trainer.fromCheckpoint(text, c, changes, limit);
  } else {
    // conflicting values (--grad tape --dtype f32, fractions adding up to more than 1) are usage errors
    try {
      checkOptions(options);
    } catch (err) {
      throw err instanceof UserError ? new UsageError(err.message) : err;
    }
    checkTrainingSize(options, 1, limit); // the smallest vocabulary: absurd sizes are refused before the text is read
    const text = readEncodedFile(dataPath);
    checkTrainingSize(options, text.vocab.size, limit);
    trainer = Trainer.fromEncoded(text, options, limit);
  }
  const saveDtype = given.has('save-dtype') ? choiceOption('save-dtype', v['save-dtype'], ['f32', 'f64'] as const) : trainer.options.dtype;
  const dtype = saveDtype === 'f32' ? 'F32' : 'F64';
  if (trainer.done) {
    throw new UserError(
      `${resumePath} has finished all ${trainer.options.epochs} epochs of its run; give --epochs N (more than ${trainer.options.epochs}) to train it further`,
    );
  }
  if (checkpointPath !== undefined) checkCheckpointPath(checkpointPath);
  const log = logPath === undefined ? undefined : new TrainLog(logPath, trainer.charsPerStep, resumePath === undefined ? undefined : trainer.iteration);
  const dataName = given.has('data') ? String(v.data) : 'data/tinyshakespeare.txt (bundled)';
  log?.start(trainer.iteration, dataName, trainer.options);

  const o = trainer.options,
    c = trainer.config;
  const size = estimateRun(o, c.vocabSize);
  const from = resumePath ? `resuming ${resumePath} at iteration ${thousands(trainer.iteration)}` : `seed ${o.seed}`;
  io.out(
    `data: ${shownData}: ${thousands(trainer.split.train.length + trainer.split.val.length + trainer.split.test.length)} characters, vocabulary ${trainer.vocab.size}; ` +
      `train ${thousands(trainer.split.train.length)}, validation ${thousands(trainer.split.val.length)}, test ${thousands(trainer.split.test.length)}\n` +
      `model: ${c.layers}-layer ${c.kind.toUpperCase()}, ${c.hiddenSize} hidden, dropout ${o.dropout}; ${o.grad} gradients on ${trainer.engine}; ` +
      `${thousands(size.parameters)} parameters, about ${formatBytes(size.bytes)} of memory and ${formatFlops(size.flopsPerStep)} per iteration\n` +
      `training: batch ${o.batchSize} x seq ${o.seqLength}, ${o.optim} lr ${o.lr} (x${o.lrDecay} per epoch after ${o.decayAfter}), clip ${o.clipMode} ${o.clip}; ` +
      `${thousands(trainer.chunks)} iterations per epoch, ${o.epochs} epochs = ${thousands(trainer.totalIterations)} iterations; ${from}\n` +
      (checkpointPath ? `saving to ${checkpointPath} (best: ${bestPath})\n` : '') +
      (logPath ? `logging to ${logPath}\n` : ''),
  );

  const printer = new ProgressPrinter(io);
  const controller = new AbortController();
  let interruptedAt = 0;
  const onSigint = (): void => {
    // NOTE: one Ctrl-C can arrive more than once (the terminal signals the whole process group and
    // a runner such as npm or tsx relays it again), so a repeat within a second is the same press.
    if (controller.signal.aborted) {
      if (Date.now() - interruptedAt > 1000) process.exit(130);
      return;
    }
    interruptedAt = Date.now();
    controller.abort();
    printer.print('interrupted: stopping after this iteration and saving (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await trainLoop(trainer, {
      iters,
      timeSeconds: time,
      evalEvery,
      checkpointEvery,
      sampleEvery,
      sampleLength,
      checkpointPath,
      bestPath,
      dtype,
      signal: controller.signal,
      trainInfo: { data: dataName },
      progressMs: io.isTTY ? 500 : 1000,
      onProgress: (p) => printer.update(p),
      onStep: (s) => {
        if (s.iteration % logEvery === 0) log?.step(s);
      },
      onEval: (e) => {
        log?.val(e);
        printer.print(
          `validation at iteration ${thousands(e.iteration)} (epoch ${e.epoch.toFixed(2)}): ${e.loss.toFixed(4)} nats/char = ${e.bitsPerChar.toFixed(4)} bits/char${e.best ? ' (best so far)' : ''}`,
        );
      },
      onSample: (s) => printer.print(framedSample(`sample at iteration ${thousands(s.iteration)}`, s.text)),
    });
    const { progress: p, stoppedBy } = result;
    printer.finish(p);
    const why = { done: 'finished', iters: 'iteration budget reached', time: 'time budget reached', signal: 'interrupted' }[stoppedBy];
    io.out(
      `${why}: ${thousands(p.sessionIterations)} iterations (${thousands(p.sessionIterations * trainer.charsPerStep)} characters) in ${formatElapsed(p.elapsedSeconds)}, ` +
        `${thousands(p.charsPerSecond)} chars/s; iteration ${thousands(p.iteration)} of ${thousands(p.totalIterations)}, train loss ${p.smoothLoss.toFixed(3)} nats/char` +
        (trainer.bestVal !== null ? `, best validation ${trainer.bestVal.toFixed(4)} nats/char (${(trainer.bestVal / Math.LN2).toFixed(4)} bits/char)` : '') +
        '\n',
    );
    if (sampleEvery === 0 || trainer.iteration % sampleEvery !== 0) io.out(framedSample(`sample (${sampleLength} characters)`, trainer.sample(sampleLength)));
    if (checkpointPath !== undefined) {
      io.out(`checkpoint saved to ${checkpointPath} (iteration ${thousands(trainer.iteration)})\n`);
      io.out(`sample more:  npx rnn sample --checkpoint ${checkpointPath}\n`);
      if (!trainer.done) {
        io.out(
          `continue:     npx rnn train --resume ${checkpointPath}${given.has('data') ? ` --data ${String(v.data)}` : ''}  (about ${formatDuration(((p.totalIterations - p.iteration) * trainer.charsPerStep) / Math.max(p.charsPerSecond, 1))} left)\n`,
        );
      }
    }
    return stoppedBy === 'signal' ? 130 : 0;
  } catch (err) {
    if (err instanceof DivergedError) printer.print('');
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    trainer.dispose();
  }
}

/** checkpoints/model.safetensors → checkpoints/model.best.safetensors */
export function bestPathFor(path: string): string {
  const m = /^(.*[^/\\])(\.[^./\\]+)$/.exec(path);
  return m ? `${m[1]}.best${m[2]}` : `${path}.best`;
}

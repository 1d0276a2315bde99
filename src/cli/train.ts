// `rnn train`: train a char-level RNN on a text file, with live progress, periodic samples and
// checkpoints; Ctrl-C stops after the current iteration and still saves.

import { TRAINER_DEFAULTS, Vocab, checkCheckpointPath, loadCheckpoint, readTextFile, train, UserError, type Checkpoint } from '../index.ts';
import { UsageError, seedOption, choiceOption, formatHelp, intOption, listChars, parseCommand, positiveNumberOption, stringOption, type CommandSpec } from './args.ts';
import { DEFAULT_DATA, type Io } from './io.ts';
import { ProgressPrinter, formatElapsed, framedSample, thousands } from './progress.ts';

export const DEFAULT_ITERS = 20_000;
export const DEFAULT_CHECKPOINT = 'checkpoints/model.safetensors';

export const trainSpec: CommandSpec = {
  name: 'train',
  brief: 'train a character-level RNN on a text file',
  summary: 'Train a character-level RNN on a UTF-8 text file (min-char-rnn: truncated backprop over --seq characters, gradients clipped to [-5, 5], Adagrad).',
  options: [
    { name: 'data', value: 'FILE', defaultNote: 'the bundled data/tinyshakespeare.txt', help: 'training text (UTF-8)' },
    { name: 'layers', value: 'N', default: String(TRAINER_DEFAULTS.layers), help: 'stacked RNN layers' },
    { name: 'hidden', value: 'N', default: String(TRAINER_DEFAULTS.hidden), help: 'hidden units per layer' },
    { name: 'seq', value: 'N', default: String(TRAINER_DEFAULTS.seqLength), help: 'characters per chunk (steps of backprop through time)' },
    { name: 'lr', value: 'X', default: String(TRAINER_DEFAULTS.lr), help: 'Adagrad learning rate' },
    { name: 'iters', value: 'N', defaultNote: `${DEFAULT_ITERS} unless --time is given`, help: 'iterations to run (one chunk each)' },
    { name: 'time', value: 'SECONDS', help: 'stop after this long (with --iters too: whichever comes first)' },
    { name: 'seed', value: 'N', default: String(TRAINER_DEFAULTS.seed), help: 'random seed for initialisation and samples' },
    { name: 'grad', value: 'tape|manual', default: TRAINER_DEFAULTS.grad, help: 'gradients by autodiff (tape) or hand-derived backprop (manual, faster)' },
    { name: 'checkpoint', value: 'FILE', default: DEFAULT_CHECKPOINT, help: 'where to save the model' },
    { name: 'no-checkpoint', help: 'do not save a checkpoint' },
    { name: 'checkpoint-every', value: 'N', default: '10000', help: 'also save every N iterations (0 = only at the end)' },
    { name: 'sample-every', value: 'N', default: '10000', help: 'print a sample every N iterations (0 = never)' },
    { name: 'sample-length', value: 'N', default: '200', help: 'characters per sample' },
    { name: 'resume', value: 'FILE', help: 'continue training from this checkpoint (model size, vocabulary and random state come from it)' },
  ],
  notes: [
    'When resuming, --seq, --lr and --grad default to the values the checkpoint was trained with,',
    '--layers and --hidden must match it if given, --seed is refused (the random state comes from the',
    'checkpoint), and --iters counts the iterations added.',
    'Ctrl-C stops after the current iteration, saves the checkpoint and exits with code 130.',
  ],
  examples: ['rnn train --time 60', 'rnn train --data my.txt --layers 2 --hidden 128 --iters 50000 --checkpoint my.safetensors'],
};

export async function trainCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(trainSpec, argv);
  if (!parsed) {
    io.out(formatHelp(trainSpec));
    return 0;
  }
  const { values: v, given } = parsed;
  const dataPath = given.has('data') ? stringOption('data', v.data) : DEFAULT_DATA;
  const shownData = given.has('data') ? `data file ${dataPath}` : 'the bundled data/tinyshakespeare.txt';
  const layers = intOption('layers', v.layers, 1);
  const hidden = intOption('hidden', v.hidden, 1);
  const seq = intOption('seq', v.seq, 1);
  const lr = positiveNumberOption('lr', v.lr);
  const time = v.time === undefined ? undefined : positiveNumberOption('time', v.time);
  const iters = v.iters !== undefined ? intOption('iters', v.iters, 1) : time === undefined ? DEFAULT_ITERS : undefined;
  const seed = seedOption(v.seed);
  const grad = choiceOption('grad', v.grad, ['manual', 'tape'] as const);
  if (given.has('checkpoint') && v['no-checkpoint']) throw new UsageError('--checkpoint and --no-checkpoint contradict each other');
  const checkpointPath = v['no-checkpoint'] ? undefined : stringOption('checkpoint', v.checkpoint);
  const checkpointEvery = intOption('checkpoint-every', v['checkpoint-every'], 0);
  const sampleEvery = intOption('sample-every', v['sample-every'], 0);
  const sampleLength = intOption('sample-length', v['sample-length'], 1);
  const resumePath = v.resume === undefined ? undefined : stringOption('resume', v.resume);

  // Everything is read and checked before anything is written.
  const text = readTextFile(dataPath);
  let resume: Checkpoint | undefined;
  if (resumePath !== undefined) {
    if (given.has('seed')) throw new UsageError('--seed has no effect with --resume: the random state comes from the checkpoint');
    resume = loadCheckpoint(resumePath);
    checkResume(resume, resumePath, text, shownData, { layers: given.has('layers') ? layers : undefined, hidden: given.has('hidden') ? hidden : undefined });
  }
  // When resuming, options left out take the checkpoint's values (undefined lets the trainer read them).
  const unlessResumed = <T>(name: string, value: T): T | undefined => (resume && !given.has(name) ? undefined : value);
  const seqLength = unlessResumed('seq', seq);
  const T = seqLength ?? (typeof resume?.train.seqLength === 'number' ? resume.train.seqLength : seq);
  const chars = [...text].length;
  if (chars < T + 1) throw new UserError(`${shownData} has ${chars} characters; --seq ${T} needs at least ${T + 1}`);
  if (checkpointPath !== undefined) checkCheckpointPath(checkpointPath);

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
    printer.print('interrupted: stopping after this iteration (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await train({
      text, resume, iters, timeSeconds: time, signal: controller.signal,
      layers, hidden, seed,
      seqLength, lr: unlessResumed('lr', lr), grad: unlessResumed('grad', grad),
      sampleEvery, sampleLength, checkpointPath, checkpointEvery,
      trainInfo: { data: given.has('data') ? dataPath : 'data/tinyshakespeare.txt (bundled)' },
      progressMs: io.isTTY ? 200 : 1000,
      onStart: (t) => {
        const from = resume ? `resuming ${resumePath} at iteration ${thousands(t.iteration)}` : `seed ${seed}`;
        const budget = [iters !== undefined ? `${thousands(iters)} iterations` : '', time !== undefined ? `${time} s` : ''].filter(Boolean).join(' or ');
        io.out(
          `training on ${shownData}: ${thousands(t.data.length)} characters, vocabulary ${t.vocab.size}\n` +
            `model: ${t.config.layers} layer(s) of ${t.config.hiddenSize} hidden units, seq ${t.seqLength}, lr ${t.optimizer.lr}, ${t.grad} gradients, ${from}\n` +
            `running for ${budget}${checkpointPath ? `, saving to ${checkpointPath}` : ''}\n`,
        );
      },
      onProgress: (p) => printer.update(p),
      onSample: (s) => printer.print(framedSample(`sample at iteration ${thousands(s.iteration)} (loss ${s.lossPerChar.toFixed(3)}/char)`, s.text)),
    });
    const { trainer, progress: p, stoppedBy } = result;
    printer.finish(p);
    io.out(
      `done${stoppedBy === 'signal' ? ' (interrupted)' : ''}: ${thousands(p.sessionIterations)} iterations (${thousands(p.sessionIterations * trainer.seqLength)} characters) ` +
        `in ${formatElapsed(p.elapsedSeconds)}, ${thousands(p.charsPerSecond)} chars/s; smooth loss ${p.lossPerChar.toFixed(3)} nats/char at iteration ${thousands(p.iteration)}\n`,
    );
    io.out(framedSample(`final sample (${sampleLength} characters)`, trainer.sample(sampleLength)));
    if (checkpointPath !== undefined) {
      io.out(`checkpoint saved to ${checkpointPath} (iteration ${thousands(trainer.iteration)})\n`);
      io.out(`sample more:  npx rnn sample --checkpoint ${checkpointPath}\ncontinue:     npx rnn train --resume ${checkpointPath}${given.has('data') ? ` --data ${dataPath}` : ''}\n`);
    }
    return stoppedBy === 'signal' ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The checkpoint must fit the data and any model size the user typed. */
function checkResume(c: Checkpoint, path: string, text: string, shownData: string, typed: { layers?: number; hidden?: number }): void {
  const { layers, hiddenSize } = c.config;
  if ((typed.layers !== undefined && typed.layers !== layers) || (typed.hidden !== undefined && typed.hidden !== hiddenSize)) {
    throw new UsageError(`checkpoint ${path} has --layers ${layers} --hidden ${hiddenSize}; leave those options out when resuming, or match them`);
  }
  const missing = Vocab.fromJSON(c.vocab).unknown(text);
  if (missing.length > 0) {
    throw new UserError(`${shownData} has ${missing.length} character(s) that checkpoint ${path} was not trained on: ${listChars(missing)}`);
  }
}

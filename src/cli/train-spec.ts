// `rnn train`'s options, help and defaults (the command itself is train.ts).

import { CELL_KINDS, CLIP_MODES, DTYPES, GRAD_PATHS, KERNEL_CHOICES, OPTIMIZERS, TRAINER_DEFAULTS } from '../index.ts';
import { type CommandSpec, choices } from './args.ts';
import { dataOption, splitOptions } from './text-options.ts';

export const DEFAULT_CHECKPOINT = 'checkpoints/model.safetensors';
export const D = TRAINER_DEFAULTS;

/** The options that define a run; they come from the checkpoint when resuming. */
export const RUN_OPTIONS = [
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
    dataOption('training text (UTF-8, plain or gzip), or the name of a bundled corpus (see rnn data)'),
    { name: 'model', value: choices(CELL_KINDS), default: D.model, help: 'cell type (PyTorch nn.LSTM / nn.GRU / nn.RNN equations)' },
    { name: 'layers', value: 'N', default: String(D.layers), help: 'stacked layers' },
    { name: 'hidden', value: 'N', default: String(D.hidden), help: 'hidden units per layer' },
    { name: 'seq', value: 'N', default: String(D.seqLength), help: 'steps of backprop through time per chunk' },
    { name: 'batch', value: 'N', default: String(D.batchSize), help: 'parallel streams (the text is cut into this many stripes)' },
    { name: 'optim', value: choices(OPTIMIZERS), default: D.optim, help: 'optimizer (RMSprop alpha 0.95; Adam betas 0.9, 0.999; eps 1e-8)' },
    { name: 'lr', value: 'X', default: String(D.lr), help: 'learning rate' },
    { name: 'lr-decay', value: 'X', default: String(D.lrDecay), help: 'multiply the learning rate by X after each epoch from --decay-after on (1 = constant)' },
    { name: 'decay-after', value: 'N', default: String(D.decayAfter), help: 'first epoch whose end decays the learning rate' },
    { name: 'clip', value: 'X', default: String(D.clip), help: 'gradient clipping threshold' },
    { name: 'clip-mode', value: choices(CLIP_MODES), default: D.clipMode, help: 'clip each gradient entry to [-X, X] (char-rnn) or the global L2 norm to X' },
    { name: 'dropout', value: 'P', default: String(D.dropout), help: 'inverted dropout between layers and before the decoder (off at evaluation)' },
    { name: 'epochs', value: 'N', default: String(D.epochs), help: 'passes over the training text' },
    { name: 'iters', value: 'N', help: 'stop after N more iterations (before the last epoch ends)' },
    { name: 'time', value: 'SECONDS', help: 'stop after this long (checkpoint saved; --resume continues)' },
    ...splitOptions('fraction of the text to train on (the first part)'),
    { name: 'eval-every', value: 'N', default: '1000', help: 'validate (and save) every N iterations; 0 = only at the end' },
    { name: 'seed', value: 'N', default: String(D.seed), help: 'random seed for initialisation and dropout' },
    {
      name: 'grad',
      value: choices(GRAD_PATHS),
      default: D.grad,
      help: 'gradients by hand-derived backprop (faster) or by the autodiff tape (float64, on the --kernels below)',
    },
    {
      name: 'kernels',
      value: choices(KERNEL_CHOICES),
      default: D.kernels,
      help: 'numeric kernels: WebAssembly SIMD, or the reference TypeScript loops (auto: wasm when built)',
    },
    {
      name: 'dtype',
      value: choices(DTYPES),
      defaultNote: 'f32; f64 with --grad tape',
      help: 'training precision (f64 with --kernels ts runs the readable hand-derived models)',
    },
    {
      name: 'threads',
      value: '1|2',
      defaultNote: '2 with the WebAssembly kernels',
      help: 'threads: each takes a group of the streams, or a share of the large products (results do not depend on it)',
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
      value: choices(DTYPES),
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

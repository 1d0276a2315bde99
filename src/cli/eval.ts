// `rnn eval`: the loss of a model on any text, in nats and bits per character.

import { checkJob, DTYPES, evaluate, KERNEL_CHOICES, readEncodedFile, resolveKernels, UserError, Vocab } from '../index.ts';
import { type CommandSpec, choiceOption, choices, formatHelp, intOption, listChars, parseCommand } from './args.ts';
import { checkpointOption, loadModelFile, modelFileOf, vocabOption } from './checkpoint-options.ts';
import { type Io, memoryLimit } from './io.ts';
import { thousands } from './progress.ts';
import { dataOption, dataPathOf } from './text-options.ts';

export const evalSpec: CommandSpec = {
  name: 'eval',
  brief: 'loss and bits per character of a model on a text',
  summary: 'Measure how well a model predicts a text: the mean loss in nats per character and in bits per character (without dropout).',
  options: [
    checkpointOption('the model (ours or PyTorch-written, as for rnn sample)'),
    dataOption('text to evaluate on (UTF-8, plain or gzip), or a bundled corpus name (see rnn data)'),
    vocabOption('vocabulary for a file without one (as for rnn sample)'),
    { name: 'batch', value: 'N', default: '50', help: 'parallel streams the text is read in (1 = one pass, each character with its full context)' },
    { name: 'seq', value: 'N', default: '50', help: 'steps per chunk; the state is carried from chunk to chunk, so this changes only memory use' },
    { name: 'kernels', value: choices(KERNEL_CHOICES), default: 'auto', help: 'numeric kernels: WebAssembly SIMD, or TypeScript (auto: wasm when built)' },
    { name: 'dtype', value: choices(DTYPES), default: 'f64', help: 'precision of the forward passes (f32 is faster and agrees to about 4 digits)' },
    { name: 'json', help: 'print one JSON document (full-precision numbers) instead of the text report' },
  ],
  notes: [
    'Every character after the first is scored once, whatever --batch and --seq are (the shorter last chunk included).',
    "Characters outside the model's vocabulary are reported and left out of the text (never a crash).",
  ],
  examples: ['rnn eval --checkpoint checkpoints/model.best.safetensors --data held-out.txt'],
};

export function evalCommand(argv: string[], io: Io): number {
  const parsed = parseCommand(evalSpec, argv);
  if (!parsed) {
    io.out(formatHelp(evalSpec));
    return 0;
  }
  const { values: v, given } = parsed;
  const model = modelFileOf(v, given);
  const dataPath = dataPathOf(v, given);
  const B = intOption('batch', v.batch, 1);
  const T = intOption('seq', v.seq, 1);
  const kernels = choiceOption('kernels', v.kernels, KERNEL_CHOICES);
  const dtype = choiceOption('dtype', v.dtype, DTYPES);

  const c = loadModelFile(model);
  const vocab = Vocab.fromJSON(c.vocab);
  // streamed: the text is never one string, and characters the model lacks are skipped while encoding
  const { ids, total, unknown } = readEncodedFile(dataPath, vocab);
  if (unknown.length > 0) {
    const left = unknown.reduce((n, u) => n + u.count, 0);
    io.err(
      `rnn: warning: ${thousands(left)} character(s) of ${dataPath} are not in the model's vocabulary and were left out: ${listChars(unknown.map((u) => u.ch))}\n`,
    );
  }
  if (ids.length < 2) throw new UserError(`${dataPath} has ${ids.length} character(s) the model knows (of ${total}): nothing to predict`);
  // the forward passes run on the fast path's arena (with room for gradients it does not use), with
  // the stripes evalStripes makes: a short text gets fewer or shorter ones than --batch and --seq ask
  const { kind, vocabSize: V, hiddenSize: H, layers: L } = c.config;
  const t = Math.min(T, ids.length - 1),
    b = Math.max(1, Math.min(B, Math.floor((ids.length - 1) / T)));
  checkJob(
    { kind, V, H, L, T: t, B: b, bytes: dtype === 'f32' ? 4 : 8, slots: 1, tape: false },
    memoryLimit(io),
    `evaluating this ${L}-layer ${kind.toUpperCase()} (${H} hidden, vocabulary ${V}) with batch ${b} × seq ${t}`,
  );
  const r = evaluate(c.params, ids, B, T, undefined, { kernels, dtype });
  if (!Number.isFinite(r.loss)) {
    throw new UserError(`the loss on ${dataPath} is ${r.loss}: the model's outputs overflowed (its weights are too large to give a meaningful loss)`);
  }
  if (v.json) {
    const { kind, layers, hiddenSize, vocabSize } = c.config;
    const doc = {
      checkpoint: model.path,
      data: dataPath,
      model: { kind, layers, hiddenSize, vocabSize },
      batch: B,
      seq: T,
      kernels: resolveKernels(kernels),
      dtype,
      characters: total,
      leftOut: total - ids.length,
      predictions: r.predictions,
      loss: r.loss,
      bitsPerChar: r.bitsPerChar,
      perplexity: Math.exp(r.loss),
    };
    io.out(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  io.out(
    `model: ${model.path} (${c.config.layers}-layer ${c.config.kind}, ${c.config.hiddenSize} hidden, vocabulary ${c.config.vocabSize})\n` +
      `data: ${dataPath}, ${thousands(r.predictions)} characters scored (every one after the first)\n` +
      `loss: ${r.loss.toFixed(4)} nats/char = ${r.bitsPerChar.toFixed(4)} bits/char (perplexity ${Number.isFinite(Math.exp(r.loss)) ? Math.exp(r.loss).toFixed(2) : `e^${r.loss.toPrecision(4)}, beyond float64`})\n`,
  );
  return 0;
}

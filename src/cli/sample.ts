// `rnn sample`: stream text from a model to stdout as it is generated (char-rnn's sample.lua), or,
// with --streams N, sample N independent streams at once (sampleStreams) and print them when done.

import { DTYPES, KERNEL_CHOICES, Rng, resolveKernels, sampleStream, sampleStreams, samplingStepper, Vocab } from '../index.ts';
import {
  type CommandSpec,
  choiceOption,
  choices,
  formatHelp,
  intOption,
  parseCommand,
  positiveNumberOption,
  seedOption,
  threadsOption,
  UsageError,
} from './args.ts';
import { checkpointOption, loadModelFile, modelFileOf, vocabOption } from './checkpoint-options.ts';
import type { Io } from './io.ts';

export const sampleSpec: CommandSpec = {
  name: 'sample',
  brief: 'generate text from a trained model',
  summary:
    'Generate text from a model, printing each character as soon as it is drawn. The model is a checkpoint written by rnn train, or a safetensors file written by PyTorch for the CharRNN module in the README.',
  options: [
    checkpointOption('the model (safetensors)'),
    vocabOption('vocabulary for a file without one in its metadata: a JSON array of characters, or the training text'),
    { name: 'length', value: 'N', default: '2000', help: 'characters to generate (after the prime)' },
    { name: 'temperature', value: 'X', default: '1.0', help: 'divides the logits: below 1 is more conservative, above 1 more adventurous' },
    { name: 'top-k', value: 'K', help: 'draw only among the K most likely characters' },
    { name: 'argmax', help: 'always take the most likely character (greedy; ignores --temperature and --top-k)' },
    { name: 'prime', value: 'TEXT', help: 'text to feed the network first; it is printed, then continued (every character must be in the vocabulary)' },
    { name: 'seed', value: 'N', default: '123', help: 'random seed (the same seed gives the same text)' },
    { name: 'kernels', value: choices(KERNEL_CHOICES), default: 'auto', help: 'numeric kernels: WebAssembly SIMD, or TypeScript (auto: wasm when built)' },
    { name: 'dtype', value: choices(DTYPES), default: 'f32', help: 'precision of the forward steps (ts with f64: the readable float64 model)' },
    {
      name: 'json',
      help: 'print one JSON document when done (text: the characters generated after the prime, or texts: one per stream with --streams; the prime; every setting) instead of streaming',
    },
    { name: 'streams', value: 'N', default: '1', help: 'sample N independent streams at once (each with --length characters), printed when all are done' },
    {
      name: 'one-per-line',
      help: 'print each sample (prime included) on one line, its newlines written as \\n, carriage returns as \\r and backslashes as \\\\',
    },
    {
      name: 'threads',
      value: 'N',
      help: 'with --streams: 1 or 2 threads, each taking a group of the streams (the texts do not depend on it; default 2 where possible)',
    },
  ],
  notes: [
    'Without --prime, the first character is drawn uniformly from the vocabulary (as char-rnn does).',
    'The same seed gives the same text on the same kernels and precision; float32 and float64 can differ',
    'where two characters are nearly equally likely.',
    "With --streams N, stream i (0 to N − 1) draws from the seed's generator advanced by i jumps of 2^64",
    'draws: stream 0 is the one-stream text (up to rounding) and no text depends on --threads. Each',
    'sample is printed after a line "==> stream i <==", with an empty line between samples (as head',
    'prints several files); --one-per-line prints one line per sample instead.',
  ],
  examples: [
    'rnn sample --length 1000 --temperature 0.8 --prime "ROMEO:"',
    'rnn sample --checkpoint torch.safetensors --vocab data/tinyshakespeare.txt --top-k 5',
    'rnn sample --streams 100 --length 200 --prime "ROMEO:" --one-per-line',
  ],
};

export function sampleCommand(argv: string[], io: Io): number {
  const parsed = parseCommand(sampleSpec, argv);
  if (!parsed) {
    io.out(formatHelp(sampleSpec));
    return 0;
  }
  const { values: v, given } = parsed;
  const model = modelFileOf(v, given);
  const length = intOption('length', v.length, 0);
  const temperature = positiveNumberOption('temperature', v.temperature);
  const topK = v['top-k'] === undefined ? undefined : intOption('top-k', v['top-k'], 1);
  const seed = seedOption(v.seed);
  const prime = v.prime === undefined ? '' : String(v.prime);

  const kernels = choiceOption('kernels', v.kernels, KERNEL_CHOICES);
  const dtype = choiceOption('dtype', v.dtype, DTYPES);

  const streams = intOption('streams', v.streams, 1);
  const onePerLine = v['one-per-line'] === true;
  const threads = v.threads === undefined ? undefined : threadsOption(v.threads);
  const many = given.has('streams') || onePerLine;
  if (threads !== undefined && !many) throw new UsageError('--threads applies to sampling with --streams (one stream runs on one thread)');
  const argmax = v.argmax === true;
  const settings = { length, temperature, topK: topK ?? null, argmax, seed, kernels: resolveKernels(kernels), dtype };

  const c = loadModelFile(model);
  const vocab = Vocab.fromJSON(c.vocab);
  if (many) {
    const texts = sampleStreams(c.params, vocab, {
      streams,
      length,
      temperature,
      topK,
      argmax,
      prime,
      seed,
      kernels,
      dtype,
      threads,
    });
    if (v.json) io.out(`${JSON.stringify({ checkpoint: model.path, prime, streams, texts, ...settings }, null, 2)}\n`);
    else if (onePerLine) for (const t of texts) io.out(`${oneLine(prime + t)}\n`);
    else texts.forEach((t, i) => io.out(`${i > 0 ? '\n' : ''}${streams > 1 ? `==> stream ${i} <==\n` : ''}${withNewline(prime + t)}`));
    return 0;
  }
  const engine = samplingStepper(c.params, kernels, dtype);
  try {
    const chars = sampleStream(c.params, vocab, { length, temperature, topK, argmax, prime, rng: new Rng(seed), stepper: engine.stepper });
    if (!v.json) return streamOut(io, chars, prime);
    const text = [...chars].join('');
    io.out(`${JSON.stringify({ checkpoint: model.path, prime, text, ...settings }, null, 2)}\n`);
    return 0;
  } finally {
    engine.dispose();
  }
}

/** A sample on one line: backslash, newline and carriage return escaped as \\, \n and \r. */
function oneLine(text: string): string {
  return text.replace(/[\\\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\n' ? '\\n' : '\\r'));
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function streamOut(io: Io, chars: Iterable<string>, prime: string): number {
  let last = prime.slice(-1);
  let first = true;
  for (const ch of chars) {
    if (first) io.out(prime); // after the generator has checked the prime
    first = false;
    io.out(ch);
    last = ch;
  }
  if (first) io.out(prime);
  if (last !== '\n') io.out('\n');
  return 0;
}

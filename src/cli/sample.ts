// `rnn sample`: stream text from a trained checkpoint to stdout as it is generated.

import { existsSync } from 'node:fs';
import { UserError, Vocab, loadCheckpoint, sampleStream } from '../index.ts';
import { formatHelp, intOption, seedOption, listChars, parseCommand, positiveNumberOption, stringOption, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';
import { DEFAULT_CHECKPOINT } from './train.ts';

export const sampleSpec: CommandSpec = {
  name: 'sample',
  brief: 'generate text from a trained checkpoint',
  summary: 'Generate text from a trained checkpoint, printing each character as soon as it is drawn.',
  options: [
    { name: 'checkpoint', value: 'FILE', default: DEFAULT_CHECKPOINT, help: 'checkpoint written by rnn train' },
    { name: 'length', value: 'N', default: '500', help: 'characters to generate' },
    { name: 'temperature', value: 'X', default: '1.0', help: 'divides the logits: below 1 is more conservative, above 1 more adventurous' },
    { name: 'prime', value: 'TEXT', help: 'text to feed the network first; it is printed, then continued (every character must be in the vocabulary)' },
    { name: 'seed', value: 'N', default: '42', help: 'random seed (the same seed gives the same text)' },
  ],
  notes: ["Without --prime, generation starts from the vocabulary's first character (a newline, for text with line breaks)."],
  examples: ['rnn sample --checkpoint checkpoints/model.safetensors --length 1000 --temperature 0.8 --prime "ROMEO:"'],
};

export function sampleCommand(argv: string[], io: Io): number {
  const parsed = parseCommand(sampleSpec, argv);
  if (!parsed) {
    io.out(formatHelp(sampleSpec));
    return 0;
  }
  const { values: v, given } = parsed;
  const path = stringOption('checkpoint', v.checkpoint);
  const length = intOption('length', v.length, 0);
  const temperature = positiveNumberOption('temperature', v.temperature);
  const seed = seedOption(v.seed);
  const prime = v.prime === undefined ? '' : String(v.prime);

  if (!given.has('checkpoint') && !existsSync(path)) {
    throw new UserError(`no checkpoint at ${path}: train a model first ('rnn train' or 'npm start'), or give --checkpoint FILE`);
  }
  const c = loadCheckpoint(path);
  const vocab = Vocab.fromJSON(c.vocab);
  const unknown = vocab.unknown(prime);
  if (unknown.length > 0) {
    throw new UserError(`--prime has ${unknown.length} character(s) that checkpoint ${path} was not trained on: ${listChars(unknown)}`);
  }
  const chars = sampleStream(c.params, vocab, { length, temperature, prime, seed });
  io.out(prime);
  let last = prime.slice(-1);
  for (const ch of chars) {
    io.out(ch);
    last = ch;
  }
  if (last !== '\n') io.out('\n');
  return 0;
}

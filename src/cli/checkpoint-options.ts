// The options that name a model, for the commands that read one (rnn eval and rnn sample):
// --checkpoint (our checkpoints, or a safetensors file that PyTorch wrote for the CharRNN module)
// and --vocab (its vocabulary, when the file's metadata has none), and the loading of that model.

import { existsSync } from 'node:fs';
import { type Checkpoint, loadCheckpoint, readTextFile, UserError, Vocab } from '../index.ts';
import { type OptionSpec, type ParsedOptions, stringOption } from './args.ts';
import { resolveDataPath } from './io.ts';
import { DEFAULT_CHECKPOINT } from './train-spec.ts';

/** --checkpoint FILE, with what is said of the model. */
export function checkpointOption(help: string): OptionSpec {
  return { name: 'checkpoint', value: 'FILE', default: DEFAULT_CHECKPOINT, help };
}

/** --vocab FILE, with what is said of it. */
export function vocabOption(help: string): OptionSpec {
  return { name: 'vocab', value: 'FILE', help };
}

/** The model file as the command line names it, checked but not yet read. */
export interface ModelFile {
  path: string;
  /** --checkpoint was given (without it, a missing default file gets a hint to train first). */
  given: boolean;
  vocabPath: string | undefined;
}

/** --checkpoint (or rnn train's default) and --vocab. */
export function modelFileOf(v: ParsedOptions, given: Set<string>): ModelFile {
  return {
    path: stringOption('checkpoint', v.checkpoint),
    given: given.has('checkpoint'),
    vocabPath: v.vocab === undefined ? undefined : stringOption('vocab', v.vocab),
  };
}

/**
 * --vocab FILE: a JSON array of characters (ids in array order), or any other text file, whose
 * distinct characters sorted by code point are the vocabulary (what `rnn train` and Python's
 * `sorted(set(text))` both make from a training text).
 */
function readVocabFile(path: string): string[] {
  const text = readTextFile(resolveDataPath(path));
  if (text.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UserError(`--vocab ${path} starts with '[' but is not valid JSON`);
    }
    return Vocab.fromJSON(parsed).toJSON();
  }
  return Vocab.fromText(text).toJSON();
}

/** The model, read and checked, with the vocabulary --vocab gives it. */
export function loadModelFile({ path, given, vocabPath }: ModelFile): Checkpoint {
  if (!given && !existsSync(path)) {
    throw new UserError(`no checkpoint at ${path}: train a model first ('rnn train' or 'npm start'), or give --checkpoint FILE`);
  }
  return loadCheckpoint(path, vocabPath === undefined ? {} : { vocab: readVocabFile(vocabPath) });
}

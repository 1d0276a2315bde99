// Loading a model for `rnn sample` and `rnn eval`: our checkpoints, or a safetensors file that
// PyTorch wrote for the CharRNN module, with its vocabulary in the metadata or given by --vocab.

import { existsSync } from 'node:fs';
import { type Checkpoint, loadCheckpoint, readTextFile, UserError, Vocab } from '../index.ts';
import { resolveDataPath } from './io.ts';

/**
 * --vocab FILE: a JSON array of characters (ids in array order), or any other text file, whose
 * distinct characters sorted by code point are the vocabulary (what `rnn train` and Python's
 * `sorted(set(text))` both make from a training text).
 */
export function readVocabFile(path: string): string[] {
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

export function loadModelFile(path: string, given: boolean, vocabPath?: string): Checkpoint {
  if (!given && !existsSync(path)) {
    throw new UserError(`no checkpoint at ${path}: train a model first ('rnn train' or 'npm start'), or give --checkpoint FILE`);
  }
  return loadCheckpoint(path, vocabPath === undefined ? {} : { vocab: readVocabFile(vocabPath) });
}

// The options that name a text and how it is split, for the commands that read one: --data (a file
// or a bundled corpus; rnn train, eval, gradcheck and ngram) and --train-frac / --val-frac (the
// split rnn train makes, which rnn ngram repeats so that its losses stand beside a network's).

import { TRAINER_DEFAULTS } from '../index.ts';
import { fractionOption, type OptionSpec, type ParsedOptions, stringOption, UsageError } from './args.ts';
import { DEFAULT_DATA, resolveDataPath } from './io.ts';

/** How the help and rnn train's header name the text read without --data. */
export const DEFAULT_DATA_NOTE = 'the bundled data/tinyshakespeare.txt';

/** --data FILE, with what the text is for. */
export function dataOption(help: string): OptionSpec {
  return { name: 'data', value: 'FILE', defaultNote: DEFAULT_DATA_NOTE, help };
}

/** The file --data names (a bundled corpus by its name), or the bundled tinyshakespeare without it. */
export function dataPathOf(v: ParsedOptions, given: Set<string>): string {
  return given.has('data') ? resolveDataPath(stringOption('data', v.data)) : DEFAULT_DATA;
}

/** --train-frac (with what the first part is for) and --val-frac, defaulting to the trainer's. */
export function splitOptions(trainHelp: string): OptionSpec[] {
  return [
    { name: 'train-frac', value: 'X', default: String(TRAINER_DEFAULTS.trainFrac), help: trainHelp },
    {
      name: 'val-frac',
      value: 'X',
      default: String(TRAINER_DEFAULTS.valFrac),
      help: 'fraction held out for validation (the next part; the rest is test; alone, it sets --train-frac to 1 - X)',
    },
  ];
}

/**
 * The split's fractions as typed, each from 0 to 1: --val-frac alone takes its share from the
 * training part (the test part stays empty, as char-rnn's does). rnn train checks them together
 * with its other options (checkOptions); other commands take splitFractions.
 */
export function typedSplitFractions(v: ParsedOptions, given: Set<string>): { trainFrac: number; valFrac: number } {
  const trainFrac = fractionOption('train-frac', v['train-frac'], true);
  const valFrac = fractionOption('val-frac', v['val-frac']);
  return { trainFrac: given.has('val-frac') && !given.has('train-frac') ? 1 - valFrac : trainFrac, valFrac };
}

/** The split's fractions as typed, with train > 0 and train + val ≤ 1. */
export function splitFractions(v: ParsedOptions, given: Set<string>): { trainFrac: number; valFrac: number } {
  const { trainFrac, valFrac } = typedSplitFractions(v, given);
  if (!(trainFrac > 0 && trainFrac + valFrac <= 1 + 1e-12))
    throw new UsageError(`--train-frac and --val-frac must have train > 0 and train + val ≤ 1, got ${trainFrac} and ${valFrac}`);
  return { trainFrac, valFrac };
}

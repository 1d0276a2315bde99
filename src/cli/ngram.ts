// `rnn ngram`: a character n-gram model with interpolated Kneser-Ney smoothing (src/ngram/), fitted
// on the training part of a text and measured on its validation and test parts, the same split as
// `rnn train` makes, so a network's loss can be set beside an n-gram's.

import { KneserNey, readEncodedFile, splitData, UserError } from '../index.ts';
import { type CommandSpec, formatHelp, intOption, parseCommand, UsageError } from './args.ts';
import { type Io, memoryLimit } from './io.ts';
import { formatElapsed, PLAIN_EVERY_SECONDS, thousands } from './progress.ts';
import { dataOption, dataPathOf, splitFractions, splitOptions } from './text-options.ts';

export const ngramSpec: CommandSpec = {
  name: 'ngram',
  brief: 'a Kneser-Ney n-gram baseline: validation and test loss',
  summary:
    'Fit a character n-gram model with interpolated Kneser-Ney smoothing on the training part of a text (the split rnn train makes) and report its loss on the validation and test parts, in nats and bits per character, as rnn eval does.',
  options: [
    dataOption('the text (UTF-8, plain or gzip), or a bundled corpus name (see rnn data)'),
    { name: 'order', value: 'N', default: '5', help: 'n: predict each character from the n − 1 before it (1 to 255)' },
    ...splitOptions('fraction of the text to fit on (the first part), as rnn train'),
    {
      name: 'discount',
      value: 'modified|D',
      default: 'modified',
      help: 'modified Kneser-Ney (D1, D2, D3+ per order from counts of counts), or one fixed D in (0, 1] (NLTK: 0.1)',
    },
    { name: 'json', help: 'print one JSON document (full-precision numbers) instead of the text report' },
  ],
  notes: [
    'Every character of a part after its first is scored once, from the characters before it in that part (as rnn eval scores a text).',
    'The counts of every order up to n are kept in memory: an order-20 model of 6 million characters takes about 4 GB.',
    'A model that would need more memory than the machine allows is refused as soon as its tables would grow past it.',
  ],
  examples: [
    'rnn ngram --data warpeace --order 20 --train-frac 0.8 --val-frac 0.1',
    'rnn ngram --data linux --order 10 --train-frac 0.9 --val-frac 0.05 --json',
  ],
};

function discountOption(raw: string | boolean | undefined): 'modified' | number {
  const s = String(raw);
  if (s === 'modified') return s;
  const v = /^\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s.trim()) ? Number(s) : NaN;
  if (!(v > 0 && v <= 1)) throw new UsageError(`--discount must be 'modified' or a number in (0, 1], got '${s}'`);
  return v;
}

export function ngramCommand(argv: string[], io: Io): number {
  const parsed = parseCommand(ngramSpec, argv);
  if (!parsed) {
    io.out(formatHelp(ngramSpec));
    return 0;
  }
  const { values: v, given } = parsed;
  const dataPath = dataPathOf(v, given);
  const order = intOption('order', v.order, 1);
  if (order > 255) throw new UsageError(`--order must be at most 255, got '${v.order}'`);
  const { trainFrac, valFrac } = splitFractions(v, given);
  const discount = discountOption(v.discount);

  const { ids, vocab, total } = readEncodedFile(dataPath);
  const split = splitData(ids, { train: trainFrac, val: valFrac });
  if (split.train.length < 1) throw new UserError(`${dataPath} has ${total} character(s): the training part (${trainFrac}) is empty`);

  const t0 = performance.now();
  let last = 0;
  const progress = (what: string) => (f: number) => {
    const s = (performance.now() - t0) / 1000;
    if (s - last < (io.isTTY ? 0.5 : PLAIN_EVERY_SECONDS)) return;
    last = s;
    io.err(`${io.isTTY ? '\r\x1b[2K' : ''}${what}: ${(100 * f).toFixed(0)}% (${formatElapsed(s)})${io.isTTY ? '' : '\n'}`);
  };
  const model = KneserNey.fit(split.train, { order, V: vocab.size, discount, memoryLimit: memoryLimit(io), onProgress: progress('counting') });
  const fitSeconds = (performance.now() - t0) / 1000;
  const score = (part: typeof split.val, what: string) => {
    const probs = model.probsByOrder(part, progress(`scoring the ${what} part`));
    let sum = 0;
    for (let i = order - 1; i < probs.length; i += order) sum -= Math.log(probs[i]);
    const predictions = Math.max(0, part.length - 1);
    return { characters: part.length, predictions, loss: predictions > 0 ? sum / predictions : null };
  };
  const val = score(split.val, 'validation');
  const test = score(split.test, 'test');
  if (io.isTTY && last > 0) io.err('\r\x1b[2K');
  const seconds = (performance.now() - t0) / 1000;

  if (v.json) {
    const part = (r: ReturnType<typeof score>) => ({
      ...r,
      bitsPerChar: r.loss === null ? null : r.loss / Math.LN2,
      perplexity: r.loss === null ? null : Math.exp(r.loss),
    });
    const doc = {
      data: dataPath,
      order,
      discount,
      vocabSize: vocab.size,
      split: { trainFrac, valFrac, train: split.train.length, val: split.val.length, test: split.test.length },
      discounts: model.discounts,
      contexts: model.contextsPerLength,
      events: model.eventsPerLength,
      peakBytes: model.peakBytes,
      fitSeconds,
      seconds,
      validation: part(val),
      test: part(test),
    };
    io.out(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  const line = (name: string, r: ReturnType<typeof score>): string =>
    r.loss === null
      ? `${name}: nothing to score (${thousands(r.characters)} characters)\n`
      : `${name}: ${r.loss.toFixed(4)} nats/char = ${(r.loss / Math.LN2).toFixed(4)} bits/char (perplexity ${Math.exp(r.loss).toFixed(2)}), ${thousands(r.predictions)} characters scored\n`;
  const contexts = model.contextsPerLength.reduce((a, b) => a + b, 0),
    events = model.eventsPerLength.reduce((a, b) => a + b, 0);
  io.out(
    `model: order-${order} character n-gram, interpolated Kneser-Ney (${discount === 'modified' ? 'modified: D1, D2, D3+ per order from counts of counts' : `fixed discount ${discount}`}), vocabulary ${vocab.size}\n` +
      `data: ${dataPath}, ${thousands(total)} characters: fitted on the first ${thousands(split.train.length)} (${trainFrac}), ` +
      `${thousands(split.val.length)} for validation, ${thousands(split.test.length)} for test\n` +
      `counts: ${thousands(contexts)} contexts, ${thousands(events)} n-grams of 1 to ${order} characters, ${(model.peakBytes / 1e6).toFixed(0)} MB at the peak, fitted in ${formatElapsed(fitSeconds)}\n` +
      line('validation', val) +
      line('test', test),
  );
  return 0;
}

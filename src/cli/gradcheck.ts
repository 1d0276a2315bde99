// `rnn gradcheck`: compare three gradients of one chunk's loss, parameter by parameter: the tape
// (autodiff), the hand-derived backprop, and central finite differences.

import { NOISE, THRESHOLDS, UserError, formatGradcheckTable, gradcheck, numericNoiseFloor, paramShapes, readTextFile } from '../index.ts';
import { UsageError, seedOption, formatHelp, intOption, parseCommand, positiveNumberOption, stringOption, type CommandSpec } from './args.ts';
import { DEFAULT_DATA, type Io } from './io.ts';

export const gradcheckSpec: CommandSpec = {
  name: 'gradcheck',
  brief: 'check gradients: tape vs hand-derived backprop vs finite differences',
  summary: 'Check the gradients of a small model on one chunk of text: tape vs hand-derived backprop vs central finite differences.',
  options: [
    { name: 'layers', value: 'N', default: '1', help: 'stacked RNN layers' },
    { name: 'hidden', value: 'N', default: '10', help: 'hidden units per layer' },
    { name: 'seq', value: 'N', default: '10', help: 'characters in the chunk (the first seq+1 characters of the text are used)' },
    { name: 'seed', value: 'N', default: '1', help: 'random seed for the parameters' },
    { name: 'data', value: 'FILE', defaultNote: 'the bundled data/tinyshakespeare.txt', help: 'take the text from this file' },
    { name: 'text', value: 'STRING', help: 'take the text from this string instead' },
    { name: 'samples', value: 'K', defaultNote: 'all entries, or 100 per parameter above 20,000 parameters', help: 'random entries per parameter checked against finite differences (0 = all)' },
    { name: 'step', value: 'H', default: '1e-5', help: 'finite-difference step: (L(θ+h) − L(θ−h)) / 2h' },
  ],
  notes: [
    'The vocabulary is the distinct characters of the chunk. Exit code 0 when every row passes, 1 otherwise.',
  ],
  examples: ['rnn gradcheck --layers 2 --hidden 8 --seq 6 --text "hello world"'],
};

export function gradcheckCommand(argv: string[], io: Io): number {
  const parsed = parseCommand(gradcheckSpec, argv);
  if (!parsed) {
    io.out(formatHelp(gradcheckSpec));
    return 0;
  }
  const { values: v, given } = parsed;
  const layers = intOption('layers', v.layers, 1);
  const hidden = intOption('hidden', v.hidden, 1);
  const seq = intOption('seq', v.seq, 1);
  const seed = seedOption(v.seed);
  const samplesGiven = given.has('samples') ? intOption('samples', v.samples, 0) : undefined;
  const step = positiveNumberOption('step', v.step);
  if (given.has('data') && given.has('text')) throw new UsageError('give --data or --text, not both');

  let source: string, full: string;
  if (given.has('text')) {
    full = stringOption('text', v.text);
    source = '--text';
  } else {
    const path = given.has('data') ? stringOption('data', v.data) : DEFAULT_DATA;
    full = readTextFile(path);
    source = given.has('data') ? `data file ${path}` : 'the bundled data file';
  }
  const chars = Array.from(full.slice(0, 4 * (seq + 1))).slice(0, seq + 1); // code points, not UTF-16 units
  if (chars.length < seq + 1) throw new UserError(`${source} has ${[...full].length} characters; --seq ${seq} needs at least ${seq + 1}`);
  const text = chars.join('');
  // Full check on small models; on large ones (where it would take minutes) k random entries per
  // parameter unless --samples says otherwise.
  const total = paramShapes({ vocabSize: new Set(chars).size, hiddenSize: hidden, layers }).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
  const samples = samplesGiven ?? (total > AUTO_SAMPLE_ABOVE ? AUTO_SAMPLES : 0);

  const result = gradcheck({ layers, hidden, text, seqLength: seq, seed, step, samples });
  io.out(
    `gradcheck: ${layers} layer(s), hidden ${hidden}, seq ${seq}, vocabulary ${result.vocabSize}, seed ${seed}, step ${num(step)}, ` +
      `${samples === 0 ? 'all entries' : `${samples} random entries per parameter`}` +
      `${samplesGiven === undefined && samples > 0 ? ` (the model has ${total} parameters; --samples 0 checks them all)` : ''}\n` +
      `text: ${JSON.stringify(text)}  (loss ${result.loss.toFixed(6)})\n\n`,
  );
  io.out(formatGradcheckTable(result.rows).replace(/\n?$/, '\n'));
  const floor = numericNoiseFloor(result.loss, step);
  io.out(
    '\nrelative error = |a − n| / max(|a|, |n|, 1e-12), entry by entry; the table shows the largest per parameter.\n' +
      `An entry too small for its relative error to rise above rounding noise is judged by |a − n| against a noise floor instead\n` +
      `(tape vs manual ${num(NOISE.tapeVsManualAbs)}; vs numeric ${NOISE.numericRoundingFactor}·ε·max(|loss|, 1)/h = ${floor.toExponential(1)}).\n` +
      `pass: tape vs manual ≤ ${num(THRESHOLDS.tapeVsManual)}, tape and manual vs numeric ≤ ${num(THRESHOLDS.vsNumeric)}\n`,
  );
  const failed = result.rows.filter((r) => !r.pass).map((r) => r.name);
  io.out(result.pass ? `PASS: all ${result.rows.length} parameters\n` : `FAIL: ${failed.join(', ')}\n`);
  return result.pass ? 0 : 1;
}

/** Above this many parameters, `--samples` defaults to AUTO_SAMPLES rather than all entries. */
const AUTO_SAMPLE_ABOVE = 20_000;
const AUTO_SAMPLES = 100;

/** 1e-5 rather than 0.00001. */
const num = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x));

// `rnn gradcheck`: compare three gradients of one chunk's loss, parameter by parameter: the tape
// (autodiff), the hand-derived backprop, and central finite differences. `--model lstm|gru|rnn`
// checks char-rnn's models (B streams, optional dropout), `--model minchar` the post's min-char-rnn.

import {
  CELL_KINDS,
  charGradcheck,
  charrnn,
  checkJob,
  formatGradcheckTable,
  GRADCHECK_WORK_BUDGET,
  type GradcheckRow,
  gradcheck,
  gradcheckWork,
  KERNEL_NAMES,
  NOISE,
  numericNoiseFloor,
  parameterCount,
  paramShapes,
  readTextFile,
  SizeError,
  type SizeJob,
  THRESHOLDS,
  UserError,
} from '../index.ts';
import {
  type CommandSpec,
  choiceOption,
  choices,
  EXIT,
  formatHelp,
  fractionOption,
  intOption,
  type ParsedOptions,
  parseCommand,
  positiveNumberOption,
  seedOption,
  stringOption,
  UsageError,
} from './args.ts';
import { type Io, memoryLimit } from './io.ts';
import { dataOption, dataPathOf } from './text-options.ts';

const MODELS = [...CELL_KINDS, 'minchar'] as const;
/** B > 1 by default, so the check covers streams that share weights but not state. */
const DEFAULT_BATCH = 3;

export const gradcheckSpec: CommandSpec = {
  name: 'gradcheck',
  brief: 'check gradients: tape vs hand-derived backprop vs finite differences',
  summary: 'Check the gradients of a small model on one chunk of text: tape vs hand-derived backprop vs central finite differences.',
  options: [
    {
      name: 'model',
      value: choices(MODELS),
      default: 'lstm',
      help: "char-rnn's LSTM, GRU or tanh RNN (PyTorch's equations and names), or minchar: the post's min-char-rnn (Wxh, Whh1, …)",
    },
    { name: 'layers', value: 'N', defaultNote: '2; 1 for minchar', help: 'stacked layers' },
    { name: 'hidden', value: 'N', default: '10', help: 'hidden units per layer' },
    { name: 'seq', value: 'N', default: '10', help: 'time steps in the chunk' },
    {
      name: 'batch',
      value: 'N',
      default: String(DEFAULT_BATCH),
      help: 'parallel streams (not for minchar); stream b reads characters b·seq … b·seq + seq of the text',
    },
    { name: 'dropout', value: 'P', default: '0', help: 'dropout probability (not for minchar); one set of masks is drawn and used by all three gradients' },
    { name: 'seed', value: 'N', default: '1', help: 'random seed for the parameters, the starting state and the masks' },
    dataOption('take the text from this file (plain or gzip), or a bundled corpus (see rnn data)'),
    { name: 'text', value: 'STRING', help: 'take the text from this string instead' },
    {
      name: 'samples',
      value: 'K',
      defaultNote: 'all entries, or 100 per parameter above 20,000 parameters',
      help: 'random entries per parameter checked against finite differences (0 = all); a check whose finite differences would exceed about 2e10 multiply-adds (about a minute) is refused unless K > 0 is given',
    },
    { name: 'step', value: 'H', default: '1e-5', help: 'finite-difference step: (L(θ+h) − L(θ−h)) / 2h' },
    {
      name: 'kernels',
      value: choices(KERNEL_NAMES),
      default: 'ts',
      help: 'hand-derived gradients from the readable *.manual.ts models (ts) or from the fast path on the WebAssembly kernels (not for minchar); always float64',
    },
    { name: 'json', help: 'print one JSON document (settings, every row, thresholds, pass) instead of the table' },
  ],
  notes: [
    'The chunk is the start of the text: seq+1 characters for minchar, seq·batch+1 for the others.',
    'The vocabulary is the distinct characters of the chunk. The loss is the mean over the seq·batch',
    'predictions for lstm, gru and rnn, the sum over the seq predictions for minchar.',
    'Exit code 0 when every row passes, 1 otherwise.',
  ],
  examples: [
    'rnn gradcheck --model gru --layers 3 --hidden 8 --seq 6 --batch 2 --dropout 0.3',
    'rnn gradcheck --model minchar --layers 2 --hidden 8 --seq 6 --text "hello world"',
  ],
};

export function gradcheckCommand(argv: string[], io: Io): number {
  const parsed = parseCommand(gradcheckSpec, argv);
  if (!parsed) {
    io.out(formatHelp(gradcheckSpec));
    return EXIT.ok;
  }
  const { values: v, given } = parsed;
  const model = choiceOption('model', v.model, MODELS);
  const minchar = model === 'minchar';
  const layers = given.has('layers') ? intOption('layers', v.layers, 1) : minchar ? 1 : 2;
  const hidden = intOption('hidden', v.hidden, 1);
  const seq = intOption('seq', v.seq, 1);
  for (const o of ['batch', 'dropout', 'kernels']) if (minchar && given.has(o)) throw new UsageError(`--${o} is for --model lstm, gru or rnn, not minchar`);
  const batch = intOption('batch', v.batch, 1);
  const dropout = fractionOption('dropout', v.dropout);
  const seed = seedOption(v.seed);
  const samplesGiven = given.has('samples') ? intOption('samples', v.samples, 0) : undefined;
  const step = positiveNumberOption('step', v.step);
  const kernels = choiceOption('kernels', v.kernels, KERNEL_NAMES);
  if (given.has('data') && given.has('text')) throw new UsageError('give --data or --text, not both');

  const need = minchar ? seq + 1 : seq * batch + 1;
  const chars = checkedChars(v, given, need, minchar ? `--seq ${seq}` : `--seq ${seq} × --batch ${batch}`);
  const text = chars.join('');
  const vocabSize = new Set(chars).size;
  const job = { kind: minchar ? ('rnn' as const) : model, V: vocabSize, H: hidden, L: layers, T: seq, B: minchar ? 1 : batch };
  const { samples, total } = checkSize(job, minchar, samplesGiven, memoryLimit(io));

  const result = minchar
    ? gradcheck({ layers, hidden, text, seqLength: seq, seed, step, samples })
    : charGradcheck({ kind: model, layers, hidden, text, seqLength: seq, batch, dropout, seed, step, samples, kernels });
  const terms = minchar ? 1 : seq * batch; // per-prediction losses in the loss (see NOISE)
  const floor = numericNoiseFloor(result.loss, step, terms);
  if (v.json) {
    const settings = minchar ? { model, layers, hidden, seq } : { model, layers, hidden, seq, batch, dropout, kernels };
    const doc = {
      ...settings,
      seed,
      step,
      samples,
      vocabSize: result.vocabSize,
      text,
      loss: result.loss,
      thresholds: { tapeVsManual: THRESHOLDS.tapeVsManual, vsNumeric: THRESHOLDS.vsNumeric },
      noiseFloors: { tapeVsManual: NOISE.tapeVsManualAbs, vsNumeric: floor },
      rows: result.rows,
      pass: result.pass,
    };
    io.out(`${JSON.stringify(doc, null, 2)}\n`);
    return result.pass ? EXIT.ok : EXIT.user;
  }
  const sampling =
    `${samples === 0 ? 'all entries' : `${samples} random entries per parameter`}` +
    `${samplesGiven === undefined && samples > 0 ? ` (the model has ${total} parameters; --samples 0 checks them all)` : ''}`;
  if (minchar) {
    io.out(
      `gradcheck: ${layers} layer(s), hidden ${hidden}, seq ${seq}, vocabulary ${result.vocabSize}, seed ${seed}, step ${num(step)}, ${sampling}\n` +
        `text: ${JSON.stringify(text)}  (loss ${result.loss.toFixed(6)})\n\n`,
    );
  } else {
    const shown = chars.length > SHOW_CHARS ? `${JSON.stringify(chars.slice(0, SHOW_CHARS).join(''))}… (${chars.length} characters)` : JSON.stringify(text);
    io.out(
      `gradcheck: ${model}, ${layers} layer(s), hidden ${hidden}, seq ${seq}, batch ${batch}, dropout ${dropout}, vocabulary ${result.vocabSize}, ` +
        `seed ${seed}, step ${num(step)}, ${sampling}; manual = ${kernels === 'wasm' ? 'the fast path on the WebAssembly kernels, float64' : 'the *.manual.ts models'}\n` +
        `text: ${shown}  (mean loss ${result.loss.toFixed(6)} over ${seq * batch} predictions)\n\n`,
    );
  }
  io.out(tableAndVerdict(result, terms, floor));
  return result.pass ? EXIT.ok : EXIT.user;
}

/** The check's first `need` characters (code points), from --text, --data or the bundled file. */
function checkedChars(v: ParsedOptions, given: Set<string>, need: number, needs: string): string[] {
  let source: string, full: string;
  if (given.has('text')) {
    full = stringOption('text', v.text);
    source = '--text';
  } else {
    const path = dataPathOf(v, given);
    full = readTextFile(path);
    source = given.has('data') ? `data file ${path}` : 'the bundled data file';
  }
  const chars = Array.from(full.slice(0, 4 * need)).slice(0, need); // code points, not UTF-16 units
  if (chars.length < need) throw new UserError(`${source} has ${[...full].length} characters; ${needs} needs at least ${need}`);
  return chars;
}

/**
 * Sizes first, in closed form: the memory (a SizeError past `limit`), then the time of the finite
 * differences. A full check on small models; on large ones (where it would take minutes) k random
 * entries per parameter unless --samples says otherwise. Returns the samples per parameter (0 =
 * all) and the parameter count.
 */
function checkSize(
  job: Omit<SizeJob, 'bytes' | 'slots' | 'tape'>,
  minchar: boolean,
  samplesGiven: number | undefined,
  limit: number,
): { samples: number; total: number } {
  const { kind, L: layers, H: hidden, T: seq, B: batch, V: vocabSize } = job;
  // the tape's activations, and five float64 copies of the parameters (values, three gradients, a perturbed copy)
  checkJob(
    { ...job, bytes: 8, slots: 3, tape: true },
    limit,
    `a gradient check of a ${layers}-layer ${kind.toUpperCase()} with ${hidden} hidden units, seq ${seq}${minchar ? '' : ` × batch ${batch}`}`,
  );
  const tensors = minchar ? 3 * layers + 2 : 4 * layers + 2;
  const autoSamples = parameterCount(job) > AUTO_SAMPLE_ABOVE ? AUTO_SAMPLES : 0;
  const checked = (k: number): number => (k === 0 ? parameterCount(job) : Math.min(parameterCount(job), k * tensors));
  const work = gradcheckWork(checked(samplesGiven ?? autoSamples), job);
  if (work > GRADCHECK_WORK_BUDGET && !(samplesGiven !== undefined && samplesGiven > 0)) {
    throw new SizeError(
      `finite differences on ${checked(samplesGiven ?? autoSamples).toExponential(2)} entries of this model would take about ${work.toExponential(1)} multiply-adds, ` +
        `more than the budget of ${GRADCHECK_WORK_BUDGET.toExponential(0)} (about a minute): give --samples K to check K random entries per parameter, or a smaller model`,
    );
  }
  const shapes = minchar ? paramShapes({ vocabSize, hiddenSize: hidden, layers }) : charrnn.paramShapes({ kind, vocabSize, hiddenSize: hidden, layers });
  const total = shapes.reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
  return { samples: samplesGiven ?? (total > AUTO_SAMPLE_ABOVE ? AUTO_SAMPLES : 0), total };
}

/** The table, how to read it, and PASS or FAIL. */
function tableAndVerdict(result: { rows: GradcheckRow[]; pass: boolean }, terms: number, floor: number): string {
  const floorFormula = `${NOISE.numericRoundingFactor}·ε·max(|loss|, 1)${terms > NOISE.termsMeasured ? `·√(${terms}/${NOISE.termsMeasured})` : ''}/h`;
  return (
    formatGradcheckTable(result.rows).replace(/\n?$/, '\n') +
    '\nrelative error = |a − n| / max(|a|, |n|, 1e-12), entry by entry; the table shows the largest per parameter.\n' +
    `An entry too small for its relative error to rise above rounding noise is judged by |a − n| against a noise floor instead\n` +
    `(tape vs manual ${num(NOISE.tapeVsManualAbs)}; vs numeric ${floorFormula} = ${floor.toExponential(1)}).\n` +
    `pass: tape vs manual ≤ ${num(THRESHOLDS.tapeVsManual)}, tape and manual vs numeric ≤ ${num(THRESHOLDS.vsNumeric)}\n` +
    (result.pass
      ? `PASS: all ${result.rows.length} parameters\n`
      : `FAIL: ${result.rows
          .filter((r) => !r.pass)
          .map((r) => r.name)
          .join(', ')}\n`)
  );
}

/** Characters of a long chunk shown in the header. */
const SHOW_CHARS = 60;

/** Above this many parameters, `--samples` defaults to AUTO_SAMPLES rather than all entries. */
const AUTO_SAMPLE_ABOVE = 20_000;
const AUTO_SAMPLES = 100;

/** 1e-5 rather than 0.00001. */
const num = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x));

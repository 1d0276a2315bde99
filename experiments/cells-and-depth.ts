// Cells and depth: the table of "Visualizing and Understanding Recurrent Networks" (Karpathy,
// Johnson, Fei-Fei 2015). RNN, LSTM and GRU at 1, 2 and 3 layers, each sized to the parameter count
// of the LSTM of its depth with 64 or 128 units, trained the same way on War and Peace and on the
// Linux sources with the paper's splits; test loss in nats/char and the validation curves.

import { evaluate, type Params, parameterCount, type Trainer, type TrainerOptions, type Vocab } from '../src/index.ts';
import { type CorpusInfo, cellsReport, type RunOutcome, type SaturationOutcome } from './lib/cells-report.ts';
import type { Context, Experiment } from './lib/experiment.ts';
import { saturationOf, traceSaturation } from './lib/gates.ts';
import { DEPTHS, type GridRun, iterationsOf, KINDS, matchedHidden, orderRuns, workPerChar } from './lib/grid.ts';

/** The paper's splits: War and Peace 80/10/10, Linux 90/5/5. Equal training characters within a corpus. */
const CORPORA: readonly CorpusInfo[] = [
  { name: 'warpeace', label: 'War and Peace', trainFrac: 0.8, valFrac: 0.1, epochs: 5 },
  { name: 'linux', label: 'Linux', trainFrac: 0.9, valFrac: 0.05, epochs: 2 },
];

/**
 * How every full-size run trains: the paper's RMSprop (α = 0.95) at 2e-3, unrolled 100 steps, its
 * schedule (×0.95 per epoch after epoch 10: never reached in this budget), char-rnn's batch of 50,
 * clipping of each gradient entry at 5 and initialisation in ±0.08; no dropout.
 */
const TRAINING: Partial<TrainerOptions> = {
  optim: 'rmsprop',
  lr: 2e-3,
  lrDecay: 0.95,
  decayAfter: 10,
  seqLength: 100,
  batchSize: 50,
  dropout: 0,
  clip: 5,
  clipMode: 'value',
  seed: 123,
  dtype: 'f32',
};

const FULL = { budgets: [64, 128], training: TRAINING, chars: Infinity, saturationChars: 20_000 };
/** --quick: toy budgets on the first characters of each corpus, a few iterations each. */
const QUICK = { budgets: [4, 6], training: { ...TRAINING, seqLength: 10, batchSize: 4, epochs: 1 }, chars: 30_000, until: 3, saturationChars: 300 };

/** The training settings in words, read from a run's options and the characters it trains on. */
function settings(o: Partial<TrainerOptions>, charsOf: (corpus: string) => number, quick: boolean): string {
  const chars = (c: CorpusInfo): string =>
    `${quick ? 1 : c.epochs} epoch${quick ? '' : 's'} on ${c.label} (${(charsOf(c.name) / 1e6).toFixed(2)} M characters)`;
  return `Training, the same for every run: RMSprop (α = 0.95, ε = 1e-8; the paper's optimiser and decay rate) at a learning rate of ${o.lr},
unrolled over ${o.seqLength} steps (the paper: 100), ${o.batchSize} streams per batch (char-rnn's default: 50), each gradient entry clipped to ±${o.clip} (char-rnn),
weights initialised uniformly in ±0.08, no dropout (these models are too small and too briefly trained to overfit; the paper
cross-validated dropout per model), seed ${o.seed}, float32 WebAssembly kernels. The paper's schedule multiplies the learning rate by ${o.lrDecay}
after every epoch from the ${o.decayAfter}th; it is set but never reached here. Every run trains for ${CORPORA.map(chars).join(' and ')}${quick ? ' at most (--quick stops each after a few iterations)' : ''}:
the same number of characters for every cell within a corpus, where the paper trained 50 epochs with early stopping. That budget is what
lets the 36 runs finish in about three hours on two idle cores. Validation loss is measured ten times per run on the validation part;
the test loss once, at the end of each run.`;
}

/** The 36 runs (one per corpus, budget, depth and cell), in training order. */
export function gridRuns(ctx: Context, texts: Map<string, string>): GridRun[] {
  const plan = ctx.quick ? QUICK : FULL;
  const runs: GridRun[] = [];
  for (const c of CORPORA) {
    const text = texts.get(c.name)!;
    const V = new Set(text).size;
    const chars = [...text].length;
    for (const budget of plan.budgets) {
      for (const layers of DEPTHS) {
        for (const kind of KINDS) {
          const hidden = matchedHidden(kind, V, layers, budget);
          const options: Partial<TrainerOptions> = {
            ...plan.training,
            model: kind,
            layers,
            hidden,
            trainFrac: c.trainFrac,
            valFrac: c.valFrac,
            epochs: ctx.quick ? 1 : c.epochs,
          };
          const until = ctx.quick ? QUICK.until : iterationsOf(chars, options as TrainerOptions);
          const tag = `${c.name}-${kind}-${layers}x${hidden}`;
          runs.push({
            name: ctx.quick ? `cd-quick-${tag}` : `cd-${tag}`,
            corpus: c.name,
            kind,
            layers,
            hidden,
            budget,
            params: parameterCount({ kind, V, H: hidden, L: layers }),
            work: workPerChar(kind, V, hidden, layers),
            options,
            until,
          });
        }
      }
    }
  }
  // seconds on this machine, roughly: 5.4 µs per character plus 0.097 ns per parameter touched (measured)
  return orderRuns(runs, (r) => r.until * (5.4e-6 + 0.097e-9 * r.work));
}

/** The test loss (nats/char) of the trainer's model: every character of the test part, from a zero state. */
function testLoss(t: Trainer): number {
  const o = t.options;
  return evaluate(t.params, t.split.test, o.batchSize, o.seqLength, undefined, { kernels: 'auto', dtype: 'f32' }).loss;
}

/** The first `n` characters of the trainer's validation part. */
function validationText(t: Trainer, n: number): string {
  return Array.from(t.split.val.subarray(0, n), (id) => t.vocab.chars[id]).join('');
}

const experiment: Experiment = {
  name: 'cells-and-depth',
  title: 'Cells and depth: RNN, LSTM and GRU at 1 to 3 layers (War and Peace, Linux)',
  about: 'the table of paper 1506.02078: RNN/LSTM/GRU × 1-3 layers × two matched parameter budgets on War and Peace and Linux; gate saturation',
  async run(ctx) {
    const plan = ctx.quick ? QUICK : FULL;
    const texts = new Map(CORPORA.map((c) => [c.name, ctx.quick ? ctx.corpus(c.name).slice(0, QUICK.chars) : ctx.corpus(c.name)]));
    const runs = gridRuns(ctx, texts);
    const satBudget = Math.max(...plan.budgets);
    const outcomes: RunOutcome[] = [];
    const toTrace: { run: GridRun; params: Params; vocab: Vocab; text: string }[] = [];
    for (const [k, run] of runs.entries()) {
      ctx.report.line(`run ${k + 1} of ${runs.length}: ${run.name} (${run.params.toLocaleString('en-US')} parameters)`);
      const r = await ctx.train<number>({
        name: run.name,
        text: texts.get(run.corpus)!,
        data: run.corpus,
        options: run.options,
        until: run.until,
        markAt: [run.until],
        mark: testLoss,
      });
      const test = r.marks.find((m) => m.iteration === run.until)?.value;
      if (test === undefined) throw new Error(`${run.name}: no test loss at iteration ${run.until} (the run ended at ${r.trainer.iteration})`);
      if (run.layers === 3 && run.kind !== 'rnn' && run.budget === satBudget)
        toTrace.push({ run, params: r.trainer.params, vocab: r.trainer.vocab, text: validationText(r.trainer, plan.saturationChars) });
      r.trainer.dispose();
      outcomes.push({ run, test, history: r.history, seconds: r.seconds, iterations: r.iterations, charsPerSecond: r.charsPerSecond });
    }
    const corpusIndex = (r: GridRun): number => CORPORA.findIndex((c) => c.name === r.corpus);
    toTrace.sort((a, b) => corpusIndex(a.run) - corpusIndex(b.run));
    const saturation: SaturationOutcome[] = toTrace.map((m) => {
      const chars = [...m.text].length;
      ctx.report.line(`gate saturation of ${m.run.name} over ${chars.toLocaleString('en-US')} validation characters`);
      return { run: m.run, chars, gates: saturationOf(traceSaturation(m.params, m.vocab, m.text)) };
    });
    const charsOf = (corpus: string): number => {
      const r = runs.find((x) => x.corpus === corpus)!;
      return r.until * r.options.batchSize! * r.options.seqLength!;
    };
    return cellsReport({ quick: ctx.quick, corpora: CORPORA, training: settings(runs[0].options, charsOf, ctx.quick), runs: outcomes, saturation });
  },
};

export default experiment;

// Cells and depth: the table of "Visualizing and Understanding Recurrent Networks" (Karpathy,
// Johnson, Fei-Fei 2015). RNN, LSTM and GRU at 1, 2 and 3 layers, each sized to the parameter count
// of the LSTM of its depth with 64 or 128 units, trained the same way on War and Peace and on the
// Linux sources with the paper's splits; test loss in nats/char and the validation curves.

import { evaluate, lineChart, parameterCount, type Trainer, type TrainerOptions } from '../src/index.ts';
import type { Context, Experiment } from './lib/experiment.ts';
import { DEPTHS, type GridRun, iterationsOf, KINDS, matchedHidden, orderRuns, workPerChar } from './lib/grid.ts';
import { mdTable } from './lib/report.ts';
import type { RunResult } from './lib/runs.ts';

interface CorpusPlan {
  name: string;
  label: string;
  trainFrac: number;
  valFrac: number;
  epochs: number;
}

/** The paper's splits: War and Peace 80/10/10, Linux 90/5/5. Equal training characters within a corpus. */
const CORPORA: readonly CorpusPlan[] = [
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

const FULL = { budgets: [64, 128], training: TRAINING, chars: Infinity };
/** --quick: toy budgets on the first characters of each corpus, a few iterations each. */
const QUICK = { budgets: [4, 6], training: { ...TRAINING, seqLength: 10, batchSize: 4, epochs: 1 }, chars: 30_000, until: 3 };

/** The 36 runs (4 … per corpus, kind, depth and budget), in training order. */
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

interface Trained {
  run: GridRun;
  result: RunResult<number>;
  test: number;
}

const experiment: Experiment = {
  name: 'cells-and-depth',
  title: 'Cells and depth: RNN, LSTM and GRU at 1 to 3 layers (War and Peace, Linux)',
  about: 'the paper 1506.02078 table: RNN/LSTM/GRU × 1-3 layers × two matched parameter budgets on War and Peace and Linux, test loss',
  async run(ctx) {
    const texts = new Map(CORPORA.map((c) => [c.name, ctx.quick ? ctx.corpus(c.name).slice(0, QUICK.chars) : ctx.corpus(c.name)]));
    const runs = gridRuns(ctx, texts);
    const trained: Trained[] = [];
    for (const [k, run] of runs.entries()) {
      ctx.report.line(`run ${k + 1} of ${runs.length}: ${run.name} (${run.params.toLocaleString('en-US')} parameters)`);
      const result = await ctx.train<number>({
        name: run.name,
        text: texts.get(run.corpus)!,
        data: run.corpus,
        options: run.options,
        until: run.until,
        markAt: [run.until],
        mark: testLoss,
      });
      const test = result.marks.find((m) => m.iteration === run.until)?.value;
      result.trainer.dispose();
      if (test === undefined) throw new Error(`${run.name}: no test loss at iteration ${run.until} (the run ended at ${result.trainer.iteration})`);
      trained.push({ run, result, test });
    }
    return report(ctx, trained);
  },
};

async function report(ctx: Context, trained: Trained[]): Promise<Awaited<ReturnType<Experiment['run']>>> {
  const f3 = (x: number): string => x.toFixed(3);
  const find = (corpus: string, budget: number, layers: number, kind: string): Trained =>
    trained.find((t) => t.run.corpus === corpus && t.run.budget === budget && t.run.layers === layers && t.run.kind === kind)!;
  const budgets = [...new Set(trained.map((t) => t.run.budget))].sort((a, b) => a - b);
  const figures: Record<string, Awaited<ReturnType<typeof lineChart>>> = {};
  const sections: string[] = [];
  for (const c of CORPORA) {
    const rows = budgets.flatMap((b) =>
      DEPTHS.map((L) => [`${L} layer${L > 1 ? 's' : ''}, LSTM-${b} budget`, ...KINDS.map((k) => f3(find(c.name, b, L, k).test))]),
    );
    const sizes = budgets.flatMap((b) =>
      DEPTHS.map((L) => [
        `${L} layer${L > 1 ? 's' : ''}, LSTM-${b} budget`,
        ...KINDS.map((k) => {
          const t = find(c.name, b, L, k);
          return `${t.run.hidden} (${t.run.params.toLocaleString('en-US')})`;
        }),
      ]),
    );
    for (const b of budgets) {
      const file = `validation-${c.name}-${b}.svg`;
      figures[file] = await lineChart(
        DEPTHS.flatMap((L) =>
          KINDS.map((k) => {
            const t = find(c.name, b, L, k);
            return { name: `${k.toUpperCase()} ${L}×${t.run.hidden}`, x: t.result.history.map((h) => h.iteration), y: t.result.history.map((h) => h.loss) };
          }),
        ),
        { title: `${c.label}, LSTM-${b} budget: validation loss`, xTitle: 'iteration', yTitle: 'nats per character', points: true },
      );
    }
    sections.push(`### ${c.label}

Test loss, nats/char (the test part: the last ${Math.round(100 * (1 - c.trainFrac - c.valFrac))}% of the text):

${mdTable(['', 'RNN', 'LSTM', 'GRU'], rows)}

Hidden units (parameters) of each cell:

${mdTable(['', 'RNN', 'LSTM', 'GRU'], sizes)}

${budgets.map((b) => `![${c.label}, LSTM-${b} budget](validation-${c.name}-${b}.svg)`).join('\n\n')}`);
  }
  const best = (corpus: string): Trained => trained.filter((t) => t.run.corpus === corpus).reduce((a, b) => (b.test < a.test ? b : a));
  const wp = best('warpeace'),
    lx = best('linux');
  const finding = `best test loss ${f3(wp.test)} nats/char on War and Peace (${wp.run.kind.toUpperCase()} ${wp.run.layers}×${wp.run.hidden}; the paper: 1.077) and ${f3(lx.test)} on Linux (${lx.run.kind.toUpperCase()} ${lx.run.layers}×${lx.run.hidden}; the paper: 0.84)`;
  const markdown = `
## What was run

${trained.length} runs: ${KINDS.map((k) => k.toUpperCase()).join(', ')} × ${DEPTHS.join(', ')} layers × ${budgets.length} parameter budgets × ${CORPORA.length} corpora.
${ctx.quick ? '' : 'Every run is trained the same way (see below).'}

## The table

${sections.join('\n\n')}
`;
  return {
    finding,
    markdown,
    figures,
    data: {
      runs: trained.map((t) => ({
        name: t.run.name,
        corpus: t.run.corpus,
        kind: t.run.kind,
        layers: t.run.layers,
        hidden: t.run.hidden,
        budget: t.run.budget,
        params: t.run.params,
        options: t.run.options,
        iterations: t.result.iterations,
        seconds: t.result.seconds,
        charsPerSecond: t.result.charsPerSecond,
        test: t.test,
        history: t.result.history,
      })),
    },
  };
}

export default experiment;

// Samples during training (War and Peace): the blog post shows an LSTM's samples at iterations 100,
// 300, 500, 700, 1200 and 2000 and reads six stages in them. We take the same snapshots with a fixed
// seed and prime, beside the validation loss, and measure in each what the stages are about.

import { lineChart, type TrainerOptions } from '../src/index.ts';
import { type Experiment, fastSample } from './lib/experiment.ts';
import { charEntropy, knownWordShare, meanWordLength, vocabulary } from './lib/measures.ts';
import { fenced, mdTable } from './lib/report.ts';

const STAGES = [100, 300, 500, 700, 1200, 2000];

/** The War and Peace LSTM, shared with the temperature experiment (which trains it further). */
export function warpeaceRun(quick: boolean): { name: string; options: Partial<TrainerOptions> } {
  return quick
    ? { name: 'warpeace-lstm-quick', options: { model: 'lstm', layers: 1, hidden: 16, seqLength: 20, batchSize: 5, epochs: 1, seed: 1 } }
    : { name: 'warpeace-lstm-2x256', options: { model: 'lstm', layers: 2, hidden: 256, seqLength: 50, batchSize: 50, epochs: 10, seed: 123 } };
}
const PRIME = 'The ';

interface Snapshot {
  sample: string;
  valLoss: number;
}

/** What the blog's stages are about, measured in a text. */
function traits(text: string, known: ReadonlySet<string>) {
  const chars = [...text];
  const per1000 = (re: RegExp): number => (1000 * chars.filter((c) => re.test(c)).length) / Math.max(chars.length, 1);
  return {
    spaces: per1000(/ /),
    meanWordLength: meanWordLength(text),
    knownWords: knownWordShare(text, known),
    quotes: per1000(/"/),
    periods: per1000(/\./),
    capitals: per1000(/[A-Z]/),
    newlines: per1000(/\n/),
    entropy: charEntropy(text),
  };
}

const experiment: Experiment = {
  name: 'training-stages',
  title: 'Samples during training (War and Peace)',
  about: 'an LSTM on War and Peace sampled at iterations 100, 300, 500, 700, 1200 and 2000, beside its validation loss',
  async run(ctx) {
    const text = ctx.corpus('warpeace');
    const quick = ctx.quick;
    const stages = quick ? [2, 4, 6, 8, 10, 12] : STAGES;
    const { name, options } = warpeaceRun(quick);
    const length = quick ? 80 : 500;
    const run = await ctx.train<Snapshot>({
      name,
      text,
      data: 'warpeace',
      options,
      until: stages.at(-1)!,
      evalEvery: quick ? 4 : 100,
      markAt: stages,
      mark: (trainer) => ({
        sample: fastSample(trainer.params, trainer.vocab, { length, prime: PRIME, seed: 7 }),
        valLoss: trainer.history.at(-1)!.loss,
      }),
    });
    run.trainer.dispose();
    const known = vocabulary(text.slice(0, Math.floor(text.length * 0.95)));
    const real = traits(text.slice(Math.floor(text.length * 0.95)), known); // the validation text
    const rows = run.marks.map((m) => ({ iteration: m.iteration, valLoss: m.value.valLoss, sample: m.value.sample, ...traits(m.value.sample, known) }));
    const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');
    const table = mdTable(
      [
        'iteration',
        'validation loss (nats/char)',
        'bits/char',
        'spaces ‰',
        'mean word length',
        'words in the training text',
        'quotes ‰',
        'periods ‰',
        'capitals ‰',
        'char entropy (bits)',
      ],
      [
        ...rows.map((r) => [
          r.iteration,
          r.valLoss.toFixed(3),
          (r.valLoss / Math.LN2).toFixed(3),
          f2(r.spaces),
          f2(r.meanWordLength),
          `${(100 * r.knownWords).toFixed(0)}%`,
          f2(r.quotes),
          f2(r.periods),
          f2(r.capitals),
          f2(r.entropy),
        ]),
        [
          'validation text',
          '',
          '',
          f2(real.spaces),
          f2(real.meanWordLength),
          `${(100 * real.knownWords).toFixed(0)}%`,
          f2(real.quotes),
          f2(real.periods),
          f2(real.capitals),
          f2(real.entropy),
        ],
      ],
    );
    const curve = await lineChart([{ name: 'validation', x: run.history.map((h) => h.iteration), y: run.history.map((h) => h.loss / Math.LN2) }], {
      title: 'Validation loss while training',
      xTitle: 'iteration',
      yTitle: 'bits per character',
      points: true,
    });
    const o = run.trainer.options;
    const last = rows.at(-1);
    const finding = last
      ? `by iteration ${last.iteration} (validation ${(last.valLoss / Math.LN2).toFixed(2)} bits/char) ${(100 * last.knownWords).toFixed(0)}% of the sampled words are real words (${(100 * rows[0].knownWords).toFixed(0)}% at iteration ${rows[0].iteration})`
      : 'no snapshots';
    const markdown = `
## What was run

A ${o.layers}-layer LSTM with ${o.hidden} hidden units (${run.trainer.vocab.size} characters in and out) on War and Peace
(\`--data warpeace\`, char-rnn's 95/5 split), trained as \`rnn train\` does with char-rnn's settings: ${o.batchSize} streams of
${o.seqLength} characters, RMSprop at ${o.lr}, clipping at ${o.clip}, seed ${o.seed}, float32 on the WebAssembly kernels.
At each of the blog post's iterations the run stops, validates, and samples ${length} characters after the prime
"${PRIME}" with seed 7 at temperature 1 (the same seed every time, so the samples differ only by the model).
Training averaged ${Math.round(run.charsPerSecond).toLocaleString('en-US')} characters per second over its sittings, on a machine shared with other work
(\`npm run bench\` gives its speed when idle). The blog post does not give its model's size; 2 × 256 is a middle size that keeps
this experiment to well under an hour on two idle cores.

## The stages, measured

Per thousand characters (‰) of each sample; "words in the training text" is the share of the sample's words found in
the training part; the last row measures the validation text itself.

${table}

![validation loss](validation.svg)

## The samples

${rows.map((r) => `### Iteration ${r.iteration} (validation ${r.valLoss.toFixed(3)} nats/char)\n\n${fenced(PRIME + r.sample)}`).join('\n\n')}

## Against the blog post

The blog describes: at 100 iterations spaces and word lengths but gibberish; at 300 quotes and periods; by 500 short,
common words; by 700 English-like text; by 1200 quotation, question and exclamation marks used well, and longer words;
by 2000 properly spelled words, quotations and names.

${!quick && rows.length === STAGES.length ? blogComparison(rows, real) : '(a --quick run: no comparison)'}
`;
    return {
      finding,
      markdown,
      figures: { 'validation.svg': curve },
      data: { options: o, charsPerSecond: run.charsPerSecond, stages: rows, validationText: real, history: run.history },
    };
  },
};

function blogComparison(
  rows: { iteration: number; spaces: number; meanWordLength: number; knownWords: number; quotes: number; periods: number; valLoss: number }[],
  real: { spaces: number; meanWordLength: number; quotes: number; periods: number },
): string {
  const at = (i: number) => rows.find((r) => r.iteration === i)!;
  const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
  const a = at(100),
    b = at(300),
    c = at(500),
    d = at(700),
    f = at(2000);
  return [
    `- Iteration 100, spaces and word lengths: ${a.spaces.toFixed(0)} spaces per thousand characters against ${real.spaces.toFixed(0)} in the real text, mean word length ${a.meanWordLength.toFixed(2)} against ${real.meanWordLength.toFixed(2)}; ${pct(a.knownWords)} of its words are real words.`,
    `- Iteration 300, quotes and periods: ${b.quotes.toFixed(1)} quotes and ${b.periods.toFixed(1)} periods per thousand characters (real text: ${real.quotes.toFixed(1)} and ${real.periods.toFixed(1)}; at iteration 100: ${a.quotes.toFixed(1)} and ${a.periods.toFixed(1)}).`,
    `- Iterations 500 and 700, short common words, then English-like text: ${pct(c.knownWords)} and ${pct(d.knownWords)} of the words are real words.`,
    `- Iteration 2000, spelled words and names: ${pct(f.knownWords)} of the words are real words, at ${(f.valLoss / Math.LN2).toFixed(2)} bits/char.`,
    `- Read the samples above for the rest: the order of the stages is what the numbers can check, and they ${rows.every((r, i) => i === 0 || r.knownWords >= rows[i - 1].knownWords - 0.03) ? 'rise or hold (within 3 points) from stage to stage' : 'do not rise at every stage'}.`,
    "- The budget: the stages are fixed iterations, so a longer run would not change them; a larger model (the blog does not give its size) would reach each stage's quality in fewer iterations, at more work per iteration.",
  ].join('\n');
}

export default experiment;

// LaTeX (the Stacks Project): the blog post trains on 16 MB of algebraic geometry and finds samples
// that "almost compile": environments opened and closed, though not always in the right pairs.

import { lineChart } from '../src/index.ts';
import { codeRun, meanOf } from './lib/code.ts';
import type { Experiment } from './lib/experiment.ts';
import { latexBalance } from './lib/measures.ts';
import { fenced, mdTable } from './lib/report.ts';

const experiment: Experiment = {
  name: 'latex',
  title: 'LaTeX: the Stacks Project',
  about: "an LSTM on the Stacks Project's 16.7 MB of algebraic-geometry LaTeX: \\begin/\\end pairing and brace balance",
  async run(ctx) {
    const quick = ctx.quick;
    const r = await codeRun(ctx, {
      name: quick ? 'latex-quick' : 'latex-lstm-2x512',
      corpus: 'stacks',
      prime: '\n',
      options: quick
        ? { layers: 1, hidden: 16, seqLength: 20, batchSize: 5, epochs: 1, seed: 1 }
        : { layers: 2, hidden: 512, seqLength: 50, batchSize: 50, epochs: 1, seed: 123 },
      until: quick ? 10 : 2200,
      evalEvery: quick ? 5 : 275,
      length: quick ? 300 : 2000,
      count: quick ? 2 : 10,
      temperatures: [0.8, 1.0],
      measure: latexBalance,
    });
    const t = r.run.trainer,
      o = t.options;
    const f = (x: number, d = 1): string => x.toFixed(d);
    const row = (label: string, ms: ReturnType<typeof latexBalance>[]): (string | number)[] => [
      label,
      f(meanOf(ms, (m) => m.begins)),
      f(meanOf(ms, (m) => m.ends)),
      f(meanOf(ms, (m) => m.matched)),
      f(meanOf(ms, (m) => m.mismatched)),
      f(meanOf(ms, (m) => m.unmatchedCloseBraces)),
      f(meanOf(ms, (m) => m.braceDepthAtEnd)),
    ];
    const table = mdTable(
      ['text (mean per sample)', '\\begin', '\\end', '\\end matching its \\begin', 'mismatched \\end', 'unmatched }', '{ still open at the end'],
      [...r.sampled.map((s) => row(`sampled, temperature ${s.temperature}`, s.measures)), row('validation text windows', r.real)],
    );
    const curve = await lineChart([{ name: 'validation', x: r.run.history.map((h) => h.iteration), y: r.run.history.map((h) => h.loss / Math.LN2) }], {
      title: 'Validation loss',
      xTitle: 'iteration',
      yTitle: 'bits per character',
      points: true,
    });
    const best = Math.min(...r.run.history.map((h) => h.loss));
    const s1 = r.sampled[0],
      real = r.real;
    const pairRate = (ms: ReturnType<typeof latexBalance>[]): number =>
      meanOf(ms, (m) => m.matched) /
      Math.max(
        meanOf(ms, (m) => m.ends),
        1e-9,
      );
    const finding = `${f(100 * pairRate(s1.measures), 0)}% of sampled \\end{…} close the environment their \\begin opened (real windows: ${f(100 * pairRate(real), 0)}%), after ${t.epoch.toFixed(2)} epochs at ${(best / Math.LN2).toFixed(2)} bits/char`;
    const markdown = `
## What was run

A ${o.layers}-layer LSTM with ${o.hidden} hidden units on \`stacks-project-2015.tex\` (16.7 M characters, ${t.vocab.size} distinct; char-rnn's 95/5
split), char-rnn's settings (${o.batchSize} streams of ${o.seqLength}, RMSprop at ${o.lr}, seed ${o.seed}), for ${t.iteration.toLocaleString('en-US')} iterations
(${t.epoch.toFixed(2)} epochs) at ${Math.round(r.run.charsPerSecond).toLocaleString('en-US')} characters per second; best validation loss
${(best / Math.LN2).toFixed(3)} bits/char. An epoch of this corpus is 6,300 iterations: more than this experiment's budget on two cores.
Then ${s1.samples.length} samples of ${(s1.samples[0].length - 1).toLocaleString('en-US')} characters at temperatures 0.8 and 1.0, measured beside ${real.length}
windows of the same length from the validation text (which also start and end mid-environment).

![validation loss](validation.svg)

## Measured

${table}

## Two samples (temperature 0.8)

${s1.samples
  .slice(0, 2)
  .map((s) => fenced(s))
  .join('\n\n')}

## Against the blog post

- "Almost compiles": ${f(100 * pairRate(s1.measures), 0)}% of the sample's \\end{…} close the innermost open environment of the same name
  (real windows: ${f(100 * pairRate(real), 0)}%); ${f(meanOf(s1.measures, (m) => m.mismatched))} mismatched \\end per sample against ${f(meanOf(real, (m) => m.mismatched))}.
- The blog notes environments closed with the wrong name (its \\begin{proof} closed by \\end{lemma}): that is the "mismatched"
  column.
- Braces: ${f(meanOf(s1.measures, (m) => m.unmatchedCloseBraces))} closing braces without an open one per sample (real: ${f(meanOf(real, (m) => m.unmatchedCloseBraces))}).
- A larger budget (several epochs, a 3-layer model) is what the blog had; our model has seen ${t.epoch.toFixed(2)} of an epoch.
`;
    return {
      finding,
      markdown,
      figures: { 'validation.svg': curve },
      data: {
        options: o,
        iteration: t.iteration,
        epoch: t.epoch,
        bestVal: best,
        charsPerSecond: r.run.charsPerSecond,
        sampled: r.sampled,
        real: r.real,
        history: r.run.history,
      },
    };
  },
};

export default experiment;

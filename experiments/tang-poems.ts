// Tang poems: the char-rnn experiment Chinese readers of the post know best. 36,712 regulated poems
// (4 or 8 lines of 5 or 7 characters); do the generated poems keep the form, and are they new?
// With 6,758 distinct characters the input weights and the decoder, not the recurrence, are the work.

import { type CharRNNConfig, lineChart } from '../src/index.ts';
import { type Experiment, lineLength, peakMemoryMB, sampleLines } from './lib/experiment.ts';
import { lines, poemForm, poemLines, shareIn } from './lib/measures.ts';
import { fenced, mdTable } from './lib/report.ts';

/** Multiply-adds per character of one training step's forward pass, by part. */
function costs(c: CharRNNConfig): { recurrent: number; decoder: number; parameters: { embedding: number; recurrent: number; decoder: number } } {
  const g = 4 * c.hiddenSize; // LSTM gates
  const H = c.hiddenSize,
    V = c.vocabSize,
    L = c.layers;
  // layer 0's input product is a row lookup (one-hot input): no multiply-adds
  const recurrent = L * g * H + (L - 1) * g * H;
  return { recurrent, decoder: V * H, parameters: { embedding: g * V, recurrent: L * g * H + (L - 1) * g * H + L * 2 * g, decoder: V * H + V } };
}

const experiment: Experiment = {
  name: 'tang-poems',
  title: 'Tang poems (唐诗)',
  about: 'an LSTM on 36,712 Tang regulated poems: line lengths, forms, punctuation, novelty, and what 6,758 characters cost',
  async run(ctx) {
    const text = ctx.corpus('tang-poems');
    const quick = ctx.quick;
    const options = quick
      ? { model: 'lstm' as const, layers: 1, hidden: 16, seqLength: 20, batchSize: 5, epochs: 1, seed: 1 }
      : { model: 'lstm' as const, layers: 2, hidden: 256, seqLength: 50, batchSize: 50, epochs: 10, seed: 123 };
    const until = quick ? 10 : 3000;
    const run = await ctx.train({ name: quick ? 'tang-quick' : 'tang-lstm-2x256', text, data: 'tang-poems', options, until, evalEvery: quick ? 5 : 250 });
    const { trainer } = run;
    const count = quick ? 20 : 500;
    const meanLength = 45;
    const poems = sampleLines(trainer.params, trainer.vocab, count, { seed: 618, meanLength, threads: ctx.threads || undefined });
    const unended = count - poems.length;
    const cost = costs(trainer.config);
    trainer.dispose();
    const trainText = [...text].slice(0, trainer.split.train.length).join('');
    const trainPoems = new Set(lines(trainText));
    const trainLines = new Set(lines(trainText).flatMap((p) => poemLines(p).map((l) => l.text)));
    const gen = poemForm(poems.join('\n'));
    const real = poemForm(trainText);
    const genLines = poems.flatMap((p) => poemLines(p).map((l) => l.text)).filter((l) => l !== '');
    const novelPoems =
      1 -
      shareIn(
        poems.map((p) => p.trim()),
        trainPoems,
      );
    const novelLines = 1 - shareIn(genLines, trainLines);
    const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a'); // n/a: no poems (a toy model that never ends a line)
    const formTable = mdTable(
      ['', 'poems', 'lines of 5 or 7 characters', '4 or 8 lines of one length (5 or 7)', '，。 alternating'],
      [
        ['sampled', gen.poems, pct(gen.fiveOrSeven / gen.lines), pct(gen.regular / gen.poems), pct(gen.alternating / gen.poems)],
        ['training text', real.poems, pct(real.fiveOrSeven / real.lines), pct(real.regular / real.poems), pct(real.alternating / real.poems)],
      ],
    );
    const curve = await lineChart([{ name: 'validation', x: run.history.map((h) => h.iteration), y: run.history.map((h) => h.loss / Math.LN2) }], {
      title: 'Validation loss',
      xTitle: 'iteration',
      yTitle: 'bits per character',
      points: true,
    });
    const o = trainer.options;
    const p = cost.parameters;
    const total = p.embedding + p.recurrent + p.decoder;
    const finding = `${pct(gen.regular / gen.poems)} of sampled poems have a regulated form (4 or 8 lines of 5 or 7) and ${pct(gen.fiveOrSeven / Math.max(gen.lines, 1))} of their lines 5 or 7 characters; ${pct(novelLines)} of their lines are new; the 6,758-character decoder is ${((100 * cost.decoder) / (cost.decoder + cost.recurrent)).toFixed(0)}% of the multiply-adds`;
    const bestVal = Math.min(...run.history.map((h) => h.loss));
    const markdown = `
## What was run

A ${o.layers}-layer LSTM with ${o.hidden} hidden units on \`tang-poems.txt\` (36,712 poems, one per line, ${[...text].length.toLocaleString('en-US')}
characters, ${trainer.vocab.size.toLocaleString('en-US')} distinct; char-rnn's 95/5 split), char-rnn's settings (${o.batchSize} streams of ${o.seqLength},
RMSprop at ${o.lr}, seed ${o.seed}), for ${trainer.iteration.toLocaleString('en-US')} iterations (${trainer.epoch.toFixed(2)} epochs); best validation loss
${bestVal.toFixed(3)} nats/char (${(bestVal / Math.LN2).toFixed(3)} bits/char). Then ${count} poems sampled at temperature 1
as ${count} independent streams (stream i draws from seed 618's generator jumped i times), each primed with a newline: its first
line, sampled from the zero state, is a warm-up and dropped, its second line is one poem; ${unended} stream${unended === 1 ? '' : 's'} had not ended
both lines within ${lineLength(meanLength)} characters and ${unended === 1 ? 'was' : 'were'} dropped, leaving ${poems.length}.

![validation loss](validation.svg)

## Form

A line is the run of characters before one of ，。？！；. "Alternating": the lines end ，, then a full stop (。？！；), and so on.

${formTable}

## Novelty

- ${pct(novelPoems)} of the sampled poems do not occur in the training text, and ${pct(novelLines)} of their ${genLines.length.toLocaleString('en-US')}
  lines do not occur as a line in it.

## The first ten sampled poems

${fenced(poems.slice(0, 10).join('\n'))}

## What a vocabulary of 6,758 costs

Parameters: ${total.toLocaleString('en-US')} in all: the input weights of layer 0 (one column per character) ${p.embedding.toLocaleString('en-US')},
the recurrent and upper-layer weights and biases ${p.recurrent.toLocaleString('en-US')}, the decoder ${p.decoder.toLocaleString('en-US')}.
Per character, a forward pass takes ${cost.recurrent.toLocaleString('en-US')} multiply-adds in the LSTM layers (layer 0's input is a row
lookup, free) and ${cost.decoder.toLocaleString('en-US')} in the decoder, so the decoder and its ${trainer.vocab.size.toLocaleString('en-US')}-way softmax are
${((100 * cost.decoder) / (cost.decoder + cost.recurrent)).toFixed(0)}% of the arithmetic; with char-rnn's 65 characters it would be
${((100 * 65 * o.hidden) / (65 * o.hidden + cost.recurrent)).toFixed(0)}%. Training ran at ${Math.round(run.charsPerSecond).toLocaleString('en-US')} characters per
second (the same LSTM on War and Peace: see [training-stages](../training-stages/README.md)), and the process peaked at
${peakMemoryMB().toFixed(0)} MB resident (the optimizer keeps one slot per parameter).

## Against the blog post and its readers

char-rnn on Tang poems is a well-known replay of the blog post in Chinese; the claim is that the model learns the form (line
lengths, the alternation of ，and 。) long before it learns meaning. Form here: ${pct(gen.fiveOrSeven / Math.max(gen.lines, 1))} of lines have 5 or 7
characters (the training text: ${pct(real.fiveOrSeven / real.lines)}), ${pct(gen.regular / gen.poems)} of poems are regular (training: ${pct(real.regular / real.poems)}),
${pct(gen.alternating / gen.poems)} alternate their punctuation (training: ${pct(real.alternating / real.poems)}). Novelty: ${pct(novelLines)} of lines are new.

The budget: ${trainer.epoch.toFixed(2)} epochs. Form is learnt early; a larger budget would go to the words: with 6,758 characters,
most of them rare, the loss keeps falling long after the line lengths and the punctuation are right.
`;
    return {
      finding,
      markdown,
      figures: { 'validation.svg': curve },
      data: {
        options: o,
        iteration: trainer.iteration,
        bestVal,
        sampled: gen,
        training: real,
        unended,
        novelPoems,
        novelLines,
        costs: cost,
        charsPerSecond: run.charsPerSecond,
        peakMemoryMB: peakMemoryMB(),
        poems,
        history: run.history,
      },
    };
  },
};

export default experiment;

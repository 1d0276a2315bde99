// Temperature: the blog post samples one model at several temperatures and describes what changes:
// near zero the most likely text, which soon loops ("is that they were all the same thing that was
// a startup…"), above one more diverse text with more mistakes. We sample the War and Peace LSTM,
// trained further than in the training-stages experiment, and measure both claims.

import { lineChart } from '../src/index.ts';
import { type Experiment, fastSample } from './lib/experiment.ts';
import { charEntropy, distinctWordRatio, knownWordShare, longestRepeat, vocabulary } from './lib/measures.ts';
import { fenced, mdTable } from './lib/report.ts';
import { warpeaceRun } from './training-stages.ts';

const SETTINGS = [
  { label: 'argmax', argmax: true, temperature: 1 },
  { label: '0.5', argmax: false, temperature: 0.5 },
  { label: '0.8', argmax: false, temperature: 0.8 },
  { label: '1.0', argmax: false, temperature: 1.0 },
  { label: '1.5', argmax: false, temperature: 1.5 },
] as const;
const PRIME = 'Prince Andrew ';

const experiment: Experiment = {
  name: 'temperature',
  title: 'Temperature (War and Peace)',
  about: 'one War and Peace LSTM sampled at argmax, 0.5, 0.8, 1.0 and 1.5: real words, distinct words, loops, entropy',
  async run(ctx) {
    const text = ctx.corpus('warpeace');
    const quick = ctx.quick;
    const { name, options } = warpeaceRun(quick);
    const run = await ctx.train({ name, text, data: 'warpeace', options, until: quick ? 30 : 6000, evalEvery: quick ? 10 : 500 });
    const { trainer } = run;
    const length = quick ? 200 : 3000;
    const seeds = quick ? [1] : [1, 2, 3];
    const known = vocabulary(text.slice(0, trainer.split.train.length));
    const rows = SETTINGS.map((s) => {
      const samples = seeds.map((seed) =>
        fastSample(trainer.params, trainer.vocab, { length, prime: PRIME, seed, temperature: s.temperature, argmax: s.argmax }),
      );
      const mean = (f: (t: string) => number): number => samples.reduce((a, t) => a + f(t), 0) / samples.length;
      const repeats = samples.map((t) => longestRepeat(t));
      return {
        label: s.label,
        knownWords: mean((t) => knownWordShare(t, known)),
        distinctWords: mean(distinctWordRatio),
        longestRepeat: Math.max(...repeats.map((r) => [...r].length)),
        repeat: repeats.reduce((a, b) => ([...b].length > [...a].length ? b : a), ''),
        entropy: mean(charEntropy),
        sample: samples[0],
      };
    });
    trainer.dispose();
    const real = text.slice(trainer.split.train.length, trainer.split.train.length + length);
    const realRow = {
      knownWords: knownWordShare(real, known),
      distinctWords: distinctWordRatio(real),
      longestRepeat: [...longestRepeat(real)].length,
      entropy: charEntropy(real),
    };
    const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
    const table = mdTable(
      ['temperature', 'words in the training text', 'distinct words / words', 'longest repeated substring (chars)', 'char entropy (bits)'],
      [
        ...rows.map((r) => [r.label, pct(r.knownWords), r.distinctWords.toFixed(3), r.longestRepeat, r.entropy.toFixed(3)]),
        [
          `validation text (${length.toLocaleString('en-US')} chars)`,
          pct(realRow.knownWords),
          realRow.distinctWords.toFixed(3),
          realRow.longestRepeat,
          realRow.entropy.toFixed(3),
        ],
      ],
    );
    const sampled = rows.filter((r) => r.label !== 'argmax');
    const chart = await lineChart(
      [
        { name: 'words in the training text', x: sampled.map((r) => Number(r.label)), y: sampled.map((r) => r.knownWords) },
        { name: 'distinct words / words', x: sampled.map((r) => Number(r.label)), y: sampled.map((r) => r.distinctWords) },
      ],
      { title: 'Correct words fall and variety rises with temperature', xTitle: 'temperature', yTitle: 'share', points: true },
    );
    const arg = rows[0],
      hot = rows[4],
      one = rows[3];
    const o = trainer.options;
    const bestVal = Math.min(...run.history.map((h) => h.loss));
    const finding = `argmax loops (a ${arg.longestRepeat}-character repeat in ${length.toLocaleString('en-US')}); from 0.5 to 1.5 real words fall from ${pct(rows[1].knownWords)} to ${pct(hot.knownWords)} while distinct words rise from ${rows[1].distinctWords.toFixed(2)} to ${hot.distinctWords.toFixed(2)}`;
    const markdown = `
## What was run

The War and Peace LSTM of the [training-stages](../training-stages/README.md) experiment (${o.layers}×${o.hidden}, char-rnn's settings,
seed ${o.seed}) trained on to iteration ${trainer.iteration.toLocaleString('en-US')} (${trainer.epoch.toFixed(2)} epochs; best validation loss
${bestVal.toFixed(3)} nats/char = ${(bestVal / Math.LN2).toFixed(3)} bits/char). At each temperature, ${seeds.length} samples of
${length.toLocaleString('en-US')} characters after the prime "${PRIME}" (seeds ${seeds.join(', ')}); the table gives their means
(the longest repeat: the longest over the samples). "argmax" always takes the most likely character (temperature → 0).
The last row measures the same length of real validation text.

${table}

![words and variety against temperature](temperature.svg)

## The samples (seed 1)

${rows.map((r) => `### ${r.label === 'argmax' ? 'argmax' : `temperature ${r.label}`}\n\n${fenced(PRIME + r.sample)}`).join('\n\n')}

The longest repeated substring at argmax:

${fenced(arg.repeat)}

## Against the blog post

- Near zero temperature the blog's model repeats itself in a loop: ${arg.longestRepeat >= 50 ? 'confirmed' : 'not confirmed'}: at argmax the longest
  repeated substring is ${arg.longestRepeat} characters (real text of this length: ${realRow.longestRepeat}), and its character entropy is
  ${arg.entropy.toFixed(2)} bits against ${realRow.entropy.toFixed(2)} in real text.
- Lower temperature gives more confident, more often correct text: real words ${pct(rows[1].knownWords)} at 0.5, ${pct(rows[2].knownWords)} at 0.8,
  ${pct(one.knownWords)} at 1.0 and ${pct(hot.knownWords)} at 1.5 (${rows[1].knownWords >= one.knownWords && one.knownWords >= hot.knownWords ? 'confirmed' : 'not monotone here'}).
- Higher temperature gives more diversity at the cost of mistakes: distinct words per word ${rows[1].distinctWords.toFixed(3)} at 0.5 and
  ${hot.distinctWords.toFixed(3)} at 1.5; entropy ${rows[1].entropy.toFixed(2)} → ${hot.entropy.toFixed(2)} bits (${hot.distinctWords > rows[1].distinctWords ? 'confirmed' : 'not confirmed'}).
- The budget: ${trainer.epoch.toFixed(2)} epochs. A better-trained model would raise the share of real words at every temperature;
  what this experiment reads is the order across temperatures, at one model.
`;
    return {
      finding,
      markdown,
      figures: { 'temperature.svg': chart },
      data: { options: o, iteration: trainer.iteration, bestVal, length, seeds, rows, realText: realRow, history: run.history },
    };
  },
};

export default experiment;

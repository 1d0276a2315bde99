// Interpretable cells: the paper "Visualizing and Understanding Recurrent Networks" (Karpathy,
// Johnson, Fei-Fei, 2015) finds LSTM cells that track quotes, the position in the line, and the
// depth of brackets and indentation, and notes that most cells are not easily interpretable. We
// score every cell of the War and Peace and Linux LSTMs that the temperature and linux experiments
// trained against such features of the validation text, beside an untrained model of the same
// shape, and colour the best cells over the text as the paper does. Nothing is trained here
// (with --quick, two toy models are, in seconds).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  coloredTextSvg,
  Figure,
  type IdArray,
  lineChart,
  loadCheckpoint,
  type Params,
  type RankedCell,
  rankCells,
  strength,
  Trainer,
  type TrainerOptions,
  UserError,
  type Vocab,
} from '../src/index.ts';
import { type Analysis, analyse, passageFor, type Scored, THRESHOLDS, typicalCell } from './lib/cells.ts';
import type { Context, Experiment } from './lib/experiment.ts';
import { cFeatures, proseFeatures, type TextFeature } from './lib/features.ts';
import { mdTable } from './lib/report.ts';

interface CorpusSpec {
  corpus: string;
  title: string;
  /** The trained run, and the experiment that trains it. */
  run: string;
  trainedBy: string;
  features: (chars: string[]) => TextFeature[];
  /** Where in the validation text the stretch starts (at or after `from`): a paragraph, or a file. */
  start: (val: string, from: number) => number;
  quick: Partial<TrainerOptions>;
}

const CORPORA: CorpusSpec[] = [
  {
    corpus: 'warpeace',
    title: 'War and Peace',
    run: 'warpeace-lstm-2x256',
    trainedBy: 'temperature',
    features: proseFeatures,
    start: (val, from) => atOrAfter(val.indexOf('\n\n', from - 2) + 2, from),
    quick: { model: 'lstm', layers: 2, hidden: 8, seqLength: 20, batchSize: 5, epochs: 1, seed: 1 },
  },
  {
    corpus: 'linux',
    title: 'Linux',
    run: 'linux-lstm-2x512',
    trainedBy: 'linux',
    features: cFeatures,
    // a file's first line (each file of linux.txt starts with its SPDX licence line)
    start: (val, from) => atOrAfter(val.lastIndexOf('\n', val.indexOf('SPDX-License-Identifier', from)) + 1, from),
    quick: { model: 'lstm', layers: 2, hidden: 8, seqLength: 20, batchSize: 5, epochs: 1, seed: 1, trainFrac: 0.9, valFrac: 0.05 },
  },
];

function atOrAfter(i: number, from: number): number {
  return Math.max(i, from);
}

/** Characters analysed per corpus, the warm-up before them, and the length of a coloured passage. */
const SIZES = { full: { chars: 100_000, warmup: 1000, passage: 1000 }, quick: { chars: 3000, warmup: 100, passage: 300 } };

interface Model {
  params: Params;
  vocab: Vocab;
  val: IdArray;
  facts: { iteration: number; epoch: number; bestVal: number | null; layers: number; hidden: number };
}

async function modelOf(ctx: Context, c: CorpusSpec): Promise<Model> {
  const text = ctx.corpus(c.corpus);
  let trainer: Trainer;
  if (ctx.quick) {
    const r = await ctx.train({ name: `cells-${c.corpus}-quick`, text, data: c.corpus, options: c.quick, until: 10, evalEvery: 5 });
    trainer = r.trainer;
  } else trainer = Trainer.fromCheckpoint(text, loadCheckpoint(join(ctx.runsDir, c.run, 'latest.safetensors')), { threads: 1 });
  try {
    const o = trainer.options;
    return {
      params: trainer.params,
      vocab: trainer.vocab,
      val: trainer.split.val,
      facts: { iteration: trainer.iteration, epoch: trainer.epoch, bestVal: trainer.bestVal, layers: o.layers, hidden: o.hidden },
    };
  } finally {
    trainer.dispose();
  }
}

const cellName = (c: { layer: number; cell: number }): string => `L${c.layer + 1}·${c.cell}`;
const scoreText = (measure: 'auc' | 'pearson', v: number): string =>
  measure === 'auc' ? `AUC ${v.toFixed(3)}` : `r ${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
/** An AUC to 3 places, an r to 2 with a true minus sign. */
const num = (measure: 'auc' | 'pearson', v: number): string => (measure === 'auc' ? v.toFixed(3) : `${v < 0 ? '−' : ''}${Math.abs(v).toFixed(2)}`);
const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)}%`;

interface CorpusResult {
  spec: CorpusSpec;
  model: Model;
  stretch: { start: number; chars: number };
  analysis: Analysis;
  /** With --quick, the toy run trained here. */
  quickRun?: string;
}

async function runCorpus(ctx: Context, c: CorpusSpec): Promise<CorpusResult> {
  const size = ctx.quick ? SIZES.quick : SIZES.full;
  const model = await modelOf(ctx, c);
  const val = Array.from(model.val, (id) => model.vocab.chars[id]).join('');
  const start = c.start(val, size.warmup);
  const end = Math.min(model.val.length, start + size.chars);
  ctx.report.line(`${c.title}: reading the cells over ${(end - start).toLocaleString('en-US')} validation characters (and again for an untrained model)`);
  const analysis = analyse(model.params, model.vocab, model.val.subarray(start - size.warmup, end), size.warmup, c.features, 1);
  return { spec: c, model, stretch: { start, chars: end - start }, analysis, quickRun: ctx.quick ? `cells-${c.corpus}-quick` : undefined };
}

/** The top cells of a feature coloured over the passage where the feature varies most. */
function featureFigure(r: CorpusResult, f: TextFeature, top: RankedCell[], measure: 'auc' | 'pearson', length: number): Figure {
  const { chars, trained } = r.analysis;
  const at = passageFor(chars, f.values, length);
  const panels = top.slice(0, 2).map((c) => ({
    title: `layer ${c.layer + 1}, cell ${c.cell}: ${scoreText(measure, c.score)}`,
    values: trained.shown.get(`${c.layer}:${c.cell}`)!.subarray(at, at + length),
  }));
  return new Figure(
    coloredTextSvg(chars.slice(at, at + length), panels, {
      title: `${r.spec.title}, ${f.label}: the two cells that track it best`,
      legend: 'tanh(c)',
    }),
  );
}

function typicalFigure(r: CorpusResult, length: number): { figure: Figure; cell: { layer: number; cell: number; value: number } } {
  const { chars, trained } = r.analysis;
  const cell = typicalCell(trained);
  const measure = trained.bestAuc ? 'AUC' : '|r|';
  const figure = new Figure(
    coloredTextSvg(
      chars.slice(0, length),
      [
        {
          title: `layer ${cell.layer + 1}, cell ${cell.cell}: best ${measure} over the features ${cell.value.toFixed(3)} (the median cell)`,
          values: trained.shown.get(`${cell.layer}:${cell.cell}`)!.subarray(0, length),
        },
      ],
      {
        title: `${r.spec.title}: a typical cell`,
        legend: 'tanh(c)',
      },
    ),
  );
  return { figure, cell };
}

/** Per feature, every cell's strength sorted from the strongest: how quickly tracking falls off. */
function strengthChart(r: CorpusResult): Promise<Figure> {
  const series = r.analysis.trained.trackings.map((t, k) => {
    const s = rankCells(t).map((c) => c.strength);
    return { name: `${r.analysis.features[k].label} (${t.measure === 'auc' ? 'max(AUC, 1 − AUC)' : '|r|'})`, x: s.map((_, i) => i + 1), y: s };
  });
  return lineChart(series, {
    title: `${r.spec.title}: every cell's strength per feature, strongest first`,
    xTitle: 'cell rank',
    yTitle: 'strength',
    logX: true,
    rules: [
      { y: THRESHOLDS.auc, label: `AUC threshold ${THRESHOLDS.auc}` },
      { y: THRESHOLDS.pearson, label: `|r| threshold ${THRESHOLDS.pearson}` },
    ],
  });
}

function summary(s: Scored): { tracking: number; cells: number; perLayer: number[]; perFeature: Record<string, number> } {
  const perLayer = Array.from({ length: s.layers }, (_, l) => s.tracking.filter((c) => c.layer === l).length);
  const perFeature: Record<string, number> = {};
  for (const t of s.trackings)
    perFeature[t.feature] = t.score.reduce((n, row) => n + row.filter((v) => strength(t.measure, v) >= THRESHOLDS[t.measure]).length, 0);
  return { tracking: s.tracking.length, cells: s.cells, perLayer, perFeature };
}

function corpusMarkdown(r: CorpusResult, figures: string[], typical: { layer: number; cell: number; value: number }): string {
  const { analysis: a, model: m } = r;
  const tr = summary(a.trained),
    un = summary(a.untrained);
  const rows = a.features.map((f, k) => {
    const t = a.trained.trackings[k];
    const best = a.untrained.top[k][0];
    const share =
      t.kind === 'binary'
        ? pct(
            Array.from(f.values).reduce((x, y) => x + y, 0),
            f.values.length,
          )
        : `mean ${(Array.from(f.values).reduce((x, y) => x + y, 0) / f.values.length).toFixed(1)}`;
    return [
      f.label,
      t.measure === 'auc' ? 'AUC' : 'r',
      share,
      a.trained.top[k].map((c) => `${cellName(c)} ${num(t.measure, c.score)}`).join(', '),
      tr.perFeature[t.feature],
      `${cellName(best)} ${num(t.measure, best.score)}`,
      un.perFeature[t.feature],
    ];
  });
  const top = mdTable(
    ['feature', 'measure', 'holds at / value', 'top 5 cells (trained)', 'cells past the threshold', 'best untrained cell', 'untrained cells past it'],
    rows,
    ['l', 'l', 'r', 'l', 'r', 'l', 'r'],
  );
  const layers = mdTable(
    ['layer', 'cells', 'trained: track a feature', 'untrained: track a feature'],
    [
      ...tr.perLayer.map((n, l) => [
        `${l + 1}`,
        m.facts.hidden,
        `${n} (${pct(n, m.facts.hidden)})`,
        `${un.perLayer[l]} (${pct(un.perLayer[l], m.facts.hidden)})`,
      ]),
      ['all', tr.cells, `${tr.tracking} (${pct(tr.tracking, tr.cells)})`, `${un.tracking} (${pct(un.tracking, un.cells)})`],
    ],
  );
  return `
## ${r.spec.title}

The ${m.facts.layers}×${m.facts.hidden} LSTM ${r.quickRun ? `trained on the spot (run \`${r.quickRun}\`)` : `of the [${r.spec.trainedBy}](../${r.spec.trainedBy}/README.md) experiment (run \`${r.spec.run}\`)`}, at iteration
${m.facts.iteration.toLocaleString('en-US')} (${m.facts.epoch.toFixed(2)} epochs; best validation loss ${m.facts.bestVal?.toFixed(3) ?? '?'} nats/char), read over
${r.stretch.chars.toLocaleString('en-US')} characters of its validation text from character ${r.stretch.start.toLocaleString('en-US')} (${r.spec.corpus === 'linux' ? 'the first line of a file' : 'the start of a paragraph'}, after a warm-up of the characters before it).
${a.absent.length > 0 ? `Left out, as they never vary in this stretch: ${a.absent.join(', ')}.\n` : ''}
Cells are named L*layer*·*index* (layers from 1, cells from 0). "Holds at": the share of characters where a binary feature holds.

${top}

Cells that track at least one feature (AUC ≥ ${THRESHOLDS.auc} or ≤ ${(1 - THRESHOLDS.auc).toFixed(1)}, or |r| ≥ ${THRESHOLDS.pearson}):

${layers}

The median cell, ${cellName(typical)}, tracks no feature better than ${typical.value.toFixed(3)} (its strongest ${a.trained.bestAuc ? 'max(AUC, 1 − AUC)' : '|r|'}).

![strength per feature](${r.spec.corpus}-strength.svg)

${figures.map((f) => `![${f}](${f})`).join('\n\n')}
`;
}

const experiment: Experiment = {
  name: 'interpretable-cells',
  title: 'Interpretable cells (War and Peace, Linux)',
  about: 'every LSTM cell scored against quotes, strings, comments, line position, indentation and brackets; the best coloured over the text',
  async run(ctx) {
    if (!ctx.quick) {
      const missing = CORPORA.filter((c) => !existsSync(join(ctx.runsDir, c.run, 'latest.safetensors')));
      if (missing.length > 0)
        throw new UserError(
          `this experiment trains nothing and needs the trained runs, missing in ${ctx.runsDir}: ${missing.map((c) => `${c.run} (npm run experiment -- ${c.trainedBy} trains it)`).join('; ')}`,
        );
    }
    const size = ctx.quick ? SIZES.quick : SIZES.full;
    const results: CorpusResult[] = [];
    for (const c of CORPORA) results.push(await runCorpus(ctx, c));
    const figures: Record<string, Figure> = {};
    const sections: string[] = [];
    const data: Record<string, unknown> = {};
    for (const r of results) {
      const names: string[] = [];
      r.analysis.features.forEach((f, k) => {
        const name = `${r.spec.corpus}-${f.name}.svg`;
        figures[name] = featureFigure(r, f, r.analysis.trained.top[k], r.analysis.trained.trackings[k].measure, size.passage);
        names.push(name);
      });
      const typical = typicalFigure(r, size.passage);
      figures[`${r.spec.corpus}-typical.svg`] = typical.figure;
      names.push(`${r.spec.corpus}-typical.svg`);
      figures[`${r.spec.corpus}-strength.svg`] = await strengthChart(r);
      sections.push(corpusMarkdown(r, names, typical.cell));
      data[r.spec.corpus] = corpusData(r);
    }
    const [wp, lx] = results;
    const best = (r: CorpusResult, feature: string): RankedCell | undefined => {
      const k = r.analysis.features.findIndex((f) => f.name === feature);
      return k < 0 ? undefined : r.analysis.trained.top[k][0];
    };
    const bestUn = (r: CorpusResult, feature: string): RankedCell | undefined => {
      const k = r.analysis.features.findIndex((f) => f.name === feature);
      return k < 0 ? undefined : r.analysis.untrained.top[k][0];
    };
    const verdict = (r: CorpusResult, feature: string): string => {
      const k = r.analysis.features.findIndex((f) => f.name === feature);
      if (k < 0) return 'not measured: absent from the stretch';
      const t = r.analysis.trained.top[k][0],
        u = r.analysis.untrained.top[k][0];
      const bar = THRESHOLDS[r.analysis.trained.trackings[k].measure];
      return t.strength >= bar ? 'matched' : t.strength >= u.strength + 0.1 ? 'partly' : 'not found';
    };
    const say = (c: RankedCell | undefined, m: 'auc' | 'pearson'): string => (c ? `${cellName(c)} (${scoreText(m, c.score)})` : '(not in the stretch)');
    const share = (s: Scored): string => pct(s.tracking.length, s.cells);
    const finding = `${share(wp.analysis.trained)} of War and Peace's and ${share(lx.analysis.trained)} of Linux's cells track a feature (AUC ≥ ${THRESHOLDS.auc} or |r| ≥ ${THRESHOLDS.pearson}; untrained: ${share(wp.analysis.untrained)} and ${share(lx.analysis.untrained)}); the best quote cell ${say(best(wp, 'quote'), 'auc')}, string cell ${say(best(lx, 'string'), 'auc')}, line-position cell ${say(best(wp, 'line-position'), 'pearson')}`;
    const markdown = `
## What was measured

The trained LSTMs are read one character at a time (B = 1, float32 WebAssembly kernels) over ${size.chars.toLocaleString('en-US')} characters of
each validation text (War and Peace: char-rnn's 95/5 split, as its run was trained, where the paper's was 80/10/10; Linux: the paper's
90/5/5), starting from a zero state ${size.warmup.toLocaleString('en-US')}
characters earlier, and every layer's **cell state c** is kept after each character. Every cell is then scored against each feature:

- a binary feature (inside a quote, string, comment, parentheses): the **AUC**, the chance that the cell is higher at a random character
  where the feature holds than at one where it does not (1: a perfect detector that rises inside, 0: one that falls inside, 0.5:
  chance). It reads only the order of the values, so a few large values cannot make it, and it does not depend on how rare the
  feature is: inside a quotation is ${pct(sumOf(wp, 'quote'), wp.stretch.chars)} of War and Peace's characters, and a perfect quote detector would have a Pearson
  correlation far below 1 with a feature that rare, while its AUC is 1.
- a count (position in the line or word, indentation, brace depth): **Pearson's r**, which a cell that counts (adding about the same
  to c at each character, as the paper's line-length cell does) shows as |r| near 1.

**c rather than tanh(c) or h.** c is where an LSTM keeps a count: it can grow by a constant per character without bound, while
tanh(c) flattens a count beyond |c| ≈ 2 and h = o ⊙ tanh(c) also switches with the output gate, which opens and closes with each
character. The AUC is the same for c and tanh(c) (tanh keeps the order); the pictures colour tanh(c), as the paper's do, to keep
the colours in [−1, 1].

**The thresholds.** A cell *tracks* a feature when max(AUC, 1 − AUC) ≥ ${THRESHOLDS.auc} (the usual grade of an "excellent" classifier: nine
pairs in ten ordered right by one number) or |r| ≥ ${THRESHOLDS.pearson} (the cell alone accounts for about half the variance of the count, r² ≈ ${(THRESHOLDS.pearson ** 2).toFixed(2)}).
The untrained model of the same shape (char-rnn's initialisation, uniform ±0.08, seed 1) over the same text is the check that
these bars are not met by chance: its cells do follow the last few characters, so it passes where a feature is decided by them.
The charts show every cell's strength, so any other bar can be read off them.

Features are computed per character of the text as read so far (after an opening quote the text is inside it); their definitions
are in [experiments/lib/features.ts](../../lib/features.ts), each tested on hand-made texts in
[test/experiments/features.test.ts](../../../test/experiments/features.test.ts).
In the coloured passages, each character's cell is shaded by tanh(c) after reading it: blue for +1, red for −1; ↵ is a newline, → a tab.
Each feature's passage is the ${size.passage.toLocaleString('en-US')}-character stretch (from a line start) where the feature varies most.

${sections.join('\n')}

## Against the paper

A feature counts as *matched* when our best cell passes the bar above, *partly* when it falls short of the bar but beats the best
cell of the untrained model clearly (by 0.1 or more), *not found* otherwise.

- **Quotes: ${verdict(wp, 'quote')} (War and Peace), ${verdict(lx, 'string')} (Linux strings), ${verdict(lx, 'comment')} (Linux comments).** The paper found a
  War and Peace cell that robustly activates inside quotes and a Linux cell that turns on inside comments and strings. Ours: the best
  quote cell of War and Peace is ${say(best(wp, 'quote'), 'auc')} (untrained: ${say(bestUn(wp, 'quote'), 'auc')}); in Linux, the best string cell
  ${say(best(lx, 'string'), 'auc')} and comment cell ${say(best(lx, 'comment'), 'auc')} (untrained: ${say(bestUn(lx, 'string'), 'auc')} and ${say(bestUn(lx, 'comment'), 'auc')}).
  An AUC near 0 is as good a detector as one near 1: the cell falls inside instead of rising.
- **Line length: ${verdict(wp, 'line-position')} (War and Peace), ${verdict(lx, 'line-position')} (Linux).** The paper found a cell that counts the position in
  the line (War and Peace is wrapped at about 70 characters). Ours: ${say(best(wp, 'line-position'), 'pearson')} in War and Peace (untrained:
  ${say(bestUn(wp, 'line-position'), 'pearson')}), ${say(best(lx, 'line-position'), 'pearson')} in Linux (untrained: ${say(bestUn(lx, 'line-position'), 'pearson')}); the picture shows how the War and
  Peace cell shades along each line.
- **Indentation and brackets: ${verdict(lx, 'indentation')} (indentation), ${verdict(lx, 'brace-depth')} (brace depth), ${verdict(lx, 'parens')} (inside parentheses).**
  The paper found Linux cells sensitive to the depth of an expression and to the inside of brackets. Ours: indentation
  ${say(best(lx, 'indentation'), 'pearson')}, brace depth ${say(best(lx, 'brace-depth'), 'pearson')}, inside parentheses ${say(best(lx, 'parens'), 'auc')} (untrained:
  ${say(bestUn(lx, 'indentation'), 'pearson')}, ${say(bestUn(lx, 'brace-depth'), 'pearson')}, ${say(bestUn(lx, 'parens'), 'auc')}); in War and Peace, inside parentheses
  ${say(best(wp, 'parens'), 'auc')}, ${verdict(wp, 'parens')} (untrained: ${say(bestUn(wp, 'parens'), 'auc')}).
- **Most cells are not easily interpretable.** ${share(wp.analysis.trained)} of War and Peace's ${wp.analysis.trained.cells} cells and ${share(lx.analysis.trained)} of Linux's
  ${lx.analysis.trained.cells} track one of these features at the bars above (an untrained model: ${share(wp.analysis.untrained)} and ${share(lx.analysis.untrained)}); the rest, like the typical
  cells shown, follow no feature we named. Our features are few, so this is a lower bound on what the cells track.
- **Our models are smaller and shorter-trained** than the paper's best (up to 3 layers of 512 cells, trained to convergence): War and Peace
  ${wp.model.facts.layers}×${wp.model.facts.hidden} for ${wp.model.facts.epoch.toFixed(1)} epochs, Linux ${lx.model.facts.layers}×${lx.model.facts.hidden} for ${lx.model.facts.epoch.toFixed(1)} epoch; what we compare is whether such cells exist, not their exact numbers.
`;
    return { finding, markdown, figures, data: { thresholds: THRESHOLDS, sizes: size, ...data } };
  },
};

function sumOf(r: CorpusResult, feature: string): number {
  const f = r.analysis.features.find((x) => x.name === feature);
  return f ? Array.from(f.values).reduce((a, b) => a + b, 0) : 0;
}

/** Every score, rounded, for scripts: per feature, per layer, per cell; trained and untrained. */
function corpusData(r: CorpusResult): unknown {
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  const scores = (s: Scored) =>
    Object.fromEntries(s.trackings.map((t) => [t.feature, { measure: t.measure, perLayer: t.score.map((row) => Array.from(row, round)) }]));
  return {
    run: r.spec.run,
    model: r.model.facts,
    stretch: r.stretch,
    absent: r.analysis.absent,
    top: Object.fromEntries(r.analysis.features.map((f, k) => [f.name, r.analysis.trained.top[k]])),
    tracking: { trained: summary(r.analysis.trained), untrained: summary(r.analysis.untrained) },
    trained: scores(r.analysis.trained),
    untrained: scores(r.analysis.untrained),
  };
}

export default experiment;

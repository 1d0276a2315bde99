// `rnn graph`: draw the unrolled computation graph that the tape records for one chunk of a small,
// freshly initialised model, with every value and gradient, as SVG (or DOT).

import { writeFileSync } from 'node:fs';
import { DEFAULT_GRAPH_TEXT, GRAPH_MODELS, modelGraph, svgRenderer, toDot, UserError } from '../index.ts';
import { type CommandSpec, choiceOption, choices, formatHelp, intOption, parseCommand, seedOption, stringOption, UsageError } from './args.ts';
import type { Io } from './io.ts';

/** Beyond these a drawing is no longer legible. */
export const GRAPH_LIMITS = { layers: 3, seq: 8, hidden: 16, nodes: 200 } as const;

export const graphSpec: CommandSpec = {
  name: 'graph',
  brief: "draw the tape's unrolled computation graph (SVG) with values and gradients",
  summary:
    'Draw the computation graph the autodiff tape records for one chunk of a small model: parameters, inputs and every op, grouped by time step and layer, each with its value and gradient (hover for all the numbers).',
  options: [
    { name: 'model', value: choices(GRAPH_MODELS), default: 'minchar', help: "char-rnn's cells (PyTorch's names) or the post's min-char-rnn" },
    { name: 'layers', value: 'N', default: '1', help: `stacked layers (at most ${GRAPH_LIMITS.layers})` },
    { name: 'seq', value: 'T', default: '3', help: `time steps (at most ${GRAPH_LIMITS.seq})` },
    { name: 'hidden', value: 'H', default: '3', help: `hidden units (at most ${GRAPH_LIMITS.hidden}; up to 6 numbers are shown in full)` },
    { name: 'text', value: 'STRING', default: DEFAULT_GRAPH_TEXT, help: 'the chunk: its first T+1 characters (the vocabulary is their distinct characters)' },
    { name: 'seed', value: 'N', default: '1', help: "seed for the model's initial weights" },
    { name: 'out', value: 'FILE', default: 'graph.svg', help: 'where to write the drawing; a name ending in .dot gets the Graphviz source instead' },
  ],
  notes: [
    `A graph of more than ${GRAPH_LIMITS.nodes} nodes is refused: it would not be legible.`,
    'Parameters stand once, with an edge to every step that uses them; red edges carry the state to the next step.',
  ],
  examples: ['rnn graph --model lstm --seq 1 --out lstm-step.svg', 'rnn graph --model minchar --seq 3 --text hello --out minchar.svg'],
};

export async function graphCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(graphSpec, argv);
  if (!parsed) {
    io.out(formatHelp(graphSpec));
    return 0;
  }
  const { values: v } = parsed;
  const model = choiceOption('model', v.model, GRAPH_MODELS);
  const layers = intOption('layers', v.layers, 1);
  const seq = intOption('seq', v.seq, 1);
  const hidden = intOption('hidden', v.hidden, 1);
  for (const [name, n] of [
    ['layers', layers],
    ['seq', seq],
    ['hidden', hidden],
  ] as const) {
    if (n > GRAPH_LIMITS[name]) throw new UsageError(`--${name} ${n} is too big to draw legibly (at most ${GRAPH_LIMITS[name]})`);
  }
  const text = stringOption('text', v.text);
  if (Array.from(text).length < seq + 1) throw new UsageError(`--text has ${Array.from(text).length} characters; --seq ${seq} needs at least ${seq + 1}`);
  const out = stringOption('out', v.out);
  const graph = modelGraph({ model, layers, seq, hidden, text, seed: seedOption(v.seed) });
  if (graph.nodes.length > GRAPH_LIMITS.nodes) {
    throw new UsageError(`this graph has ${graph.nodes.length} nodes, too many to draw legibly (at most ${GRAPH_LIMITS.nodes}): use fewer --layers or --seq`);
  }
  const dot = toDot(graph);
  const body = out.endsWith('.dot') ? dot : (await svgRenderer())(dot);
  try {
    writeFileSync(out, body);
  } catch (err) {
    throw new UserError(`cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  io.out(
    `${out}: ${model}, ${layers} layer${layers > 1 ? 's' : ''}, ${seq} step${seq > 1 ? 's' : ''}, ${graph.nodes.length} nodes, ${graph.edges.length} edges\n`,
  );
  return 0;
}

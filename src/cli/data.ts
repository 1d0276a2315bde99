// `rnn data`: the corpora bundled in data/, which every --data option also takes by name.

import { CORPORA } from '../index.ts';
import { type CommandSpec, formatHelp, parseCommand } from './args.ts';
import type { Io } from './io.ts';
import { thousands } from './progress.ts';

export const dataSpec: CommandSpec = {
  name: 'data',
  brief: 'list the bundled corpora (usable as --data NAME)',
  summary:
    "List the texts bundled in data/: char-rnn's default and the corpora of the blog post's and the paper's experiments, with size, licence and source. data/README.md has their provenance and checksums.",
  options: [],
  examples: ['rnn data', 'rnn train --data warpeace --hidden 256', 'rnn eval --checkpoint model.safetensors --data linux'],
};

export function dataCommand(argv: string[], io: Io): number {
  if (!parseCommand(dataSpec, argv)) {
    io.out(formatHelp(dataSpec));
    return 0;
  }
  const rows = CORPORA.map((c) => [c.name, thousands(c.chars), thousands(c.distinct), c.licence, c.about]);
  const head = ['name', 'characters', 'distinct', 'licence', 'what it is'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]].length)));
  const line = (r: string[]): string => r.map((x, i) => (i === 1 || i === 2 ? x.padStart(widths[i]) : i === r.length - 1 ? x : x.padEnd(widths[i]))).join('  ');
  io.out(
    [
      line(head),
      ...rows.map(line),
      '',
      "Name one with --data NAME in 'rnn train', 'rnn eval' and 'rnn gradcheck' (a file of that name in the current directory wins).",
      '',
    ].join('\n'),
  );
  return 0;
}

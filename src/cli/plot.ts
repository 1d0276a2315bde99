// `rnn plot`: training and validation curves of one or several runs, read from the logs that
// `rnn train` writes, on one Vega-Lite chart (as the notebooks draw theirs); SVG, or PNG through resvg.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { renderChart, SMOOTH_WINDOW, smoothedLoss, UserError, writeFileAtomic } from '../index.ts';
import { type CommandSpec, choiceOption, formatHelp, intOption, parseCommand, stringOption, UsageError } from './args.ts';
import type { Io } from './io.ts';
import { readLog } from './log.ts';

export const plotSpec: CommandSpec = {
  name: 'plot',
  positionals: 'LOG…',
  brief: 'draw the training and validation curves of one or several runs',
  summary:
    'Draw the training loss and the validation loss of one or several runs, from the logs rnn train writes (--log), on one chart so that runs can be compared.',
  options: [
    {
      name: 'out',
      value: 'FILE',
      defaultNote: 'the first log with .svg for .jsonl',
      help: 'the picture: FILE.svg (vector) or FILE.png (bitmap, twice the size)',
    },
    {
      name: 'x',
      value: 'iterations|characters',
      default: 'iterations',
      help: 'horizontal axis: iterations, or training characters seen (to compare runs of different --batch or --seq)',
    },
    {
      name: 'smooth',
      value: 'N',
      default: String(SMOOTH_WINDOW),
      help: 'smooth the training loss: at each logged step, the least-squares line through the N logged losses around it (0 or 1 = the raw losses)',
    },
    { name: 'title', value: 'TEXT', help: 'a title above the chart' },
  ],
  notes: ['Each run is named by its log file (without .log.jsonl); solid lines are training, dashed lines validation.'],
  examples: ['rnn plot checkpoints/model.log.jsonl', 'rnn plot lstm.log.jsonl gru.log.jsonl --x characters --out compare.png'],
};

interface Row {
  run: string;
  /** 'training' (with its smoothing) or 'validation'. */
  curve: string;
  x: number;
  loss: number;
}

export async function plotCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(plotSpec, argv);
  if (!parsed) {
    io.out(formatHelp(plotSpec));
    return 0;
  }
  const { values: v, given, positionals: logs } = parsed;
  if (logs.length === 0) throw new UsageError("give at least one training log (see 'rnn plot --help')");
  const out = given.has('out') ? stringOption('out', v.out) : `${logs[0].replace(/\.jsonl$/, '')}.svg`;
  const format = /\.png$/i.test(out) ? 'png' : /\.svg$/i.test(out) ? 'svg' : null;
  if (!format) throw new UsageError(`--out must end in .svg or .png, got '${out}'`);
  const xAxis = choiceOption('x', v.x, ['iterations', 'characters'] as const);
  const smooth = intOption('smooth', v.smooth, 0);

  const names = runNames(logs);
  const rows: Row[] = [];
  logs.forEach((path, i) => rows.push(...curves(path, names[i], xAxis, smooth, io)));
  const svg = (await renderChart(curveSpec(rows, names, xAxis, given.has('title') ? stringOption('title', v.title) : undefined))).svg;
  const bytes = format === 'svg' ? new TextEncoder().encode(svg) : await toPng(svg);
  try {
    writeFileAtomic(out, bytes);
  } catch (err) {
    throw new UserError(`cannot write ${out}: ${(err as Error).message}`);
  }
  io.out(`wrote ${out} (${names.length} run${names.length > 1 ? 's' : ''})\n`);
  return 0;
}

/** The runs' names: the file names without .log.jsonl, or the whole paths when two would be the same. */
function runNames(paths: string[]): string[] {
  const short = paths.map((p) => basename(p).replace(/(\.log)?\.jsonl$/, ''));
  return new Set(short).size === short.length ? short : paths;
}

/** One log's training curve (smoothed) and validation curve. */
function curves(path: string, run: string, xAxis: 'iterations' | 'characters', smooth: number, io: Io): Row[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(e.code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${e.message}`);
  }
  const { lines, skipped } = readLog(text);
  const rows: Row[] = [];
  const training = smooth > 1 ? `training (smoothed over ${smooth} steps)` : 'training';
  const losses = lines.flatMap((l) => (l.type === 'train' ? [l.loss] : []));
  let k = 0; // the index of the next training line in losses
  for (const l of lines) {
    if (l.type === 'start') continue;
    const x = xAxis === 'iterations' ? l.iteration : l.characters;
    if (l.type === 'train') {
      rows.push({ run, curve: training, x, loss: smooth > 1 ? smoothedLoss(losses, k, smooth) : l.loss });
      k++;
    } else {
      rows.push({ run, curve: 'validation', x, loss: l.loss });
    }
  }
  if (rows.length === 0) throw new UserError(`${path} has no training or validation records: is it a log written by rnn train --log?`);
  if (skipped > 0) io.err(`rnn: warning: ${path}: ${skipped} line(s) that are not training-log records were skipped\n`);
  return rows;
}

function curveSpec(rows: Row[], runs: string[], xAxis: string, title: string | undefined): Parameters<typeof renderChart>[0] {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(title ? { title } : {}),
    width: 640,
    height: 320,
    data: { values: rows },
    mark: { type: 'line', clip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xAxis === 'iterations' ? 'iteration' : 'training characters seen' },
      y: { field: 'loss', type: 'quantitative', title: 'loss (nats per character)', scale: { zero: false } },
      color: { field: 'run', type: 'nominal', title: 'run', sort: runs, legend: { labelLimit: 400 } },
      strokeDash: { field: 'curve', type: 'nominal', title: 'curve', sort: 'descending', legend: { labelLimit: 400 } },
      detail: { field: 'curve' },
    },
  };
}

/** The SVG as a PNG at twice its size (resvg, with the system's fonts). */
async function toPng(svg: string): Promise<Uint8Array> {
  let resvg: typeof import('@resvg/resvg-js');
  try {
    resvg = await import('@resvg/resvg-js');
  } catch {
    throw new UserError('PNG output needs the @resvg/resvg-js package (a dependency of this one): reinstall, or write an .svg');
  }
  return new resvg.Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, background: 'white' }).render().asPng();
}

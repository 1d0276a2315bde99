// npm run experiment -- NAME… | --all | --list [--quick] [--force] [--runs DIR] [--threads N]
//
// Runs experiments, skipping those whose results are already written and resuming the training
// runs of those that are not. Full-size results go to experiments/results/NAME/ (committed) and
// the index experiments/README.md is brought up to date; --quick results (toy sizes, seconds) go
// beside the runs' checkpoints and never over the committed ones.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError, writeFileAtomic } from '../src/index.ts';
import { EXPERIMENTS } from './index.ts';
import { Context } from './lib/experiment.ts';
import { consoleReporter, duration, indexLines, provenance, writeResults } from './lib/report.ts';
import { RunInterrupted } from './lib/runs.ts';

const HERE = import.meta.dirname;
const ROOT = join(HERE, '..');

const HELP = `usage: npm run experiment -- NAME… | --all | --list [options]

Replays char-rnn's experiments (the blog post "The Unreasonable Effectiveness of Recurrent Neural
Networks") on the bundled corpora. Each experiment trains its models (checkpointing as it goes),
measures them and writes experiments/results/NAME/: README.md, results.json and the charts.
Finished experiments are skipped; unfinished ones resume where they stopped, bit for bit.

options:
  --list        list the experiments and whether their results are written
  --all         run every experiment, in order
  --quick       toy sizes (seconds); results go beside the runs, not into experiments/results
  --force       run again even if the results are written (the finished runs are reused)
  --runs DIR    where the runs' checkpoints live (default: $RNN_EXPERIMENT_RUNS or experiments/runs)
  --threads N   training threads: 0 automatic (default), 1 or 2; 1 on a machine busy with other work
                (two threads stall each other there); the results are the same bit for bit
  --help        this text
`;

function fail(message: string, code: number): never {
  process.stderr.write(`experiment: error: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      strict: true,
      options: {
        list: { type: 'boolean' },
        all: { type: 'boolean' },
        quick: { type: 'boolean' },
        force: { type: 'boolean' },
        runs: { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail(`${err instanceof Error ? err.message.split('\n')[0] : String(err)} (see --help)`, 2);
  }
  const { values: o, positionals } = args;
  if (o.help) return void process.stdout.write(HELP);
  const threads = Number(o.threads ?? '0');
  if (threads !== 0 && threads !== 1 && threads !== 2) fail(`--threads must be 0 (automatic), 1 or 2, got '${o.threads}'`, 2);
  const runsRoot = o.runs ?? process.env.RNN_EXPERIMENT_RUNS ?? join(HERE, 'runs');
  const runsDir = o.quick ? join(runsRoot, 'quick') : runsRoot;
  const resultsDirOf = (name: string): string => (o.quick ? join(runsDir, 'results', name) : join(HERE, 'results', name));
  const finished = (name: string): boolean => {
    const p = join(resultsDirOf(name), 'results.json');
    return existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as { complete?: boolean }).complete === true;
  };

  if (o.list) {
    const w = Math.max(...EXPERIMENTS.map((e) => e.name.length)) + 2;
    for (const e of EXPERIMENTS) process.stdout.write(`${e.name.padEnd(w)}${finished(e.name) ? 'done   ' : 'not yet'}  ${e.about}\n`);
    return;
  }
  if (o.all && positionals.length > 0) fail('give experiment names or --all, not both', 2);
  if (!o.all && positionals.length === 0) fail('name an experiment, or give --all or --list (see --help)', 2);
  const unknown = positionals.filter((n) => !EXPERIMENTS.some((e) => e.name === n));
  if (unknown.length > 0) fail(`no experiment '${unknown[0]}' (there are ${EXPERIMENTS.map((e) => e.name).join(', ')})`, 2);
  const chosen = o.all ? EXPERIMENTS : EXPERIMENTS.filter((e) => positionals.includes(e.name));

  // Ctrl-C (or a polite kill) stops the run after its current iteration and saves it; a second
  // Ctrl-C more than a second later quits at once (the last checkpoint is at most 200 iterations old).
  const controller = new AbortController();
  let stoppedAt = 0;
  const stopSoon = (): void => {
    if (controller.signal.aborted) {
      if (Date.now() - stoppedAt > 1000) process.exit(130);
      return;
    }
    stoppedAt = Date.now();
    controller.abort();
    process.stdout.write('\ninterrupted: saving the run after this iteration (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', stopSoon);
  process.on('SIGTERM', stopSoon);

  for (const e of chosen) {
    const report = consoleReporter(e.name, (s) => void process.stdout.write(s), process.stdout.isTTY === true);
    if (finished(e.name) && !o.force) {
      report.line(`already done (${resultsDirOf(e.name)}); --force runs it again`);
      continue;
    }
    report.line(`${e.title}${o.quick ? ' (--quick: toy sizes)' : ''}`);
    const ctx = new Context(o.quick === true, report, runsDir, threads, controller.signal);
    const t0 = performance.now();
    const r = await e.run(ctx);
    const sitting = (performance.now() - t0) / 1000;
    const seconds = ctx.trainingSeconds + Math.max(0, sitting - ctx.sittingTrainingSeconds);
    const facts = { ...provenance(ROOT), seconds, quick: o.quick === true, date: new Date().toISOString().slice(0, 10) };
    writeResults(resultsDirOf(e.name), { name: e.name, title: e.title, ...r }, facts);
    report.line(`results in ${resultsDirOf(e.name)} (${duration(seconds)})`);
    if (!o.quick) writeIndex();
  }
}

/** experiments/README.md: its hand-written text, with the list of results between the markers renewed. */
function writeIndex(): void {
  const path = join(HERE, 'README.md');
  const text = readFileSync(path, 'utf8');
  const begin = '<!-- results: begin -->',
    end = '<!-- results: end -->';
  const i = text.indexOf(begin),
    j = text.indexOf(end);
  if (i < 0 || j < i) return;
  const lines = indexLines(
    join(HERE, 'results'),
    EXPERIMENTS.map((e) => e.name),
  );
  const list = lines.length > 0 ? lines.join('\n') : '(none finished yet)';
  writeFileAtomic(path, new TextEncoder().encode(`${text.slice(0, i + begin.length)}\n${list}\n${text.slice(j)}`));
}

main().catch((err: unknown) => {
  if (err instanceof RunInterrupted) {
    process.stdout.write(`${err.message}; the same command resumes it\n`);
    process.exit(130);
  }
  if (err instanceof UserError) fail(err.message.replace(/\s*\n\s*/g, ' '), 1);
  if (process.env.RNN_DEBUG === '1') console.error(err);
  fail(`internal error: ${err instanceof Error ? err.message : String(err)} (RNN_DEBUG=1 shows where)`, 70);
});

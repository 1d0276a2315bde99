// Progress while an experiment runs, and the committed record it leaves: results/NAME/README.md,
// results.json and the charts as SVG, plus the index experiments/README.md.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { type Figure, writeFileAtomic } from '../../src/index.ts';

/** Where progress goes: one line per event, and a redrawn line (or a line every few seconds) while training. */
export interface Reporter {
  line(s: string): void;
  progress(run: string, iteration: number, until: number, loss: number, charsPerSecond: number, secondsLeft: number): void;
  done(run: string): void;
}

export function consoleReporter(experiment: string, write: (s: string) => void, tty: boolean): Reporter {
  let drawn = false,
    last = 0;
  const clear = (): void => {
    if (drawn) write('\n');
    drawn = false;
  };
  return {
    line(s) {
      clear();
      write(`[${experiment}] ${s}\n`);
    },
    progress(run, iteration, until, loss, cps, secondsLeft) {
      const now = performance.now();
      if (!tty && now - last < 30_000) return; // a log file gets a line every half minute
      last = now;
      const msg = `[${experiment}] ${run}: iteration ${iteration.toLocaleString('en-US')} of ${until.toLocaleString('en-US')} (${((100 * iteration) / until).toFixed(0)}%), loss ${loss.toFixed(3)}, ${Math.round(cps).toLocaleString('en-US')} chars/s, ${duration(secondsLeft)} left in this run`;
      if (tty) {
        write(`\r${msg}\x1b[K`);
        drawn = true;
      } else write(`${msg}\n`);
    },
    done(run) {
      clear();
      write(`[${experiment}] ${run}: done\n`);
    },
  };
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The facts every report states: the project commit, the machine, the runtime. */
export function provenance(root: string): { commit: string; machine: string; node: string } {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=10', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'kernels', 'experiments/lib', 'experiments/*.ts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (dirty) commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  const c = cpus();
  const machine = `${c.length} × ${c[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
  return { commit, machine, node: process.version };
}

export interface Results {
  name: string;
  title: string;
  /** One line for the index: what the experiment found. */
  finding: string;
  /** Every number, for scripts. */
  data: unknown;
  /** The README's body (Markdown), below the generated header. */
  markdown: string;
  figures: { [file: string]: Figure };
}

/** Write results/NAME/ afresh (README.md, results.json, the SVGs). */
export function writeResults(
  dir: string,
  r: Results,
  facts: { commit: string; machine: string; node: string; seconds: number; quick: boolean; date: string },
): void {
  if (existsSync(dir)) rmSync(dir, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const enc = new TextEncoder();
  for (const [file, fig] of Object.entries(r.figures)) writeFileAtomic(join(dir, file), enc.encode(fig.svg));
  const header = [
    `# ${r.title}`,
    '',
    `> ${r.finding}`,
    '',
    `Run with \`npm run experiment -- ${r.name}${facts.quick ? ' --quick' : ''}\` at commit ${facts.commit}, ${facts.date}, on ${facts.machine}, Node ${facts.node};`,
    `wall time ${duration(facts.seconds)} (training over all sittings, plus measuring). Every number below is in [results.json](results.json).`,
    facts.quick ? '\n**This is a --quick run (toy sizes): its numbers mean nothing.**' : '',
    '',
  ].join('\n');
  writeFileAtomic(join(dir, 'README.md'), enc.encode(`${header}\n${r.markdown.trim()}\n`));
  const json = {
    name: r.name,
    title: r.title,
    finding: r.finding,
    quick: facts.quick,
    commit: facts.commit,
    machine: facts.machine,
    node: facts.node,
    date: facts.date,
    seconds: facts.seconds,
    complete: true,
    data: r.data,
  };
  writeFileAtomic(join(dir, 'results.json'), enc.encode(`${JSON.stringify(json, null, 1)}\n`));
}

/** experiments/README.md's list: one line per finished experiment, from its results.json. */
export function indexLines(resultsDir: string, order: readonly string[]): string[] {
  if (!existsSync(resultsDir)) return [];
  const names = readdirSync(resultsDir).filter((n) => existsSync(join(resultsDir, n, 'results.json')));
  names.sort((a, b) => (order.indexOf(a) + 1 || 999) - (order.indexOf(b) + 1 || 999));
  return names.map((n) => {
    const r = JSON.parse(readFileSync(join(resultsDir, n, 'results.json'), 'utf8')) as { title: string; finding: string; seconds: number };
    return `- [${r.title}](results/${n}/README.md) (${duration(r.seconds)}): ${r.finding}`;
  });
}

/** A Markdown table. */
export function mdTable(head: readonly string[], rows: readonly (readonly (string | number)[])[], align?: readonly ('l' | 'r')[]): string {
  const a = align ?? head.map((_, i) => (i === 0 ? 'l' : 'r'));
  const esc = (x: string | number): string => String(x).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `|${a.map((x) => (x === 'r' ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** A sample as a fenced block that Markdown shows as it is. */
export function fenced(text: string): string {
  const fence = text.includes('```') ? '~~~~' : '```';
  return `${fence}text\n${text}\n${fence}`;
}

// The documentation check (`npm run check:docs`; test/docs/docs.test.ts runs it in `npm test`):
// every relative link in the README and the docs points to a file that exists (and, into a
// Markdown file, to a heading that exists); every command the docs show names a real `rnn`
// subcommand, real options of it, and a real `npm run` script; the README's layout block names
// paths that exist; and the README's TypeScript example type-checks against src/.
//
// What is real comes from the project itself, not from a list kept here: the subcommands and their
// options from `rnn --help` and `rnn <command> --help` (generated from the command line's own option
// tables in src/cli/), the scripts from package.json.
//
// Commands are looked for in fenced code blocks and in inline code that starts with `rnn`,
// `npx rnn` or `npm run`/`npm start`/`npm test`. Within a command, `&&`, `||`, `|` and `;` separate
// commands, and `#` starts a comment.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Io } from '../src/cli/io.ts';
import { run } from '../src/cli/run.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The Markdown files the check covers, relative to the root. */
export function docFiles(root = ROOT): string[] {
  const docs = join(root, 'docs');
  const inDocs = existsSync(docs)
    ? readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`)
    : [];
  return ['README.md', ...inDocs.sort(), 'experiments/README.md', 'python/README.md', 'data/README.md'].filter((f) => existsSync(join(root, f)));
}

/** What the docs may name: each subcommand with its options (without the dashes), and the npm scripts. */
export interface Known {
  commands: Map<string, Set<string>>;
  scripts: Set<string>;
}

/** Run the command line in-process and capture what it prints. */
async function help(argv: string[]): Promise<string> {
  let out = '';
  const io: Io = { out: (s) => void (out += s), err: (s) => void (out += s), isTTY: false, columns: 200, env: {} };
  const code = await run(argv, io);
  if (code !== 0) throw new Error(`rnn ${argv.join(' ')} exited with ${code}: ${out.split('\n')[0]}`);
  return out;
}

/** The lines of a help text's section (`commands:`, `options:`) up to the next blank line. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The subcommands and options that `rnn --help` lists, and package.json's scripts. */
export async function knownFromProject(root = ROOT): Promise<Known> {
  const commands = new Map<string, Set<string>>();
  for (const line of section(await help(['--help']), 'commands:')) {
    const name = /^ {2}([a-z][a-z0-9-]*)\s/.exec(line)?.[1];
    if (!name) continue;
    const options = new Set<string>();
    for (const l of section(await help([name, '--help']), 'options:')) {
      const opt = /^ {2}--([a-z][a-z0-9-]*)/.exec(l)?.[1];
      if (opt) options.add(opt);
    }
    commands.set(name, options);
  }
  if (commands.size === 0) throw new Error("no commands found in 'rnn --help' (has its format changed? see scripts/check-docs.ts)");
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return { commands, scripts: new Set(Object.keys(pkg.scripts ?? {})) };
}

// ---- Markdown --------------------------------------------------------------------------------

interface Line {
  n: number; // 1-based
  text: string;
  code: boolean; // inside a fenced code block (or its fence)
  /** The fence's info string (`sh`, `ts`, '' for a bare fence), inside a code block. */
  lang?: string;
}

function lines(markdown: string): Line[] {
  let fence: string | null = null,
    lang = '';
  return markdown.split('\n').map((text, i) => {
    const m = /^\s*(```+|~~~+)\s*(\S*)/.exec(text);
    if (m) {
      if (fence === null) [fence, lang] = [m[1][0], m[2]];
      else if (m[1][0] === fence) fence = null;
      return { n: i + 1, text, code: true };
    }
    return fence === null ? { n: i + 1, text, code: false } : { n: i + 1, text, code: true, lang };
  });
}

/** Inline code spans of a line of prose (`…`, ``…``). */
function inlineCode(text: string): string[] {
  return [...text.matchAll(/(`+)(.+?)\1/g)].map((m) => m[2].trim());
}

/** A line of prose with its inline code removed (links inside code are not links). */
function withoutCode(text: string): string {
  return text.replace(/(`+)(.+?)\1/g, '');
}

/**
 * GitHub's anchor for a heading: lower case, everything but letters, digits, spaces, `-` and `_`
 * dropped, spaces to `-`; a repeated anchor gets `-1`, `-2`, ….
 */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const l of lines(markdown)) {
    if (l.code) continue;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(l.text);
    if (!m) continue;
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const k = seen.get(base) ?? 0;
    seen.set(base, k + 1);
    out.add(k === 0 ? base : `${base}-${k}`);
  }
  return out;
}

// ---- the check ---------------------------------------------------------------------------------

export interface Problem {
  file: string;
  line: number;
  message: string;
}

/** Files for the link check: read a Markdown file's text, or say whether a path exists. */
export interface Tree {
  exists(path: string): boolean;
  isFile(path: string): boolean;
  read(path: string): string;
}

export function diskTree(root = ROOT): Tree {
  return {
    exists: (p) => existsSync(join(root, p)),
    isFile: (p) => existsSync(join(root, p)) && statSync(join(root, p)).isFile(),
    read: (p) => readFileSync(join(root, p), 'utf8'),
  };
}

/** Check one Markdown file (`file`: its path relative to the root). */
export function checkMarkdown(file: string, markdown: string, known: Known, tree: Tree): Problem[] {
  const problems: Problem[] = [];
  const add = (line: number, message: string): void => void problems.push({ file, line, message });
  for (const l of lines(markdown)) {
    if (l.code) {
      if (l.lang !== undefined) for (const m of checkCommands(l.text, known)) add(l.n, m);
      if (l.lang === '') for (const path of layoutPaths(l.text)) if (!tree.exists(path)) add(l.n, `the layout names ${path}, which does not exist`);
      continue;
    }
    for (const span of inlineCode(l.text)) if (/^(npx rnn|rnn|npm (run|start|test))\b/.test(span)) for (const m of checkCommands(span, known)) add(l.n, m);
    for (const target of linkTargets(withoutCode(l.text))) {
      const m = checkLink(file, target, markdown, tree);
      if (m) add(l.n, m);
    }
  }
  return problems;
}

/**
 * The paths a line of a layout block (a bare fenced block of `path   what it is` lines) starts
 * with: `src/plot/, src/table.ts`, `src/models/rnn{1,2,N}.manual.ts, paths.ts` (a bare name
 * lives where the path before it does). Continuation lines (indented) name none.
 */
export function layoutPaths(text: string): string[] {
  const first = /^(\S+(?:, \S+)*)\s{2,}\S/.exec(text)?.[1];
  if (!first?.includes('/')) return [];
  const out: string[] = [];
  let dir = '';
  for (const item of first.split(', ')) {
    const path = item.includes('/') ? item : dir + item;
    dir = path.slice(0, path.lastIndexOf('/') + 1);
    const braces = /\{([^}]*)\}/.exec(path);
    if (braces) for (const alt of braces[1].split(',')) out.push(path.replace(braces[0], alt));
    else out.push(path);
  }
  return out.map((p) => p.replace(/\/$/, ''));
}

/** The targets of `[text](target)`, `[text](<target>)` and `<img src="target">` on a line. */
function linkTargets(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1].replace(/^<|>$/g, ''));
  for (const m of text.matchAll(/\b(?:src|href)="([^"]+)"/g)) out.push(m[1]);
  return out;
}

function checkLink(file: string, target: string, markdown: string, tree: Tree): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // https:, mailto:, …
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
  let path = file;
  if (pathPart !== '') {
    path = relative('.', join(dirname(file), pathPart)).replace(/\\/g, '/');
    if (path.startsWith('..')) return `link ${target} leaves the repository`;
    if (!tree.exists(path)) return `dead link: ${target} (${path} does not exist)`;
  }
  if (anchor === null || anchor === '' || !path.endsWith('.md') || !tree.isFile(path)) return null;
  const text = pathPart === '' ? markdown : tree.read(path);
  if (!anchors(text).has(anchor)) return `dead link: ${target} (no heading in ${path} has the anchor #${anchor})`;
  return null;
}

/** Check the commands on one line of a code block (or one inline code span). */
export function checkCommands(text: string, known: Known): string[] {
  const out: string[] = [];
  const noComment = text.replace(/(^|\s)#.*$/, '');
  for (const part of noComment.split(/&&|\|\||[|;]/)) {
    const words = part
      .trim()
      .replace(/^\$\s+/, '')
      .split(/\s+/)
      .filter(Boolean);
    let i = 0;
    while (words[i] === 'sudo' || /^[A-Z_][A-Z0-9_]*=/.test(words[i] ?? '')) i++; // RNN_DEBUG=1 rnn …
    const w = words.slice(i);
    if (w[0] === 'npx' && w[1] === 'rnn') out.push(...checkRnn(w.slice(2), known));
    else if (w[0] === 'rnn') out.push(...checkRnn(w.slice(1), known));
    else if (w[0] === 'npm' && (w[1] === 'start' || w[1] === 'test')) {
      if (!known.scripts.has(w[1])) out.push(`npm ${w[1]}: package.json has no "${w[1]}" script`);
    } else if (w[0] === 'npm' && (w[1] === 'run' || w[1] === 'run-script')) {
      const script = w[2];
      if (script === undefined || !/^[a-z][\w:.-]*$/i.test(script)) continue;
      if (!known.scripts.has(script)) out.push(`npm run ${script}: package.json has no such script (scripts: ${[...known.scripts].join(', ')})`);
      else if (script === 'rnn' && w[3] === '--') out.push(...checkRnn(w.slice(4), known));
    }
  }
  return out;
}

/** `rnn` followed by `words`: the subcommand must exist and every `--option` must be one of its options. */
function checkRnn(words: string[], known: Known): string[] {
  const [sub, ...rest] = words;
  if (sub === undefined || sub.startsWith('-')) {
    const bad = words.filter((x) => x.startsWith('--') && !['--help', '--version'].includes(x));
    return bad.map((x) => `rnn ${x}: rnn takes only --help and --version before a command`);
  }
  if (!/^[a-z][a-z0-9-]*$/.test(sub)) return []; // a placeholder: rnn <command>, rnn …
  const options = known.commands.get(sub);
  if (!options) return [`rnn ${sub}: no such command (commands: ${[...known.commands.keys()].join(', ')})`];
  const out: string[] = [];
  for (const word of rest) {
    const m = /^[[(]*--([a-z][a-z0-9-]*)/.exec(word);
    if (m && m[1] !== 'help' && !options.has(m[1])) out.push(`rnn ${sub} --${m[1]}: no such option ('rnn ${sub} --help' lists them)`);
  }
  return out;
}

/** The TypeScript examples of a Markdown file that import the library from `./src/`: the line of their first line of code, and the code. */
export function tsExamples(markdown: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  let current: { line: number; code: string } | null = null;
  for (const l of lines(markdown)) {
    if (l.lang === 'ts') {
      current ??= { line: l.n, code: '' };
      current.code += `${l.text}\n`;
    } else if (current) {
      if (/from '\.\/src\//.test(current.code)) out.push(current);
      current = null;
    }
  }
  return out;
}

/**
 * Type-check the README's TypeScript examples against the library (`tsc --noEmit` with the
 * project's settings, the examples' `./src/` imports pointed at this tree): an export that was
 * renamed or moved breaks them here rather than in a reader's hands.
 */
export function typecheckExamples(root = ROOT, files = ['README.md']): Problem[] {
  const examples = files.flatMap((file) => tsExamples(readFileSync(join(root, file), 'utf8')).map((e) => ({ file, ...e })));
  if (examples.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'rnn-doc-examples-'));
  try {
    examples.forEach((e, i) => writeFileSync(join(dir, `example${i}.ts`), e.code.replaceAll("from './src/", `from '${join(root, 'src')}/`)));
    const config = { extends: join(root, 'tsconfig.json'), compilerOptions: { typeRoots: [join(root, 'node_modules', '@types')] }, include: ['example*.ts'] };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }'); // ES modules, as the project's own files
    const r = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    if (r.status === 0) return [];
    const problems: Problem[] = [];
    for (const m of `${r.stdout}${r.stderr}`.matchAll(/example(\d+)\.ts\((\d+),\d+\): (error .*)/g)) {
      const e = examples[Number(m[1])];
      problems.push({ file: e.file, line: e.line + Number(m[2]) - 1, message: `the TypeScript example does not compile: ${m[3]}` });
    }
    if (problems.length === 0)
      problems.push({
        file: examples[0].file,
        line: examples[0].line,
        message: `tsc failed on the examples: ${`${r.stdout}${r.stderr}${r.error ?? ''}`.trim().split('\n')[0]}`,
      });
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Check every documentation file of the project. */
export async function checkDocs(root = ROOT): Promise<Problem[]> {
  const known = await knownFromProject(root);
  const tree = diskTree(root);
  return [...docFiles(root).flatMap((f) => checkMarkdown(f, tree.read(f), known, tree)), ...typecheckExamples(root)];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = await checkDocs();
  for (const p of problems) console.error(`${p.file}:${p.line}: ${p.message}`);
  console.log(`docs: ${docFiles().length} files checked, ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

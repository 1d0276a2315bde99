// Where the command line writes, and where the package lives on disk.

import { existsSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPORA, DEFAULT_MEMORY_LIMIT, findCorpus } from '../index.ts';

/** Output streams and terminal facts, passed to every command (tests or other front ends can supply their own). */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** stdout is a terminal: progress may redraw one line with \r. */
  isTTY: boolean;
  /** Terminal width in columns (for cutting the progress line). */
  columns: number;
  env: Record<string, string | undefined>;
}

export function processIo(): Io {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns || 80,
    env: process.env,
  };
}

/** The package root (two levels above src/cli/), whatever the current directory. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The bundled training text that `train` and `gradcheck` use by default. */
export const DEFAULT_DATA = join(PACKAGE_ROOT, 'data', 'tinyshakespeare.txt');

/**
 * What `--data` (or `--vocab`) names: a file, or, when no file of that name exists, a corpus
 * bundled in data/ (`--data warpeace`). A name that is neither reads as a missing file, and the
 * error then lists the bundled names.
 */
export function resolveDataPath(arg: string): string {
  const corpus = findCorpus(arg);
  if (corpus && !existsSync(arg)) return join(PACKAGE_ROOT, 'data', corpus.file);
  return arg;
}

/** The names `--data` accepts besides a path, for help texts and errors. */
export const CORPUS_NAMES = CORPORA.map((c) => c.name).join(', ');

export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  const v = (pkg as { version?: unknown }).version;
  return typeof v === 'string' ? v : 'unknown';
}

/**
 * The most memory one command may plan to use: the library's ceiling (a WebAssembly memory's 4 GiB),
 * or 80% of the machine's memory if that is less. RNN_MEMORY_LIMIT (bytes) lowers it, e.g. for tests.
 */
export function memoryLimit(io: Io): number {
  const own = Number(io.env.RNN_MEMORY_LIMIT);
  const machine = Math.floor(totalmem() * 0.8);
  return Math.min(DEFAULT_MEMORY_LIMIT, machine, Number.isFinite(own) && own > 0 ? own : Infinity);
}

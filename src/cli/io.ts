// Where the command line writes, and where the package lives on disk.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  const v = (pkg as { version?: unknown }).version;
  return typeof v === 'string' ? v : 'unknown';
}

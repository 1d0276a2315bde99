// Running the real `rnn` executable in a scratch directory, for the command-line tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

export const ROOT = join(import.meta.dirname, '..');
export const BIN = join(ROOT, 'bin', 'rnn.js');

export interface RunResult {
  code: number | null;
  out: string;
  err: string;
}

/** A fresh scratch directory, `f(name)` for paths in it, and `rnn(...args)` run there. */
export function cliSandbox(prefix: string, timeoutMs = 120_000): { dir: string; f: (name: string) => string; rnn: (...args: string[]) => RunResult } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const rnn = (...args: string[]): RunResult => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, timeout: timeoutMs, env: { ...process.env, RNN_DEBUG: '' } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  return { dir, f: (name) => join(dir, name), rnn };
}

/** A failure must be exactly one line on stderr, `rnn: error: …`, with no stack trace. */
export function expectError(r: RunResult, code: number, message: RegExp): void {
  expect(r.code, r.err).toBe(code);
  expect(r.err).toMatch(/^rnn: error: [^\n]*\n$/);
  expect(r.err).not.toContain('    at ');
  expect(r.err).toMatch(message);
}

// Running the real `rnn` executable in a scratch directory, for the command-line tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

export interface CliSandbox {
  dir: string;
  f: (name: string) => string;
  rnn: (...args: string[]) => RunResult;
}

/** A fresh scratch directory, `f(name)` for paths in it, and `rnn(...args)` run there. */
export function cliSandbox(prefix: string, timeoutMs = 120_000): CliSandbox {
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

/**
 * The time a beforeAll that calls trainTinyModel gets. The training process took 0.7 to 1.0 s on two
 * cores at load 3 (under nice 19): vitest's 10 s default for hooks leaves too little for a busy machine.
 */
export const TINY_MODEL_TIMEOUT_MS = 30_000;

/**
 * A real checkpoint for the tests of sample and eval: `text` written to t.txt in the sandbox, and a
 * 1-layer LSTM of 8 hidden units trained on it for 5 iterations (batch 2, seq 10), saved as m.safetensors.
 */
export function trainTinyModel({ f, rnn }: CliSandbox, text: string): void {
  writeFileSync(f('t.txt'), text);
  const r = rnn(
    'train',
    '--data',
    't.txt',
    '--layers',
    '1',
    '--hidden',
    '8',
    '--batch',
    '2',
    '--seq',
    '10',
    '--iters',
    '5',
    '--checkpoint',
    'm.safetensors',
    '--sample-every',
    '0',
    '--no-log',
  );
  expect(r.code, r.err).toBe(0);
}

// Shared pieces of the fault-injection suite: a tiny training run and its checkpoint, the command
// line run in this process (cheap, for hundreds of cases) or as a real process (for the ones that
// need one: kill -9, a runaway allocation, a FIFO), and the one assertion every case makes.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { run } from '../../src/cli/run.ts';
import { saveCheckpoint, Trainer } from '../../src/index.ts';
import { BIN } from '../cli-helpers.ts';

export { BIN };

/** The training text of every case: 40 distinct characters, enough for a few chunks of 2 × 4. */
export const TEXT = 'The quick brown fox jumps over the lazy dog; PACK MY BOX WITH FIVE DOZEN JUGS.\n'.repeat(6);

/** Options of the tiny run: small enough that a spawned `train` spends its time starting Node. */
export const TINY = {
  model: 'lstm',
  layers: 1,
  hidden: 4,
  batchSize: 2,
  seqLength: 4,
  optim: 'adam',
  kernels: 'ts',
  dtype: 'f64',
  threads: 1,
  seed: 7,
} as const;

export interface Sandbox {
  dir: string;
  f: (name: string) => string;
  /** The text file of the run. */
  data: string;
  /** A checkpoint of the tiny run after 3 steps and one validation (resumable). */
  checkpoint: string;
}

export function sandbox(prefix = 'rnn-faults-'): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const f = (name: string): string => join(dir, name);
  writeFileSync(f('text.txt'), TEXT);
  const t = Trainer.fromText(TEXT, TINY);
  for (let i = 0; i < 3; i++) t.step();
  t.validate();
  saveCheckpoint(f('model.safetensors'), t.checkpoint({ data: 'text.txt' }));
  return { dir, f, data: f('text.txt'), checkpoint: f('model.safetensors') };
}

export interface Outcome {
  code: number | null;
  out: string;
  err: string;
}

/** The command line in this process, as bin/rnn.js runs it (every error becomes a line and a code). */
export async function rnnInProcess(...argv: string[]): Promise<Outcome> {
  return rnnInProcessEnv({}, ...argv);
}

export async function rnnInProcessEnv(env: Record<string, string>, ...argv: string[]): Promise<Outcome> {
  let out = '',
    err = '';
  const code = await run(argv, { out: (s) => void (out += s), err: (s) => void (err += s), isTTY: false, columns: 80, env });
  return { code, out, err };
}

/** The real executable, in `cwd`, with a time limit (a regression must not hang the suite). */
export function rnnProcess(cwd: string, args: string[], opts: { timeoutMs?: number; nodeArgs?: string[]; env?: Record<string, string> } = {}): Outcome {
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], {
    encoding: 'utf8',
    cwd,
    timeout: opts.timeoutMs ?? 60_000,
    env: { ...process.env, RNN_DEBUG: '', ...opts.env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The executable started in the background (for kill -9 and concurrent writers). */
export function rnnBackground(cwd: string, args: string[]): ReturnType<typeof spawn> {
  return spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RNN_DEBUG: '' } });
}

/** What every failing case must show: its exit code and exactly one stderr line `rnn: error: …`, no stack. */
export function expectOneLineError(r: Outcome, code: number, message?: RegExp): void {
  expect(r.code, r.err).toBe(code);
  expect(r.err, r.err).toMatch(/^rnn: error: [^\n]*\n$/);
  if (message) expect(r.err).toMatch(message);
}

export const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The temporary files of our naming pattern beside `path`. */
export function tempsBeside(dir: string, name: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(`${name}.tmp-`)) : [];
}

// Process-level faults: kill -9 at random moments of training, a full disk, a read-only directory,
// two trainers writing one path. Each asserts the exit code, one `rnn: error:` line where it fails,
// and that the checkpoint the user had is intact and loadable afterwards.
//
// The full disk and the read-only directory are small tmpfs mounts (Linux, as root); where the
// platform cannot mount one, those cases are skipped and the reason is printed.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/index.ts';
import { expectOneLineError, rnnBackground, rnnProcess, sandbox, sha256, tempsBeside } from './helpers.ts';
import { mulberry32 } from './mutants.ts';

const box = sandbox('rnn-processes-');
let cases = 0;
const skipped: string[] = [];
afterAll(() => {
  console.log(`fault suite: ${cases} process-level cases${skipped.length ? `; skipped: ${skipped.join('; ')}` : ''}`);
  rmSync(box.dir, { recursive: true, force: true });
});

/** A tiny run that saves every iteration, for as long as it is allowed to live (or its resume). */
const trainArgs = (checkpoint: string, extra: string[] = [], resume = false): string[] => [
  'train',
  '--data',
  box.data,
  '--checkpoint',
  checkpoint,
  '--kernels',
  'ts',
  '--threads',
  '1',
  '--checkpoint-every',
  '1',
  '--eval-every',
  '0',
  '--sample-length',
  '1',
  ...(resume ? ['--resume', checkpoint] : ['--model', 'lstm', '--layers', '1', '--hidden', '4', '--batch', '2', '--seq', '4']),
  ...extra,
];

const loads = (path: string): number => decodeCheckpoint(readFileSync(path), path).training!.iteration;

/** Mount a tmpfs of `size` at `dir`; the reason it cannot be, or null. */
function mountTmpfs(dir: string, size: string, ro = false): string | null {
  mkdirSync(dir, { recursive: true });
  if (process.platform !== 'linux') return `tmpfs needs Linux (this is ${process.platform})`;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${ro ? ',ro' : ''}`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : `cannot mount a tmpfs (${(r.stderr || r.error?.message || 'mount failed').trim()})`;
}
const umount = (dir: string): void => void spawnSync('umount', [dir]);

describe('kill -9 at random moments of training', () => {
  it('leaves a loadable checkpoint each time, and the next save removes the temp files it left', async () => {
    const rand = mulberry32(18);
    const path = box.f('killed.safetensors');
    for (let trial = 0; trial < 4; trial++) {
      const child = rnnBackground(box.dir, trainArgs(path, ['--epochs', '1000'], existsSync(path)));
      // Node and tsx take a second or more to start under load: wait for the first save, then a random moment
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const started = Date.now();
      while (!existsSync(path) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 50 + rand() * 700));
      child.kill('SIGKILL');
      const signal = await new Promise((r) => child.on('exit', (_, sig) => r(sig)));
      cases++;
      expect(signal, `trial ${trial} ended by itself: ${out}`).toBe('SIGKILL');
      expect(existsSync(path), `trial ${trial}: ${out}`).toBe(true);
      expect(loads(path)).toBeGreaterThan(0);
    }
    // a save beside them (here: one more iteration of the run) removes what killed writers left
    const r = rnnProcess(box.dir, trainArgs(path, ['--iters', '1'], true));
    expect(r.code, r.err).toBe(0);
    expect(tempsBeside(box.dir, 'killed.safetensors')).toEqual([]);
  }, 300_000);
});

describe('a full disk and a read-only directory leave the previous checkpoint intact', () => {
  it('full disk: exit 1, "no space left", the old checkpoint unchanged, no temp file left', (ctx) => {
    const dir = box.f('full');
    const why = mountTmpfs(dir, '96k');
    if (why) {
      skipped.push(`full disk: ${why}`);
      ctx.skip();
    }
    try {
      const path = join(dir, 'model.safetensors');
      writeFileSync(path, readFileSync(box.checkpoint)); // the user's checkpoint, about 19 kB
      const before = sha256(path);
      // fill the rest of the disk
      try {
        writeFileSync(join(dir, 'filler'), Buffer.alloc(96 * 1024));
      } catch {
        // ENOSPC once full: that is the point
      }
      const r = rnnProcess(box.dir, ['train', '--resume', path, '--data', box.data, '--checkpoint', path, '--iters', '1', '--kernels', 'ts']);
      cases++;
      expectOneLineError(r, 1, /no space left on device/);
      expect(sha256(path)).toBe(before);
      expect(tempsBeside(dir, 'model.safetensors')).toEqual([]);
    } finally {
      umount(dir);
    }
  }, 120_000);

  it('read-only directory: exit 1, "read-only file system", the old checkpoint unchanged', (ctx) => {
    const dir = box.f('ro');
    const why = mountTmpfs(dir, '1m');
    if (why) {
      skipped.push(`read-only directory: ${why}`);
      ctx.skip();
    }
    try {
      const path = join(dir, 'model.safetensors');
      writeFileSync(path, readFileSync(box.checkpoint));
      const before = sha256(path);
      const ro = spawnSync('mount', ['-o', 'remount,ro', dir], { encoding: 'utf8' });
      expect(ro.status, ro.stderr).toBe(0);
      const r = rnnProcess(box.dir, ['train', '--resume', path, '--data', box.data, '--checkpoint', path, '--iters', '1', '--kernels', 'ts']);
      cases++;
      expectOneLineError(r, 1, /read-only file system/);
      expect(sha256(path)).toBe(before);
    } finally {
      umount(dir);
    }
  }, 120_000);
});

describe('two trainers writing one path', () => {
  it('both finish, and the file is one whole checkpoint of one of them, with no temp files', async () => {
    const path = box.f('shared.safetensors');
    const runs = [0, 1].map((k) => {
      const child = rnnBackground(box.dir, trainArgs(path, ['--iters', '12', '--seed', String(100 + k)]));
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      return new Promise<{ code: number | null; err: string }>((resolve) => child.on('exit', (code) => resolve({ code, err })));
    });
    const done = await Promise.all(runs);
    cases++;
    for (const d of done) expect(d.code, d.err).toBe(0);
    expect(loads(path)).toBe(12);
    expect(tempsBeside(box.dir, 'shared.safetensors')).toEqual([]);
  }, 300_000);
});

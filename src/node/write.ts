// Writing checkpoints safely: to a temporary file beside the target, flushed, then renamed over it,
// so a crash (even kill -9) at any moment leaves either the old file or the new one, never a mix;
// the temporary file a killed writer leaves behind is removed at the next save beside it.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.ts';
import { describeFsError } from './read.ts';

/**
 * Write a checkpoint atomically: the bytes go to a fresh temporary file beside `path`, are flushed
 * to disk, and only then renamed over `path`. A crash or error at any point leaves the previous
 * checkpoint as it was, and the temporary file is removed.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const dir = checkpointDirectory(path);
  const tmp = tempName(path);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        /* already failing; the original error is the one to report */
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* it may never have been created */
    }
    throw new UserError(`cannot save checkpoint: ${describeFsError(err, path, 'write')}`);
  }
  syncDirectory(dir);
  removeStaleTemps(path);
}

/**
 * Remove the temporary files that a writer killed mid-save (kill -9, a power cut) left beside
 * `path`: names of our own pattern `<name>.tmp-<pid>-<12 hex>` whose process no longer exists.
 * A live process's file (another trainer saving right now) is left alone. Returns the removed names.
 * NOTE: a pid reused by an unrelated process keeps its stale file until that process ends: safe, not tidy.
 */
export function removeStaleTemps(path: string): string[] {
  const dir = dirname(path),
    prefix = `${basename(path)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed; // best effort: the save itself succeeded
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-[0-9a-f]{12}$/.exec(name.slice(prefix.length));
    if (!m || processAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // gone already, or not ours to remove (permissions): leave it
    }
  }
  return removed;
}

/** Whether a process with this id exists (signal 0 checks without sending anything). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, but belongs to someone else
  }
}

/**
 * Check before a long run that a checkpoint can be saved at `path` (so training does not fail at
 * its first save): `path` is not a directory, its directory exists or can be made, and a file can
 * be created there (a probe file, removed at once). Throws a UserError saying what is wrong.
 */
export function checkCheckpointPath(path: string): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // does not exist yet: fine
  }
  if (isDir) throw new UserError(`cannot save checkpoint: ${path} is a directory; give a file name`);
  checkpointDirectory(path);
  const probe = tempName(path);
  try {
    closeSync(openSync(probe, 'wx', 0o644));
    unlinkSync(probe);
  } catch (err) {
    throw new UserError(`cannot save checkpoint: ${describeFsError(err, probe, 'write')}`);
  }
}

/** The directory of `path`, made if missing; a UserError if it cannot be. */
function checkpointDirectory(path: string): string {
  const dir = dirname(path);
  try {
    makeDirectory(dir);
  } catch (err) {
    throw new UserError(`cannot save checkpoint: ${describeFsError(err, dir, 'create directory')}`);
  }
  return dir;
}

/** A fresh temporary name beside `path` (same directory, so the final rename is atomic). */
const tempName = (path: string): string => `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;

/**
 * mkdir -p. NOTE: not mkdirSync's own `recursive: true`, which in Node 20 spins forever when a
 * parent exists but refuses new entries (e.g. a path under /proc); this walks up once and stops.
 */
function makeDirectory(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return;
    throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const parent = dirname(dir);
  if (parent !== dir) makeDirectory(parent);
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Make the rename itself durable. Best effort: not every platform lets a directory be fsynced. */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // ignore: the data is already safely in the renamed file
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

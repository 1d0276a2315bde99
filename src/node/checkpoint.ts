// Checkpoint files: the byte-level encodeCheckpoint / decodeCheckpoint (src/checkpoint) on top of
// the atomic write (write.ts) and the checked read (read.ts).

import { type Checkpoint, type DecodeOptions, decodeCheckpoint, encodeCheckpoint } from '../checkpoint/checkpoint.ts';
import type { Dtype } from '../checkpoint/safetensors.ts';
import { readFileBytes } from './read.ts';
import { writeFileAtomic } from './write.ts';

/** Write a checkpoint atomically (temp file, fsync, rename): a crash leaves the old file intact. */
export function saveCheckpoint(path: string, c: Checkpoint, dtype: Dtype = 'F64'): void {
  writeFileAtomic(path, encodeCheckpoint(c, dtype));
}

/** Read and validate a checkpoint file (ours, or a model-only file written by PyTorch). */
export function loadCheckpoint(path: string, opts: DecodeOptions = {}): Checkpoint {
  return decodeCheckpoint(readFileBytes(path, 'a checkpoint'), `checkpoint ${path}`, opts);
}

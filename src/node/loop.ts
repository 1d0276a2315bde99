// The training loop (src/train/loop.ts) with its checkpoints written to files, as the command line,
// the notebooks and the experiments run it.

import { existsSync } from 'node:fs';
import { type CheckpointStore, type LoopOptions, trainLoop as runLoop, type TrainResult } from '../train/loop.ts';
import type { Trainer } from '../train/trainer.ts';
import { saveCheckpoint } from './checkpoint.ts';

/** Checkpoints as files: written atomically, checked on reading. */
export const fileStore: CheckpointStore = { save: saveCheckpoint, exists: existsSync };

/** trainLoop with checkpointPath and bestPath naming files (unless `opts.store` says otherwise). */
export function trainLoop(trainer: Trainer, opts: LoopOptions = {}): Promise<TrainResult> {
  return runLoop(trainer, { store: fileStore, ...opts });
}

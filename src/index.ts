// The public entry of rnn-from-scratch (the package's `.` under Node). The command line, the
// notebooks and the tests import from here: the whole library (src/core.ts, which the web page
// imports) and the Node layer that reads and writes files (src/node/). The teaching modules (the
// planted bug, finite differences, min-char-rnn training) are the second entry, src/lessons/index.ts
// (`rnn-from-scratch/lessons`).

export * from './core.ts';
export { loadCheckpoint, saveCheckpoint } from './node/checkpoint.ts';
// trainLoop here writes its checkpoints to files (core.ts's needs a store for them)
export { fileStore, trainLoop } from './node/loop.ts';
export { type EncodedFile, gunzipIfCompressed, readEncodedFile, readFileBytes, readTextFile } from './node/read.ts';
export { checkCheckpointPath, removeStaleTemps, writeFileAtomic } from './node/write.ts';

// The `rnn` executable: run the command line on process.argv and exit with its code.

import { processIo } from './io.ts';
import { run } from './run.ts';

// A reader that closes the pipe early (`rnn sample | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await run(process.argv.slice(2), processIo());

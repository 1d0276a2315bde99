// The command dispatcher: `rnn <command> [options]`. Every error ends here and becomes one line on
// stderr and an exit code; a stack trace appears only for internal errors with RNN_DEBUG=1.
//
// Exit codes: 0 success · 1 user error (bad file, incompatible checkpoint, failed gradient check)
//             2 usage error (unknown command or option, malformed value, conflicting options, a size
//               the runtime cannot allocate) · 70 internal error
//             130 interrupted by Ctrl-C (training still saves its checkpoint)

import { SizeError, UserError } from '../index.ts';
import { EXIT, UsageError } from './args.ts';
import { dataCommand, dataSpec } from './data.ts';
import { evalCommand, evalSpec } from './eval.ts';
import { gradcheckCommand, gradcheckSpec } from './gradcheck.ts';
import { graphCommand, graphSpec } from './graph.ts';
import { type Io, packageVersion } from './io.ts';
import { ngramCommand, ngramSpec } from './ngram.ts';
import { plotCommand, plotSpec } from './plot.ts';
import { sampleCommand, sampleSpec } from './sample.ts';
import { trainCommand, trainSpec } from './train.ts';

export { EXIT };

const COMMANDS: Record<string, { brief: string; run: (argv: string[], io: Io) => number | Promise<number> }> = {
  train: { brief: trainSpec.brief, run: trainCommand },
  sample: { brief: sampleSpec.brief, run: sampleCommand },
  eval: { brief: evalSpec.brief, run: evalCommand },
  ngram: { brief: ngramSpec.brief, run: ngramCommand },
  gradcheck: { brief: gradcheckSpec.brief, run: gradcheckCommand },
  plot: { brief: plotSpec.brief, run: plotCommand },
  data: { brief: dataSpec.brief, run: dataCommand },
  graph: { brief: graphSpec.brief, run: graphCommand },
};

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    'usage: rnn <command> [options]',
    '',
    'Character-level RNN, LSTM and GRU language models from first principles: a tiny autodiff',
    'engine, hand-derived backprop, gradient checking, char-rnn training, sampling, evaluation.',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.brief}`),
    '',
    "'rnn <command> --help' shows a command's options, defaults and an example.",
    "'rnn --version' prints the version.",
    '',
  ].join('\n');
}

/** Run one command line; returns the exit code. Never throws. */
export async function run(argv: string[], io: Io): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      if (command === 'help' && rest[0] !== undefined && COMMANDS[rest[0]]) return await COMMANDS[rest[0]].run(['--help'], io);
      io.out(mainHelp());
      return EXIT.ok;
    }
    if (command === '--version' || command === '-V') {
      io.out(`rnn ${packageVersion()}\n`);
      return EXIT.ok;
    }
    const cmd = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!cmd) {
      const what = command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`;
      throw new UsageError(`${what} (commands: ${Object.keys(COMMANDS).join(', ')}; see 'rnn --help')`);
    }
    return await cmd.run(rest, io);
  } catch (err) {
    return reportError(err, io);
  }
}

/** One line on stderr for any error, and the exit code that goes with it. */
export function reportError(err: unknown, io: Io): number {
  const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();
  if (err instanceof UserError) {
    io.err(`rnn: error: ${oneLine(err.message)}\n`);
    return err instanceof UsageError || err instanceof SizeError ? EXIT.usage : EXIT.user;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (io.env.RNN_DEBUG === '1') {
    io.err(`rnn: internal error: ${oneLine(message)}\n${err instanceof Error && err.stack ? err.stack : ''}\n`);
  } else {
    io.err(`rnn: internal error: ${oneLine(message)} (a bug; RNN_DEBUG=1 shows where)\n`);
  }
  return EXIT.internal;
}

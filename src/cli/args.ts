// Command-line parsing for every subcommand: node:util parseArgs in strict mode, its errors turned
// into one-line usage errors, value checks for numbers, and help text generated from the same
// option table, so the help can never disagree with what is accepted.

import { parseArgs } from 'node:util';
import { showChar, UserError } from '../index.ts';

/** A mistake in how the command was typed (exit code 2), as opposed to a bad file (exit code 1). */
export class UsageError extends UserError {}

export interface OptionSpec {
  name: string; // without the leading --
  /** Placeholder for the value ("N", "FILE"); absent for a flag. */
  value?: string;
  /** The default as typed on the command line, parsed like a typed value; shown in the help. */
  default?: string;
  /** Shown in the help instead of `default` when the default is not a plain value. */
  defaultNote?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  /** Placeholder for the arguments that are not options ("LOG…"); without it, none are accepted. */
  positionals?: string;
  /** One line for the command list of `rnn --help`. */
  brief: string;
  summary: string;
  options: OptionSpec[];
  examples: string[];
  notes?: string[];
}

export type ParsedOptions = Record<string, string | boolean | undefined>;

/** Parse `argv` for `spec`. Returns null when --help was asked for (after printing nothing). */
export function parseCommand(spec: CommandSpec, argv: string[]): { values: ParsedOptions; given: Set<string>; positionals: string[] } | null {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const o of spec.options) options[o.name] = { type: o.value ? 'string' : 'boolean' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: spec.positionals !== undefined, tokens: true });
  } catch (err) {
    throw new UsageError(describeParseError(err, spec.name));
  }
  if (parsed.values.help) return null;
  const given = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option') continue;
    if (given.has(t.name)) throw new UsageError(`option --${t.name} is given more than once`);
    given.add(t.name);
  }
  const values: ParsedOptions = { ...parsed.values };
  for (const o of spec.options) if (values[o.name] === undefined && o.default !== undefined) values[o.name] = o.default;
  return { values, given, positionals: parsed.positionals };
}

function describeParseError(err: unknown, command: string): string {
  const e = err as { code?: string; message?: string };
  const msg = String(e.message ?? err);
  const quoted = /'([^']*)'/.exec(msg)?.[1] ?? '';
  const name = quoted.split(' ')[0];
  const seeHelp = `(see 'rnn ${command} --help')`;
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${name}' for 'rnn ${command}' ${seeHelp}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}': 'rnn ${command}' takes only options ${seeHelp}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (msg.includes('does not take an argument')) return `option ${name} takes no value`;
      if (msg.includes('ambiguous')) return `option ${name} needs a value (for a value that starts with '-', write ${name}=VALUE)`;
      return `option ${name} needs a value`;
    default:
      return msg.split('\n')[0];
  }
}

// ---- values ---------------------------------------------------------------------------------

/** An integer ≥ min, written in plain decimal digits. */
export function intOption(name: string, raw: string | boolean | undefined, min: number): number {
  const s = String(raw);
  const v = /^\+?\d+$/.test(s.trim()) ? Number(s) : NaN;
  if (!Number.isSafeInteger(v) || v < min) {
    const kind = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer ≥ ${min}`;
    throw new UsageError(`--${name} must be ${kind}, got '${s}'`);
  }
  return v;
}

/** --threads: 1 or 2. */
export function threadsOption(raw: string | boolean | undefined): 1 | 2 {
  const v = intOption('threads', raw, 1);
  if (v > 2) throw new UsageError(`--threads must be 1 or 2, got '${String(raw)}'`);
  return v as 1 | 2;
}

/** A seed for the random generator: an integer from 0 to 2³² − 1 (its state is 32-bit words). */
export function seedOption(raw: string | boolean | undefined): number {
  const v = intOption('seed', raw, 0);
  if (v > 0xffffffff) throw new UsageError(`--seed must be an integer from 0 to 4294967295, got '${String(raw)}'`);
  return v;
}

/** A finite number > 0 (decimal or scientific notation, e.g. 0.1, 1e-5). */
export function positiveNumberOption(name: string, raw: string | boolean | undefined): number {
  const s = String(raw);
  const v = /^\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s.trim()) ? Number(s) : NaN;
  if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`--${name} must be a positive number, got '${s}'`);
  return v;
}

/** A number in [0, 1) (or [0, 1] with `closed`): dropout, split fractions, decay factors. */
export function fractionOption(name: string, raw: string | boolean | undefined, closed = false): number {
  const s = String(raw);
  const v = /^\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s.trim()) ? Number(s) : NaN;
  if (!(v >= 0 && (closed ? v <= 1 : v < 1))) throw new UsageError(`--${name} must be a number from 0 to 1${closed ? '' : ' (not 1 itself)'}, got '${s}'`);
  return v;
}

/** One of a fixed set of words. */
/** The choices of an option as its help shows them: `a|b|c`. */
export const choices = (list: readonly string[]): string => list.join('|');

export function choiceOption<T extends string>(name: string, raw: string | boolean | undefined, choices: readonly T[]): T {
  const s = String(raw);
  if (!(choices as readonly string[]).includes(s)) throw new UsageError(`--${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got '${s}'`);
  return s as T;
}

/** A non-empty string option (a file name, a text). */
export function stringOption(name: string, raw: string | boolean | undefined): string {
  if (typeof raw !== 'string' || raw === '') throw new UsageError(`--${name} needs a non-empty value`);
  return raw;
}

/** The first ten of `chars`, quoted (with code points for invisible ones), for an error message. */
export function listChars(chars: readonly string[]): string {
  return chars.slice(0, 10).map(showChar).join(', ') + (chars.length > 10 ? ', …' : '');
}

// ---- help -----------------------------------------------------------------------------------

export function formatHelp(spec: CommandSpec): string {
  const rows = spec.options.map((o) => [`--${o.name}${o.value ? ` ${o.value}` : ''}`, o.help + defaultText(o)]);
  rows.push(['--help', 'show this help and exit']);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [
    `usage: rnn ${spec.name}${spec.positionals ? ` ${spec.positionals}` : ''} [options]`,
    '',
    spec.summary,
    '',
    'options:',
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`),
  ];
  if (spec.notes?.length) lines.push('', ...spec.notes);
  lines.push('', spec.examples.length > 1 ? 'examples:' : 'example:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}

function defaultText(o: OptionSpec): string {
  if (o.defaultNote) return ` (default: ${o.defaultNote})`;
  if (o.default !== undefined) return ` (default: ${o.default})`;
  return '';
}

/**
 * Exit codes: 0 success · 1 user error (bad file, incompatible checkpoint, failed gradient check)
 * 2 usage error (unknown command or option, malformed value, conflicting options, a size the
 * runtime cannot allocate) · 70 internal error (BSD's EX_SOFTWARE) · 130 interrupted by Ctrl-C
 * (128 + SIGINT's 2, as a shell reports it; training still saves its checkpoint).
 */
export const EXIT = { ok: 0, user: 1, usage: 2, internal: 70, interrupted: 130 } as const;

// `rnn data` and `--data NAME`: the bundled corpora by name, gzip files on the command line, and
// the one-line errors for broken gzip files.
import { rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPORA } from '../src/index.ts';
import { cliSandbox, expectError } from './cli-helpers.ts';

const { dir, f, rnn } = cliSandbox('rnn-cli-data-', 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rnn data', () => {
  it('lists every bundled corpus with its size and licence', () => {
    const r = rnn('data');
    expect(r.code, r.err).toBe(0);
    for (const c of CORPORA) {
      expect(r.out).toContain(c.name);
      expect(r.out).toContain(c.chars.toLocaleString('en-US'));
      expect(r.out).toContain(c.licence);
    }
    expect(rnn('--help').out).toMatch(/^ {2}data {2,}list the bundled corpora/m);
  });

  it('rejects options it does not have', () => {
    expectError(rnn('data', '--bogus'), 2, /--bogus/);
  });
});

describe('--data NAME and gzip files', () => {
  it('gradcheck takes a bundled corpus by name (here the gzip-compressed names list)', () => {
    const r = rnn('gradcheck', '--data', 'names', '--model', 'rnn', '--layers', '1', '--hidden', '4', '--seq', '4', '--batch', '1', '--samples', '3');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^text: "[A-Z][a-z]+"/m); // a capitalised name from the list
  });

  it('train reads a gzip file given by path, and a file in the current directory wins over a corpus name', () => {
    const text = 'the quick brown fox jumps over the lazy dog. '.repeat(40);
    writeFileSync(f('t.gz'), gzipSync(Buffer.from(text)));
    const r = rnn(
      'train',
      '--data',
      't.gz',
      '--hidden',
      '8',
      '--layers',
      '1',
      '--seq',
      '10',
      '--batch',
      '2',
      '--iters',
      '2',
      '--no-checkpoint',
      '--sample-every',
      '0',
      '--eval-every',
      '0',
    );
    expect(r.code, r.err).toBe(0);
    // A local file called "names" shadows the bundled corpus: its text is too short to train on.
    writeFileSync(f('names'), 'abc');
    expectError(
      rnn('train', '--data', 'names', '--iters', '1', '--no-checkpoint'),
      1,
      /training text has \d+ characters( \(\d+ in the training part\))?: too short/,
    );
  });

  it('a broken gzip or an unknown name is one line on stderr, exit 1', () => {
    const gz = gzipSync(Buffer.from('hello world\n'.repeat(100)));
    writeFileSync(f('cut.gz'), gz.subarray(0, gz.length - 4));
    expectError(rnn('train', '--data', 'cut.gz', '--no-checkpoint'), 1, /cut\.gz starts like a gzip file but cannot be decompressed/);
    expectError(rnn('eval', '--checkpoint', 'none.safetensors', '--data', 'warpeace'), 1, /no such file: none\.safetensors/);
    expectError(rnn('train', '--data', 'warandpeace', '--no-checkpoint'), 1, /no such file: warandpeace/);
  });
});

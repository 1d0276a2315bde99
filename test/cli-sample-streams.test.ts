// `rnn sample --streams N`: N samples printed after "==> stream i <==" lines (or one per line, or as
// JSON), stream 0 being what `rnn sample` prints for one stream, and the same texts on 1 and 2 threads.

import { beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, expectError, TINY_MODEL_TIMEOUT_MS, trainTinyModel } from './cli-helpers.ts';

const box = cliSandbox('rnn-streams-');
const { rnn } = box;
const TEXT = 'to be or not to be,\nthat is the question.\n'.repeat(40);

describe('rnn sample --streams', () => {
  beforeAll(() => trainTinyModel(box, TEXT), TINY_MODEL_TIMEOUT_MS);
  const sample = (...args: string[]) => rnn('sample', '--checkpoint', 'm.safetensors', '--length', '60', '--seed', '7', '--prime', 'to', ...args);

  it('prints each stream after a header, an empty line between; JSON and --one-per-line hold the same texts; stream 0 is the one-stream text', () => {
    const plain = sample('--streams', '4');
    expect(plain.code, plain.err).toBe(0);
    const doc = JSON.parse(sample('--streams', '4', '--json').out);
    expect(doc).toMatchObject({ prime: 'to', streams: 4, length: 60, seed: 7 });
    expect(doc.texts).toHaveLength(4);
    for (const t of doc.texts) expect([...t]).toHaveLength(60);
    const withNewline = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
    expect(plain.out).toBe(doc.texts.map((t: string, i: number) => `==> stream ${i} <==\n${withNewline(`to${t}`)}`).join('\n'));
    const lines = sample('--streams', '4', '--one-per-line').out.split('\n');
    expect(lines).toHaveLength(5); // four lines and the final newline
    const fromOneLine = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
    expect(lines.slice(0, 4).map(fromOneLine)).toEqual(doc.texts.map((t: string) => `to${t}`));
    expect(sample().out).toBe(withNewline(`to${doc.texts[0]}`));
    expect(sample('--streams', '1').out).toBe(withNewline(`to${doc.texts[0]}`)); // one stream: no header
  });

  it('one thread and two give the same texts', () => {
    const texts = (threads: string) => JSON.parse(sample('--streams', '23', '--json', '--threads', threads).out).texts;
    expect(texts('2')).toEqual(texts('1'));
  });

  it('refuses bad values with a one-line error', () => {
    expectError(sample('--streams', '0'), 2, /--streams must be a positive integer, got '0'/);
    expectError(sample('--streams', '2', '--threads', '3'), 2, /--threads must be 1 or 2/);
    expectError(sample('--threads', '2'), 2, /--threads applies to sampling with --streams/);
  });
});

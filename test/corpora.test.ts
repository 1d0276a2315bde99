// The gzip reader and the bundled corpora: every corpus in data/ decompresses to exactly the text
// whose checksum, size and alphabet ../shared/data/README.md published (copied into CORPORA), and a
// broken gzip is a one-line UserError, never a partial text or a crash.

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPORA, findCorpus, isGzip, readTextFile, UserError, Vocab } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnn-gzip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, bytes: Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const DATA = join(import.meta.dirname, '..', 'data');

describe('gzip text files', () => {
  const text = '从头开始实现 RNN 😀\nROMEO: hello\n'.repeat(50);
  const gz = gzipSync(Buffer.from(text, 'utf8'));

  it('reads a gzip file as the text it holds, and a plain file as before', () => {
    expect(readTextFile(write('a.txt.gz', gz))).toBe(text);
    expect(readTextFile(write('a.txt', Buffer.from(text, 'utf8')))).toBe(text);
    // Detected by the magic bytes, not by the name.
    expect(readTextFile(write('no-suffix', gz))).toBe(text);
  });

  it('knows gzip by its two magic bytes only', () => {
    expect(isGzip(new Uint8Array([0x1f, 0x8b, 8]))).toBe(true);
    expect(isGzip(new Uint8Array([0x1f]))).toBe(false);
    expect(isGzip(new Uint8Array([0x8b, 0x1f]))).toBe(false);
    expect(isGzip(Buffer.from('plain text'))).toBe(false);
  });

  it('a truncated gzip is a UserError that says so', () => {
    for (const cut of [2, 10, 20, gz.length - 1, gz.length - 8]) {
      const p = write(`cut-${cut}.gz`, gz.subarray(0, cut));
      expect(() => readTextFile(p)).toThrow(UserError);
      expect(() => readTextFile(p)).toThrow(/cannot be decompressed/);
    }
    expect(() => readTextFile(write('cut.gz', gz.subarray(0, gz.length - 3)))).toThrow(/truncated/);
  });

  it('corrupt compressed data or a wrong checksum is a UserError', () => {
    const bodyFlip = Buffer.from(gz);
    bodyFlip[Math.floor(gz.length / 2)] ^= 0xff;
    const crcFlip = Buffer.from(gz);
    crcFlip[gz.length - 6] ^= 0x01; // inside the CRC-32 of the trailer
    for (const [name, bytes] of [
      ['body.gz', bodyFlip],
      ['crc.gz', crcFlip],
    ] as const) {
      expect(() => readTextFile(write(name, bytes))).toThrow(UserError);
      expect(() => readTextFile(write(name, bytes))).toThrow(/damaged|cannot be decompressed/);
    }
  });

  it('keeps the strict UTF-8 checks and the empty-file check inside the gzip', () => {
    expect(() => readTextFile(write('latin1.gz', gzipSync(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x21]))))).toThrow(
      /not valid UTF-8 text: byte 0x21 at offset 4 does not continue/,
    );
    expect(() => readTextFile(write('empty.gz', gzipSync(Buffer.alloc(0))))).toThrow(/is empty/);
    const bom = gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('hi')]));
    expect(readTextFile(write('bom.gz', bom))).toBe('hi');
  });
});

describe('the bundled corpora', () => {
  it('names are unique and findable', () => {
    expect(new Set(CORPORA.map((c) => c.name)).size).toBe(CORPORA.length);
    expect(findCorpus('warpeace')?.file).toBe('warpeace.txt.gz');
    expect(findCorpus('nope')).toBeUndefined();
  });

  // Reads about 30 MB of text: a few seconds.
  it.each(CORPORA.map((c) => [c.name, c] as const))(
    '%s decompresses to the published text (sha256, characters, alphabet)',
    (_, c) => {
      const text = readTextFile(join(DATA, c.file));
      expect(createHash('sha256').update(text, 'utf8').digest('hex')).toBe(c.sha256);
      let chars = 0;
      for (const _ch of text) chars++;
      expect(chars).toBe(c.chars);
      expect(Vocab.fromText(text).size).toBe(c.distinct);
    },
    60_000,
  );
});

// Streaming encoding of large texts (data/encoded.ts, readEncodedFile): the same ids and vocabulary
// as the in-memory path, whatever the chunking; the same errors as the strict decoder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesPerId, decodeUtf8, encodeText, idArray, readEncodedFile, readTextFile, splitData, Utf8Scanner, Vocab } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnn-encoded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (bytes: Uint8Array | string): string => {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, bytes);
  return p;
};

const MIXED = ['a', 'Z', ' ', '\n', 'é', '中', '😀', '𠀋', '\u{10FFFF}', '\u{FEFF}'];

/** Decode `bytes` in chunks of the given sizes (cycled) with the streaming scanner. */
function scan(bytes: Uint8Array, sizes: number[]): number[] {
  const s = new Utf8Scanner('data');
  const cps: number[] = [];
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const chunk = bytes.subarray(at, at + sizes[k % sizes.length]);
    at += chunk.length;
    const out = new Uint32Array(chunk.length + 3);
    const got = s.push(chunk, out);
    cps.push(...out.subarray(0, got));
  }
  s.end();
  return cps;
}

describe('Utf8Scanner', () => {
  it('decodes any text in any chunking to its code points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...MIXED), { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        (chars, sizes) => {
          const text = chars.join('');
          expect(scan(new TextEncoder().encode(text), sizes)).toEqual([...text].map((c) => c.codePointAt(0)));
        },
      ),
    );
  });

  it('accepts exactly what the strict decoder accepts, with the same first error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 24 }), fc.integer({ min: 1, max: 5 }), (bytes, size) => {
        let expected: string;
        try {
          // decodeUtf8 drops a BOM; the scanner leaves that to the reader
          expected = `ok ${[...decodeUtf8(Uint8Array.of(0x41, ...bytes), 'data')]
            .slice(1)
            .map((c) => c.codePointAt(0))
            .join()}`;
        } catch (e) {
          expected = (e as Error).message.replace(/offset (\d+)/g, (_, k) => `offset ${Number(k) - 1}`);
        }
        let got: string;
        try {
          got = `ok ${scan(bytes, [size]).join()}`;
        } catch (e) {
          got = (e as Error).message;
        }
        expect(got).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('readEncodedFile', () => {
  it('gives the vocabulary and ids of Vocab.fromText and encodeText, for plain, BOM and gzip files', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...MIXED), { minLength: 1, maxLength: 80 }), (chars) => {
        const text = chars.join('');
        // a leading U+FEFF in a file is a byte-order mark and is dropped (as readTextFile does); a second one is text
        const read = text.startsWith('\u{FEFF}') ? text.slice(1) : text;
        const cases: [Uint8Array, string][] = [
          [Buffer.from(text), read],
          [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), text],
          [gzipSync(Buffer.from(text)), read],
        ];
        for (const [bytes, expected] of cases) {
          if (expected === '') continue;
          const got = readEncodedFile(file(bytes));
          expect(got.vocab.chars).toEqual(Vocab.fromText(expected).chars);
          expect([...got.ids]).toEqual([...encodeText(expected).ids]);
          expect(got.total).toBe([...expected].length);
        }
      }),
      { numRuns: 12 },
    );
  });

  it('crosses its 4 MB chunks with multi-byte characters intact (a 9 MB file)', () => {
    const unit = 'ab€😀\n'; // 1 + 1 + 3 + 4 + 1 bytes: the chunk boundaries fall inside characters
    const text = unit.repeat(Math.ceil(9e6 / 10));
    const got = readEncodedFile(file(text));
    expect(got.total).toBe([...text].length);
    expect(got.vocab.chars).toEqual(['\n', 'a', 'b', '€', '😀']);
    const ids = got.ids;
    for (const k of [0, 419_430, 419_431, 838_860, ids.length / 5 - 1]) {
      expect([...ids.subarray(5 * k, 5 * k + 5)]).toEqual([1, 2, 3, 4, 0]);
    }
  });

  it('with a vocabulary: leaves out and counts the characters it lacks', () => {
    const got = readEncodedFile(file('abcabx😀a'), Vocab.fromJSON(['a', 'b', 'c']));
    expect([...got.ids]).toEqual([0, 1, 2, 0, 1, 0]);
    expect(got.total).toBe(8);
    expect(got.unknown).toEqual([
      { ch: 'x', count: 1 },
      { ch: '😀', count: 1 },
    ]);
  });

  it('reports the errors readTextFile reports', () => {
    for (const bytes of [
      Buffer.alloc(0),
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from([0x61, 0xe2, 0x82]),
      Buffer.from([0x63, 0xe9, 0x21]),
      gzipSync(Buffer.alloc(0)),
    ]) {
      const p = file(bytes);
      expect(() => readTextFile(p)).toThrow();
      let want = '';
      try {
        readTextFile(p);
      } catch (e) {
        want = (e as Error).message;
      }
      expect(() => readEncodedFile(p)).toThrow(want);
    }
  });

  it('refuses what is not a regular file, before opening it', () => {
    expect(() => readEncodedFile('/dev/null')).toThrow(/\/dev\/null is a device, not a text file: only regular files are read/);
    expect(() => readEncodedFile(dir)).toThrow(/is a directory, not a text file/);
  });
});

describe('id arrays', () => {
  it('are the narrowest typed array for the vocabulary', () => {
    expect([256, 257, 65536, 65537].map((v) => [idArray(1, v).constructor.name, bytesPerId(v)])).toEqual([
      ['Uint8Array', 1],
      ['Uint16Array', 2],
      ['Uint16Array', 2],
      ['Uint32Array', 4],
    ]);
  });
  it('are split as views, not copies', () => {
    const ids = Uint8Array.from({ length: 100 }, (_, i) => i);
    const s = splitData(ids, { train: 0.9, val: 0.1 });
    expect(s.train.buffer).toBe(ids.buffer);
    expect([s.train.length, s.val.length, s.test.length]).toEqual([90, 10, 0]);
  });
});

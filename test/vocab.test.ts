import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeUtf8 } from '../src/data/text.ts';
import { Vocab } from '../src/data/vocab.ts';
import { UserError } from '../src/errors.ts';
import { readTextFile } from '../src/node/read.ts';

// A mixed alphabet: ASCII, whitespace, Chinese, full-width Latin, and astral-plane emoji and CJK.
const MIXED = ['a', 'Z', ' ', '\n', '\t', '中', '文', '字', 'ｚ', 'é', '😀', '🐱', '𠀋', '\u{10FFFF}'];

const isLoneSurrogate = (s: string): boolean => /^[\uD800-\uDFFF]$/.test(s);

describe('Vocab', () => {
  it('counts code points, not UTF-16 units or bytes', () => {
    const v = Vocab.fromText('a😀b😀');
    expect(v.size).toBe(3);
    expect(v.chars).toEqual(['a', 'b', '😀']);
    expect(Vocab.fromText('从头开始实现 RNN').size).toBe(9); // 6 Chinese characters, space, R, N
  });

  it('sorts by code point, not by UTF-16 order', () => {
    // '😀' is U+1F600 (UTF-16 D83D DE00); 'ｚ' is U+FF5A. By code units '😀' would come first.
    expect(['ｚ', '😀'].sort()).toEqual(['😀', 'ｚ']);
    expect(Vocab.fromText('😀ｚa').chars).toEqual(['a', 'ｚ', '😀']);
  });

  it('ids are indices into the sorted characters (hand-checked)', () => {
    const v = Vocab.fromText('hello');
    expect(v.chars).toEqual(['e', 'h', 'l', 'o']);
    expect(v.encode('hello')).toEqual([1, 0, 2, 2, 3]);
    expect(v.decode([3, 2, 0])).toBe('ole');
    expect(v.decode(new Int32Array([1, 3]))).toBe('ho');
    expect(v.has('l')).toBe(true);
    expect(v.has('x')).toBe(false);
  });

  it('round trips arbitrary strings over a mixed alphabet, including astral-plane characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...MIXED), minLength: 1, maxLength: 40 }), (s) => {
        const v = Vocab.fromText(s);
        const ids = v.encode(s);
        expect(ids.length).toBe([...s].length);
        expect(v.decode(ids)).toBe(s);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), (g, b) => {
        const s = g + b;
        const v = Vocab.fromText(s);
        expect(v.decode(v.encode(s))).toBe(s);
        // Invariants of chars: one code point each, distinct, strictly increasing code points.
        const cps = v.chars.map((ch) => ch.codePointAt(0)!);
        for (const ch of v.chars) expect([...ch].length).toBe(1);
        for (let i = 1; i < cps.length; i++) expect(cps[i]).toBeGreaterThan(cps[i - 1]);
        expect(new Set(v.chars)).toEqual(new Set(s));
      }),
    );
  });

  it('no id ever decodes to a lone surrogate', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (s) => {
        const v = Vocab.fromText(s);
        for (let id = 0; id < v.size; id++) expect(isLoneSurrogate(v.decode([id]))).toBe(false);
      }),
    );
    expect(Vocab.fromText('😀').decode([0])).toBe('😀');
  });

  it('rejects text with a lone surrogate', () => {
    expect(() => Vocab.fromText('ab\uD83D')).toThrow(UserError);
  });

  it('encode names every unknown character, once each, in order of appearance', () => {
    const v = Vocab.fromText('abc');
    expect(v.unknown('aQb😀Q\nc')).toEqual(['Q', '😀', '\n']);
    expect(() => v.encode('aQb😀Q')).toThrow(new UserError('characters not in the vocabulary: "Q", "😀"'));
    expect(() => v.encode('a\nb')).toThrow(/characters not in the vocabulary: "\\n" \(U\+000A\)$/);
    expect(() => v.encode('a\u00a0')).toThrow(/"\u00a0" \(U\+00A0\)/); // no-break space, invisible
    expect(v.unknown('abc')).toEqual([]);
  });

  it('decode rejects ids outside the vocabulary', () => {
    const v = Vocab.fromText('ab');
    expect(() => v.decode([2])).toThrow(RangeError);
    expect(() => v.decode([-1])).toThrow(RangeError);
    expect(() => v.decode([0.5])).toThrow(RangeError);
  });

  it('toJSON / fromJSON round trip, and fromJSON validates', () => {
    const v = Vocab.fromText('b😀a中');
    const json = JSON.parse(JSON.stringify(v)) as unknown;
    expect(json).toEqual(['a', 'b', '中', '😀']);
    expect(Vocab.fromJSON(json).chars).toEqual(v.chars);
    expect(Vocab.fromJSON([]).size).toBe(0);
    const bad: [unknown, RegExp][] = [
      ['abc', /must be an array/],
      [null, /must be an array/],
      [{ 0: 'a' }, /must be an array/],
      [['a', 1], /entry 1 is number 1, not a single character/],
      [['a', 'bc'], /entry 1 is "bc", not a single character/],
      [['a', ''], /entry 1 is "", not a single character/],
      [['\uD83D'], /entry 0 is "\\ud83d", not a single character/],
      [['😀😀'], /entry 0/],
      [['a', 'a'], /lists "a" twice/],
      [['b', 'a', 'b'], /lists "b" twice/],
    ];
    for (const [input, message] of bad) expect(() => Vocab.fromJSON(input)).toThrow(message);
    for (const [input] of bad) expect(() => Vocab.fromJSON(input)).toThrow(UserError);
  });

  it('fromJSON keeps a foreign order, so ids made elsewhere (PyTorch) stay the same', () => {
    const v = Vocab.fromJSON(['z', 'a', '😀']);
    expect(v.encode('az😀')).toEqual([1, 0, 2]);
    expect(v.decode([2, 0])).toBe('😀z');
  });
});

describe('readTextFile / decodeUtf8', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-text-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: number[] | string): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof bytes === 'string' ? bytes : Uint8Array.from(bytes));
    return p;
  };

  it('reads UTF-8 text with Chinese and emoji', () => {
    expect(readTextFile(file('ok.txt', '从头开始 😀\n'))).toBe('从头开始 😀\n');
  });

  it('strips a leading BOM but keeps a later U+FEFF', () => {
    expect(readTextFile(file('bom.txt', [0xef, 0xbb, 0xbf, 0x68, 0x69]))).toBe('hi');
    expect(readTextFile(file('bom2.txt', [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x68]))).toBe('\uFEFFh');
  });

  it('reports a missing file, a directory and an empty file', () => {
    const missing = join(dir, 'nope.txt');
    expect(() => readTextFile(missing)).toThrow(new UserError(`no such file: ${missing}`));
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    expect(() => readTextFile(sub)).toThrow(new UserError(`${sub} is a directory, not a text file`));
    const empty = file('empty.txt', []);
    expect(() => readTextFile(empty)).toThrow(new UserError(`${empty} is empty`));
    const onlyBom = file('onlybom.txt', [0xef, 0xbb, 0xbf]);
    expect(() => readTextFile(onlyBom)).toThrow(new UserError(`${onlyBom} is empty`));
  });

  it('reports invalid UTF-8 with the byte offset', () => {
    const p = file('ff.txt', [0x61, 0x62, 0xff, 0x63]);
    expect(() => readTextFile(p)).toThrow(new UserError(`${p} is not valid UTF-8 text: byte 0xFF at offset 2 cannot start a character`));
    // '中' is E4 B8 AD; cut after two bytes at the end of the file.
    const cut = file('cut.txt', [0x61, 0xe4, 0xb8]);
    expect(() => readTextFile(cut)).toThrow(/truncated multi-byte character at offset 1/);
    // ... and cut in the middle, followed by ASCII.
    const mid = file('mid.txt', [0xe4, 0xb8, 0x61]);
    expect(() => readTextFile(mid)).toThrow(/byte 0x61 at offset 2 does not continue the character starting at offset 0/);
    // An overlong encoding of '/' (C0 AF) and an encoded surrogate (ED A0 80) are invalid too.
    expect(() => decodeUtf8(Uint8Array.from([0xc0, 0xaf]), 'x')).toThrow(/x is not valid UTF-8 text: byte 0xC0 at offset 0/);
    expect(() => decodeUtf8(Uint8Array.from([0x20, 0xed, 0xa0, 0x80]), 'x')).toThrow(/byte 0xA0 at offset 2/);
    // Offsets count from the start of the data, BOM included.
    expect(() => decodeUtf8(Uint8Array.from([0xef, 0xbb, 0xbf, 0x80]), 'x')).toThrow(/byte 0x80 at offset 3/);
  });

  it('decodeUtf8 agrees with the platform decoder on random bytes: same text, or a UserError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 12 }), (bytes) => {
        let expected: string | null;
        try {
          expected = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
        } catch {
          expected = null;
        }
        if (expected === null) expect(() => decodeUtf8(bytes, 'b')).toThrow(UserError);
        else if (expected === '') expect(() => decodeUtf8(bytes, 'b')).toThrow('b is empty');
        else expect(decodeUtf8(bytes, 'b')).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

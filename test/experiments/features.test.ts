// The interpretable-cells experiment's text features on hand-made texts, every value counted by hand
// (a feature's value at a character describes the text read up to and including it).

import { describe, expect, it } from 'vitest';
import { cFeatures, linePosition, proseFeatures, wordPosition } from '../../experiments/lib/features.ts';

const get = (fs: { name: string; values: ArrayLike<number> }[], name: string): number[] => Array.from(fs.find((f) => f.name === name)!.values);
const bits = (s: string): number[] => [...s].map(Number);

describe('prose features (War and Peace)', () => {
  const text = 'He said "no (yes)" ok.\n\n"Hi\n';
  const fs = proseFeatures([...text]);
  it('quote: on from the opening " to the character before the closing one; a new paragraph reopens with its own "', () => {
    // 'He said ' 8 outside, '"no (yes)' 9 inside, '" ok.' 5 outside, the blank line 2, '"Hi\n' 4 inside (one newline ends nothing)
    expect(get(fs, 'quote')).toEqual(bits(`${'0'.repeat(8)}${'1'.repeat(9)}${'0'.repeat(5)}00${'1111'}`));
  });
  it('a paragraph break ends a quotation left open', () => {
    // a, space, then '"b' and the first newline inside; the second newline (a blank line) and c outside
    expect(get(proseFeatures([...'a "b\n\nc']), 'quote')).toEqual([0, 0, 1, 1, 1, 0, 0]);
  });
  it('parens: on from ( to the character before )', () => {
    // 'He said "no ' 12 outside, '(yes' 4 inside, ')" ok.\n\n"Hi\n' 12 outside
    expect(get(fs, 'parens')).toEqual(bits(`${'0'.repeat(12)}1111${'0'.repeat(12)}`));
  });
  it('line position counts the characters of the line so far; a newline is 0', () => {
    expect(get(fs, 'line-position')).toEqual([...Array.from({ length: 22 }, (_, i) => i + 1), 0, 0, 1, 2, 3, 0]);
    expect(Array.from(linePosition([...'ab\nc']))).toEqual([1, 2, 0, 1]);
  });
  it('word position counts the letters of the word so far; anything else is 0', () => {
    // H e _ s a i d _ " n o _ ( y e s ) " _ o k . \n \n " H i \n
    expect(get(fs, 'word-position')).toEqual([1, 2, 0, 1, 2, 3, 4, 0, 0, 1, 2, 0, 0, 1, 2, 3, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 2, 0]);
    expect(Array.from(wordPosition([...'é1ß']))).toEqual([1, 0, 1]); // letters of any script
  });
});

describe('C features (Linux)', () => {
  it('comments and strings: a quote in a comment or a character literal opens nothing, an escaped quote closes nothing', () => {
    // x / * " * / y " a \ " b " z
    const fs = cFeatures([...'x/*"*/y"a\\"b"z']);
    expect(get(fs, 'comment')).toEqual(bits('00111000000000')); // from the * of /* to the * of */
    expect(get(fs, 'string')).toEqual(bits('00000001111100')); // from the opening " to the b before the closing "
    // c = ' " ' ; / / " { \n : the character literal hides its quote; the line comment runs to the newline
    const gs = cFeatures([...'c=\'"\';//"{\n']);
    expect(get(gs, 'string')).toEqual(bits('00000000000'));
    expect(get(gs, 'comment')).toEqual(bits('00000001110'));
    expect(get(gs, 'brace-depth')).toEqual(bits('00000000000')); // a brace in a comment does not count
  });
  it('a block comment ends only at */ (not at /*/), and a division is code', () => {
    // / * / * / a / b
    expect(get(cFeatures([...'/*/*/a/b']), 'comment')).toEqual(bits('01110000'));
  });
  it('indentation: leading tabs so far, plus one per 8 leading spaces; 0 after a newline', () => {
    // \t i f ␣ ( a ) ␣ { \n   then \t \t and 8 spaces, y ; \n   then } } \n
    const text = `\tif (a) {\n\t\t${' '.repeat(8)}y;\n}}\n`;
    const fs = cFeatures([...text]);
    expect(get(fs, 'indentation')).toEqual([
      ...[1, 1, 1, 1, 1, 1, 1, 1, 1, 0], // the first line: one tab
      ...[1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 0], // two tabs, then the eighth space makes a third level
      ...[0, 0, 0], // no indentation
    ]);
    // braces: { opens at its own character; the second } of '}}' finds depth 0 and stays there
    expect(get(fs, 'brace-depth')).toEqual([...bits('0000000011'), ...bits('1111111111111'), 0, 0, 0]);
    // parens: on from ( to the a before )
    expect(get(fs, 'parens')).toEqual([...bits('0000110000'), ...bits('0000000000000'), 0, 0, 0]);
    expect(get(fs, 'line-position')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, ...Array.from({ length: 12 }, (_, i) => i + 1), 0, 1, 2, 0]);
  });
  it('an unterminated string ends at the newline', () => {
    expect(get(cFeatures([...'"ab\nc']), 'string')).toEqual([1, 1, 1, 0, 0]);
  });
});

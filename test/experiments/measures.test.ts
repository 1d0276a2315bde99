// The experiments' text measures on small hand-made texts whose answers are counted by hand
// (each expectation's comment says how).

import { describe, expect, it } from 'vitest';
import {
  bracketBalance,
  charEntropy,
  cLineShare,
  distinctWordRatio,
  knownWordShare,
  latexBalance,
  lines,
  longestRepeat,
  meanWordLength,
  nestingErrors,
  poemForm,
  poemLines,
  shareIn,
  undeclaredIdentifiers,
  vocabulary,
  words,
} from '../../experiments/lib/measures.ts';

describe('words', () => {
  it('are runs of letters in any script, with inner apostrophes; punctuation and digits split them', () => {
    expect(words("Don't stop-me now, 北京! x2y")).toEqual(["Don't", 'stop', 'me', 'now', '北京', 'x', 'y']);
    expect(words('  12 ,. ')).toEqual([]);
  });
  it('mean length, known share, vocabulary and distinct ratio', () => {
    expect(meanWordLength('ab cde')).toBe(2.5); // (2 + 3) / 2
    expect(meanWordLength('北京 a')).toBe(1.5); // code points, not UTF-16 units
    expect(meanWordLength('...')).toBeNaN();
    expect(knownWordShare('The cat sat', new Set(['the', 'cat']))).toBeCloseTo(2 / 3, 15); // "The" matches in lower case
    expect([...vocabulary('A a B')].sort()).toEqual(['a', 'b']);
    expect(distinctWordRatio('a A b')).toBeCloseTo(2 / 3, 15);
  });
});

describe('charEntropy', () => {
  it('is log2 of the alphabet for a uniform text, 0 for one character, NaN for none', () => {
    expect(charEntropy('aabb')).toBe(1);
    expect(charEntropy('abcd')).toBe(2);
    expect(charEntropy('aaaa')).toBe(0);
    expect(charEntropy('')).toBeNaN();
    // p = 1/2, 1/4, 1/4: 1/2·1 + 2·1/4·2 = 1.5
    expect(charEntropy('aab😀')).toBe(1.5);
  });
});

describe('longestRepeat', () => {
  it('finds the longest substring seen twice, overlapping allowed', () => {
    expect(longestRepeat('abcabcx')).toBe('abc');
    expect(longestRepeat('aaaa')).toBe('aaa'); // at 0 and at 1
    expect(longestRepeat('abcd')).toBe('');
  });
});

describe('brackets', () => {
  it('counts each kind on its own', () => {
    // ")" before any "(": unmatched; then "((" and one ")": one left open
    expect(bracketBalance(')(()', ['()'])).toEqual({ '()': { open: 2, close: 2, unmatchedClose: 1, unclosed: 1 } });
  });
  it('nesting errors are closers that do not close the innermost opener', () => {
    expect(nestingErrors('{[()]}')).toBe(0);
    expect(nestingErrors('([)]')).toBe(1); // ")" while "[" is innermost; "]" then closes "["
    expect(nestingErrors(']')).toBe(1);
  });
});

describe('C measures', () => {
  it('cLineShare: lines that end as C lines do, over non-blank lines', () => {
    // "int x;" and "#include" pass, "foo bar" and "return y" do not; the blank line is not counted
    expect(cLineShare('int x;\nfoo bar\n\n#include <a.h>\n  return y')).toBe(0.5);
    expect(cLineShare('\n \n')).toBeNaN();
  });
  it('undeclaredIdentifiers: variables used and never declared in the sample', () => {
    // declared: x (after int), p (after struct foo *); foo is a tag and a call; y, q, z are not declared
    const r = undeclaredIdentifiers('int x = y + 1;\nstruct foo *p = q;\nfoo(z);');
    expect(r.undeclared).toEqual(['q', 'y', 'z']);
    expect(r.used).toBe(5); // x, y, p, q, z
    // members, ALL_CAPS macros, strings and comments are not variables
    expect(undeclaredIdentifiers('int a; a->b = MAX; /* c */ s = "d";').undeclared).toEqual(['s']);
  });
});

describe('latexBalance', () => {
  it('pairs \\begin and \\end, balances unescaped braces, drops comments', () => {
    // \end{a} while b is innermost: mismatched, and it closes b and a; \end{c} with none open: mismatched
    const r = latexBalance('\\begin{a}\\begin{b}\\end{a}\\end{c} {x} } % \\begin{d} {');
    expect(r).toEqual({ begins: 2, ends: 2, matched: 0, mismatched: 2, unclosed: 0, braceDepthAtEnd: 0, unmatchedCloseBraces: 1 });
    const s = latexBalance('\\begin{proof} \\{ { 50\\% \\end{proof} \\begin{lemma}');
    expect(s).toMatchObject({ begins: 2, matched: 1, mismatched: 0, unclosed: 1, braceDepthAtEnd: 1, unmatchedCloseBraces: 0 });
  });
});

describe('Tang poems', () => {
  const quiet = '床前明月光，疑是地上霜。举头望明月，低头思故乡。'; // 4 lines of 5, ，。，。
  const cut = '春眠不觉晓，处处闻啼鸟。夜来风雨声'; // cut off: 3 lines, the last without its mark
  it('poemLines splits at clause marks and keeps them', () => {
    expect(poemLines(cut)).toEqual([
      { text: '春眠不觉晓', mark: '，' },
      { text: '处处闻啼鸟', mark: '。' },
      { text: '夜来风雨声', mark: '' },
    ]);
  });
  it('poemForm counts lines of 5 or 7, regular forms and alternating marks', () => {
    expect(poemForm(`${quiet}\n\n${cut}\n`)).toEqual({ poems: 2, lines: 7, fiveOrSeven: 7, regular: 1, alternating: 1 });
    // 8 lines of 7 is regular; one line of 6 breaks it
    const seven = '一二三四五六七，'.repeat(3) + '一二三四五六七。';
    expect(poemForm(seven + seven).regular).toBe(1);
    expect(poemForm('一二三四五六，一二三四五六。').fiveOrSeven).toBe(0);
  });
});

describe('lines and shareIn', () => {
  it('trims and drops empty lines; shares are of items found', () => {
    expect(lines(' a \n\nb\n')).toEqual(['a', 'b']);
    expect(shareIn(['a', 'b', 'c'], new Set(['a']))).toBeCloseTo(1 / 3, 15);
    expect(shareIn([], new Set(['a']))).toBeNaN();
  });
});

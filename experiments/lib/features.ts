// Simple features of a text, one number per character, for asking which cells of a model track them
// (the interpretable-cells experiment). Every value describes the text as read up to and including
// that character, which is what the model has seen when its state is recorded: after an opening
// quote the text is inside the quote, after the closing one outside.

import type { Feature } from '../../src/index.ts';

export interface TextFeature extends Feature {
  /** What it is, for the reports. */
  label: string;
}

/** Characters since the last newline: 1 after the first character of a line, 0 after the newline. */
export function linePosition(chars: readonly string[]): Float64Array {
  const out = new Float64Array(chars.length);
  let n = 0;
  chars.forEach((ch, t) => {
    n = ch === '\n' ? 0 : n + 1;
    out[t] = n;
  });
  return out;
}

/** Letters since the last character that is not a letter (0 on a space or punctuation). */
export function wordPosition(chars: readonly string[]): Float64Array {
  const out = new Float64Array(chars.length);
  let n = 0;
  chars.forEach((ch, t) => {
    n = /\p{L}/u.test(ch) ? n + 1 : 0;
    out[t] = n;
  });
  return out;
}

/**
 * Prose (War and Peace): inside a quotation, and inside parentheses. A straight double quote opens
 * or closes a quotation; a paragraph break (a blank line) ends both (a quotation that runs on into
 * the next paragraph opens it again with a quote mark, as English prints it), and so does a
 * parenthesis left open.
 */
export function proseFeatures(chars: readonly string[]): TextFeature[] {
  const quote = new Float64Array(chars.length),
    parens = new Float64Array(chars.length);
  let inQuote = false,
    depth = 0;
  chars.forEach((ch, t) => {
    if (ch === '"') inQuote = !inQuote;
    else if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === '\n' && t > 0 && chars[t - 1] === '\n') {
      inQuote = false;
      depth = 0;
    }
    quote[t] = inQuote ? 1 : 0;
    parens[t] = depth > 0 ? 1 : 0;
  });
  return [
    { name: 'quote', label: 'inside a quotation "…"', kind: 'binary', values: quote },
    { name: 'line-position', label: 'position in the line', kind: 'continuous', values: linePosition(chars) },
    { name: 'parens', label: 'inside parentheses', kind: 'binary', values: parens },
    { name: 'word-position', label: 'position in the word', kind: 'continuous', values: wordPosition(chars) },
  ];
}

type Lex = 'code' | 'line-comment' | 'block-comment' | 'string' | 'char';

// C source (Linux): a small lexer's state after each character.
//   comment: from the second character of its opener (the * of /*, the second / of //) to the last
//     character before its end (the * of the closing star-slash, or the character before the newline);
//   string: from the opening " to the character before the closing one (escapes such as \" stay
//     inside); a quote in a comment or a character literal ('"') opens nothing;
//   indentation: leading tabs of the current line so far, plus a level per 8 leading spaces; 0 after a newline;
//   braces: the depth of { } in code (not in strings, comments or character literals), never below 0;
//   parens: inside ( ) in code.
export function cFeatures(chars: readonly string[]): TextFeature[] {
  const T = chars.length;
  const comment = new Float64Array(T),
    string = new Float64Array(T),
    indent = new Float64Array(T),
    braces = new Float64Array(T),
    parens = new Float64Array(T);
  let state: Lex = 'code',
    slash = false, // code: the last character was a /
    star = false, // block comment: the last character was a *
    escaped = false, // string or character literal: the last character was an unescaped backslash
    braceDepth = 0,
    parenDepth = 0,
    tabs = 0,
    spaces = 0,
    leading = true; // still in the current line's leading white space
  chars.forEach((ch, t) => {
    switch (state) {
      case 'code':
        if (slash && ch === '/') state = 'line-comment';
        else if (slash && ch === '*') [state, star] = ['block-comment', false];
        else if (ch === '"') state = 'string';
        else if (ch === "'") state = 'char';
        else if (ch === '{') braceDepth++;
        else if (ch === '}') braceDepth = Math.max(0, braceDepth - 1);
        else if (ch === '(') parenDepth++;
        else if (ch === ')') parenDepth = Math.max(0, parenDepth - 1);
        slash = state === 'code' && ch === '/';
        break;
      case 'line-comment':
        if (ch === '\n') state = 'code';
        break;
      case 'block-comment':
        if (star && ch === '/') state = 'code';
        star = ch === '*';
        break;
      case 'string':
      case 'char': {
        const close = state === 'string' ? '"' : "'";
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === close || ch === '\n') state = 'code'; // a newline: an unterminated literal ends
        break;
      }
    }
    if (ch === '\n') [tabs, spaces, leading] = [0, 0, true];
    else if (leading && ch === '\t') tabs++;
    else if (leading && ch === ' ') spaces++;
    else leading = false;
    comment[t] = state === 'line-comment' || state === 'block-comment' ? 1 : 0;
    string[t] = state === 'string' ? 1 : 0;
    indent[t] = tabs + Math.floor(spaces / 8);
    braces[t] = braceDepth;
    parens[t] = parenDepth > 0 ? 1 : 0;
  });
  return [
    { name: 'string', label: 'inside a string "…"', kind: 'binary', values: string },
    { name: 'comment', label: 'inside a comment', kind: 'binary', values: comment },
    { name: 'line-position', label: 'position in the line', kind: 'continuous', values: linePosition(chars) },
    { name: 'indentation', label: 'indentation depth (tabs)', kind: 'continuous', values: indent },
    { name: 'brace-depth', label: 'depth of { } nesting', kind: 'continuous', values: braces },
    { name: 'parens', label: 'inside parentheses ( )', kind: 'binary', values: parens },
  ];
}

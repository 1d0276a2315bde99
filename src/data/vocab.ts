// The character vocabulary of a char-level model: the distinct characters of the training text,
// sorted, with a character's id being its index. A "character" here is one Unicode code point,
// so a Chinese character or an emoji such as 😀 (two UTF-16 code units in a JavaScript string) is
// one token, and no id ever stands for half a surrogate pair.
//
// NOTE: ids are sorted by code point, not by JavaScript's default string order (UTF-16 code units):
// the two disagree above U+FFFF, e.g. 😀 U+1F600 comes after ｚ U+FF5A here although its first code
// unit 0xD83D sorts before 0xFF5A.

import { UserError } from '../errors.ts';

/** The code point of a one-code-point string. */
const codeOf = (ch: string): number => ch.codePointAt(0)!;

/** True for U+D800–U+DFFF, which only ever appear in a string as half of a pair (or broken). */
const isSurrogate = (cp: number): boolean => cp >= 0xd800 && cp <= 0xdfff;

/** True when `s` is exactly one Unicode scalar value (one code point, not a lone surrogate). */
function isOneScalar(s: string): boolean {
  if (s.length === 0 || s.length > 2) return false;
  const cp = codeOf(s);
  return !isSurrogate(cp) && s.length === (cp > 0xffff ? 2 : 1);
}

/** `"a"`, or `"\n" (U+000A)` for characters one cannot see: controls, format characters, spaces. */
export function showChar(ch: string): string {
  const quoted = JSON.stringify(ch);
  if (!/^[\p{Cc}\p{Cf}\p{Z}\p{White_Space}\p{Cs}]$/u.test(ch)) return quoted;
  return `${quoted} (U+${codeOf(ch).toString(16).toUpperCase().padStart(4, '0')})`;
}

export class Vocab {
  /** Distinct, each exactly one code point. Index = id. Sorted by code point when made from a text. */
  readonly chars: readonly string[];
  private readonly ids: Map<string, number>;

  private constructor(chars: string[]) {
    this.chars = Object.freeze(chars);
    this.ids = new Map(chars.map((ch, i) => [ch, i]));
  }

  /** The distinct code points of `text`, sorted by code point. Throws on a lone surrogate. */
  static fromText(text: string): Vocab {
    const seen = new Set<string>();
    for (const ch of text) {
      // The string iterator yields whole pairs; a lone surrogate comes out on its own.
      if (isSurrogate(codeOf(ch))) throw new UserError(`text contains a lone surrogate ${showChar(ch)}, which is not a character`);
      seen.add(ch);
    }
    return new Vocab([...seen].sort((a, b) => codeOf(a) - codeOf(b)));
  }

  /**
   * The inverse of toJSON(): an array of distinct one-code-point strings, in id order. Any order is
   * accepted, so a vocabulary made elsewhere (e.g. by a PyTorch user) keeps its ids.
   */
  static fromJSON(chars: unknown): Vocab {
    if (!Array.isArray(chars)) throw new UserError(`vocabulary must be an array of characters, got ${describe(chars)}`);
    const out: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < chars.length; i++) {
      const ch: unknown = chars[i];
      if (typeof ch !== 'string' || !isOneScalar(ch)) {
        throw new UserError(`vocabulary entry ${i} is ${typeof ch === 'string' ? JSON.stringify(ch) : describe(ch)}, not a single character`);
      }
      if (seen.has(ch)) throw new UserError(`vocabulary lists ${showChar(ch)} twice`);
      seen.add(ch);
      out.push(ch);
    }
    return new Vocab(out);
  }

  get size(): number {
    return this.chars.length;
  }

  has(ch: string): boolean {
    return this.ids.has(ch);
  }

  /** One id per code point of `text`. Throws a UserError naming every character not in the vocabulary. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id === undefined) {
        throw new UserError(`characters not in the vocabulary: ${this.unknown(text).map(showChar).join(', ')}`);
      }
      ids.push(id);
    }
    return ids;
  }

  /** The distinct code points of `text` that are not in the vocabulary, in order of first appearance. */
  unknown(text: string): string[] {
    const out = new Set<string>();
    for (const ch of text) if (!this.ids.has(ch)) out.add(ch);
    return [...out];
  }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const ch = this.chars[ids[i]];
      if (!Number.isInteger(ids[i]) || ch === undefined) {
        throw new RangeError(`decode: id ${ids[i]} is not in [0, ${this.size})`);
      }
      s += ch;
    }
    return s;
  }

  toJSON(): string[] {
    return [...this.chars];
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

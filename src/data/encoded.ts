// A text as the model sees it: a vocabulary and one id per character, in a typed array sized to
// the vocabulary (1 byte per character for ≤ 256 distinct characters, 2 for ≤ 65,536, else 4).
// A plain JavaScript array cannot pass about 134 million elements and costs 8+ bytes per entry;
// a typed array holds a text of any length that fits in memory, at 1–4 bytes per character.
//
// Texts too large for one JavaScript string (about 512 million UTF-16 units) never become one: the
// command line feeds their bytes, chunk by chunk, through Utf8Scanner (strict UTF-8, as decodeUtf8)
// into CharCounts (pass 1: which characters, how many) and then into an Encoder (pass 2: the ids).

import { UserError } from '../errors.ts';
import { Vocab } from './vocab.ts';

export type Ids = Uint8Array | Uint16Array | Uint32Array;

export interface EncodedText {
  vocab: Vocab;
  ids: Ids;
}

/** Unicode code points run from 0 to U+10FFFF. */
const CODE_POINTS = 0x110000;

/** A zeroed id array of `length` ids below `vocabSize`, of the narrowest type that holds them. */
export function idArray(length: number, vocabSize: number): Ids {
  return vocabSize <= 0x100 ? new Uint8Array(length) : vocabSize <= 0x10000 ? new Uint16Array(length) : new Uint32Array(length);
}

/** Bytes per character of idArray for this vocabulary size. */
export const bytesPerId = (vocabSize: number): number => (vocabSize <= 0x100 ? 1 : vocabSize <= 0x10000 ? 2 : 4);

/**
 * A strict streaming UTF-8 decoder (RFC 3629; the same grammar as firstUtf8Error): push byte chunks
 * of any size, get code points; a character split across two chunks is carried over. (A leading
 * byte-order mark is the reader's to drop: see withoutBom.) Errors are UserErrors naming the byte
 * offset in the whole stream.
 */
export class Utf8Scanner {
  private readonly carry = new Uint8Array(4);
  private carried = 0;
  /** Bytes pushed before the current chunk. */
  private offset = 0;
  /** Code points decoded so far. */
  chars = 0;

  constructor(private readonly what: string) {}

  /** Decodes `chunk` (after any carried bytes) into `out`, which needs chunk.length + 3 slots; returns how many. */
  push(chunk: Uint8Array, out: Uint32Array): number {
    let b = chunk;
    let base = this.offset;
    if (this.carried > 0) {
      b = new Uint8Array(this.carried + chunk.length);
      b.set(this.carry.subarray(0, this.carried));
      b.set(chunk, this.carried);
      base -= this.carried;
    }
    this.offset += chunk.length;
    const len = b.length;
    let i = 0,
      n = 0;
    while (i < len) {
      const lead = b[i];
      if (lead < 0x80) {
        out[n++] = lead;
        i++;
        continue;
      }
      // [continuation bytes needed, allowed range of the first one], as in firstUtf8Error
      let need: number,
        lo = 0x80,
        hi = 0xbf,
        cp: number;
      if (lead >= 0xc2 && lead <= 0xdf) {
        need = 1;
        cp = lead & 0x1f;
      } else if (lead >= 0xe0 && lead <= 0xef) {
        need = 2;
        cp = lead & 0x0f;
        if (lead === 0xe0) lo = 0xa0;
        if (lead === 0xed) hi = 0x9f;
      } else if (lead >= 0xf0 && lead <= 0xf4) {
        need = 3;
        cp = lead & 0x07;
        if (lead === 0xf0) lo = 0x90;
        if (lead === 0xf4) hi = 0x8f;
      } else throw this.bad(`byte ${hex(lead)} at offset ${base + i} cannot start a character`);
      const have = Math.min(need, len - 1 - i);
      for (let k = 1; k <= have; k++) {
        const c = b[i + k];
        const ok = k === 1 ? c >= lo && c <= hi : c >= 0x80 && c <= 0xbf;
        if (!ok) throw this.bad(`byte ${hex(c)} at offset ${base + i + k} does not continue the character starting at offset ${base + i}`);
        cp = (cp << 6) | (c & 0x3f);
      }
      if (have < need) break; // the character continues in the next chunk, or the data ends inside it (end())
      out[n++] = cp;
      i += need + 1;
    }
    this.carried = len - i;
    this.carry.set(b.subarray(i));
    this.chars += n;
    return n;
  }

  /** After the last chunk: a UserError if the data was empty or ends inside a character. */
  end(): void {
    if (this.carried > 0) throw this.bad(`truncated multi-byte character at offset ${this.offset - this.carried} (the data ends inside it)`);
    if (this.chars === 0) throw new UserError(`${this.what} is empty`);
  }

  private bad(problem: string): UserError {
    return new UserError(`${this.what} is not valid UTF-8 text: ${problem}`);
  }
}

/** `bytes` without a leading UTF-8 byte-order mark. */
export function withoutBom(bytes: Uint8Array): Uint8Array {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

const hex = (x: number): string => `0x${x.toString(16).toUpperCase().padStart(2, '0')}`;

/** Pass 1: how often each code point occurs. */
export class CharCounts {
  readonly counts = new Float64Array(CODE_POINTS);
  total = 0;

  add(cps: Uint32Array, n: number): void {
    const c = this.counts;
    for (let i = 0; i < n; i++) c[cps[i]]++;
    this.total += n;
  }

  /** The vocabulary of the counted text: its distinct characters, sorted by code point (as Vocab.fromText). */
  vocab(): Vocab {
    const chars: string[] = [];
    for (let cp = 0; cp < CODE_POINTS; cp++) if (this.counts[cp] > 0) chars.push(String.fromCodePoint(cp));
    return Vocab.fromJSON(chars);
  }

  /** Characters of the text that `vocab` has, and the distinct ones it lacks (with their counts). */
  against(vocab: Vocab): { known: number; unknown: { ch: string; count: number }[] } {
    const inVocab = new Uint8Array(CODE_POINTS);
    for (const ch of vocab.chars) inVocab[ch.codePointAt(0)!] = 1;
    let known = 0;
    const unknown: { ch: string; count: number }[] = [];
    for (let cp = 0; cp < CODE_POINTS; cp++) {
      const k = this.counts[cp];
      if (k === 0) continue;
      if (inVocab[cp]) known += k;
      else unknown.push({ ch: String.fromCodePoint(cp), count: k });
    }
    return { known, unknown };
  }
}

/** Pass 2: the ids of the characters `vocab` has (the others are skipped), into an array of known length. */
export class Encoder {
  private readonly idOf = new Int32Array(CODE_POINTS).fill(-1);
  readonly ids: Ids;
  filled = 0;

  constructor(
    readonly vocab: Vocab,
    length: number,
  ) {
    vocab.chars.forEach((ch, id) => (this.idOf[ch.codePointAt(0)!] = id));
    this.ids = idArray(length, vocab.size);
  }

  add(cps: Uint32Array, n: number): void {
    const { idOf, ids } = this;
    let f = this.filled;
    for (let i = 0; i < n; i++) {
      const id = idOf[cps[i]];
      if (id >= 0) ids[f++] = id;
    }
    this.filled = f;
  }
}

/**
 * An in-memory text encoded as the files are: with its own vocabulary (sorted by code point, as
 * Vocab.fromText) or with `vocab`, when every character must be in it (a UserError names the others).
 */
export function encodeText(text: string, vocab?: Vocab): EncodedText {
  const v = vocab ?? Vocab.fromText(text);
  const cps = Uint32Array.from(text, (ch) => ch.codePointAt(0)!);
  const enc = new Encoder(v, cps.length);
  enc.add(cps, cps.length);
  if (enc.filled !== cps.length) {
    throw new UserError(
      `characters not in the vocabulary: ${v
        .unknown(text)
        .slice(0, 20)
        .map((c) => JSON.stringify(c))
        .join(', ')}`,
    );
  }
  return { vocab: v, ids: enc.ids };
}

/** A one-line check that a length fits a typed array, before it is allocated. */
export function checkIdLength(chars: number, what: string): void {
  if (chars > 2 ** 32 - 1) throw new UserError(`${what} has ${chars} characters; at most ${2 ** 32 - 1} are supported`);
}

// Decoding the training text from bytes: gzip's magic number, and UTF-8 checked so that bad bytes
// become a one-line UserError that says what and where. Reading files is the Node layer's job
// (src/node/read.ts); the web page hands these functions the bytes of a File.

import { UserError } from '../errors.ts';

/** gzip's magic number (RFC 1952, section 2.3.1): every gzip member starts with 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The longest JavaScript string V8 makes, in UTF-16 units (each at most one byte of UTF-8). */
const MAX_STRING = 2 ** 29 - 24;

/** Strict UTF-8 decoding of `bytes` (`what` names them in errors): no empty input, no bad bytes, BOM dropped. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  const hasBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hasBom ? bytes.subarray(3) : bytes;
  if (body.length === 0) throw new UserError(`${what} is empty`);
  // NOTE: V8's strings hold at most 2^29 − 24 UTF-16 units; beyond, decoding would be a RangeError
  if (body.length > MAX_STRING)
    throw new UserError(
      `${what} has ${body.length} bytes: too large to hold as one string (at most ${MAX_STRING}); rnn train and rnn eval stream texts of any size`,
    );
  try {
    // ignoreBOM: true keeps a second BOM (a real U+FEFF in the text); we removed the first ourselves.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    const bad = firstUtf8Error(bytes, hasBom ? 3 : 0);
    throw new UserError(`${what} is not valid UTF-8 text${bad ? `: ${bad.problem}` : ''}`);
  }
}

/**
 * The first malformed sequence in `b`, found by walking the UTF-8 grammar (RFC 3629, table 3-7 of
 * the Unicode standard): lead byte, then 1–3 continuation bytes whose allowed range depends on it,
 * which rules out overlong forms, surrogates and code points above U+10FFFF. Offsets count from
 * the start of `b`; scanning begins at `start`.
 */
export function firstUtf8Error(b: Uint8Array, start = 0): { offset: number; problem: string } | null {
  const hex = (x: number): string => `0x${x.toString(16).toUpperCase().padStart(2, '0')}`;
  let i = start;
  while (i < b.length) {
    const lead = b[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    // [number of continuation bytes, allowed range of the first one]
    let n: number,
      lo = 0x80,
      hi = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) n = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      n = 2;
      if (lead === 0xe0) lo = 0xa0;
      if (lead === 0xed) hi = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      n = 3;
      if (lead === 0xf0) lo = 0x90;
      if (lead === 0xf4) hi = 0x8f;
    } else return { offset: i, problem: `byte ${hex(lead)} at offset ${i} cannot start a character` };
    for (let k = 1; k <= n; k++) {
      if (i + k >= b.length) return { offset: i, problem: `truncated multi-byte character at offset ${i} (the data ends inside it)` };
      const c = b[i + k];
      const ok = k === 1 ? c >= lo && c <= hi : c >= 0x80 && c <= 0xbf;
      if (!ok) return { offset: i + k, problem: `byte ${hex(c)} at offset ${i + k} does not continue the character starting at offset ${i}` };
    }
    i += n + 1;
  }
  return null;
}

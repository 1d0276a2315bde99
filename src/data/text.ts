// Reading the training text. Every way a file can be unusable (missing, a directory, unreadable,
// empty, a broken gzip, not UTF-8) becomes a one-line UserError that says which, and where for bad
// bytes. A gzip-compressed file is recognised by its first two bytes and read as the text it holds.

import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../errors.ts';

/** The text of a UTF-8 file, plain or gzip-compressed, without a leading byte-order mark. */
export function readTextFile(path: string): string {
  return decodeUtf8(gunzipIfCompressed(readFileBytes(path, 'a text file'), path), path);
}

/** gzip's magic number (RFC 1952, section 2.3.1): every gzip member starts with 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * `bytes` unchanged, or, when they start with gzip's magic number, what they decompress to
 * (`what` names them in errors). A truncated stream, a bad checksum or a damaged header is a
 * UserError, never a partial text.
 */
export function gunzipIfCompressed(bytes: Uint8Array, what: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    const detail = code === 'Z_BUF_ERROR' ? 'the compressed data ends too soon (truncated)'
      : code === 'Z_DATA_ERROR' ? `the compressed data is damaged (${err instanceof Error ? err.message : String(err)})`
      : err instanceof Error ? err.message : String(err);
    throw new UserError(`${what} starts like a gzip file but cannot be decompressed: ${detail}`);
  }
}

/**
 * The bytes of a file, or a UserError for a missing path, a directory or an unreadable file.
 * `kind` names what was expected there ("a text file", "a checkpoint").
 */
export function readFileBytes(path: string, kind: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) throw new UserError(`${path} is a directory, not ${kind}`);
    return readFileSync(path);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(describeFsError(err, path, 'read'));
  }
}

/** A one-line message for a failed file-system call (`verb`: "read", "write", …). */
export function describeFsError(err: unknown, path: string, verb: string): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT': return verb === 'read' ? `no such file: ${path}` : `cannot ${verb} ${path}: no such file or directory`;
    case 'EACCES':
    case 'EPERM': return `cannot ${verb} ${path}: permission denied`;
    case 'EISDIR': return `cannot ${verb} ${path}: it is a directory`;
    case 'ENOTDIR': return `cannot ${verb} ${path}: a component of the path is not a directory`;
    case 'ENOSPC': return `cannot ${verb} ${path}: no space left on device`;
    case 'EROFS': return `cannot ${verb} ${path}: read-only file system`;
    default: return `cannot ${verb} ${path}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Strict UTF-8 decoding of `bytes` (`what` names them in errors): no empty input, no bad bytes, BOM dropped. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  const hasBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hasBom ? bytes.subarray(3) : bytes;
  if (body.length === 0) throw new UserError(`${what} is empty`);
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
    if (lead < 0x80) { i++; continue; }
    // [number of continuation bytes, allowed range of the first one]
    let n: number, lo = 0x80, hi = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) n = 1;
    else if (lead >= 0xe0 && lead <= 0xef) { n = 2; if (lead === 0xe0) lo = 0xa0; if (lead === 0xed) hi = 0x9f; }
    else if (lead >= 0xf0 && lead <= 0xf4) { n = 3; if (lead === 0xf0) lo = 0x90; if (lead === 0xf4) hi = 0x8f; }
    else return { offset: i, problem: `byte ${hex(lead)} at offset ${i} cannot start a character` };
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

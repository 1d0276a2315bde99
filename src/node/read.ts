// Reading files, for the command line, the notebooks and the tests (Node only; the core takes
// bytes and text). Every way a file can be unusable (missing, a directory, unreadable, empty, a
// broken gzip, not UTF-8) becomes a one-line UserError that says which, and where for bad bytes.
// A gzip-compressed file is recognised by its first two bytes and read as the text it holds.

import { constants as bufferConstants } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CharCounts, checkIdLength, type EncodedText, Encoder, Utf8Scanner, withoutBom } from '../data/encoded.ts';
import { decodeUtf8, isGzip } from '../data/text.ts';
import type { Vocab } from '../data/vocab.ts';
import { UserError } from '../errors.ts';

/** The text of a UTF-8 file, plain or gzip-compressed, without a leading byte-order mark. */
export function readTextFile(path: string): string {
  return decodeUtf8(gunzipIfCompressed(readFileBytes(path, 'a text file'), path), path);
}

/**
 * `bytes` unchanged, or, when they start with gzip's magic number, what they decompress to
 * (`what` names them in errors). A truncated stream, a bad checksum or a damaged header is a
 * UserError, never a partial text.
 */
export function gunzipIfCompressed(bytes: Uint8Array, what: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: bufferConstants.MAX_LENGTH });
  } catch (err) {
    if ((err as NodeJS.ErrnoException | null)?.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new UserError(`${what} decompresses to more than ${bufferConstants.MAX_LENGTH} bytes, more than one buffer can hold; decompress it first (gunzip)`);
    }
    const code = (err as NodeJS.ErrnoException | null)?.code;
    const detail =
      code === 'Z_BUF_ERROR'
        ? 'the compressed data ends too soon (truncated)'
        : code === 'Z_DATA_ERROR'
          ? `the compressed data is damaged (${err instanceof Error ? err.message : String(err)})`
          : err instanceof Error
            ? err.message
            : String(err);
    throw new UserError(`${what} starts like a gzip file but cannot be decompressed: ${detail}`);
  }
}

/**
 * The bytes of a file, or a UserError for a missing path, a directory, something that is not a
 * regular file (a FIFO or a device could be read forever) or an unreadable file. `kind` names what
 * was expected there ("a text file", "a checkpoint").
 */
export function readFileBytes(path: string, kind: string): Uint8Array {
  const { fd, size } = openRegularFile(path, kind);
  try {
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const got = readSync(fd, bytes, at, size - at, at);
      if (got === 0) break; // the file shrank while we read it
      at += got;
    }
    return bytes.subarray(0, at);
  } catch (err) {
    throw new UserError(describeFsError(err, path, 'read'));
  } finally {
    closeSync(fd);
  }
}

/** An open regular file and its size; a UserError for anything else (checked before opening: a FIFO would block). */
function openRegularFile(path: string, kind: string): { fd: number; size: number } {
  const check = (st: Stats): void => {
    if (st.isDirectory()) throw new UserError(`${path} is a directory, not ${kind}`);
    if (!st.isFile())
      throw new UserError(
        `${path} is ${st.isFIFO() ? 'a FIFO (named pipe)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file'}, not ${kind}: only regular files are read`,
      );
    if (st.size > bufferConstants.MAX_LENGTH)
      throw new UserError(`${path} has ${st.size} bytes, more than the ${bufferConstants.MAX_LENGTH} one buffer can hold`);
  };
  let fd: number;
  try {
    check(statSync(path));
    fd = openSync(path, 'r');
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(describeFsError(err, path, 'read'));
  }
  try {
    const st = fstatSync(fd);
    check(st);
    return { fd, size: st.size };
  } catch (err) {
    closeSync(fd);
    throw err instanceof UserError ? err : new UserError(describeFsError(err, path, 'read'));
  }
}

/** What readEncodedFile found besides the ids. */
export interface EncodedFile extends EncodedText {
  /** Characters in the file (the ids hold the ones in the vocabulary). */
  total: number;
  /** Distinct characters left out because the given vocabulary lacks them, with their counts. */
  unknown: { ch: string; count: number }[];
}

/** Bytes read per chunk when streaming a file. */
const CHUNK = 1 << 22;

/**
 * A UTF-8 text file (plain or gzip) encoded without ever holding it as one string: two streaming
 * passes, the first counting each character (and checking the UTF-8), the second writing the ids
 * into a typed array (1–4 bytes per character, see encoded.ts). With `vocab` the ids are in that
 * vocabulary and characters it lacks are left out (and listed in `unknown`); without, the
 * vocabulary is the file's own, as Vocab.fromText makes it. Peak memory: the ids, about 14 MB of
 * tables, a 4 MB read buffer, and, for a gzip file only, the whole decompressed text.
 */
export function readEncodedFile(path: string, vocab?: Vocab): EncodedFile {
  const source = openChunks(path);
  try {
    const cps = new Uint32Array(CHUNK + 4);
    const counts = new CharCounts();
    const scanner = new Utf8Scanner(path);
    for (const chunk of source.chunks()) counts.add(cps, scanner.push(chunk, cps));
    scanner.end();
    const v = vocab ?? counts.vocab();
    const { known, unknown } = counts.against(v);
    checkIdLength(known, path);
    const encoder = new Encoder(v, known);
    const again = new Utf8Scanner(path);
    for (const chunk of source.chunks()) encoder.add(cps, again.push(chunk, cps));
    if (encoder.filled !== known) throw new UserError(`${path} changed while it was read`);
    return { vocab: v, ids: encoder.ids, total: counts.total, unknown };
  } finally {
    source.close();
  }
}

/** A file's text bytes (gzip decompressed, BOM dropped) as chunks, any number of times. */
function openChunks(path: string): { chunks(): Iterable<Uint8Array>; close(): void } {
  const { fd, size } = openRegularFile(path, 'a text file');
  let ok = false;
  try {
    const head = new Uint8Array(3);
    const got = readAt(fd, head, 0, path);
    if (isGzip(head.subarray(0, got))) {
      closeSync(fd);
      ok = true;
      const text = withoutBom(gunzipIfCompressed(readFileBytes(path, 'a text file'), path));
      return {
        *chunks() {
          for (let at = 0; at < text.length; at += CHUNK) yield text.subarray(at, at + CHUNK);
        },
        close() {},
      };
    }
    const skip = got === 3 && withoutBom(head).length === 0 ? 3 : 0;
    const buf = new Uint8Array(CHUNK);
    ok = true;
    return {
      *chunks() {
        for (let at = skip; at < size; ) {
          const n = readAt(fd, buf, at, path);
          if (n === 0) break;
          at += n;
          yield buf.subarray(0, n);
        }
      },
      close: () => closeSync(fd),
    };
  } finally {
    if (!ok) closeSync(fd);
  }
}

function readAt(fd: number, buf: Uint8Array, position: number, path: string): number {
  try {
    return readSync(fd, buf, 0, buf.length, position);
  } catch (err) {
    throw new UserError(describeFsError(err, path, 'read'));
  }
}

/** A one-line message for a failed file-system call (`verb`: "read", "write", …). */
export function describeFsError(err: unknown, path: string, verb: string): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return verb === 'read' ? `no such file: ${path}` : `cannot ${verb} ${path}: no such file or directory`;
    case 'EACCES':
    case 'EPERM':
      return `cannot ${verb} ${path}: permission denied`;
    case 'EISDIR':
      return `cannot ${verb} ${path}: it is a directory`;
    case 'ENOTDIR':
      return `cannot ${verb} ${path}: a component of the path is not a directory`;
    case 'ENOSPC':
      return `cannot ${verb} ${path}: no space left on device`;
    case 'EROFS':
      return `cannot ${verb} ${path}: read-only file system`;
    default:
      return `cannot ${verb} ${path}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

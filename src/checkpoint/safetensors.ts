// The safetensors file format (Hugging Face), enough of it for float tensors:
//
//   bytes 0..8        N, the header length, unsigned 64-bit little-endian
//   bytes 8..8+N      a JSON object (UTF-8), possibly padded with spaces:
//                       { "<name>": { "dtype": "F64", "shape": [2, 3], "data_offsets": [begin, end] }, …,
//                         "__metadata__": { "<key>": "<string value>", … } }
//   bytes 8+N..       the data buffer; [begin, end) are offsets into it. Tensors are row-major,
//                     little-endian, and tile the buffer exactly: no gaps, no overlaps.
//
// Decoding treats the file as hostile: the header length is capped and checked against the file
// size before anything is allocated, the header is read with JSON.parse only, and every entry is
// checked before a single value is read. Any problem is a UserError that says what is wrong.

import { clip, preview, showDims, UserError } from '../errors.ts';

export type Dtype = 'F64' | 'F32';

export interface StoredTensor {
  shape: number[];
  data: Float64Array;
}

const ITEMSIZE: Record<Dtype, number> = { F64: 8, F32: 4 };
/** Other dtypes of the format, named so that their error says "unsupported" rather than "unknown". */
const OTHER_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'I64', 'U64'];
/** No honest header of ours comes near this; a bigger length means a foreign or corrupt file. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA = '__metadata__';

const numel = (shape: readonly number[]): number => (shape.some((d) => d === 0) ? 0 : shape.reduce((a, b) => a * b, 1));
const showShape = (shape: readonly number[]): string => showDims(shape);

/**
 * Serialise tensors (default dtype F64) and string metadata. Tensors are written in sorted name
 * order, and the header is padded with spaces so that the data buffer starts 8-byte aligned.
 */
export function encodeSafetensors(tensors: Record<string, StoredTensor & { dtype?: Dtype }>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header[METADATA] = metadata;
  let offset = 0;
  for (const name of names) {
    const { shape, data, dtype = 'F64' } = tensors[name];
    if (name === METADATA || name === '') throw new Error(`encodeSafetensors: '${name}' cannot be a tensor name`);
    if (!(dtype in ITEMSIZE)) throw new Error(`encodeSafetensors: tensor '${name}' has unsupported dtype ${dtype}`);
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || numel(shape) !== data.length) {
      throw new Error(`encodeSafetensors: tensor '${name}' has shape ${showShape(shape)} but ${data.length} values`);
    }
    const bytes = data.length * ITEMSIZE[dtype];
    Object.defineProperty(header, name, { value: { dtype, shape: [...shape], data_offsets: [offset, offset + bytes] }, enumerable: true });
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(padded).fill(0x20); // spaces
  head.set(json);
  json = head;

  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  let at = 8 + padded;
  for (const name of names) {
    const { data, dtype = 'F64' } = tensors[name];
    if (dtype === 'F64') for (let i = 0; i < data.length; i++, at += 8) view.setFloat64(at, data[i], true);
    else for (let i = 0; i < data.length; i++, at += 4) view.setFloat32(at, data[i], true);
  }
  return out;
}

interface Entry {
  name: string;
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parse a safetensors file. Every tensor comes back as a Float64Array (F32 values widened), with
 * the dtype it was stored in. `what` names the data in error messages ("checkpoint run/a.st").
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  what = 'safetensors data',
): { tensors: Record<string, StoredTensor & { dtype: Dtype }>; metadata: Record<string, string> } {
  const fail = (msg: string): never => {
    throw new UserError(`${what}: ${msg}`);
  };
  if (bytes.length < 8) throw new UserError(`${what} is truncated (${bytes.length} bytes; even the 8-byte header length is incomplete)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n64} is larger than the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  const n = Number(n64);
  if (8 + n > bytes.length) throw new UserError(`${what} is truncated (header says ${8 + n} bytes of length and JSON header, file has ${bytes.length})`);

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('bad header: not UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`bad header: not JSON (${clip(err instanceof Error ? err.message : String(err), 120)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('bad header: not a JSON object');
  const bufferLength = bytes.length - 8 - n;

  const metadata = new Map<string, string>();
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('bad header: __metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`bad header: metadata '${k}' is a ${v === null ? 'null' : typeof v}, not a string`);
        metadata.set(k, v as string);
      }
      continue;
    }
    entries.push(checkEntry(name, raw, bufferLength, fail));
  }

  // The tensors must tile the buffer: sorted by position, each starts where the last one ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last = '';
  for (const e of sorted) {
    if (e.begin < covered) fail(`tensors '${last}' and '${e.name}' overlap in the data buffer`);
    if (e.begin > covered) fail(`bytes ${covered}..${e.begin} of the data buffer belong to no tensor`);
    covered = e.end;
    last = e.name;
  }
  if (covered !== bufferLength) fail(`the data buffer has ${bufferLength} bytes but the tensors cover only ${covered}`);

  const tensors = new Map<string, StoredTensor & { dtype: Dtype }>();
  for (const e of entries) {
    const data = new Float64Array((e.end - e.begin) / ITEMSIZE[e.dtype]);
    // DataView reads little-endian whatever the host, and copes with unaligned offsets.
    const base = 8 + n + e.begin;
    if (e.dtype === 'F64') for (let i = 0; i < data.length; i++) data[i] = view.getFloat64(base + 8 * i, true);
    else for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(base + 4 * i, true);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  // fromEntries makes own properties even of names like "__proto__".
  return { tensors: Object.fromEntries(tensors), metadata: Object.fromEntries(metadata) };
}

/** Validate one header entry against the format and the size of the data buffer. */
function checkEntry(name: string, raw: unknown, bufferLength: number, fail: (msg: string) => never): Entry {
  const t = `tensor '${name}'`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(`bad header: ${t} is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') return fail(`${t} has no dtype`);
  if (dtype !== 'F64' && dtype !== 'F32') {
    const kind = OTHER_DTYPES.includes(dtype) ? 'unsupported' : 'unknown';
    return fail(`${t} has ${kind} dtype ${preview(dtype)} (only F64 and F32 are supported)`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return fail(`${t} has shape ${preview(shape)}, not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    return fail(`${t} has data_offsets ${preview(offsets)}, not two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) return fail(`${t} has data_offsets [${begin}, ${end}] with begin after end`);
  if (end > bufferLength) return fail(`${t} has data_offsets [${begin}, ${end}] beyond the ${bufferLength}-byte data buffer`);
  const expected = numel(shape) * ITEMSIZE[dtype];
  if (end - begin !== expected) {
    return fail(`${t} has shape ${showShape(shape)} (${expected} bytes of ${dtype}) but ${end - begin} bytes`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Dtype, decodeSafetensors, encodeSafetensors } from '../src/checkpoint/safetensors.ts';
import { UserError } from '../src/errors.ts';

/** Build a safetensors file by hand: the 8-byte LE length, the header text, the buffer. */
function build(header: string, buffer: Uint8Array = new Uint8Array(0), lengthField?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

/** Little-endian float64 bytes of `values`, written one by one through a DataView. */
function f64bytes(values: number[]): Uint8Array {
  const b = new Uint8Array(8 * values.length);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setFloat64(8 * i, v, true));
  return b;
}

const expectUserError = (bytes: Uint8Array, message: RegExp): void => {
  let caught: unknown = null;
  try {
    decodeSafetensors(bytes, 'f.st');
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UserError);
  expect((caught as Error).message).toMatch(message);
};

const tensorArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 }).chain((shape) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.record({
    shape: fc.constant(shape),
    values: fc.array(fc.double({ noNaN: false }), { minLength: n, maxLength: n }),
    dtype: fc.constantFrom<Dtype>('F64', 'F32'),
  });
});

describe('safetensors', () => {
  it('decodes a file built byte by byte', () => {
    // Two tensors, deliberately listed out of buffer order, with the second at an unaligned spot
    // in the file (the 8-byte length plus a 3-space-padded header of odd length).
    const header =
      '{"b":{"dtype":"F64","shape":[2],"data_offsets":[24,40]},' + '"a":{"dtype":"F64","shape":[3,1],"data_offsets":[0,24]},"__metadata__":{"k":"v"}}   ';
    const bytes = build(header, f64bytes([1.5, -2, 1e-300, Math.PI, -0]));
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ k: 'v' });
    expect(tensors.a.shape).toEqual([3, 1]);
    expect(Array.from(tensors.a.data)).toEqual([1.5, -2, 1e-300]);
    expect(tensors.b.dtype).toBe('F64');
    expect(Array.from(tensors.b.data)).toEqual([Math.PI, -0]);
    expect(Object.is(tensors.b.data[1], -0)).toBe(true);
  });

  it('decodes F32 and a scalar (shape [])', () => {
    const buf = new Uint8Array(12);
    const dv = new DataView(buf.buffer);
    dv.setFloat32(0, 0.25, true);
    dv.setFloat32(4, -3, true);
    dv.setFloat32(8, 0.1, true);
    const bytes = build('{"s":{"dtype":"F32","shape":[],"data_offsets":[8,12]},"v":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', buf);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({});
    expect(Array.from(tensors.v.data)).toEqual([0.25, -3]);
    expect(tensors.s.shape).toEqual([]);
    expect(tensors.s.data[0]).toBe(Math.fround(0.1));
  });

  it("encode's output has the documented layout", () => {
    const bytes = encodeSafetensors({ w: { shape: [2], data: Float64Array.from([1, 2]) } }, { note: '中文 😀' });
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(dv.getBigUint64(0, true));
    expect(n % 8).toBe(0); // the buffer starts 8-byte aligned
    expect(bytes.length).toBe(8 + n + 16);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as unknown;
    expect(header).toEqual({ __metadata__: { note: '中文 😀' }, w: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } });
    expect(dv.getFloat64(8 + n, true)).toBe(1);
    expect(dv.getFloat64(8 + n + 8, true)).toBe(2);
  });

  it('writes tensors contiguously in sorted name order', () => {
    const one = (x: number) => ({ shape: [1], data: Float64Array.of(x) });
    const bytes = encodeSafetensors({ c: one(3), a: one(1), b: { ...one(2), dtype: 'F32' } });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    expect(header.a.data_offsets).toEqual([0, 8]);
    expect(header.b.data_offsets).toEqual([8, 12]);
    expect(header.c.data_offsets).toEqual([12, 20]);
    expect('__metadata__' in header).toBe(false);
  });

  it('round trips random tensors: F64 exactly, F32 as Math.fround', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tensorArb, { maxKeys: 5 }),
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
        (spec, metadata) => {
          const input: Parameters<typeof encodeSafetensors>[0] = {};
          for (const [name, t] of Object.entries(spec)) {
            if (name === '__metadata__') continue;
            input[name] = { shape: t.shape, data: Float64Array.from(t.values), dtype: t.dtype };
          }
          const out = decodeSafetensors(encodeSafetensors(input, metadata));
          expect(out.metadata).toEqual(metadata);
          expect(Object.keys(out.tensors).sort()).toEqual(Object.keys(input).sort());
          for (const [name, t] of Object.entries(input)) {
            const got = out.tensors[name];
            expect(got.shape).toEqual(t.shape);
            expect(got.dtype).toBe(t.dtype);
            const want = Array.from(t.data, (v) => (t.dtype === 'F32' ? Math.fround(v) : v));
            expect(Array.from(got.data)).toEqual(want); // toEqual: NaN equals NaN, -0 differs from 0
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decodes from a Uint8Array that is a view at an odd offset of a larger buffer', () => {
    const bytes = encodeSafetensors({ x: { shape: [3], data: Float64Array.of(1, 2, 3) } });
    const big = new Uint8Array(bytes.length + 5);
    big.set(bytes, 3);
    expect(Array.from(decodeSafetensors(big.subarray(3, 3 + bytes.length)).tensors.x.data)).toEqual([1, 2, 3]);
  });

  it('every strict prefix of a valid file is a UserError', () => {
    const bytes = encodeSafetensors(
      { w: { shape: [2, 3], data: Float64Array.from([1, 2, 3, 4, 5, 6]) }, b: { shape: [1], data: Float64Array.of(7), dtype: 'F32' } },
      { format: 'x' },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        expect(() => decodeSafetensors(bytes.subarray(0, cut))).toThrow(UserError);
      }),
      { numRuns: 300 },
    );
    expectUserError(bytes.subarray(0, 5), /f\.st is truncated \(5 bytes/);
    expectUserError(bytes.subarray(0, 20), /f\.st is truncated \(header says \d+ bytes .*file has 20\)/);
  });

  it('rejects a header length beyond the limit or beyond the file', () => {
    expectUserError(build('{}', new Uint8Array(0), 2n ** 63n), /header length 9223372036854775808 is larger than the 100000000-byte limit/);
    expectUserError(build('{}', new Uint8Array(0), 0xffffffffffffffffn), /larger than the/);
    expectUserError(build('{}', new Uint8Array(0), 3n), /truncated \(header says 11 bytes.*file has 10\)/);
  });

  it('rejects bad JSON and non-object headers', () => {
    expectUserError(build('{"a": '), /bad header: not JSON/);
    expectUserError(build(''), /bad header: not JSON/);
    expectUserError(build('[1, 2]'), /bad header: not a JSON object/);
    expectUserError(build('null'), /bad header: not a JSON object/);
    const badUtf8 = build('{}  ');
    badUtf8[9] = 0xff;
    expectUserError(badUtf8, /bad header: not UTF-8/);
    expectUserError(build('{"__metadata__": {"a": 1}}'), /metadata 'a' is a number, not a string/);
    expectUserError(build('{"__metadata__": ["a"]}'), /__metadata__ is not an object/);
    expectUserError(build('{"x": 3}'), /tensor 'x' is not an object/);
  });

  it('rejects unknown and unsupported dtypes', () => {
    expectUserError(build('{"x":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}', new Uint8Array(2)), /tensor 'x' has unsupported dtype "BF16"/);
    expectUserError(build('{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', new Uint8Array(8)), /unsupported dtype "I64"/);
    expectUserError(build('{"x":{"dtype":"F65","shape":[1],"data_offsets":[0,8]}}', new Uint8Array(8)), /unknown dtype "F65"/);
    expectUserError(build('{"x":{"shape":[1],"data_offsets":[0,8]}}', new Uint8Array(8)), /tensor 'x' has no dtype/);
  });

  it('rejects bad shapes and offsets', () => {
    const e = (entry: string, buf = 16): Uint8Array => build(`{"x":${entry}}`, new Uint8Array(buf));
    expectUserError(e('{"dtype":"F64","shape":[-1],"data_offsets":[0,16]}'), /shape \[-1\], not a list of non-negative integers/);
    expectUserError(e('{"dtype":"F64","shape":[1.5],"data_offsets":[0,16]}'), /not a list of non-negative integers/);
    expectUserError(e('{"dtype":"F64","shape":"2","data_offsets":[0,16]}'), /not a list of non-negative integers/);
    expectUserError(e('{"dtype":"F64","shape":[2]}'), /data_offsets undefined, not two non-negative integers/);
    expectUserError(e('{"dtype":"F64","shape":[2],"data_offsets":[0]}'), /not two non-negative integers/);
    expectUserError(e('{"dtype":"F64","shape":[2],"data_offsets":[16,0]}'), /begin after end/);
    expectUserError(e('{"dtype":"F64","shape":[2],"data_offsets":[8,24]}'), /data_offsets \[8, 24\] beyond the 16-byte data buffer/);
    expectUserError(e('{"dtype":"F64","shape":[3],"data_offsets":[0,16]}'), /tensor 'x' has shape \[3\] \(24 bytes of F64\) but 16 bytes/);
    expectUserError(e('{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}'), /shape \[2, 3\] \(24 bytes of F32\) but 16 bytes/);
    // A huge shape must not allocate anything: it is a size mismatch.
    expectUserError(e('{"dtype":"F64","shape":[9007199254740991, 9007199254740991],"data_offsets":[0,16]}'), /but 16 bytes/);
  });

  it('rejects tensors that overlap, leave gaps, or do not cover the buffer', () => {
    const two = (a: string, b: string, buf: number): Uint8Array =>
      build(`{"a":{"dtype":"F64","shape":[1],"data_offsets":${a}},"b":{"dtype":"F64","shape":[1],"data_offsets":${b}}}`, new Uint8Array(buf));
    expect(() => decodeSafetensors(two('[0,8]', '[8,16]', 16))).not.toThrow();
    expectUserError(two('[0,8]', '[4,12]', 16), /tensors 'a' and 'b' overlap/);
    expectUserError(two('[0,8]', '[0,8]', 8), /overlap/);
    expectUserError(two('[0,8]', '[16,24]', 24), /bytes 8\.\.16 of the data buffer belong to no tensor/);
    expectUserError(two('[8,16]', '[16,24]', 24), /bytes 0\.\.8 of the data buffer belong to no tensor/);
    expectUserError(two('[0,8]', '[8,16]', 20), /the data buffer has 20 bytes but the tensors cover only 16/);
    expectUserError(build('{}', new Uint8Array(3)), /has 3 bytes but the tensors cover only 0/);
  });

  it('never evaluates or trips over hostile names', () => {
    const bytes = build(
      '{"__proto__":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"constructor":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}',
      f64bytes([1, 2]),
    );
    const { tensors } = decodeSafetensors(bytes);
    expect(Object.keys(tensors).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Array.from(Object.getOwnPropertyDescriptor(tensors, '__proto__')!.value.data as Float64Array)).toEqual([1]);
  });

  it('random byte flips anywhere give a UserError or a valid decode, never another exception', () => {
    const bytes = encodeSafetensors(
      { w: { shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) }, b: { shape: [2], data: Float64Array.of(5, 6), dtype: 'F32' } },
      { a: 'b' },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const copy = bytes.slice();
        copy[at] ^= x;
        try {
          decodeSafetensors(copy);
        } catch (err) {
          expect(err).toBeInstanceOf(UserError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

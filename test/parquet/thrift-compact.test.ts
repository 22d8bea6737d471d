/**
 * The Thrift compact codec: real parquet-wasm footers decode and re-encode byte for byte, values
 * decode as the protocol spec says, the header forms and boolean bytes writers choose survive, and
 * garbled or hostile input fails with THRIFT_INVALID (never another exception, a hang or a huge
 * allocation).
 */
import { describe, expect, it } from 'vitest';
import { rowsToTable } from '../../src/arrow/builder.js';
import { writeParquetBytes, type ParquetWriteOptions } from '../../src/parquet/writer.js';
import { decodeStruct, encodeStruct, fieldOf, MAX_DEPTH, setField, type ThriftStruct } from '../../src/parquet/thrift-compact.js';
import { readFooter } from '../../src/parquet/variant-footer.js';
import { ALL_ROWS, ALL_TYPES } from './fixtures.js';

const u8 = (...b: number[]) => Uint8Array.from(b);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function footerOf(file: Uint8Array): Uint8Array {
  return file.subarray(readFooter(file).start, file.length - 8);
}

function realFooters(): Uint8Array[] {
  const rows = Array.from({ length: 600 }, (_, k) => ({ ...ALL_ROWS[k % ALL_ROWS.length], id: BigInt(k), s: `row ${k % 37}` }));
  const table = rowsToTable(ALL_TYPES, rows);
  const variants: ParquetWriteOptions[] = [
    {},
    { statistics: false },
    { dictionary: true, rowGroupRows: 100 },
    { writerVersion: 2, compression: 'snappy', metadata: { 'iceberg.schema': '{"x":1}', empty: '' } },
    { compression: 'none', dictionary: false },
  ];
  return variants.map((o) => footerOf(writeParquetBytes(table, o)));
}

function expectInvalid(f: () => unknown): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected THRIFT_INVALID').toMatchObject({ code: 'THRIFT_INVALID' });
}

describe('thrift compact codec', () => {
  it('re-encodes the footers parquet-wasm writes byte for byte', () => {
    const footers = realFooters();
    for (const footer of footers) {
      const { value, end } = decodeStruct(footer);
      expect(end).toBe(footer.length);
      expect(hex(encodeStruct(value))).toBe(hex(footer));
    }
    // The schema list is long enough for the long list header; one file has 6 row groups.
    const first = decodeStruct(footers[2]!).value;
    expect((fieldOf(first, 2) as { items: unknown[] }).items.length).toBeGreaterThan(15);
    expect(fieldOf(first, 4)).toMatchObject({ type: 'list', elementType: 12, items: { length: 6 } });
  });

  it('decodes values as the spec encodes them', () => {
    // field 1 i32 -1 (zigzag 1), field 2 i64 50399 (zigzag 100798), field 3 binary "ab",
    // field 4 true, field 5 false, field 6 i8 -2, field 7 double 1.5, field 8 i16 -300
    const bytes = u8(0x15, 0x01, 0x16, 0xbe, 0x93, 0x06, 0x18, 0x02, 0x61, 0x62, 0x11, 0x12, 0x13, 0xfe, 0x17, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x14, 0xd7, 0x04, 0x00);
    const { value } = decodeStruct(bytes);
    expect(value.fields.map((f) => [f.id, f.value.type === 'double' ? new DataView(f.value.bytes.buffer).getFloat64(0, true) : 'value' in f.value ? f.value.value : null])).toEqual([
      [1, -1],
      [2, 50399n],
      [3, u8(0x61, 0x62)],
      [4, true],
      [5, false],
      [6, -2],
      [7, 1.5],
      [8, -300],
    ]);
    expect(hex(encodeStruct(value))).toBe(hex(bytes));
  });

  it('keeps 64-bit extremes exact', () => {
    for (const v of [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n]) {
      const s: ThriftStruct = { type: 'struct', fields: [{ id: 1, value: { type: 'i64', value: v } }] };
      const bytes = encodeStruct(s);
      expect(decodeStruct(bytes).value.fields[0]!.value).toEqual({ type: 'i64', value: v });
    }
  });

  it('keeps the header forms and boolean bytes a writer chose', () => {
    const cases = [
      // field 1 in long form (type i32, zigzag id 2), value 0
      u8(0x05, 0x02, 0x00, 0x00),
      // field 20 (a delta of 20 needs the long form), then field 21 as delta 1
      u8(0x05, 0x28, 0x02, 0x15, 0x04, 0x00),
      // a list of 2 i32 with the size after the header although it fits in it
      u8(0x19, 0xf5, 0x02, 0x02, 0x04, 0x00),
      // a list of 3 booleans, Java's/Rust's way (type 1, values 1/2) and the spec's (type 2, values 1/0)
      u8(0x19, 0x31, 0x01, 0x02, 0x01, 0x00),
      u8(0x19, 0x32, 0x01, 0x00, 0x01, 0x00),
      // a set of 1 binary, an empty map, a map {i32: struct{}}, a uuid, a NaN with a payload
      u8(0x1a, 0x18, 0x00, 0x1b, 0x00, 0x1b, 0x01, 0x5c, 0x02, 0x00, 0x00),
      u8(0x1d, ...Array.from({ length: 16 }, (_, k) => k), 0x17, 1, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0x00),
      // a negative field id (long form), then field 0 as a delta of 1
      u8(0x05, 0x01, 0x00, 0x15, 0x00, 0x00),
    ];
    for (const bytes of cases) {
      const { value, end } = decodeStruct(bytes);
      expect(end).toBe(bytes.length);
      expect(hex(encodeStruct(value))).toBe(hex(bytes));
    }
    expect(decodeStruct(cases[3]!).value.fields[0]!.value).toMatchObject({ items: [{ value: true }, { value: false }, { value: true }] });
    expect(decodeStruct(cases[4]!).value.fields[0]!.value).toMatchObject({ items: [{ value: true }, { value: false }, { value: true }] });
  });

  it('writes a new field canonically in id order', () => {
    const s: ThriftStruct = { type: 'struct', fields: [{ id: 4, value: { type: 'binary', value: u8(0x78) } }, { id: 9, value: { type: 'i32', value: 7 } }] };
    setField(s, 30, { type: 'i8', value: 1 });
    setField(s, 5, { type: 'struct', fields: [] });
    setField(s, 1, { type: 'bool', value: false });
    expect(s.fields.map((f) => f.id)).toEqual([1, 4, 5, 9, 30]);
    expect(hex(encodeStruct(s))).toBe(hex(u8(0x12, 0x38, 0x01, 0x78, 0x1c, 0x00, 0x45, 0x0e, 0x03, 0x3c, 0x01, 0x00)));
  });

  it('fails with THRIFT_INVALID on every truncation of a real footer', () => {
    const footer = realFooters()[0]!;
    for (let n = 0; n < footer.length; n++) expectInvalid(() => decodeStruct(footer.subarray(0, n)));
  });

  it('fails with THRIFT_INVALID, not a loop or an allocation, on hostile input', () => {
    const cases = [
      u8(0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07), // a list of 2^31-1 structs in 7 bytes
      u8(0x1b, 0xff, 0xff, 0xff, 0xff, 0x07, 0xcc), // a map of 2^31-1 entries
      u8(0x18, 0xff, 0xff, 0xff, 0xff, 0x0f), // a binary of 4 GiB
      u8(0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), // an i32 varint of 6 bytes
      u8(0x16, ...Array(10).fill(0xff), 0x01), // an i64 varint of 11 bytes
      u8(0x1e, 0x00), // type 14 does not exist
      u8(0x10), // nor does type 0 in a field header
      u8(0x19, 0x1e, 0x00), // nor element type 14
      u8(0x05, 0x80, 0x80, 0x04, 0x00, 0x00), // field id 32768 (zigzag 65536)
      u8(0x19, 0x11, 0x05, 0x00), // a boolean element of 5
      new Uint8Array(100_000).fill(0x1c), // structs nested 100,000 deep
      new Uint8Array(100_000).fill(0x19), // lists of one list, nested 100,000 deep
    ];
    for (const bytes of cases) expectInvalid(() => decodeStruct(bytes));
    const deep = new Uint8Array(2 * MAX_DEPTH + 1);
    deep.fill(0x1c, 0, MAX_DEPTH - 1);
    expect(() => decodeStruct(deep)).not.toThrow(); // MAX_DEPTH levels are fine, one more is not
    deep.fill(0x1c, 0, MAX_DEPTH);
    expectInvalid(() => decodeStruct(deep));
  });

  it('decodes or refuses with THRIFT_INVALID every mutation of a real footer', () => {
    const footer = realFooters()[3]!;
    let seed = 17;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let refused = 0;
    for (let k = 0; k < 3000; k++) {
      const bytes = footer.slice();
      for (let m = 0; m <= rand(4); m++) bytes[rand(bytes.length)] = rand(256);
      try {
        const { value, end } = decodeStruct(bytes);
        // Whatever decodes re-encodes to the bytes it came from, up to a canonical varint.
        expect(encodeStruct(value).length).toBeLessThanOrEqual(end);
      } catch (err) {
        expect(err).toMatchObject({ code: 'THRIFT_INVALID' });
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});

/**
 * Annotates the variant groups of a Parquet file floe wrote with Parquet's VARIANT logical type.
 *
 * parquet-wasm 0.8 (arrow-rs) writes a variant column as a plain group of two binaries
 * (`metadata`, `value`), because it cannot write the annotation. Iceberg's readers go by the
 * table schema and do not mind; readers that go by the Parquet schema (DuckDB) then see a struct
 * of two blobs instead of variant values, and parquet-format's VariantEncoding.md requires the
 * annotation. So after encoding, floe rewrites only the footer: each SchemaElement whose field id
 * is a variant field of the Iceberg schema gets `logicalType` (SchemaElement field 10) =
 * LogicalType union member VARIANT (16) = VariantType { 1: specification_version = 1 }, the
 * version of the Variant binary encoding floe writes (src/iceberg/spec/variant.ts). VARIANT has no
 * ConvertedType, so none is set.
 *
 * File layout (parquet-format README): "PAR1", column chunks (pages, then column and offset
 * indexes), FileMetaData, its 4-byte little-endian length, "PAR1". Everything before the footer
 * is kept byte for byte, so every absolute offset the footer records (pages, indexes, row-group
 * file offsets) stays true; only the footer and its length change.
 */
import type { IcebergType, Schema } from '../iceberg/spec/types.js';
import { FloeError } from '../util/errors.js';
import { decodeStruct, encodeStruct, fieldOf, setField, type ThriftStruct, type ThriftValue } from './thrift-compact.js';

/** The Variant encoding version floe writes (the metadata header's version bits). */
export const VARIANT_SPEC_VERSION = 1;

// parquet.thrift field ids
const FILE_METADATA_SCHEMA = 2;
const SCHEMA_TYPE = 1;
const SCHEMA_NAME = 4;
const SCHEMA_NUM_CHILDREN = 5;
const SCHEMA_CONVERTED_TYPE = 6;
const SCHEMA_FIELD_ID = 9;
const SCHEMA_LOGICAL_TYPE = 10;
const LOGICAL_TYPE_VARIANT = 16;
const VARIANT_SPECIFICATION_VERSION = 1;
const TYPE_BYTE_ARRAY = 6;

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"
const MAGIC_ENCRYPTED = [0x50, 0x41, 0x52, 0x45]; // "PARE": encrypted footer, which floe never writes

/** Field ids of every variant in the schema, at any depth (struct fields, list elements, map values). */
export function variantFieldIds(schema: Schema): Set<number> {
  const ids = new Set<number>();
  const walk = (type: IcebergType, id: number | undefined): void => {
    if (type === 'variant') {
      if (id !== undefined) ids.add(id);
      return;
    }
    if (typeof type === 'string') return;
    if (type.type === 'struct') for (const f of type.fields) walk(f.type, f.id);
    else if (type.type === 'list') walk(type.element, type['element-id']);
    else {
      walk(type.key, type['key-id']);
      walk(type.value, type['value-id']);
    }
  };
  walk(schema, undefined);
  return ids;
}

function mismatch(what: string, details?: Record<string, unknown>): FloeError {
  return new FloeError('PARQUET_SCHEMA_MISMATCH', `cannot annotate the variant columns: ${what}`, details ? { details } : {});
}

function hasMagic(bytes: Uint8Array, at: number, magic: readonly number[]): boolean {
  return magic.every((b, k) => bytes[at + k] === b);
}

function int(v: ThriftValue | undefined): number | undefined {
  return v !== undefined && (v.type === 'i32' || v.type === 'i16' || v.type === 'i8') ? v.value : undefined;
}

function text(v: ThriftValue | undefined): string | undefined {
  return v?.type === 'binary' ? new TextDecoder().decode(v.value) : undefined;
}

/** The footer's FileMetaData, decoded, and where it starts. */
export function readFooter(file: Uint8Array): { metadata: ThriftStruct; start: number } {
  if (file.length < 12 || !hasMagic(file, 0, MAGIC)) throw new FloeError('THRIFT_INVALID', 'not a Parquet file: no leading PAR1');
  const tail = file.length - 4;
  if (hasMagic(file, tail, MAGIC_ENCRYPTED)) throw new FloeError('THRIFT_INVALID', 'the Parquet footer is encrypted (PARE)');
  if (!hasMagic(file, tail, MAGIC)) throw new FloeError('THRIFT_INVALID', 'not a Parquet file: no trailing PAR1');
  const length = new DataView(file.buffer, file.byteOffset + file.length - 8, 4).getUint32(0, true);
  const start = file.length - 8 - length;
  if (start < 4) throw new FloeError('THRIFT_INVALID', `Parquet footer length ${length} exceeds the file (${file.length} bytes)`);
  const footer = file.subarray(start, file.length - 8);
  const { value, end } = decodeStruct(footer);
  if (end !== footer.length) throw new FloeError('THRIFT_INVALID', `Parquet footer is ${footer.length} bytes but its FileMetaData ends at ${end}`);
  return { metadata: value, start };
}

function isVariantAnnotation(v: ThriftValue | undefined): boolean {
  return v?.type === 'struct' && v.fields.length === 1 && v.fields[0]!.id === LOGICAL_TYPE_VARIANT;
}

/** Checks that element `k` of the flattened schema is floe's unshredded variant group. */
function checkVariantGroup(elements: readonly ThriftValue[], k: number, id: number): ThriftStruct {
  const el = elements[k] as ThriftStruct;
  const name = text(fieldOf(el, SCHEMA_NAME));
  const details = { fieldId: id, name };
  if (fieldOf(el, SCHEMA_TYPE) !== undefined || int(fieldOf(el, SCHEMA_NUM_CHILDREN)) !== 2) throw mismatch(`field ${id} (${name}) is not a group of two`, details);
  if (fieldOf(el, SCHEMA_CONVERTED_TYPE) !== undefined) throw mismatch(`field ${id} (${name}) has a converted type`, details);
  const parts = [elements[k + 1], elements[k + 2]].map((c) => (c?.type === 'struct' ? c : undefined));
  const names = parts.map((c) => (c ? text(fieldOf(c, SCHEMA_NAME)) : undefined)).sort();
  const binary = parts.every((c) => c !== undefined && int(fieldOf(c, SCHEMA_TYPE)) === TYPE_BYTE_ARRAY && fieldOf(c, SCHEMA_NUM_CHILDREN) === undefined);
  if (!binary || names[0] !== 'metadata' || names[1] !== 'value') throw mismatch(`field ${id} (${name}) is not a group of binaries metadata and value`, details);
  return el;
}

/**
 * Returns the file with every variant group (by Iceberg field id) annotated VARIANT(1); the same
 * bytes when there is nothing to annotate. Throws PARQUET_SCHEMA_MISMATCH when a variant field id
 * is missing from the Parquet schema or is not a group of `metadata`/`value` binaries, and
 * THRIFT_INVALID when the file's footer cannot be read.
 */
export function annotateVariantGroups(file: Uint8Array, variantIds: ReadonlySet<number>): Uint8Array {
  if (variantIds.size === 0) return file;
  const { metadata, start } = readFooter(file);
  const schema = fieldOf(metadata, FILE_METADATA_SCHEMA);
  if (schema?.type !== 'list' || schema.items.some((e) => e.type !== 'struct')) throw new FloeError('THRIFT_INVALID', 'FileMetaData has no schema list of structs');
  const elements = schema.items;
  const found = new Set<number>();
  let changed = false;
  for (let k = 1; k < elements.length; k++) {
    const el = elements[k] as ThriftStruct;
    const id = int(fieldOf(el, SCHEMA_FIELD_ID));
    if (id === undefined || !variantIds.has(id)) continue;
    checkVariantGroup(elements, k, id);
    found.add(id);
    const current = fieldOf(el, SCHEMA_LOGICAL_TYPE);
    if (isVariantAnnotation(current)) continue;
    if (current !== undefined) throw mismatch(`field ${id} already has another logical type`, { fieldId: id });
    const version: ThriftStruct = { type: 'struct', fields: [{ id: VARIANT_SPECIFICATION_VERSION, value: { type: 'i8', value: VARIANT_SPEC_VERSION } }] };
    setField(el, SCHEMA_LOGICAL_TYPE, { type: 'struct', fields: [{ id: LOGICAL_TYPE_VARIANT, value: version }] });
    changed = true;
  }
  const missing = [...variantIds].filter((id) => !found.has(id));
  if (missing.length > 0) throw mismatch(`no Parquet group for variant field ids ${missing.join(', ')}`, { fieldIds: missing });
  if (!changed) return file;

  const footer = encodeStruct(metadata);
  const out = new Uint8Array(start + footer.length + 8);
  out.set(file.subarray(0, start));
  out.set(footer, start);
  new DataView(out.buffer).setUint32(start + footer.length, footer.length, true);
  out.set(MAGIC, start + footer.length + 4);
  return out;
}

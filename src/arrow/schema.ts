/**
 * Iceberg schema → Arrow schema, carrying every Iceberg field id as `PARQUET:field_id` field
 * metadata so the Parquet writer (parquet-wasm / arrow-rs) stores it as the Parquet `field_id`
 * Iceberg readers resolve columns by.
 *
 * Type decisions (Iceberg spec, Appendix A "Parquet"):
 * - decimal(p,s) → Decimal128(s, p). arrow-rs picks the Parquet physical type from the precision:
 *   INT32 for p ≤ 9, INT64 for p ≤ 18, FIXED_LEN_BYTE_ARRAY of the minimum width otherwise — exactly
 *   what the spec requires (checked by test/parquet/writer.test.ts through pyarrow). One deviation:
 *   arrow-rs stores precision 1 as INT64, not INT32; Iceberg's readers pick the decimal decoder by
 *   the physical type in the file, so decimal(1,s) still reads correctly.
 * - uuid → FixedSizeBinary(16), written as FIXED_LEN_BYTE_ARRAY(16) *without* the UUID logical type
 *   (parquet-wasm 0.8 cannot emit it). Iceberg's own Parquet readers match columns by field id and
 *   read an un-annotated FIXED_LEN_BYTE_ARRAY/BINARY column as uuid when the table type is uuid
 *   (Iceberg ≤ 0.11 wrote uuid that way, so Spark, Trino and PyIceberg all accept it).
 * - timestamp → Timestamp(µs) without zone (Parquet isAdjustedToUTC=false); timestamptz →
 *   Timestamp(µs, "UTC") (isAdjustedToUTC=true); the _ns variants use nanoseconds.
 * - time → Time64(µs); date → Date32 (days).
 * - map → Map with entries struct "entries" holding "key" (never null) and "value", keysSorted=false.
 * - variant → Struct of required binaries `metadata` and `value` without field ids (Parquet group
 *   with the column's id). parquet-wasm 0.8 cannot annotate the group with Parquet's VARIANT
 *   logical type; src/parquet/variant-footer.ts adds it to the footer after encoding (readers
 *   that go by the Parquet schema, DuckDB, need it; Iceberg's go by field id and table type).
 */
import * as arrow from 'apache-arrow';
import { decimalParams, fixedLength, primitiveKind } from '../iceberg/spec/schema.js';
import type { IcebergType, NestedField, PrimitiveType, PrimitiveTypeName, Schema } from '../iceberg/spec/types.js';
import { FloeError } from '../util/errors.js';

/** The Arrow field-metadata key arrow-rs (and pyarrow) map to the Parquet schema `field_id`. */
export const FIELD_ID_KEY = 'PARQUET:field_id';

export type ParsedPrimitive =
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'fixed'; length: number }
  | { kind: PrimitiveTypeName };

/** Parses a primitive type string ("long", "decimal(9, 2)", "fixed[16]") with the spec module's rules. */
export function parsePrimitive(type: string): ParsedPrimitive {
  let kind: ReturnType<typeof primitiveKind>;
  try {
    kind = primitiveKind(type as PrimitiveType);
  } catch (cause) {
    throw new FloeError('SCHEMA_UNSUPPORTED_TYPE', `unsupported Iceberg type ${JSON.stringify(type)}`, { cause });
  }
  if (kind === 'decimal') {
    const { precision, scale } = decimalParams(type)!;
    if (precision < 1 || precision > 38) {
      throw new FloeError('SCHEMA_UNSUPPORTED_TYPE', `unsupported decimal type ${type}: precision must be 1..38`);
    }
    return { kind, precision, scale };
  }
  if (kind === 'fixed') return { kind, length: fixedLength(type)! };
  return { kind };
}

function idMeta(id: number): Map<string, string> {
  return new Map([[FIELD_ID_KEY, String(id)]]);
}

export function primitiveToArrow(p: ParsedPrimitive): arrow.DataType {
  switch (p.kind) {
    case 'boolean': return new arrow.Bool();
    case 'int': return new arrow.Int32();
    case 'long': return new arrow.Int64();
    case 'float': return new arrow.Float32();
    case 'double': return new arrow.Float64();
    case 'decimal': return new arrow.Decimal(p.scale, p.precision, 128);
    case 'date': return new arrow.DateDay();
    case 'time': return new arrow.TimeMicrosecond();
    case 'timestamp': return new arrow.TimestampMicrosecond();
    case 'timestamptz': return new arrow.TimestampMicrosecond('UTC');
    case 'timestamp_ns': return new arrow.TimestampNanosecond();
    case 'timestamptz_ns': return new arrow.TimestampNanosecond('UTC');
    case 'string': return new arrow.Utf8();
    case 'uuid': return new arrow.FixedSizeBinary(16);
    case 'fixed': return new arrow.FixedSizeBinary(p.length);
    case 'binary': return new arrow.Binary();
    case 'variant': return variantArrowType();
  }
}

/**
 * An unshredded variant: a struct of two required binaries, `metadata` and `value` (the Variant
 * encoding's two parts). The spec says these two must not carry field ids: the group has the
 * column's id and readers find its parts by name.
 */
export function variantArrowType(): arrow.Struct {
  return new arrow.Struct([new arrow.Field('metadata', new arrow.Binary(), false), new arrow.Field('value', new arrow.Binary(), false)]);
}

/** The Arrow type of an Iceberg type; nested children carry their field ids. */
export function icebergTypeToArrow(type: IcebergType): arrow.DataType {
  if (typeof type === 'string') return primitiveToArrow(parsePrimitive(type));
  switch (type.type) {
    case 'struct':
      return new arrow.Struct(type.fields.map(icebergFieldToArrow));
    case 'list':
      return new arrow.List(
        new arrow.Field('element', icebergTypeToArrow(type.element), !type['element-required'], idMeta(type['element-id'])),
      );
    case 'map': {
      const key = new arrow.Field('key', icebergTypeToArrow(type.key), false, idMeta(type['key-id']));
      const value = new arrow.Field('value', icebergTypeToArrow(type.value), !type['value-required'], idMeta(type['value-id']));
      const entries = new arrow.Field('entries', new arrow.Struct([key, value]), false);
      return new arrow.Map_(entries, false);
    }
  }
}

export function icebergFieldToArrow(field: NestedField): arrow.Field {
  return new arrow.Field(field.name, icebergTypeToArrow(field.type), !field.required, idMeta(field.id));
}

/** Arrow schema for an Iceberg schema; field order follows the Iceberg schema. */
export function icebergSchemaToArrow(schema: Schema): arrow.Schema {
  return new arrow.Schema(schema.fields.map(icebergFieldToArrow));
}

/**
 * Parses an Avro writer schema into an avsc type that decodes straight to floe's canonical values
 * and never trusts the bytes it reads:
 * - longs are BigInt (exact beyond 2^53), logical types become canonical values (logical.ts);
 * - unions are wrapped ({branch: value}) except `[null, T]`, which decodes to null or the bare
 *   value, so the common optional field costs no allocation;
 * - strings must be valid UTF-8, and array/map block counts must fit in the remaining bytes, so a
 *   corrupt length cannot make the decoder loop or allocate without bound;
 * - maps decode to `Map<string, V>`.
 * Parse once per writer schema and reuse the type: avsc compiles record readers on construction.
 */
import { isUtf8 } from 'node:buffer';
import avro from 'avsc';
import { createBigLongType, withReader, type Tap } from './long.js';
import { InvalidValueError, LOGICAL_TYPES, type LogicalKind } from './logical.js';

export type AvroType = avro.Type;
export type AvroField = avro.types.Field & { doc?: string };

/**
 * Most zero-byte items (array<null>, empty records) one value may decode to, over all its blocks
 * and nesting levels. Every other item takes at least one byte of the body, so the body's size
 * bounds it; zero-byte items are the one way a few bytes expand into millions of objects (a
 * 36-byte record of array<null> can claim 10 million items). Over the limit the record is bad
 * (DECODE_TOO_LARGE) and goes to the dead-letter topic.
 */
export const MAX_EMPTY_ITEMS = 100_000;

/** Raised when a value would expand past MAX_EMPTY_ITEMS; decodeBody maps it to DECODE_TOO_LARGE. */
export class ExpansionLimitError extends Error {}

interface AvscTap extends Tap {
  readLong(): number;
  skipLong(): void;
  /** Zero-byte items decoded so far in this value (the tap lives for one value). */
  floeEmptyItems?: number;
}

type Reader = (tap: AvscTap) => unknown;
interface Patchable {
  typeName: string;
  _read: Reader;
}

function invalidate(tap: AvscTap): void {
  tap.pos = tap.buf.length + 1;
}

function readStringStrict(tap: AvscTap): string {
  const len = tap.readLong();
  if (len < 0) throw new InvalidValueError(`negative string length ${len}`);
  const start = tap.pos;
  const end = start + len;
  const buf = tap.buf;
  tap.pos = end;
  if (end > buf.length) return '';
  const s = utf8Text(buf, start, end);
  if (s === undefined) throw new InvalidValueError('invalid UTF-8 in string');
  return s;
}

/**
 * buf[start..end) as a string, undefined when it is not valid UTF-8: the one rule for Avro strings
 * (this decoder's and src/schema/direct-read.ts's).
 */
export function utf8Text(buf: Buffer, start: number, end: number): string | undefined {
  // utf8Slice skips toString's argument juggling; measurably faster on string-heavy records.
  const s = (buf as unknown as { utf8Slice(a: number, b: number): string }).utf8Slice(start, end);
  // Node replaces invalid sequences with U+FFFD; only then pay for a full validation.
  return s.includes('\uFFFD') && !isUtf8(buf.subarray(start, end)) ? undefined : s;
}

/** Smallest number of bytes one value of the type can occupy; 0 for null and empty records. */
export function minEncodedSize(type: AvroType, seen = new Set<AvroType>()): number {
  const t = type as unknown as { typeName: string; fields?: AvroField[]; size?: number; underlyingType?: AvroType };
  if (t.typeName.startsWith('logical:')) return minEncodedSize(t.underlyingType!, seen);
  switch (t.typeName) {
    case 'null':
      return 0;
    case 'fixed':
      return t.size ?? 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'record':
    case 'error': {
      if (seen.has(type)) return 1; // a recursive record always contains at least one count byte
      seen.add(type);
      let sum = 0;
      for (const f of t.fields ?? []) sum += minEncodedSize(f.type, seen);
      seen.delete(type);
      return sum;
    }
    default:
      return 1;
  }
}

/** Validates a block count against what the buffer can still hold; false means "truncated". */
function blockFits(tap: AvscTap, n: number, itemSize: number): boolean {
  if (itemSize === 0) {
    const total = (tap.floeEmptyItems ?? 0) + n;
    if (total > MAX_EMPTY_ITEMS) throw new ExpansionLimitError(`value expands to more than ${MAX_EMPTY_ITEMS} zero-byte array/map items`);
    tap.floeEmptyItems = total;
    return true;
  }
  return n * itemSize <= tap.buf.length - tap.pos;
}

function readBlockCount(tap: AvscTap): number {
  let n = tap.readLong();
  if (n < 0) {
    n = -n;
    tap.skipLong(); // block size in bytes, only useful for skipping
  }
  return n;
}

function arrayReader(type: AvroType): Reader {
  const items = (type as unknown as { itemsType: Patchable }).itemsType;
  // Computed on first read: a recursive item type is still incomplete while the schema is parsed.
  let itemSize = -1;
  return (tap) => {
    if (itemSize < 0) itemSize = minEncodedSize(items as unknown as AvroType);
    const out: unknown[] = [];
    let n: number;
    while ((n = readBlockCount(tap))) {
      if (!blockFits(tap, n, itemSize)) {
        invalidate(tap);
        return out;
      }
      while (n--) out.push(items._read(tap));
      if (tap.pos > tap.buf.length) return out;
    }
    return out;
  };
}

function mapReader(type: AvroType): Reader {
  const values = (type as unknown as { valuesType: Patchable }).valuesType;
  let itemSize = -1;
  return (tap) => {
    if (itemSize < 0) itemSize = 1 + minEncodedSize(values as unknown as AvroType);
    const out = new Map<string, unknown>();
    let n: number;
    while ((n = readBlockCount(tap))) {
      if (!blockFits(tap, n, itemSize)) {
        invalidate(tap);
        return out;
      }
      while (n--) {
        const key = readStringStrict(tap);
        out.set(key, values._read(tap));
      }
      if (tap.pos > tap.buf.length) return out;
    }
    return out;
  };
}

/** `[null, T]` / `[T, null]`: decode to null or the bare T value. */
function optionalUnionReader(types: readonly Patchable[]): Reader {
  const nullIndex = types[0]!.typeName === 'null' ? 0 : 1;
  const valueIndex = 1 - nullIndex;
  const value = types[valueIndex]!;
  return (tap) => {
    const i = tap.readLong();
    if (i === valueIndex) return value._read(tap);
    if (i === nullIndex) return null;
    throw new InvalidValueError(`invalid union index ${i}`);
  };
}

/** True for a two-branch union with exactly one null branch. */
export function isOptionalUnion(types: readonly AvroType[]): boolean {
  return types.length === 2 && (types[0]!.typeName === 'null') !== (types[1]!.typeName === 'null');
}

/** Named types defined by earlier parses (schema references) can be shared through `registry`. */
export interface ParseOptions {
  registry?: Record<string, AvroType>;
}

/**
 * Parses a writer schema (JSON text or object). Throws plain Errors for invalid schemas; callers
 * wrap them with their own context.
 */
export function parseAvroSchema(schema: string | object, options: ParseOptions = {}): AvroType {
  const json: unknown = typeof schema === 'string' ? JSON.parse(schema) : schema;
  const longType = createBigLongType();
  const stringType = withReader(avro.Type.forSchema('string'), readStringStrict);
  const registry: Record<string, AvroType> = { ...(options.registry ?? {}), long: longType, string: stringType };
  const constructing = new Set<object>();
  const typeHook = (s: unknown, opts: Record<string, unknown>): AvroType | undefined => {
    if (Array.isArray(s)) {
      const union = new avro.types.WrappedUnionType(s as never, opts);
      return isOptionalUnion(union.types) ? withReader(union, optionalUnionReader(union.types as never)) : union;
    }
    if (typeof s !== 'object' || s === null) return undefined;
    const obj = s as { type?: unknown; logicalType?: unknown };
    const Cls = typeof obj.logicalType === 'string' ? LOGICAL_TYPES[obj.logicalType as LogicalKind] : undefined;
    if (Cls && !constructing.has(obj) && Object.hasOwn(LOGICAL_TYPES, obj.logicalType as string)) {
      constructing.add(obj);
      const reg = opts.registry as Record<string, AvroType>;
      const before = new Set(Object.keys(reg));
      const namespace = opts.namespace;
      try {
        return new Cls(obj as never, opts);
      } catch {
        // Invalid logical type: the spec says use the underlying type. Undo partial registrations.
        for (const k of Object.keys(reg)) if (!before.has(k)) delete reg[k];
        opts.namespace = namespace;
        return avro.Type.forSchema(obj as avro.Schema, opts as never);
      } finally {
        constructing.delete(obj);
      }
    }
    // `{"type": "long"}` objects bypass the registry; route them to our long and string too.
    if (obj.type === 'long') return longType;
    if (obj.type === 'string') return stringType;
    if (obj.type === 'array' && !obj.logicalType) {
      const array = new avro.types.ArrayType(s as never, opts);
      return withReader(array, arrayReader(array));
    }
    if (obj.type === 'map' && !obj.logicalType) {
      const map = new avro.types.MapType(s as never, opts);
      return withReader(map, mapReader(map));
    }
    return undefined;
  };
  const type = avro.Type.forSchema(json as avro.Schema, {
    registry,
    typeHook: typeHook as never,
    wrapUnions: 'always',
  });
  if (options.registry) Object.assign(options.registry, registry);
  return type;
}

/** avsc typeName with our BigInt long reported as plain 'long'. */
export function typeNameOf(type: AvroType): string {
  return type.typeName === 'abstract:long' ? 'long' : type.typeName;
}

/**
 * Silver tables: the latest value per key. This module holds the pieces that differ from bronze —
 * which columns form the key, the key of a record (from the Kafka key or from value fields), the
 * Debezium envelope, and the per-commit state: one entry per key touched since the last commit,
 * last write wins. See docs/silver.md for the design (equality deletes for every touched key).
 */
import { RecordBatchBuilder, type Row } from '../arrow/builder.js';
import type { TableMapping } from '../config/index.js';
import { FileContent, type DataFile, type Schema } from '../iceberg/spec/types.js';
import { valuesKey } from '../iceberg/spec/values.js';
import type { PartitionData } from './ports.js';
import { FloeError } from '../util/errors.js';

/** The column holding the decoded Kafka key when the mapping has no `key.fields`. */
export const KAFKA_KEY_COLUMN = '_key';

/** Top-level columns whose values identify a row. */
export function keyColumns(mapping: TableMapping): string[] {
  const fields = mapping.key?.fields;
  if (fields === undefined || fields.length === 0) return [KAFKA_KEY_COLUMN];
  const nested = fields.find((f) => f.includes('.'));
  if (nested !== undefined) {
    throw new FloeError('CONFIG_INVALID', `tables[${mapping.index}].key.fields: "${nested}" is nested; silver keys are top-level value fields in this version`);
  }
  return [...fields];
}

/**
 * The decoded Kafka key as the text stored in the `_key` column: strings as they are, Avro keys as
 * canonical JSON (field order of the key schema), raw bytes as hex. Null: the record has no key.
 */
export function kafkaKeyText(decoded: unknown): string | null {
  if (decoded === null || decoded === undefined) return null;
  if (typeof decoded === 'string') return decoded;
  if (decoded instanceof Uint8Array) return Buffer.from(decoded).toString('hex');
  return JSON.stringify(decoded, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

/**
 * The key columns of a delete whose only source is the Kafka key (a tombstone), or undefined when
 * the key cannot be mapped onto the key columns.
 */
export function keyRowFromKafkaKey(columns: string[], decoded: unknown, format?: string): Row | undefined {
  if (decoded === null || decoded === undefined) return undefined;
  if (columns.length === 1 && columns[0] === KAFKA_KEY_COLUMN) return { [KAFKA_KEY_COLUMN]: kafkaKeyText(decoded) };
  // A `json` key decodes to its text (what `_key` stores); key fields are read from the document.
  if (format === 'json' && typeof decoded === 'string') decoded = parseJsonKey(decoded);
  if (typeof decoded === 'object' && !(decoded instanceof Uint8Array)) {
    const obj = decoded as Record<string, unknown>;
    if (columns.every((c) => obj[c] !== undefined && obj[c] !== null)) return Object.fromEntries(columns.map((c) => [c, obj[c]]));
    return undefined;
  }
  // A primitive key for a single key field (e.g. a string key equal to the id field).
  if (columns.length === 1) return { [columns[0]!]: decoded };
  return undefined;
}

/**
 * A JSON key document; integers beyond 2^53 keep every digit (as BigInt, from their source text),
 * since a key that lost digits would delete another key.
 */
function parseJsonKey(text: string): unknown {
  type Context = { source?: string };
  const exact = (_key: string, value: unknown, context?: Context): unknown =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && /^-?\d+$/.test(context.source) ? BigInt(context.source) : value;
  return JSON.parse(text, exact as (key: string, value: unknown) => unknown);
}

/**
 * A key taken from the Kafka key, in the key columns' types. A Kafka key is often a string even
 * when the key field is a long (`"42"` for id 42); left as is, one such delete would fail every
 * commit of the table. Integers written as text become int/long, numbers become text for string
 * columns; anything else that does not fit is refused here, so the record is dead-lettered alone.
 */
export function keyInColumnTypes(columns: string[], key: Row, schema: Schema | undefined): Row {
  if (!schema) return key;
  const out: Row = { ...key };
  for (const c of columns) {
    const field = schema.fields.find((f) => f.name === c);
    if (!field || typeof field.type !== 'string') continue;
    out[c] = coerceKeyValue(c, field.type, key[c]);
  }
  return out;
}

const INT_RANGE = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const LONG_RANGE = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

function coerceKeyValue(column: string, type: string, v: unknown): unknown {
  const refuse = () => new FloeError('SILVER_BAD_KEY', `key column ${column} is ${type}; the Kafka key gives a ${v instanceof Uint8Array ? 'bytes' : typeof v} that is not one`);
  if (type === 'string') {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    throw refuse();
  }
  if (type === 'int' || type === 'long') {
    const range = type === 'int' ? INT_RANGE : LONG_RANGE;
    let n: bigint | undefined;
    if (typeof v === 'bigint') n = v;
    else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
    else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) n = BigInt(v);
    if (n === undefined || n < range.min || n > range.max) throw refuse();
    return type === 'int' ? Number(n) : n;
  }
  return v;
}

/** The key columns of a row; undefined when one is null (such a row cannot be keyed). */
export function keyRowOf(columns: string[], row: Row): Row | undefined {
  const out: Row = {};
  for (const c of columns) {
    const v = row[c];
    if (v === null || v === undefined) return undefined;
    out[c] = v;
  }
  return out;
}

/** A stable in-memory identity for a key row (values of one key column type always compare alike). */
export function keyIdentity(columns: string[], key: Row): string {
  return valuesKey(columns.map((c) => key[c]));
}

/**
 * The schema of an equality delete file: the key columns (its equality ids), plus — when given and
 * in the table — the Kafka metadata column, same field ids. The spec lets a delete file store any
 * subset of the table's columns and matches only the equality ids, so readers ignore the extra
 * column; floe reads it back as the position of the change that deleted the key, which is what
 * keeps a replayed dead letter from bringing back a key deleted after it (key-positions.ts).
 */
export function keySchema(schema: Schema, columns: string[], metadataColumn?: string): { schema: Schema; ids: number[] } {
  const fields = columns.map((c) => {
    const f = schema.fields.find((x) => x.name === c);
    if (!f) throw new FloeError('CONFIG_INVALID', `key column "${c}" is not in the table schema`);
    if (typeof f.type !== 'string') throw new FloeError('CONFIG_INVALID', `key column "${c}" is not a primitive column`);
    return f;
  });
  const ids = fields.map((f) => f.id);
  const meta = metadataColumn === undefined ? undefined : schema.fields.find((x) => x.name === metadataColumn);
  return { schema: { type: 'struct', 'schema-id': schema['schema-id'], fields: meta ? [...fields, meta] : fields }, ids };
}

// ---- Debezium ---------------------------------------------------------------------------------

type AvroJson = Record<string, unknown>;

/**
 * The row record schema of a Debezium envelope (the type of `after`, which usually references the
 * record defined inline by `before`), as a JSON object a projector can compile.
 */
export function debeziumRowSchema(envelopeText: string): AvroJson {
  const root = JSON.parse(envelopeText) as AvroJson;
  const fields = (root.fields ?? []) as Array<{ name: string; type: unknown }>;
  const named = new Map<string, AvroJson>();
  const collect = (t: unknown): void => {
    if (Array.isArray(t)) t.forEach(collect);
    else if (t && typeof t === 'object') {
      const o = t as AvroJson;
      if (o.type === 'record' && typeof o.name === 'string') {
        named.set(o.name, o);
        const ns = typeof o.namespace === 'string' ? o.namespace : typeof root.namespace === 'string' ? root.namespace : undefined;
        if (ns) named.set(`${ns}.${o.name}`, o);
      }
    }
  };
  for (const f of fields) collect(f.type);
  const pick = (name: string): AvroJson | undefined => {
    const f = fields.find((x) => x.name === name);
    if (!f) return undefined;
    const members = Array.isArray(f.type) ? f.type : [f.type];
    for (const m of members) {
      if (m && typeof m === 'object' && (m as AvroJson).type === 'record') return m as AvroJson;
      if (typeof m === 'string' && named.has(m)) return named.get(m);
    }
    return undefined;
  };
  const record = pick('before') ?? pick('after');
  if (!record || !fields.some((f) => f.name === 'op')) {
    throw new FloeError('DEBEZIUM_NOT_ENVELOPE', 'envelope is debezium but the value schema has no before/after record and op field');
  }
  return record;
}

export type ChangeEvent = { kind: 'upsert'; value: unknown } | { kind: 'delete'; before: unknown };

/** One decoded Debezium value → what it does to the row (c/r/u upsert `after`; d deletes `before`). */
export function debeziumChange(value: unknown): ChangeEvent {
  const v = value as { op?: unknown; before?: unknown; after?: unknown } | null;
  const op = v?.op;
  if (op === 'd') {
    if (v!.before === null || v!.before === undefined) throw new FloeError('DEBEZIUM_NO_BEFORE', 'delete event without a before image');
    return { kind: 'delete', before: v!.before };
  }
  if (op === 'c' || op === 'r' || op === 'u') {
    if (v!.after === null || v!.after === undefined) throw new FloeError('DEBEZIUM_NO_AFTER', `op ${op} without an after image`);
    return { kind: 'upsert', value: v!.after };
  }
  throw new FloeError('DEBEZIUM_BAD_OP', `unsupported Debezium op ${JSON.stringify(op)} (expected c, r, u or d)`);
}

// ---- per-commit state -------------------------------------------------------------------------

export interface KeyedChange {
  key: Row;
  /** The row to keep; null when the key was deleted. */
  row: Row | null;
  /** A replayed dead letter's original position: the commit drops it if the key's committed state is newer. */
  replayOf?: ChangePosition;
  /** A removal's Kafka metadata row, stored beside the key in its delete file (key-positions.ts). */
  meta?: Row;
}

export interface ChangePosition {
  topic: string;
  partition: number;
  offset: bigint;
}

/** `a` comes after `b` in their key's history (only positions of one partition are ordered). */
export function isNewer(a: ChangePosition, b: ChangePosition): boolean {
  return a.topic === b.topic && a.partition === b.partition && a.offset > b.offset;
}

/** Every key touched since the last commit, with its last write (offsets only increase per key). */
export class SilverChanges {
  private changes = new Map<string, KeyedChange & { at?: ChangePosition }>();
  private bytes = 0;

  constructor(private readonly columns: string[]) {}

  /**
   * The key's latest change. `at` is where the change sits in the key's history: a replayed dead
   * letter carries its original position, so it never replaces a newer change of the same
   * partition that is buffered with it (`replayed`: `at` is a replayed original's position).
   */
  put(key: Row, row: Row | null, at?: ChangePosition, replayed = false, meta?: Row): void {
    const id = keyIdentity(this.columns, key);
    const prev = this.changes.get(id)?.at;
    if (prev && at && isNewer(prev, at)) return;
    this.changes.set(id, { key, row, ...(at ? { at } : {}), ...(at && replayed ? { replayOf: at } : {}), ...(meta ? { meta } : {}) });
    // Rough: the memory budget only needs an order of magnitude.
    this.bytes += 200;
  }

  get size(): number {
    return this.changes.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  drain(): KeyedChange[] {
    const out = [...this.changes.values()].map(({ key, row, replayOf, meta }) => ({ key, row, ...(replayOf ? { replayOf } : {}), ...(meta ? { meta } : {}) }));
    this.changes = new Map();
    this.bytes = 0;
    return out;
  }
}

/**
 * The last row of every key touched since the last commit as data files, plus one equality delete
 * per touched key. The deletes get the commit's sequence number, so they remove the key's rows of
 * earlier commits and never this commit's own rows. Partitioning is by key columns only, so a
 * key's row and its delete share one partition. The deletes of removed keys also carry the Kafka
 * metadata of the record that removed them (`metadataColumn`), in their own file.
 */
export async function writeChangeFiles(
  changes: KeyedChange[],
  schema: Schema,
  columns: string[],
  metadataColumn: string | undefined,
  partitionOf: (key: Row) => { tuple: unknown[]; key: string },
  write: (partitions: PartitionData[]) => Promise<DataFile[]>,
): Promise<{ data: DataFile[]; deletes: DataFile[] }> {
  if (changes.length === 0) return { data: [], deletes: [] };
  const plain = keySchema(schema, columns);
  const positioned = metadataColumn !== undefined && schema.fields.some((f) => f.name === metadataColumn) ? keySchema(schema, columns, metadataColumn) : undefined;
  type Part = { tuple: unknown[]; rows: RecordBatchBuilder; keys: RecordBatchBuilder; removed?: RecordBatchBuilder };
  const parts = new Map<string, Part>();
  for (const c of changes) {
    const p0 = partitionOf(c.key);
    let p = parts.get(p0.key);
    if (!p) parts.set(p0.key, (p = { tuple: p0.tuple, rows: new RecordBatchBuilder(schema), keys: new RecordBatchBuilder(plain.schema) }));
    if (c.row) p.rows.append(c.row);
    else if (positioned && c.meta) {
      // A removed key's delete keeps its position: a file of its own, so compaction can keep the
      // positions of deleted keys (and only those) when it drops the delete files.
      (p.removed ??= new RecordBatchBuilder(positioned.schema)).append({ ...c.key, [metadataColumn!]: c.meta });
      continue;
    }
    p.keys.append(c.key);
  }
  const list = [...parts.values()];
  const data = await write(list.map((p) => ({ tuple: p.tuple, sink: p.rows })));
  const written = await write([...list.map((p) => ({ tuple: p.tuple, sink: p.keys })), ...list.flatMap((p) => (p.removed ? [{ tuple: p.tuple, sink: p.removed }] : []))]);
  return { data, deletes: written.map((f) => ({ ...f, content: FileContent.EqualityDeletes, equalityIds: plain.ids })) };
}

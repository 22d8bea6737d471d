/**
 * Field-id assignment. An Iceberg column is its id: names can change, ids never do. Rules:
 * - a writer field keeps the id of the table field with the same name in the same parent struct;
 * - else of the table field named by one of its Avro `aliases` (a rename: the column keeps its id
 *   and takes the new name);
 * - else of a current column that had this name in an earlier table schema (an older writer still
 *   using the name from before a rename);
 * - else, for a Protobuf field (whose doc is `protobuf field N`, see decode/protobuf/mapper.ts), of
 *   the table field with that doc: Protobuf's identity is the field number, so a field renamed
 *   under the same number keeps its column and takes the new name (`number`), unless the name is
 *   one the column had before (an older writer: `former-name`, no rename back);
 * - else it gets a fresh id above `last-column-id`. Ids of removed columns are never handed out
 *   again, because `last-column-id` only grows.
 * "Parent" is identified by the id of the field/element/value whose type is the struct (0 = root).
 */
import type { IcebergType, NestedField, Schema, StructType } from '../iceberg/spec/types.js';

export const ROOT_PARENT = 0;

export function maxFieldId(type: IcebergType): number {
  if (typeof type === 'string') return 0;
  switch (type.type) {
    case 'struct':
      return type.fields.reduce((m, f) => Math.max(m, f.id, maxFieldId(f.type)), 0);
    case 'list':
      return Math.max(type['element-id'], maxFieldId(type.element));
    case 'map':
      return Math.max(type['key-id'], type['value-id'], maxFieldId(type.key), maxFieldId(type.value));
  }
}

/** Calls `fn(parentId, field)` for every struct field in the type tree. */
function forEachField(type: IcebergType, parentId: number, fn: (parentId: number, f: NestedField) => void): void {
  if (typeof type === 'string') return;
  if (type.type === 'struct') {
    for (const f of type.fields) {
      fn(parentId, f);
      forEachField(f.type, f.id, fn);
    }
  } else if (type.type === 'list') forEachField(type.element, type['element-id'], fn);
  else forEachField(type.value, type['value-id'], fn);
}

export interface MatchCandidate {
  name: string;
  aliases: readonly string[];
  doc?: string;
}

export type MatchHow = 'name' | 'alias' | 'former-name' | 'number';

/** The doc the Protobuf mapper gives a column: the field number, Protobuf's identity of a field. */
const PROTOBUF_NUMBER = /^protobuf field \d+$/;

export class FieldIdAssigner {
  private last: number;
  /** parentId → former name → id, from earlier schemas. */
  private readonly formerNames = new Map<number, Map<string, number>>();

  constructor(options: { current?: Schema; history?: readonly Schema[]; lastColumnId?: number } = {}) {
    let last = options.lastColumnId ?? 0;
    for (const s of [...(options.history ?? []), ...(options.current ? [options.current] : [])]) {
      last = Math.max(last, maxFieldId(s));
    }
    this.last = last;
    for (const s of options.history ?? []) {
      forEachField(s, ROOT_PARENT, (parent, f) => {
        let names = this.formerNames.get(parent);
        if (!names) this.formerNames.set(parent, (names = new Map()));
        names.set(f.name, f.id);
      });
    }
  }

  get lastColumnId(): number {
    return this.last;
  }

  next(): number {
    return ++this.last;
  }

  /**
   * Pairs writer fields with the fields of a table struct. Exact names win over aliases, aliases
   * over former names, and each table field is claimed at most once.
   */
  match<W extends MatchCandidate>(
    struct: StructType | undefined,
    parentId: number,
    writerFields: readonly W[],
  ): { writer: W; table: NestedField | undefined; how?: MatchHow }[] {
    const fields = struct?.fields ?? [];
    const byName = new Map(fields.map((f) => [f.name, f]));
    const byId = new Map(fields.map((f) => [f.id, f]));
    const claimed = new Set<number>();
    const result = writerFields.map((writer) => ({ writer, table: undefined as NestedField | undefined, how: undefined as MatchHow | undefined }));
    const claim = (r: (typeof result)[number], f: NestedField | undefined, how: MatchHow) => {
      if (r.table || !f || claimed.has(f.id)) return;
      claimed.add(f.id);
      r.table = f;
      r.how = how;
    };
    for (const r of result) claim(r, byName.get(r.writer.name), 'name');
    for (const r of result) for (const a of r.writer.aliases) claim(r, byName.get(a), 'alias');
    const former = this.formerNames.get(parentId);
    if (former) {
      for (const r of result) {
        const id = former.get(r.writer.name);
        if (id !== undefined) claim(r, byId.get(id), 'former-name');
      }
    }
    for (const r of result) {
      const doc = r.writer.doc;
      if (r.table || doc === undefined || !PROTOBUF_NUMBER.test(doc)) continue;
      const f = fields.find((t) => t.doc === doc);
      if (f) claim(r, f, former?.get(r.writer.name) === f.id ? 'former-name' : 'number');
    }
    return result;
  }
}

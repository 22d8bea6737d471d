/**
 * Reading Avro records by Iceberg field id rather than by name.
 *
 * Manifests in a table come from many writers (Java, PyIceberg, older format versions) whose
 * field names and field order differ; only the field ids are stable. Readers therefore decode each
 * file with its own writer schema and then pick fields by the `field-id` attributes in that schema.
 */
import type { AvroSchemaJson } from './avro-file.js';

type Json = Record<string, unknown>;

export interface FieldRef {
  /** Avro field name in the writer schema (the key in decoded records). */
  name: string;
  /** The field's schema with a ["null", T] union unwrapped to T and named references resolved. */
  schema: AvroSchemaJson;
  optional: boolean;
}

/** Named types (record, fixed, enum) of a schema, so references by name can be resolved. */
export class NamedTypes {
  private readonly byName = new Map<string, Json>();

  constructor(root: AvroSchemaJson) {
    this.collect(root, undefined);
  }

  private collect(schema: AvroSchemaJson, namespace: string | undefined): void {
    if (Array.isArray(schema)) {
      for (const branch of schema) this.collect(branch, namespace);
      return;
    }
    if (typeof schema !== 'object' || schema === null) return;
    const ns = typeof schema.namespace === 'string' ? schema.namespace : namespace;
    if (typeof schema.name === 'string' && ['record', 'error', 'fixed', 'enum'].includes(String(schema.type))) {
      this.byName.set(schema.name, schema);
      const short = schema.name.split('.').pop()!;
      this.byName.set(short, schema);
      if (ns !== undefined && !schema.name.includes('.')) this.byName.set(`${ns}.${schema.name}`, schema);
    }
    if (Array.isArray(schema.fields)) {
      for (const field of schema.fields as Json[]) this.collect(field.type as AvroSchemaJson, ns);
    }
    if (schema.items !== undefined) this.collect(schema.items as AvroSchemaJson, ns);
    if (schema.values !== undefined) this.collect(schema.values as AvroSchemaJson, ns);
    if (typeof schema.type === 'object' && schema.type !== null) this.collect(schema.type as AvroSchemaJson, ns);
  }

  /** Follows name references and `{type: {...}}` wrappers down to a concrete schema. */
  resolve(schema: AvroSchemaJson): AvroSchemaJson {
    if (typeof schema === 'string') return this.byName.get(schema) ?? schema;
    if (!Array.isArray(schema) && typeof schema.type === 'object' && schema.type !== null && !Array.isArray(schema.type)) {
      return this.resolve(schema.type as AvroSchemaJson);
    }
    return schema;
  }

  /** Unwraps an optional union (["null", T] in either order). */
  unwrap(schema: AvroSchemaJson): { schema: AvroSchemaJson; optional: boolean } {
    if (Array.isArray(schema)) {
      const branches = schema.filter((b) => b !== 'null');
      return { schema: this.resolve(branches[0] ?? 'null'), optional: branches.length < schema.length };
    }
    return { schema: this.resolve(schema), optional: false };
  }

  /** Fields of a record schema keyed by their Iceberg field id. */
  fieldsById(record: AvroSchemaJson): Map<number, FieldRef> {
    const resolved = this.unwrap(record).schema;
    const out = new Map<number, FieldRef>();
    if (typeof resolved !== 'object' || Array.isArray(resolved) || !Array.isArray(resolved.fields)) return out;
    for (const field of resolved.fields as Json[]) {
      const id = field['field-id'];
      if (typeof id !== 'number' || typeof field.name !== 'string') continue;
      const { schema, optional } = this.unwrap(field.type as AvroSchemaJson);
      out.set(id, { name: field.name, schema, optional });
    }
    return out;
  }
}

/** A record decoded by avsc, read by field id; absent fields read as undefined. */
export class RecordView {
  constructor(
    private readonly fields: Map<number, FieldRef>,
    private readonly record: Record<string, unknown>,
  ) {}

  has(id: number): boolean {
    return this.fields.has(id);
  }

  get(id: number): unknown {
    const field = this.fields.get(id);
    return field === undefined ? undefined : this.record[field.name];
  }

  field(id: number): FieldRef | undefined {
    return this.fields.get(id);
  }
}

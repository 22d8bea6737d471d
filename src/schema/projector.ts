/**
 * Projects decoded records of any writer schema version onto the table schema, by field id.
 * One compiled function per (writer schema id, table schema id), cached: the hot path is a single
 * call building one object literal per struct.
 */
import { FloeError } from '../util/errors.js';
import type { Schema } from '../iceberg/spec/types.js';
import type { AvroType } from '../decode/avro.js';
import { AvroModel } from './avro-model.js';
import { ProjectionError, structConverter } from './convert.js';
import { FieldIdAssigner, ROOT_PARENT } from './field-ids.js';
import { toAvroType } from './evolve.js';

export type Row = Record<string, unknown>;
export type Projector = (value: unknown) => Row;

export interface ProjectorOptions {
  /** Earlier table schemas, so writers using pre-rename names still find their columns. */
  history?: readonly Schema[];
  /** Avro defaults by field id (EvolveResult.defaults) for fields a writer lacks. */
  defaults?: ReadonlyMap<number, unknown>;
}

/** Compiles a projector; throws SCHEMA_INCOMPATIBLE when the writer cannot be written to the table. */
export function compileProjector(writer: AvroType | string | object, table: Schema, options: ProjectorOptions = {}): Projector {
  const model = new AvroModel(toAvroType(writer));
  const ids = new FieldIdAssigner({ current: table, history: options.history });
  try {
    if (model.root.kind !== 'record') throw new ProjectionError('writer schema is not a record');
    return structConverter(model.root.fields, table, ROOT_PARENT, { ids, defaults: options.defaults });
  } catch (err) {
    if (!(err instanceof ProjectionError)) throw err;
    throw new FloeError('SCHEMA_INCOMPATIBLE', `cannot project writer schema onto table schema ${table['schema-id']}: ${err.message}`, { cause: err });
  }
}

/** Projectors by (writer schema id, table schema id). */
export class ProjectorCache {
  private readonly byKey = new Map<string, Projector>();

  get(writerId: number, writer: AvroType | string | object, table: Schema, options: ProjectorOptions = {}): Projector {
    const key = `${writerId}:${table['schema-id']}`;
    let p = this.byKey.get(key);
    if (!p) {
      p = compileProjector(writer, table, options);
      this.byKey.set(key, p);
    }
    return p;
  }

  /** Drop everything compiled against older table schemas, e.g. after a schema change. */
  clear(): void {
    this.byKey.clear();
  }

  get size(): number {
    return this.byKey.size;
  }
}

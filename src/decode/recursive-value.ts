/**
 * The value of a recursive type of a JSON Schema or Protobuf writer (the writer model marks the
 * type with the `floe-recursive` logical type). The decoder cannot know whether the table's column
 * holds JSON text or a variant (`value.recursive` decides when the column is made, and one writer
 * schema serves every mapping of a topic), so it hands the projector both, computed on demand.
 */
import type { VariantValue } from '../iceberg/spec/variant.js';

export class RecursiveValue {
  constructor(
    /** The deterministic JSON text (what a `string` column has always held). */
    readonly text: () => string,
    /** The same value as a variant value, typed where the schema says more than JSON can. */
    readonly variant: () => VariantValue,
  ) {}
}

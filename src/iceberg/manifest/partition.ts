/**
 * The partition struct of a manifest and the per-field summaries a manifest list carries for it.
 */
import { FloeError } from '../../util/errors.js';
import { partitionType } from '../spec/partition.js';
import { isPrimitive } from '../spec/schema.js';
import type {
  PartitionFieldSummary,
  PartitionSpec,
  PrimitiveType,
  PrimitiveValue,
  Schema,
} from '../spec/types.js';
import { compareValues, serializeValue } from '../spec/values.js';
import type { PartitionStructField } from './schemas.js';

/**
 * The partition struct of a manifest: one optional field per spec field, with the partition field
 * id and the transform's result type over the source column's type in `schema`.
 */
export function partitionStruct(spec: PartitionSpec, schema: Schema): PartitionStructField[] {
  return partitionType(spec, schema).fields.map((f) => {
    if (!isPrimitive(f.type)) throw new FloeError('PARTITION_SOURCE_INVALID', `partition field ${f.name} is not primitive`);
    return { id: f.id, name: f.name, type: f.type };
  });
}

function isNaNValue(type: PrimitiveType, value: PrimitiveValue): boolean {
  return (type === 'float' || type === 'double') && typeof value === 'number' && Number.isNaN(value);
}

/** Accumulates contains_null / contains_nan / bounds for one partition field across a manifest. */
class FieldSummary {
  private containsNull = false;
  private containsNan = false;
  private lower: PrimitiveValue | undefined;
  private upper: PrimitiveValue | undefined;

  constructor(private readonly type: PrimitiveType) {}

  update(value: PrimitiveValue | null | undefined): void {
    if (value === null || value === undefined) {
      this.containsNull = true;
      return;
    }
    // NaN is never a bound (spec: bounds are for non-null, non-NaN values).
    if (isNaNValue(this.type, value)) {
      this.containsNan = true;
      return;
    }
    if (this.lower === undefined || compareValues(this.type, value, this.lower) < 0) this.lower = value;
    if (this.upper === undefined || compareValues(this.type, value, this.upper) > 0) this.upper = value;
  }

  result(): PartitionFieldSummary {
    const out: PartitionFieldSummary = { containsNull: this.containsNull, containsNan: this.containsNan };
    if (this.lower !== undefined) out.lowerBound = serializeValue(this.type, this.lower);
    if (this.upper !== undefined) out.upperBound = serializeValue(this.type, this.upper);
    return out;
  }
}

/** Summaries of the partition tuples of all entries written to one manifest. */
export class PartitionSummaries {
  private readonly fields: FieldSummary[];

  constructor(struct: readonly PartitionStructField[]) {
    this.fields = struct.map((f) => new FieldSummary(f.type));
  }

  update(partition: readonly (PrimitiveValue | null)[]): void {
    this.fields.forEach((f, i) => f.update(partition[i]));
  }

  result(): PartitionFieldSummary[] {
    return this.fields.map((f) => f.result());
  }
}

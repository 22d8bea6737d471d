/**
 * What the two writers of recursive Avro values (json.ts → text, variant.ts → variant) share: one
 * function per Avro type, built once, and the shape a union's decoded value has.
 */
import type { AvroType } from '../decode/avro.js';

/** What floe reads of avsc's type objects beyond their public API. */
export interface AvscInternals {
  typeName: string;
  fields?: { name: string; type: AvroType }[];
  itemsType?: AvroType;
  valuesType?: AvroType;
  types?: AvroType[];
  branchName?: string;
  underlyingType?: AvroType;
}

/**
 * Memoizes `make` per type. A recursive type refers to itself before its function exists, so the
 * cache holds a stand-in first that calls the finished function.
 */
export function perTypeBuilder<F extends (...args: never[]) => unknown>(
  make: (type: AvroType, build: (type: AvroType) => F) => F,
): (type: AvroType) => F {
  const cache = new Map<AvroType, F>();
  const build = (type: AvroType): F => {
    const hit = cache.get(type);
    if (hit) return hit;
    let impl: F | undefined;
    const lazy = ((...args: Parameters<F>) => impl!(...args)) as F;
    cache.set(type, lazy);
    impl = make(type, build);
    return lazy;
  };
  return build;
}

/**
 * A union as avsc decodes it: `[null, T]` arrives bare (`key` undefined), a lone `[T]` wrapped as
 * {"<branch>": value}; any other union is wrapped, one arm per non-null branch.
 */
export type UnionShape =
  | { kind: 'optional'; inner: AvroType; key: string | undefined }
  | { kind: 'branches'; arms: { key: string; type: AvroType }[] };

export function unionShape(type: AvroType): UnionShape {
  const types = (type as unknown as AvscInternals).types!;
  const branches = types.filter((b) => b.typeName !== 'null');
  const keyOf = (b: AvroType) => (b as unknown as AvscInternals).branchName!;
  if (branches.length === 1) return { kind: 'optional', inner: branches[0]!, key: types.length === 1 ? keyOf(branches[0]!) : undefined };
  return { kind: 'branches', arms: branches.map((b) => ({ key: keyOf(b), type: b })) };
}

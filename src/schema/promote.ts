/** Iceberg type promotion rules (spec: int→long, float→double, decimal(P,S)→decimal(P',S) with P'>P). */
import type { PrimitiveType } from '../iceberg/spec/types.js';
import { FloeError } from '../util/errors.js';

const DECIMAL = /^decimal\((\d+),\s*(\d+)\)$/;

/** The nanosecond twin of each microsecond timestamp type. */
const NANOS_OF: Partial<Record<string, PrimitiveType>> = { timestamp: 'timestamp_ns', timestamptz: 'timestamptz_ns' };

/** The type a writer's column gets in a new column: format v2 has no nanosecond timestamps. */
export function columnType(writer: PrimitiveType, formatVersion: number): PrimitiveType {
  if (formatVersion >= 3) return writer;
  // The configuration refuses value.json / value.recursive: variant on v2; this catches a table that is v2 anyway.
  if (writer === 'variant') {
    throw new FloeError('SCHEMA_UNSUPPORTED_TYPE', `variant columns need a format-version 3 table (this one is v${formatVersion}); use text (value.json, value.recursive)`);
  }
  if (writer === 'timestamp_ns') return 'timestamp';
  if (writer === 'timestamptz_ns') return 'timestamptz';
  return writer;
}

export function decimalHint(table: PrimitiveType, writer: PrimitiveType): string {
  const a = DECIMAL.exec(table);
  const b = DECIMAL.exec(writer);
  if (a && b && a[2] !== b[2]) return ' (decimal scale change)';
  if (a && b) return ' (decimal precision narrowing is fine, but not this)';
  return '';
}

/**
 * The table type that can hold both the table's current values and the writer's, or
 * 'incompatible'. A table type wider than the writer's stays (the projector widens values).
 */
export function promote(table: PrimitiveType, writer: PrimitiveType): PrimitiveType | 'incompatible' {
  if (table === writer) return table;
  if (table === 'int' && writer === 'long') return 'long';
  if (table === 'long' && writer === 'int') return 'long';
  if (table === 'float' && writer === 'double') return 'double';
  if (table === 'double' && writer === 'float') return 'double';
  // Nanosecond writers into a micro column (a v2 table, or a column made before the table became
  // v3) are floored; micro writers into a nanosecond column are exact. Neither changes the column:
  // Iceberg allows no timestamp ↔ timestamp_ns promotion.
  if (NANOS_OF[table] === writer || NANOS_OF[writer] === table) return table;
  const a = DECIMAL.exec(table);
  const b = DECIMAL.exec(writer);
  if (a && b && a[2] === b[2]) return Number(b[1]) > Number(a[1]) ? writer : table;
  return 'incompatible';
}


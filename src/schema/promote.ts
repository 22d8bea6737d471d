/** Iceberg type promotion rules (spec: int→long, float→double, decimal(P,S)→decimal(P',S) with P'>P). */
import type { PrimitiveType } from '../iceberg/spec/types.js';

const DECIMAL = /^decimal\((\d+),\s*(\d+)\)$/;

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
  const a = DECIMAL.exec(table);
  const b = DECIMAL.exec(writer);
  if (a && b && a[2] === b[2]) return Number(b[1]) > Number(a[1]) ? writer : table;
  return 'incompatible';
}


/**
 * The shared walk of the recursive-value writers (src/schema/avro-walk.ts): one function per type,
 * self-references resolved, and the three shapes a union's decoded value can have.
 */
import { describe, expect, it } from 'vitest';
import { parseAvroSchema, type AvroType } from '../../src/decode/avro.js';
import { perTypeBuilder, unionShape, type AvscInternals } from '../../src/schema/avro-walk.js';

const fieldType = (record: AvroType, name: string): AvroType =>
  (record as unknown as AvscInternals).fields!.find((f) => f.name === name)!.type;

describe('perTypeBuilder', () => {
  it('builds each type once and lets a recursive type call itself', () => {
    const tree = parseAvroSchema({
      type: 'record',
      name: 'Tree',
      fields: [
        { name: 'v', type: 'int' },
        { name: 'kids', type: { type: 'array', items: 'Tree' } },
      ],
    });
    const made: string[] = [];
    type Depth = (v: unknown) => number;
    const build = perTypeBuilder<Depth>((type, build) => {
      const x = type as unknown as AvscInternals;
      made.push(x.typeName);
      if (x.typeName === 'record') {
        const kids = build(fieldType(type, 'kids'));
        return (v) => 1 + kids((v as { kids: unknown }).kids);
      }
      if (x.typeName === 'array') {
        const item = build(x.itemsType!);
        return (v) => Math.max(0, ...(v as unknown[]).map(item));
      }
      return () => 0;
    });
    const depth = build(tree);
    expect(build(tree)).toBe(depth);
    expect(made).toEqual(['record', 'array']);
    expect(depth({ v: 1, kids: [{ v: 2, kids: [{ v: 3, kids: [] }] }, { v: 4, kids: [] }] })).toBe(3);
  });
});

describe('unionShape', () => {
  const record = parseAvroSchema({
    type: 'record',
    name: 'U',
    fields: [
      { name: 'opt', type: ['null', 'string'] },
      { name: 'lone', type: ['long'] },
      { name: 'many', type: ['null', 'int', 'string'] },
    ],
  });

  it('[null, T] decodes bare: no key', () => {
    const s = unionShape(fieldType(record, 'opt'));
    expect(s.kind).toBe('optional');
    expect(s.kind === 'optional' && [(s.inner as unknown as AvscInternals).typeName, s.key]).toEqual(['string', undefined]);
  });

  it('a lone [T] is wrapped under its branch name', () => {
    const s = unionShape(fieldType(record, 'lone'));
    expect(s.kind === 'optional' && s.key).toBe('long');
  });

  it('other unions: one arm per non-null branch, keyed by branch name', () => {
    const s = unionShape(fieldType(record, 'many'));
    expect(s.kind === 'branches' && s.arms.map((a) => a.key)).toEqual(['int', 'string']);
  });
});

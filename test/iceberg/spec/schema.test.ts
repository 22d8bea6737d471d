import { describe, expect, it } from 'vitest';
import {
  assignFreshIds,
  decimalParams,
  findField,
  fixedLength,
  indexById,
  indexByName,
  isPrimitive,
  maxFieldId,
  parsePrimitiveType,
  parseSchema,
  primitiveKind,
  promotionAllowed,
  schemaToJson,
  validateSchema,
} from '../../../src/iceberg/spec/schema.js';
import type { Schema } from '../../../src/iceberg/spec/types.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  'identifier-field-ids': [1],
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    {
      id: 2, name: 'location', required: false,
      type: { type: 'struct', fields: [{ id: 3, name: 'lat', required: true, type: 'double' }, { id: 4, name: 'lon', required: true, type: 'double' }] },
    },
    { id: 5, name: 'tags', required: false, type: { type: 'list', 'element-id': 6, element: 'string', 'element-required': true } },
    {
      id: 7, name: 'props', required: true,
      type: { type: 'map', 'key-id': 8, key: 'string', 'value-id': 9, value: 'decimal(9,2)', 'value-required': false },
    },
  ],
};

describe('type parameters', () => {
  it('parses decimal and fixed with optional whitespace', () => {
    expect(decimalParams('decimal(9,2)')).toEqual({ precision: 9, scale: 2 });
    expect(decimalParams('decimal(9, 2)')).toEqual({ precision: 9, scale: 2 });
    expect(decimalParams('long')).toBeUndefined();
    expect(fixedLength('fixed[16]')).toBe(16);
    expect(fixedLength('fixed[ 4 ]')).toBe(4);
    expect(fixedLength('binary')).toBeUndefined();
  });
  it('canonicalizes and validates primitive type strings', () => {
    expect(parsePrimitiveType('decimal(38, 10)')).toBe('decimal(38,10)');
    expect(parsePrimitiveType('timestamptz_ns')).toBe('timestamptz_ns');
    expect(() => parsePrimitiveType('decimal(39,0)')).toThrow();
    expect(() => parsePrimitiveType('fixed[0]')).toThrow();
    expect(() => parsePrimitiveType('varchar')).toThrow();
    expect(primitiveKind('fixed[3]')).toBe('fixed');
    expect(primitiveKind('decimal(3,1)')).toBe('decimal');
    expect(isPrimitive('int')).toBe(true);
    expect(isPrimitive(schema)).toBe(false);
  });
});

describe('indexes', () => {
  it('indexes every id including list elements and map keys/values', () => {
    const byId = indexById(schema);
    expect([...byId.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(byId.get(3)!.path).toEqual(['location', 'lat']);
    expect(byId.get(3)!.inOptional).toBe(true);
    expect(byId.get(6)!.path).toEqual(['tags', 'element']);
    expect(byId.get(6)!.inRepeated).toBe(true);
    expect(byId.get(9)!.field.required).toBe(false);
    expect(byId.get(8)!.field.required).toBe(true);
    expect(byId.get(1)!.inRepeated).toBe(false);
  });
  it('indexes dotted names and finds fields by id or name', () => {
    const byName = indexByName(schema);
    expect(byName.get('location.lon')).toBe(4);
    expect(byName.get('props.value')).toBe(9);
    expect(findField(schema, 'location.lat')!.field.id).toBe(3);
    expect(findField(schema, 7)!.field.name).toBe('props');
    expect(findField(schema, 'nope')).toBeUndefined();
    expect(maxFieldId(schema)).toBe(9);
    expect(maxFieldId({ type: 'struct', fields: [] })).toBe(0);
  });
  it('rejects duplicate ids', () => {
    const bad: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: true, type: 'int' }, { id: 1, name: 'b', required: true, type: 'int' }] };
    expect(() => indexById(bad)).toThrow(/duplicate field id 1/);
  });
});

describe('promotionAllowed', () => {
  it('follows the spec table', () => {
    expect(promotionAllowed('int', 'long')).toBe(true);
    expect(promotionAllowed('float', 'double')).toBe(true);
    expect(promotionAllowed('decimal(9,2)', 'decimal(18,2)')).toBe(true);
    expect(promotionAllowed('decimal(9,2)', 'decimal(18,3)')).toBe(false);
    expect(promotionAllowed('decimal(18,2)', 'decimal(9,2)')).toBe(false);
    expect(promotionAllowed('long', 'int')).toBe(false);
    expect(promotionAllowed('int', 'string')).toBe(false);
    expect(promotionAllowed('date', 'timestamp')).toBe(false);
    expect(promotionAllowed('date', 'timestamp', 3)).toBe(true);
    expect(promotionAllowed('date', 'timestamptz', 3)).toBe(false);
    expect(promotionAllowed('string', 'string')).toBe(true);
  });
});

describe('JSON', () => {
  it('round-trips through schemaToJson / parseSchema', () => {
    const json = JSON.parse(JSON.stringify(schemaToJson(schema)));
    expect(Object.keys(json)).toEqual(['type', 'schema-id', 'identifier-field-ids', 'fields']);
    expect(parseSchema(json)).toEqual(schema);
  });
  it('keeps docs and defaults, canonicalizes types, defaults schema-id to 0', () => {
    const s = parseSchema({ type: 'struct', fields: [{ id: 1, name: 'a', required: false, type: 'decimal(9, 2)', doc: 'd', 'initial-default': '1.00', 'write-default': '2.00' }] });
    expect(s['schema-id']).toBe(0);
    expect(s.fields[0]).toEqual({ id: 1, name: 'a', required: false, type: 'decimal(9,2)', doc: 'd', 'initial-default': '1.00', 'write-default': '2.00' });
  });
  it('rejects unknown types unless asked to keep them', () => {
    const json = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'g', required: false, type: 'geometry(srid:4326)' }] };
    expect(() => parseSchema(json)).toThrow(/unknown primitive type/);
    expect(parseSchema(json, { allowUnknownTypes: true }).fields[0]!.type).toBe('geometry(srid:4326)');
  });
  it('knows variant (v3), which can be no identifier field', () => {
    const field = { id: 1, name: 'v', required: true, type: 'variant' };
    expect(parseSchema({ type: 'struct', 'schema-id': 0, fields: [field] }).fields[0]!.type).toBe('variant');
    expect(() => parseSchema({ type: 'struct', 'schema-id': 0, fields: [field], 'identifier-field-ids': [1] })).toThrow(/identifier field v is not a primitive/);
  });
  it('validates names and identifier fields', () => {
    const base = (fields: unknown[], ids?: number[]) => ({ type: 'struct', 'schema-id': 0, fields, 'identifier-field-ids': ids });
    expect(() => parseSchema(base([{ id: 1, name: 'a', required: true, type: 'int' }, { id: 2, name: 'a', required: true, type: 'int' }]))).toThrow(/duplicate field name/);
    expect(() => parseSchema(base([{ id: 1, name: 'a', required: false, type: 'int' }], [1]))).toThrow(/optional/);
    expect(() => parseSchema(base([{ id: 1, name: 'a', required: true, type: 'double' }], [1]))).toThrow(/floating/);
    expect(() => parseSchema(base([{ id: 1, name: 'a', required: true, type: 'int' }], [2]))).toThrow(/does not exist/);
    expect(() => validateSchema({ ...schema, 'identifier-field-ids': [3] })).toThrow(/optional struct|floating/);
    expect(() => validateSchema({ ...schema, 'identifier-field-ids': [8] })).toThrow(/list or map/);
    expect(() => parseSchema({ type: 'struct', fields: [{ id: 1, name: 'a', type: 'int' }] })).toThrow(/required/);
    expect(() => parseSchema({ type: 'list' })).toThrow();
  });
});

describe('assignFreshIds', () => {
  it('numbers a level before its children, like Java', () => {
    const { schema: fresh, idMap, lastColumnId } = assignFreshIds({ ...schema, fields: schema.fields.map((f) => ({ ...f, id: f.id + 100 })) , 'identifier-field-ids': [101] });
    expect(fresh.fields.map((f) => f.id)).toEqual([1, 2, 3, 4]);
    const loc = fresh.fields[1]!.type as { fields: { id: number }[] };
    expect(loc.fields.map((f) => f.id)).toEqual([5, 6]);
    expect((fresh.fields[2]!.type as { 'element-id': number })['element-id']).toBe(7);
    const map = fresh.fields[3]!.type as { 'key-id': number; 'value-id': number };
    expect([map['key-id'], map['value-id']]).toEqual([8, 9]);
    expect(lastColumnId).toBe(9);
    expect(fresh['identifier-field-ids']).toEqual([1]);
    expect(idMap.get(101)).toBe(1);
    validateSchema(fresh);
  });
});

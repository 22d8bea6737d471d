// The JSON Schema editors use must accept the examples and reject what floe rejects; the copy in
// docs/ must be the generated one.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { jsonSchema, loadConfig } from '../../src/config/index.js';

type Schema = Record<string, unknown>;

/** Just enough draft-07 for the keywords the DSL emits; returns the failing paths. */
function check(schema: Schema, value: unknown, path = '$'): string[] {
  const errors: string[] = [];
  const fail = (why: string) => errors.push(`${path}: ${why}`);
  if ('const' in schema && value !== schema.const) fail(`not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) fail('not in enum');
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => check(s as Schema, value, path).length === 0)) fail('no anyOf branch');
  if (Array.isArray(schema.oneOf) && schema.oneOf.filter((s) => check(s as Schema, value, path).length === 0).length !== 1) fail('not exactly one oneOf branch');
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [...errors, `${path}: not a string`];
      if (typeof schema.minLength === 'number' && value.length < schema.minLength) fail('too short');
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) fail(`does not match ${schema.pattern}`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) return [...errors, `${path}: not an integer`];
      if (typeof schema.minimum === 'number' && (value as number) < schema.minimum) fail('below minimum');
      if (typeof schema.maximum === 'number' && (value as number) > schema.maximum) fail('above maximum');
      break;
    case 'boolean':
      if (typeof value !== 'boolean') fail('not a boolean');
      break;
    case 'array':
      if (!Array.isArray(value)) return [...errors, `${path}: not an array`];
      if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail('too few items');
      value.forEach((v, i) => errors.push(...check(schema.items as Schema, v, `${path}[${i}]`)));
      break;
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return [...errors, `${path}: not an object`];
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      for (const key of (schema.required ?? []) as string[]) if (!(key in value)) fail(`missing ${key}`);
      for (const [k, v] of Object.entries(value)) {
        if (k in props) errors.push(...check(props[k]!, v, `${path}.${k}`));
        else if (schema.additionalProperties === false) fail(`unexpected ${k}`);
        else if (typeof schema.additionalProperties === 'object') errors.push(...check(schema.additionalProperties as Schema, v, `${path}.${k}`));
      }
    }
  }
  return errors;
}

const examples = ['bronze', 'silver', 'debezium'].map((name) => `examples/${name}.yaml`);

describe('JSON Schema', () => {
  const schema = jsonSchema();

  it('is draft-07 with the top-level sections', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['kafka', 'schemaRegistry', 'catalog', 'storage', 'tables']);
    expect(Object.keys(schema.properties as object)).toEqual([
      'kafka', 'schemaRegistry', 'catalog', 'storage', 'defaults', 'tables', 'maintenance', 'server', 'shutdown', 'logging', 'memory', 'performance',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });

  it('matches the committed docs/floe.schema.json (regenerate: npm run floe -- schema > docs/floe.schema.json)', () => {
    expect(JSON.parse(readFileSync('docs/floe.schema.json', 'utf8'))).toEqual(schema);
  });

  for (const file of examples) {
    it(`accepts ${file}, which floe accepts too`, () => {
      const text = readFileSync(file, 'utf8');
      expect(check(schema, parse(text))).toEqual([]);
      expect(loadConfig(file, {}).tables.length).toBeGreaterThan(0);
    });
  }

  it('rejects an unknown key, a bad transform and a wrong type', () => {
    const doc = parse(readFileSync('examples/bronze.yaml', 'utf8')) as Record<string, any>;
    doc.kafka.brokerz = ['x'];
    doc.tables[0].partitioning[0].transform = 'bukket[16]';
    doc.server = { port: 'http' };
    const errors = check(schema, doc);
    expect(errors).toContain('$.kafka: unexpected brokerz');
    expect(errors.some((e) => e.startsWith('$.tables[0].partitioning[0].transform: does not match'))).toBe(true);
    expect(errors).toContain('$.server.port: no anyOf branch');
  });
});

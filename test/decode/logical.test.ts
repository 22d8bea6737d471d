/**
 * The uuid check of src/decode/logical.ts is hand-written (a RegExp per value cost ~1 % of the
 * daemon on small records): it must accept exactly what the RegExp accepted, and a uuid column
 * must still take upper-case text (lower-cased) and refuse anything else.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { frame, StaticSchemaSource, ValueDecoder } from '../../src/decode/index.js';
import { isLowerUuid } from '../../src/decode/logical.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('isLowerUuid', () => {
  it('agrees with the RegExp on valid, edge and mutated strings', () => {
    const valid = '0123abcd-89ef-4a5b-8c6d-0e1f2a3b4c5d';
    const cases = [valid, valid.toUpperCase(), '', valid.slice(1), `${valid}0`, valid.replace(/-/g, ''), `${valid.slice(0, 8)}_${valid.slice(9)}`];
    // Every position replaced by characters around the accepted ranges.
    for (let i = 0; i < valid.length; i++) {
      for (const c of ['/', '0', '9', ':', '`', 'a', 'f', 'g', 'A', 'F', '-', 'é', '\u0660']) cases.push(valid.slice(0, i) + c + valid.slice(i + 1));
    }
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let k = 0; k < 2000; k++) {
      const chars = [...valid];
      chars[rnd() % 36] = String.fromCharCode(rnd() % 130);
      cases.push(chars.join(''));
    }
    for (const s of cases) expect(isLowerUuid(s), JSON.stringify(s)).toBe(UUID_RE.test(s));
  });
});

describe('uuid values', () => {
  const schema = { type: 'record', name: 'U', fields: [{ name: 'id', type: { type: 'string', logicalType: 'uuid' } }] };
  const decoder = new ValueDecoder(new StaticSchemaSource({ 3: schema }));
  const body = (id: string) => frame(3, avro.Type.forSchema(schema as avro.Schema).toBuffer({ id }));

  it('keeps lower-case text, lower-cases upper-case text', () => {
    expect(decoder.decodeCached(body('0123abcd-89ef-4a5b-8c6d-0e1f2a3b4c5d'))!.value).toEqual({ id: '0123abcd-89ef-4a5b-8c6d-0e1f2a3b4c5d' });
    expect(decoder.decodeCached(body('0123ABCD-89EF-4A5B-8C6D-0E1F2A3B4C5D'))!.value).toEqual({ id: '0123abcd-89ef-4a5b-8c6d-0e1f2a3b4c5d' });
  });

  it('refuses text that is not a uuid', () => {
    for (const bad of ['not-a-uuid', '0123abcd-89ef-4a5b-8c6d-0e1f2a3b4c5', '0123abcd+89ef-4a5b-8c6d-0e1f2a3b4c5d', '0123abcg-89ef-4a5b-8c6d-0e1f2a3b4c5d']) {
      expect(() => decoder.decodeCached(body(bad)), bad).toThrow(/invalid uuid/);
    }
  });
});

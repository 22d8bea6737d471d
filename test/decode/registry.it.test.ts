/**
 * Against the real Schema Registry (Apicurio's Confluent-compatible API): schemas registered and
 * values encoded by @kafkajs/confluent-schema-registry decode exactly with floe's decoder; an
 * unknown id is a typed error; each id is fetched once.
 */
import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, inject, it } from 'vitest';
import { confluentRegistryClient, DecodeCode, RegistrySchemaSource, ValueDecoder } from '../../src/decode/index.js';
import { avroToIceberg, compileProjector } from '../../src/schema/index.js';

const schema = {
  type: 'record',
  name: 'Reading',
  namespace: `floe.it${randomUUID().replace(/-/g, '')}`,
  fields: [
    { name: 'id', type: 'long' },
    { name: 'station', type: 'string' },
    { name: 'temp', type: ['null', 'double'], default: null },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
  ],
};

describe('decoding through the real Schema Registry', () => {
  const url = inject('stack').schemaRegistryUrl;
  const subject = `floe-decode-${randomUUID()}-value`;

  it('decodes what the registry client encoded', async () => {
    const registry = new SchemaRegistry({ host: url });
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    // The library's encoder uses its own avsc type: plain numbers for longs, raw bytes for decimals.
    const encoded = await registry.encode(id, { id: 42, station: 'st-1', temp: 21.5, at: 1_700_000_000_123, amount: Buffer.from([0x30, 0x39]) });

    const source = new RegistrySchemaSource(confluentRegistryClient({ host: url }), { retries: 2 });
    const decoder = new ValueDecoder(source);
    const decoded = await decoder.decode(encoded);
    expect(decoded.schemaId).toBe(id);
    const table = avroToIceberg(decoded.writer.text).newSchema;
    expect(compileProjector(decoded.writer.type, table)(decoded.value)).toEqual({
      id: 42n,
      station: 'st-1',
      temp: 21.5,
      at: 1_700_000_000_123_000n,
      amount: 12345n,
    });
    await decoder.decode(encoded);
    expect(decoder.decodeCached(encoded)).toBeDefined();
    expect(source.fetches).toBe(1);
  });

  it('an unknown schema id is DECODE_UNKNOWN_SCHEMA', async () => {
    const source = new RegistrySchemaSource(confluentRegistryClient({ host: url }), { retries: 1 });
    const decoder = new ValueDecoder(source);
    const frame = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2]);
    await expect(decoder.decode(frame)).rejects.toMatchObject({ code: DecodeCode.UnknownSchema, retryable: false });
  });

  it('a registry that does not answer is a retryable REGISTRY_UNAVAILABLE', async () => {
    const source = new RegistrySchemaSource(confluentRegistryClient({ host: 'http://127.0.0.1:9/apis/ccompat/v7' }), {
      retries: 2,
      initialDelayMs: 10,
    });
    await expect(source.getSchema(1)).rejects.toMatchObject({ code: DecodeCode.RegistryUnavailable, retryable: true });
  });
});

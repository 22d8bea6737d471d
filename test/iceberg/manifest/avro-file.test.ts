/**
 * readAvroFile on container files Apache Avro's Java implementation wrote (test/fixtures/avro, from
 * Avro's own test data): the zstandard codec goes through node:zlib (Node 24), deflate through zlib.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readAvroFile } from '../../../src/iceberg/manifest/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/avro/${name}`, import.meta.url));

describe('readAvroFile on Apache Avro fixtures', () => {
  const expected = readFileSync(new URL('../../fixtures/avro/weather.json', import.meta.url), 'utf8').trim().split('\n').length;
  it.each(['weather.avro', 'weather-deflate.avro', 'weather-zstd.avro'])('%s', (name) => {
    const plain = readAvroFile(fixture('weather.avro'));
    const file = readAvroFile(fixture(name));
    expect(file.records).toHaveLength(expected);
    expect(file.records).toEqual(plain.records);
  });

  it('names an unsupported codec', () => {
    expect(() => readAvroFile(fixture('weather-snappy.avro'))).toThrow(/unsupported Avro codec "snappy"/);
  });
});

import { describe, expect, it } from 'vitest';
import { confluentRegistryClient, DecodeCode, RegistrySchemaSource, type RawSchema, type RegistryClient } from '../../src/decode/index.js';
import { silentRegistry } from '../harness/silent-registry.js';

const schema = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'long' }] });

function client(behaviour: (id: number, call: number) => RawSchema | Error): RegistryClient & { calls: number } {
  const c = {
    calls: 0,
    async schemaById(id: number) {
      const r = behaviour(id, c.calls++);
      if (r instanceof Error) throw r;
      return r;
    },
    async schemaByVersion(): Promise<RawSchema> {
      throw Object.assign(new Error('no'), { status: 404 });
    },
    async latestId(): Promise<number> {
      throw Object.assign(new Error('no'), { status: 404 });
    },
  };
  return c;
}

const httpError = (status: number, message = `status ${status}`) => Object.assign(new Error(message), { status });
const noSleep = { sleep: async () => {} };

describe('RegistrySchemaSource', () => {
  it('fetches each id once, even for concurrent misses', async () => {
    const c = client(() => ({ schema }));
    const source = new RegistrySchemaSource(c, noSleep);
    const [a, b] = await Promise.all([source.getSchema(1), source.getSchema(1)]);
    await source.getSchema(1);
    expect(a).toBe(b);
    expect(c.calls).toBe(1);
    expect(source.peek(1)).toBe(a);
  });

  it('retries an outage with backoff and then succeeds', async () => {
    const delays: number[] = [];
    const c = client((_id, call) => (call < 3 ? httpError(400, 'connect ECONNREFUSED') : { schema }));
    const source = new RegistrySchemaSource(c, { sleep: async (ms) => void delays.push(ms), initialDelayMs: 100 });
    await expect(source.getSchema(1)).resolves.toMatchObject({ id: 1 });
    expect(delays).toHaveLength(3);
    expect(delays[2]!).toBeGreaterThan(delays[0]!); // exponential
  });

  it('a lasting outage is a retryable REGISTRY_UNAVAILABLE, never a decode answer', async () => {
    const c = client(() => httpError(503));
    const source = new RegistrySchemaSource(c, { ...noSleep, retries: 2 });
    await expect(source.getSchema(1)).rejects.toMatchObject({ code: DecodeCode.RegistryUnavailable, retryable: true });
    expect(c.calls).toBe(3);
    expect(source.peek(1)).toBeUndefined();
  });

  it('404 is DECODE_UNKNOWN_SCHEMA and is remembered for a while', async () => {
    let now = 0;
    const c = client(() => httpError(404));
    const source = new RegistrySchemaSource(c, { ...noSleep, now: () => now, negativeTtlMs: 1000 });
    await expect(source.getSchema(9)).rejects.toMatchObject({ code: DecodeCode.UnknownSchema, retryable: false });
    await expect(source.getSchema(9)).rejects.toMatchObject({ code: DecodeCode.UnknownSchema });
    expect(c.calls).toBe(1);
    now = 2000;
    await expect(source.getSchema(9)).rejects.toMatchObject({ code: DecodeCode.UnknownSchema });
    expect(c.calls).toBe(2);
  });

  it('non-Avro or unparsable schemas are DECODE_BAD_SCHEMA', async () => {
    const source = new RegistrySchemaSource(client((id) => (id === 1 ? { schema: '{}', schemaType: 'PROTOBUF' } : { schema: '{"type":"nope"}' })), noSleep);
    await expect(source.getSchema(1)).rejects.toMatchObject({ code: DecodeCode.BadSchema });
    await expect(source.getSchema(2)).rejects.toMatchObject({ code: DecodeCode.BadSchema });
  });

  it('fails a schema fetch the registry never answers after schemaRegistry.timeoutMs per attempt, retryably', async () => {
    const silent = await silentRegistry();
    try {
      const source = new RegistrySchemaSource(confluentRegistryClient({ url: silent.url, timeoutMs: 200 }), { ...noSleep, retries: 1 });
      const started = Date.now();
      const err = await source.getSchema(7).catch((e: unknown) => e);
      expect((err as { code: string }).code).toBe(DecodeCode.RegistryUnavailable);
      expect((err as { retryable: boolean }).retryable).toBe(true);
      expect((err as Error).message).toMatch(/^schema registry unavailable fetching id 7: .*no answer within 200 ms \(schemaRegistry\.timeoutMs\)$/);
      expect(silent.requests()).toBe(2); // the first attempt and one retry, each ended by the deadline
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await silent.close();
    }
  });
});

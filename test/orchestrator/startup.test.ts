import { describe, expect, it } from 'vitest';
import { waitForDependency, worthWaiting } from '../../src/orchestrator/startup.js';
import { FloeError } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';

describe('waitForDependency', () => {
  it('retries retryable errors with growing delays, reports why, and clears the reason once through', async () => {
    const reasons: Array<string | undefined> = [];
    let calls = 0;
    const result = await waitForDependency(
      'the catalog',
      async () => {
        if (++calls < 3) throw new FloeError('CATALOG_UNAVAILABLE', 'GET /v1/config failed (ECONNREFUSED)', { retryable: true });
        return 'ok';
      },
      { signal: new AbortController().signal, log: silentLogger, onWaiting: (r) => reasons.push(r), initialDelayMs: 5 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(reasons).toEqual([
      'waiting for the catalog: CATALOG_UNAVAILABLE: GET /v1/config failed (ECONNREFUSED)',
      'waiting for the catalog: CATALOG_UNAVAILABLE: GET /v1/config failed (ECONNREFUSED)',
      undefined,
    ]);
  });

  it('gives up at once on errors a restart cannot fix', async () => {
    const refused = new FloeError('KAFKA_AUTHENTICATION_FAILED', 'refused');
    await expect(waitForDependency('Kafka', () => Promise.reject(refused), { signal: new AbortController().signal, log: silentLogger })).rejects.toBe(refused);
  });

  it('a signal ends the wait with undefined', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const r = await waitForDependency('Kafka', () => Promise.reject(new FloeError('KAFKA_UNREACHABLE', 'down', { retryable: true })), {
      signal: ac.signal,
      log: silentLogger,
      initialDelayMs: 10_000,
    });
    expect(r).toBeUndefined();
  });

  it('plain network errors are worth waiting for, programming errors are not', () => {
    expect(worthWaiting(new TypeError('fetch failed'))).toBe(true);
    expect(worthWaiting(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toBe(true);
    expect(worthWaiting(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRegistry, classifyRegistryError, registryAddress, registryClientArgs } from '../../src/decode/registry-connect.js';
import { isFloeError } from '../../src/util/errors.js';
import { silentRegistry } from '../harness/silent-registry.js';

const basic = { url: 'https://reg.example:8443/apis/ccompat/v7', username: 'reader', password: 'pw-secret-1' };
const bearer = { url: 'https://reg.example:8443', token: 'tok-secret-2' };

describe('registry connection', () => {
  it('passes Basic auth, a bearer-token middleware and a TLS agent only for https', () => {
    expect(registryClientArgs(basic).auth).toEqual({ username: 'reader', password: 'pw-secret-1' });
    expect(registryClientArgs(bearer).middlewares).toHaveLength(1);
    expect(registryClientArgs({ ...bearer, timeoutMs: 30_000 }).middlewares).toHaveLength(2); // bearer + deadline
    expect(registryClientArgs({ ...bearer, ssl: { rejectUnauthorized: false } }).agent).toBeDefined();
    expect(registryClientArgs({ url: 'http://r:8081', ssl: { rejectUnauthorized: false } }).agent).toBeUndefined();
    expect(() => registryClientArgs({ ...bearer, ssl: { ca: '/nonexistent/ca.pem' } })).toThrow(/schemaRegistry\.ssl\.ca: cannot read \/nonexistent\/ca\.pem: ENOENT/);
  });

  it('names the address without user info', () => {
    expect(registryAddress('https://u:p@reg:8443/x/')).toBe('https://reg:8443/x');
  });

  it('classifies refusals as exit-3 errors and outages as retryable, never echoing a secret', () => {
    const e401 = classifyRegistryError({ status: 401, message: 'Confluent_Schema_Registry - Unauthorized pw-secret-1' }, basic);
    expect([e401.code, e401.retryable, e401.message]).toEqual(['REGISTRY_AUTH_FAILED', false, 'the schema registry (https://reg.example:8443/apis/ccompat/v7) refused the credentials of user "reader" (schemaRegistry.username/password) (HTTP 401)']);
    expect(classifyRegistryError({ status: 403 }, bearer).message).toMatch(/forbids our bearer token/);
    const untrusted = classifyRegistryError({ status: 400, message: 'Confluent_Schema_Registry - Error, status 400: self-signed certificate in certificate chain' }, bearer);
    expect([untrusted.code, untrusted.message]).toEqual(['REGISTRY_TLS_FAILED', "TLS handshake with the schema registry (https://reg.example:8443) failed: self-signed certificate in certificate chain; the registry's certificate is not trusted: check schemaRegistry.ssl.ca (the CA that signed it)"]);
    expect(classifyRegistryError({ status: 400, message: 'tlsv13 alert certificate required' }, bearer).message).toMatch(/refused our client certificate/);
    const down = classifyRegistryError({ status: 400, message: 'Error, status 400: connect ECONNREFUSED 127.0.0.1:1 tok-secret-2' }, bearer);
    expect([down.code, down.retryable]).toEqual(['REGISTRY_UNAVAILABLE', true]);
    expect(down.message).not.toContain('tok-secret-2');
  });

  describe('schemaRegistry.timeoutMs', () => {
    let silent: Awaited<ReturnType<typeof silentRegistry>>;
    beforeAll(async () => void (silent = await silentRegistry()));
    afterAll(() => silent.close());

    it('ends a request the registry never answers with a retryable REGISTRY_UNAVAILABLE naming the setting', async () => {
      const started = Date.now();
      const err = await checkRegistry({ url: silent.url, timeoutMs: 300 }).catch((e: unknown) => e);
      const took = Date.now() - started;
      expect(isFloeError(err)).toBe(true);
      expect([(err as { code: string }).code, (err as { retryable: boolean }).retryable]).toEqual(['REGISTRY_UNAVAILABLE', true]);
      expect((err as Error).message).toBe(`the schema registry (${silent.url}) did not answer: no answer within 300 ms (schemaRegistry.timeoutMs)`);
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(3000);
      expect(silent.requests()).toBeGreaterThanOrEqual(1);
    });

    it('without a deadline the same request is still waiting (the option is what ends it)', async () => {
      const pending = checkRegistry({ url: silent.url }).then(
        () => 'answered',
        () => 'failed',
      );
      const outcome = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 700))]);
      expect(outcome).toBe('still waiting');
    });
  });
});

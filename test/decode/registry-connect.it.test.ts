/**
 * A Schema Registry behind TLS and authentication (issue #14 item 3), for real: the stack's
 * registry behind an HTTPS reverse proxy this test runs (certificates made with openssl, as for
 * the secured brokers) that requires HTTP Basic credentials or a bearer token, on a TLS and a
 * mutual-TLS listener. `floe run` decodes Avro records through it into a table Spark reads; wrong
 * credentials, a wrong token, an untrusted certificate and a missing client certificate each stop
 * it at start with exit 3 and one clear log line: no stack trace, no secret.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { makePki, type Pki } from '../harness/secured-broker.js';
import { REGISTRY_TOKEN, REGISTRY_USER, startRegistryProxy, type RegistryProxy } from '../harness/registry-proxy.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
const schema = { type: 'record', name: 'Guarded', fields: [{ name: 'id', type: 'long' }] };

let pki: Pki;
let proxy: RegistryProxy;
beforeAll(async () => {
  pki = makePki();
  proxy = await startRegistryProxy(stack.schemaRegistryUrl, pki);
}, 60_000);
afterAll(async () => {
  await producer.close();
  await proxy?.close();
});

/** A daemon configuration whose schemaRegistry section goes through the proxy. */
function config(s: string, topic: string, registry: Record<string, unknown>): string {
  const dir = workDir('registry-tls');
  const path = writeDaemonConfig(stack, dir, { groupId: `floe-reg-${s}`, defaults: { namespace: `reg_${s}` }, tables: [{ topics: [topic], table: 'events' }] });
  // writeDaemonConfig points at the plain registry; replace that section.
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify({ ...json, schemaRegistry: registry }));
  return path;
}

function assertNoSecretsOrStacks(log: string): void {
  for (const secret of [REGISTRY_USER.password, REGISTRY_TOKEN, 'wrong-registry-pass-1c9a', 'wrong-token-77d3']) expect(log).not.toContain(secret);
  expect(log).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  expect(log).not.toMatch(/"stack":/);
}

const WAYS = [
  { name: 'basic auth over TLS', registry: () => ({ url: proxy.tls, ssl: { ca: pki.ca }, ...REGISTRY_USER }), auth: 'basic' },
  { name: 'bearer token over mutual TLS', registry: () => ({ url: proxy.mtls, ssl: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }, token: REGISTRY_TOKEN }), auth: 'bearer' },
];

describe.concurrent('floe run through a registry behind TLS and auth', () => {
  for (const way of WAYS) {
    it(`${way.name}: decodes into the table`, async () => {
      const s = uniqueSuffix();
      const topic = `floe-reg-${s}`;
      await producer.createTopic(topic, 1);
      const id = await producer.register(`${topic}-value`, schema);
      await producer.send(topic, Array.from({ length: 10 }, (_, i) => ({ value: producer.encode(id, { id: i }) })));
      const daemon = DaemonProcess.start(config(s, topic, way.registry()), `${workDir('registry-tls')}/daemon.log`);
      try {
        await waitFor('10 rows', async () => {
          if (!daemon.running) throw new Error(daemon.log().slice(-3000));
          const q = await oracle.sparkSql(`SELECT count(*) FROM floe.reg_${s}.events`).catch(() => undefined);
          return q && Number(q.rows[0]![0]) >= 10 ? true : undefined;
        }, 120_000, 1000);
        expect((await daemon.stop()).code, daemon.log().slice(-2000)).toBe(0);
        expect(daemon.logLines().find((l) => l.msg === 'connected to the schema registry')).toMatchObject({ tls: true, auth: way.auth });
        assertNoSecretsOrStacks(daemon.log());
      } finally {
        daemon.kill('SIGKILL');
      }
      const r = await oracle.sparkSql(`SELECT count(*), count(DISTINCT id) FROM floe.reg_${s}.events`);
      expect(r.rows[0]!.map(String)).toEqual(['10', '10']);
    }, 180_000);
  }
});

const REFUSALS = [
  {
    name: 'wrong password',
    registry: () => ({ url: proxy.tls, ssl: { ca: pki.ca }, username: REGISTRY_USER.username, password: 'wrong-registry-pass-1c9a' }),
    code: 'REGISTRY_AUTH_FAILED',
    message: /the schema registry \(https:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7\) refused the credentials of user "floe-reader" .*\(HTTP 401\)/,
  },
  {
    name: 'wrong bearer token',
    registry: () => ({ url: proxy.tls, ssl: { ca: pki.ca }, token: 'wrong-token-77d3' }),
    code: 'REGISTRY_AUTH_FAILED',
    message: /refused our bearer token \(schemaRegistry\.token\) \(HTTP 401\)/,
  },
  {
    name: 'untrusted registry certificate',
    registry: () => ({ url: proxy.tls, ssl: { ca: pki.otherCa }, ...REGISTRY_USER }),
    code: 'REGISTRY_TLS_FAILED',
    message: /TLS handshake with the schema registry .* failed: .*certificate.*check schemaRegistry\.ssl\.ca/,
  },
  {
    name: 'no client certificate for mutual TLS',
    registry: () => ({ url: proxy.mtls, ssl: { ca: pki.ca }, token: REGISTRY_TOKEN }),
    code: 'REGISTRY_TLS_FAILED',
    message: /refused our client certificate: check schemaRegistry\.ssl\.cert/,
  },
];

describe.concurrent('floe run refuses to start with a refused registry, exit 3, one clear line', () => {
  for (const r of REFUSALS) {
    it(r.name, async () => {
      const s = uniqueSuffix();
      const daemon = DaemonProcess.start(config(s, `floe-regref-${s}`, r.registry()), `${workDir('registry-refused')}/daemon.log`);
      try {
        const exit = await Promise.race([daemon.exited, new Promise<undefined>((res) => setTimeout(() => res(undefined), 60_000))]);
        expect(exit?.code, daemon.log().slice(-3000)).toBe(3);
        const fatal = daemon.logLines().filter((l) => l.level === 60);
        expect(fatal, daemon.log().slice(-3000)).toHaveLength(1);
        expect(fatal[0]).toMatchObject({ code: r.code, exitCode: 3 });
        expect(String(fatal[0]!.msg)).toMatch(r.message);
        assertNoSecretsOrStacks(daemon.log());
      } finally {
        daemon.kill('SIGKILL');
      }
    }, 90_000);
  }
});

/**
 * Secured brokers, for real: one Kafka broker started by this test with a TLS listener, a
 * mutual-TLS listener and a SASL_SSL listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER),
 * its CA and certificates made here with openssl. For each way in, `floe run` consumes into a
 * table (read back by Spark), commits, and dead-letters a bad record through the same listener.
 * Wrong credentials, an untrusted certificate, a client certificate from another CA, a refused
 * OAuth client and an expired token each stop `floe run` at start with exit 3 and one clear log
 * line: no stack trace, no secret.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { freePort } from '../harness/ports.js';
import { oracleFor } from '../harness/oracle.js';
import { startSecuredBroker, unsecuredJwt, USERS, type SecuredBroker } from '../harness/secured-broker.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const baseStack = inject('stack');
const oracle = oracleFor(baseStack);
const schema = { type: 'record', name: 'Secured', fields: [{ name: 'id', type: 'long' }] };
const OAUTH_CLIENT = { id: 'floe-oauth-client', secret: 'oauth-client-secret-5e2a' };
const EXPIRED_CLIENT = { id: 'floe-expired-client', secret: 'expired-client-secret-71c0' };

let broker: SecuredBroker;
let producer: AvroProducer;
let tokenServer: Server;
let tokenEndpoint: string;
let tokensIssued = 0;

/** A client-credentials token endpoint issuing Kafka-unsecured JWTs (expired ones to EXPIRED_CLIENT). */
async function startTokenEndpoint(): Promise<void> {
  const port = await freePort();
  tokenServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':').map(decodeURIComponent);
      const client = [OAUTH_CLIENT, EXPIRED_CLIENT].find((c) => c.id === id && c.secret === secret);
      if (req.method !== 'POST' || !new URLSearchParams(body).get('grant_type')?.includes('client_credentials') || !client) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client' }));
        return;
      }
      tokensIssued++;
      const lifetime = client === EXPIRED_CLIENT ? -600 : 3600;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: unsecuredJwt(client.id, lifetime), token_type: 'bearer', expires_in: 3600 }));
    });
  });
  await new Promise<void>((r) => tokenServer.listen(port, '127.0.0.1', r));
  tokenEndpoint = `http://127.0.0.1:${port}/oauth/token`;
}

beforeAll(async () => {
  [broker] = await Promise.all([startSecuredBroker(), startTokenEndpoint()]);
  producer = new AvroProducer({ ...baseStack, kafkaBrokers: broker.brokers });
}, 240_000);
afterAll(async () => {
  await producer?.close();
  await broker?.stop();
  await new Promise((r) => tokenServer?.close(r));
});

interface Way {
  name: string;
  brokers: () => string;
  kafka: () => Record<string, unknown>;
  secrets: () => string[];
}

const tlsCa = () => ({ ssl: { ca: broker.pki.ca } });
const WAYS: Way[] = [
  { name: 'tls', brokers: () => broker.tls, kafka: tlsCa, secrets: () => [] },
  { name: 'mtls', brokers: () => broker.mtls, kafka: () => ({ ssl: { ca: broker.pki.ca, cert: broker.pki.clientCert, key: broker.pki.clientKey } }), secrets: () => [] },
  { name: 'plain', brokers: () => broker.sasl, kafka: () => ({ ...tlsCa(), sasl: { mechanism: 'plain', ...USERS.plain } }), secrets: () => [USERS.plain.password] },
  { name: 'scram256', brokers: () => broker.sasl, kafka: () => ({ ...tlsCa(), sasl: { mechanism: 'scram-sha-256', ...USERS.scram256 } }), secrets: () => [USERS.scram256.password] },
  { name: 'scram512', brokers: () => broker.sasl, kafka: () => ({ ...tlsCa(), sasl: { mechanism: 'scram-sha-512', ...USERS.scram512 } }), secrets: () => [USERS.scram512.password] },
  {
    name: 'oauth',
    brokers: () => broker.sasl,
    kafka: () => ({ ...tlsCa(), sasl: { mechanism: 'oauthbearer', tokenEndpoint, clientId: OAUTH_CLIENT.id, clientSecret: OAUTH_CLIENT.secret } }),
    secrets: () => [OAUTH_CLIENT.secret, 'eyJhbGci'],
  },
];

/** A daemon configuration whose `kafka` section goes through a secured listener. */
function securedConfig(dir: string, s: string, brokers: string, kafka: Record<string, unknown>, topic: string): string {
  const path = writeDaemonConfig({ ...baseStack, kafkaBrokers: [brokers] }, dir, {
    groupId: `floe-sec-${s}`,
    defaults: { namespace: `sec_${s}` },
    tables: [{ topics: [topic], table: 'events' }],
    kafkaOverrides: kafka,
  });
  return path;
}

async function deadLetters(topic: string): Promise<KafkaMessage[]> {
  const out: KafkaMessage[] = [];
  const consumer = producer.kafka.consumer({ groupId: `floe-sec-dlq-${uniqueSuffix()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void out.push(message) });
  try {
    await waitFor(`a dead letter in ${topic}`, () => out.length >= 1, 60_000);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

function assertNoSecretsOrStacks(log: string, secrets: string[]): void {
  for (const secret of secrets) expect(log).not.toContain(secret);
  expect(log).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  expect(log).not.toMatch(/"stack":/);
}

describe.concurrent('floe run through a secured listener', () => {
  for (const way of WAYS) {
    it(`${way.name}: consumes, commits and dead-letters`, async () => {
      const s = `${way.name}_${uniqueSuffix()}`;
      const topic = `floe-sec-${s}`;
      await producer.createTopic(topic, 1);
      const id = await producer.register(`${topic}-value`, schema);
      await producer.send(topic, [...Array.from({ length: 20 }, (_, i) => ({ value: producer.encode(id, { id: i }) })), { value: Buffer.from('not avro') }]);
      const dir = workDir(`sec-${way.name}`);
      const daemon = DaemonProcess.start(securedConfig(dir, s, way.brokers(), way.kafka(), topic), `${dir}/daemon.log`);
      try {
        await waitFor(
          '20 rows',
          async () => (Number((await oracle.sparkSql(`SELECT count(*) FROM floe.sec_${s}.events`)).rows[0]![0]) >= 20 ? true : undefined),
          180_000,
          2000,
        ).catch((err: Error) => {
          throw new Error(`${err.message}\n${daemon.log().slice(-3000)}`);
        });
        const letters = await deadLetters(`${topic}.floe.dlq`);
        expect(letters.map((l) => l.value?.toString())).toEqual(['not avro']);
        expect((await daemon.stop()).code, daemon.log().slice(-2000)).toBe(0);
        const connected = daemon.logLines().find((l) => l.msg === 'connected to Kafka');
        expect(connected).toMatchObject({ tls: true });
        assertNoSecretsOrStacks(daemon.log(), way.secrets());
        // The OAuth client fetched its tokens from the endpoint (and reused them across connections).
        if (way.name === 'oauth') expect(tokensIssued).toBeGreaterThan(0);
      } finally {
        daemon.kill('SIGKILL');
      }
      const r = await oracle.sparkSql(`SELECT count(*), count(DISTINCT id) FROM floe.sec_${s}.events`);
      expect(r.rows[0]!.map(String)).toEqual(['20', '20']);
    }, 300_000);
  }
});

interface Refusal {
  name: string;
  brokers: () => string;
  kafka: () => Record<string, unknown>;
  code: string;
  message: RegExp;
  secrets: () => string[];
}

const REFUSALS: Refusal[] = [
  {
    name: 'wrong PLAIN password',
    brokers: () => broker.sasl,
    kafka: () => ({ ...tlsCa(), sasl: { mechanism: 'plain', username: USERS.plain.username, password: 'wrong-plain-pw-0d9e' } }),
    code: 'KAFKA_AUTHENTICATION_FAILED',
    message: /refused SASL PLAIN authentication as user "plain-user"/,
    secrets: () => ['wrong-plain-pw-0d9e', USERS.plain.password],
  },
  {
    name: 'wrong SCRAM-SHA-512 password',
    brokers: () => broker.sasl,
    kafka: () => ({ ...tlsCa(), sasl: { mechanism: 'scram-sha-512', username: USERS.scram512.username, password: 'wrong-scram-pw-4b1a' } }),
    code: 'KAFKA_AUTHENTICATION_FAILED',
    message: /refused SASL SCRAM-SHA-512 authentication as user "scram512-user"/,
    secrets: () => ['wrong-scram-pw-4b1a'],
  },
  {
    name: 'untrusted broker certificate',
    brokers: () => broker.tls,
    kafka: () => ({ ssl: { ca: broker.pki.otherCa } }),
    code: 'KAFKA_TLS_AUTHENTICATION_FAILED',
    message: /TLS handshake with Kafka .* failed: .*certificate.*check kafka\.ssl\.ca/,
    secrets: () => [],
  },
  {
    name: 'client certificate from another CA (mTLS)',
    brokers: () => broker.mtls,
    kafka: () => ({ ssl: { ca: broker.pki.ca, cert: broker.pki.rogueCert, key: broker.pki.rogueKey } }),
    code: 'KAFKA_TLS_AUTHENTICATION_FAILED',
    message: /refused our client certificate/,
    secrets: () => [],
  },
  {
    name: 'OAuth client refused by the token endpoint',
    brokers: () => broker.sasl,
    kafka: () => ({ ...tlsCa(), sasl: { mechanism: 'oauthbearer', tokenEndpoint, clientId: OAUTH_CLIENT.id, clientSecret: 'not-the-secret-93ab' } }),
    code: 'KAFKA_AUTHENTICATION_FAILED',
    message: /OAuth token endpoint .* refused the client credentials of kafka\.sasl \(HTTP 401, invalid_client\)/,
    secrets: () => ['not-the-secret-93ab', OAUTH_CLIENT.secret],
  },
  {
    name: 'expired OAuth token',
    brokers: () => broker.sasl,
    kafka: () => ({ ...tlsCa(), sasl: { mechanism: 'oauthbearer', tokenEndpoint, clientId: EXPIRED_CLIENT.id, clientSecret: EXPIRED_CLIENT.secret } }),
    code: 'KAFKA_AUTHENTICATION_FAILED',
    message: /the OAuth token \(the token from http:\/\/127\.0\.0\.1:\d+\) expired at /,
    secrets: () => [EXPIRED_CLIENT.secret, 'eyJ'],
  },
];

describe.concurrent('floe run refuses to start, exit 3, one clear line', () => {
  for (const r of REFUSALS) {
    it(r.name, async () => {
      const s = uniqueSuffix();
      const topic = `floe-secref-${s}`;
      await producer.createTopic(topic, 1);
      const dir = workDir('sec-refused');
      const daemon = DaemonProcess.start(securedConfig(dir, s, r.brokers(), r.kafka(), topic), `${dir}/daemon.log`);
      try {
        const exit = await Promise.race([daemon.exited, new Promise<undefined>((res) => setTimeout(() => res(undefined), 120_000))]);
        expect(exit?.code, daemon.log().slice(-3000)).toBe(3);
        const fatal = daemon.logLines().filter((l) => l.level === 60);
        expect(fatal, daemon.log().slice(-3000)).toHaveLength(1);
        expect(fatal[0]).toMatchObject({ code: r.code, exitCode: 3 });
        expect(String(fatal[0]!.msg)).toMatch(r.message);
        assertNoSecretsOrStacks(daemon.log(), r.secrets());
      } finally {
        daemon.kill('SIGKILL');
      }
    }, 180_000);
  }
});

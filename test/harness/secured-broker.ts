/**
 * A Kafka broker with secured listeners, for the TLS/SASL tests: one JVM, several listeners.
 *
 *   TLS   SSL, server certificate only
 *   MTLS  SSL, client certificate required (ssl.client.auth=required)
 *   SASL  SASL_SSL with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER
 *
 * The test makes its own CA with openssl (and a second, untrusted CA), a server certificate for
 * 127.0.0.1/localhost and a client certificate; the broker reads them as PEM files. SCRAM users
 * are written at format time (`--add-scram`), PLAIN users in the listener's JAAS config.
 * OAUTHBEARER uses Kafka's unsecured-JWT validator: it checks a token's `sub`, `exp` and `iat`
 * claims but no signature, which is enough to prove the client side (a token endpoint, a token
 * per connection, refusal of an expired token); production brokers validate signatures (JWKS).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSIONS } from '../../scripts/stack/config.js';
import { startTestBroker, type TestBroker } from './brokers.js';
import { workDir } from './daemon.js';

export const USERS = {
  plain: { username: 'plain-user', password: 'plain-pass-8c1f' },
  scram256: { username: 'scram256-user', password: 'scram256-pass-27d4' },
  scram512: { username: 'scram512-user', password: 'scram512-pass-93be' },
} as const;

export interface Pki {
  dir: string;
  /** CA that signed the broker and client certificates. */
  ca: string;
  /** A CA that signed nothing the broker presents. */
  otherCa: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by the untrusted CA. */
  rogueCert: string;
  rogueKey: string;
  /** Broker key and certificate chain in one PEM file (Kafka's PEM keystore). */
  serverKeystore: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function ca(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`]);
}

/** A key (PKCS#8, unencrypted) and a certificate signed by `caName`. */
function leaf(dir: string, name: string, caName: string, cn: string, ext: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
}

export function makePki(): Pki {
  const dir = workDir('pki');
  ca(dir, 'ca');
  ca(dir, 'other-ca');
  leaf(dir, 'server', 'ca', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf(dir, 'client', 'ca', 'floe-client', 'extendedKeyUsage=clientAuth\n');
  leaf(dir, 'rogue', 'other-ca', 'floe-client', 'extendedKeyUsage=clientAuth\n');
  const keystore = join(dir, 'server-keystore.pem');
  writeFileSync(keystore, readFileSync(join(dir, 'server.key'), 'utf8') + readFileSync(join(dir, 'server.pem'), 'utf8') + readFileSync(join(dir, 'ca.pem'), 'utf8'));
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    otherCa: join(dir, 'other-ca.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    rogueCert: join(dir, 'rogue.pem'),
    rogueKey: join(dir, 'rogue.key'),
    serverKeystore: keystore,
  };
}

export interface SecuredBroker extends TestBroker {
  pki: Pki;
  /** `127.0.0.1:<port>` of each secured listener. */
  tls: string;
  mtls: string;
  sasl: string;
}

export async function startSecuredBroker(): Promise<SecuredBroker> {
  const pki = makePki();
  const jaas = (module: string, options = '') => `${module} required${options ? ` ${options}` : ''};`;
  const broker = await startTestBroker({
    version: VERSIONS.kafka,
    label: 'secured',
    listeners: [
      { name: 'TLS', protocol: 'SSL' },
      { name: 'MTLS', protocol: 'SSL' },
      { name: 'SASL', protocol: 'SASL_SSL' },
    ],
    scram: [
      `SCRAM-SHA-256=[name=${USERS.scram256.username},password=${USERS.scram256.password}]`,
      `SCRAM-SHA-512=[name=${USERS.scram512.username},password=${USERS.scram512.password}]`,
    ],
    properties: {
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': pki.serverKeystore,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': pki.ca,
      'ssl.client.auth': 'none',
      'listener.name.mtls.ssl.client.auth': 'required',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl.plain.sasl.jaas.config': jaas(
        'org.apache.kafka.common.security.plain.PlainLoginModule',
        `user_${USERS.plain.username}="${USERS.plain.password}"`,
      ),
      'listener.name.sasl.scram-sha-256.sasl.jaas.config': jaas('org.apache.kafka.common.security.scram.ScramLoginModule'),
      'listener.name.sasl.scram-sha-512.sasl.jaas.config': jaas('org.apache.kafka.common.security.scram.ScramLoginModule'),
      'listener.name.sasl.oauthbearer.sasl.jaas.config': jaas(
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
        'unsecuredLoginStringClaim_sub="broker"',
      ),
      'listener.name.sasl.oauthbearer.sasl.server.callback.handler.class':
        'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler',
    },
  });
  const at = (name: string) => `127.0.0.1:${broker.ports[name]}`;
  return { ...broker, pki, tls: at('TLS'), mtls: at('MTLS'), sasl: at('SASL') };
}

/** An unsigned JWT (`alg: none`) as Kafka's unsecured validator accepts it. */
export function unsecuredJwt(sub: string, expiresInSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: "none" })}.${b64({ sub, iat: now + Math.min(-60, expiresInSeconds - 60), exp: now + expiresInSeconds })}.`;
}

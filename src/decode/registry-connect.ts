/**
 * How floe reaches a Schema Registry that sits behind TLS and authentication (issue #14 item 3),
 * as registries usually do in production (an nginx or API gateway in front): a CA bundle for a
 * private CA, a client certificate for mutual TLS, HTTP Basic credentials or a bearer token.
 *
 * `checkRegistry` asks the registry once at start (GET /subjects) so that refused credentials or
 * an untrusted certificate stop the daemon at once with exit 3 and one clear message, instead of
 * surfacing as endless "registry unavailable" retries on the first record. A registry that cannot
 * be reached is retryable: the daemon waits for it (startup.ts). Messages never carry a secret.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { FloeError } from '../util/errors.js';

export interface RegistryConnection {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  /** Paths to PEM files; rejectUnauthorized defaults to true. */
  ssl?: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined; rejectUnauthorized?: boolean } | undefined;
  /** Deadline of each request (schemaRegistry.timeoutMs); none when undefined. */
  timeoutMs?: number | undefined;
}

type ClientArgs = ConstructorParameters<typeof SchemaRegistry>[0];
type Middleware = NonNullable<ClientArgs['middlewares']>[number];

/** Options for @kafkajs/confluent-schema-registry: Basic auth, a bearer-token header, a TLS agent, a deadline. */
export function registryClientArgs(c: RegistryConnection): ClientArgs {
  const args: ClientArgs = { host: c.url };
  if (c.username !== undefined && c.password !== undefined) args.auth = { username: c.username, password: c.password };
  const middlewares: Middleware[] = [];
  if (c.token !== undefined) middlewares.push(bearer(c.token));
  if (c.timeoutMs !== undefined) middlewares.push(deadline(c.timeoutMs));
  if (middlewares.length > 0) args.middlewares = middlewares;
  if (c.ssl !== undefined && c.url.startsWith('https:')) {
    const s = c.ssl;
    args.agent = new Agent({
      keepAlive: true,
      rejectUnauthorized: s.rejectUnauthorized ?? true,
      ...(s.ca !== undefined ? { ca: readPem(s.ca, 'schemaRegistry.ssl.ca') } : {}),
      ...(s.cert !== undefined ? { cert: readPem(s.cert, 'schemaRegistry.ssl.cert') } : {}),
      ...(s.key !== undefined ? { key: readPem(s.key, 'schemaRegistry.ssl.key') } : {}),
    });
  }
  return args;
}

function bearer(token: string): Middleware {
  return () => ({
    prepareRequest: (next) => next().then((request) => request.enhance({ headers: { authorization: `Bearer ${token}` } })),
  });
}

/**
 * A whole-request deadline. The library has no timeout of its own, so a registry (or a proxy in
 * front of it) that accepts the connection and never answers held a schema fetch, and with it the
 * partition, forever. An abort signal bounds the request from start to last byte (mappersmith's
 * `timeout` is only a socket idle timer); the abort surfaces as a status-400 error, which callers
 * treat as an outage (retryable), and `timeoutMessage` names the setting.
 */
function deadline(ms: number): Middleware {
  return () => ({
    prepareRequest: (next) => next().then((request) => request.enhance({ signal: AbortSignal.timeout(ms) })),
  });
}

/** The error of a request aborted by `deadline`, with a message that says so; other errors unchanged. */
export function explainTimeout(err: unknown, timeoutMs: number | undefined): unknown {
  if (timeoutMs === undefined || !(err instanceof Error) || !/operation was aborted/i.test(err.message)) return err;
  err.message = err.message.replace(/The operation was aborted\.?/i, `no answer within ${timeoutMs} ms (schemaRegistry.timeoutMs)`);
  return err;
}

function readPem(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new FloeError('CONFIG_INVALID', `${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** The registry URL for messages, without any user-info part. */
export function registryAddress(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

const TLS_FAILURE =
  /certificate|self[- ]signed|SSL routines|ssl3_|tlsv1[0-9]? alert|unable to (get|verify)|CERT_|altnames|Hostname\/IP does not match|wrong version number|EPROTO|packet length too long/i;
const NETWORK = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH|socket hang up|timeout/i;

/** Proves address, TLS and credentials with one request; throws a classified FloeError. */
export async function checkRegistry(c: RegistryConnection): Promise<true> {
  const registry = new SchemaRegistry({ ...registryClientArgs(c), retry: { retries: 0 } });
  const api = (registry as unknown as { api: { Subject: { all(p: object): Promise<unknown> } } }).api;
  try {
    await api.Subject.all({});
    return true; // not undefined: waitForDependency reads that as "stopped while waiting"
  } catch (err) {
    throw classifyRegistryError(explainTimeout(err, c.timeoutMs), c);
  }
}

/** Refused credentials and TLS failures are for good (exit 3); the rest is worth waiting for. */
export function classifyRegistryError(err: unknown, c: RegistryConnection): FloeError {
  const where = `the schema registry (${registryAddress(c.url)})`;
  const status = (err as { status?: number }).status;
  const message = tidy(String((err as Error)?.message ?? err), c);
  const how = c.token !== undefined ? 'our bearer token (schemaRegistry.token)' : c.username !== undefined ? `the credentials of user "${c.username}" (schemaRegistry.username/password)` : 'no credentials (set schemaRegistry.username/password or schemaRegistry.token)';
  if (status === 401) return new FloeError('REGISTRY_AUTH_FAILED', `${where} refused ${how} (HTTP 401)`);
  if (status === 403) return new FloeError('REGISTRY_AUTH_FAILED', `${where} forbids ${how} to read subjects (HTTP 403)`);
  if (TLS_FAILURE.test(message)) {
    const https = c.url.startsWith('https:');
    const hint = !https
      ? 'the URL is http: does the registry expect https?'
      : /bad certificate|certificate required|alert number 4[26]|certificate unknown/i.test(message)
        ? 'the registry refused our client certificate: check schemaRegistry.ssl.cert and schemaRegistry.ssl.key (mutual TLS)'
        : /wrong version number|packet length too long/i.test(message)
          ? 'this port does not speak TLS: check the URL (http or https)'
          : "the registry's certificate is not trusted: check schemaRegistry.ssl.ca (the CA that signed it)";
    return new FloeError('REGISTRY_TLS_FAILED', `TLS handshake with ${where} failed: ${message}; ${hint}`);
  }
  if (status === undefined || status === 400 || status >= 500 || NETWORK.test(message)) {
    // mappersmith reports network errors as status 400 with the cause in the message.
    return new FloeError('REGISTRY_UNAVAILABLE', `${where} did not answer: ${message}`, { retryable: true });
  }
  return new FloeError('REGISTRY_UNAVAILABLE', `${where} answered HTTP ${status}: ${message}`, { retryable: true });
}

/** The library's message without its client-name prefix, and never a secret. */
function tidy(message: string, c: RegistryConnection): string {
  let m = message.replace(/^Confluent_Schema_Registry - /, '').replace(/^Error, status 400: /, '').trim();
  for (const secret of [c.password, c.token]) if (secret) m = m.split(secret).join('[redacted]');
  return m;
}

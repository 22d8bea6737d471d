/**
 * What went wrong when talking to Kafka, in words an operator can act on, and whether waiting
 * helps. kafkajs reports a refused password, an untrusted certificate and a broker that is not
 * up yet as differently nested error objects (often a KafkaJSNumberOfRetriesExceeded around the
 * real reason); this turns each into one FloeError:
 *
 *   KAFKA_AUTHENTICATION_FAILED      SASL refused (wrong password, unknown user, expired or invalid
 *                                    token): exit 3, a restart cannot fix it
 *   KAFKA_TLS_AUTHENTICATION_FAILED  the TLS handshake failed (untrusted or wrong certificate, no
 *                                    client certificate for an mTLS listener, TLS against a
 *                                    plaintext port): exit 3
 *   KAFKA_UNREACHABLE                anything else (refused connection, timeout, DNS): retryable
 *
 * Messages name the brokers, the mechanism and the user, never a password, secret or token.
 */
import type { Kafka } from 'kafkajs';
import { FloeError, isFloeError } from '../util/errors.js';

export interface KafkaSecurityContext {
  brokers: string[];
  tls: boolean;
  sasl?: { mechanism: string; username?: string };
}

const TLS_FAILURE =
  /certificate|self[- ]signed|SSL routines|ssl3_|tlsv1 alert|unable to (get|verify)|CERT_|altnames|Hostname\/IP does not match|wrong version number|EPROTO|packet length too long/i;
const SASL_FAILURE = /SASL|authentication failed|invalid credentials|invalid_token|Illegal SASL|UNSUPPORTED_SASL/i;

/** The error and everything it wraps (kafkajs: originalError; standard: cause). */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = err;
  while (cur !== undefined && cur !== null && out.length < 8 && !out.includes(cur)) {
    out.push(cur);
    const e = cur as { originalError?: unknown; cause?: unknown };
    cur = e.originalError ?? e.cause;
  }
  return out;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A short reason without kafkajs' prefixes or OpenSSL's source positions. */
function tidy(message: string): string {
  return message
    .replace(/\b[0-9A-F]{8,}:error:[0-9A-F]+:SSL routines:[^:]*:/gi, '')
    .replace(/:\.\.\/deps\/openssl\S*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function classifyKafkaError(err: unknown, ctx: KafkaSecurityContext): FloeError {
  const errors = chain(err);
  // Our own (the OAuth token provider's) errors already say what happened.
  const own = errors.find((e): e is FloeError => isFloeError(e));
  if (own && own.code !== 'KAFKA_CONNECT') return own;
  const where = `Kafka (${ctx.brokers.join(', ')})`;
  const sasl = errors.find((e) => (e as Error)?.name === 'KafkaJSSASLAuthenticationError' || SASL_FAILURE.test(messageOf(e)));
  if (sasl !== undefined && ctx.sasl) {
    const who = ctx.sasl.username ? ` as user "${ctx.sasl.username}"` : '';
    return new FloeError(
      'KAFKA_AUTHENTICATION_FAILED',
      `${where} refused SASL ${ctx.sasl.mechanism.toUpperCase()} authentication${who}: ${tidy(messageOf(sasl))}. Check kafka.sasl; a restart will not fix this`,
      { cause: err, details: { brokers: ctx.brokers, mechanism: ctx.sasl.mechanism } },
    );
  }
  const tls = errors.find((e) => TLS_FAILURE.test(messageOf(e)));
  if (tls !== undefined) {
    const reason = tidy(messageOf(tls)).replace(/^Connection error: /, '');
    const hint = !ctx.tls
      ? 'kafka.ssl is off: does this listener expect TLS?'
      : /bad certificate|certificate required|alert number 4[26]|certificate unknown/i.test(reason)
        ? 'the broker refused our client certificate: check kafka.ssl.cert and kafka.ssl.key (mutual TLS)'
        : /wrong version number|packet length/i.test(reason)
          ? 'this listener does not speak TLS: check the port or turn kafka.ssl off'
          : "the broker's certificate is not trusted: check kafka.ssl.ca (the CA that signed it)";
    return new FloeError('KAFKA_TLS_AUTHENTICATION_FAILED', `TLS handshake with ${where} failed: ${reason}; ${hint}`, {
      cause: err,
      details: { brokers: ctx.brokers },
    });
  }
  return new FloeError('KAFKA_UNREACHABLE', `${where} could not be reached: ${tidy(messageOf(errors.at(-1) ?? err))}`, {
    cause: err,
    retryable: true,
    details: { brokers: ctx.brokers },
  });
}

/**
 * Connects an admin client and asks for the cluster: proves the address, TLS and SASL before the
 * daemon joins its group, so each failure has one clear message instead of a consumer crash.
 */
export async function checkKafka(kafka: Kafka, ctx: KafkaSecurityContext): Promise<{ brokers: number; controller: number | null }> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { brokers: cluster.brokers.length, controller: cluster.controller };
  } catch (err) {
    throw classifyKafkaError(err, ctx);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

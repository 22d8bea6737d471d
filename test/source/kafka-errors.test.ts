import { describe, expect, it } from 'vitest';
import { classifyKafkaError } from '../../src/source/kafka-errors.js';
import { FloeError } from '../../src/util/errors.js';

/** kafkajs' shape: a retry error whose originalError is the real reason. */
function wrapped(name: string, message: string): Error {
  const inner = Object.assign(new Error(message), { name });
  return Object.assign(new Error(message), { name: 'KafkaJSNumberOfRetriesExceeded', originalError: inner });
}

const ctx = { brokers: ['b:9093'], tls: true, sasl: { mechanism: 'scram-sha-512', username: 'alice' } };

describe('classifyKafkaError', () => {
  it('a refused SASL login is final, names mechanism and user', () => {
    const e = classifyKafkaError(wrapped('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed: invalid credentials'), ctx);
    expect(e.code).toBe('KAFKA_AUTHENTICATION_FAILED');
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/^Kafka \(b:9093\) refused SASL SCRAM-SHA-512 authentication as user "alice": SASL SCRAM SHA512/);
  });

  it('TLS failures are final, with a hint per cause and without OpenSSL source positions', () => {
    const untrusted = classifyKafkaError(wrapped('KafkaJSConnectionError', 'Connection error: self-signed certificate in certificate chain'), ctx);
    expect(untrusted.code).toBe('KAFKA_TLS_AUTHENTICATION_FAILED');
    expect(untrusted.message).toBe(
      "TLS handshake with Kafka (b:9093) failed: self-signed certificate in certificate chain; the broker's certificate is not trusted: check kafka.ssl.ca (the CA that signed it)",
    );
    const mtls = classifyKafkaError(
      wrapped('KafkaJSConnectionError', 'Connection error: 801CC2A81E7F0000:error:0A000416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 46\n'),
      ctx,
    );
    expect(mtls.message).toBe(
      'TLS handshake with Kafka (b:9093) failed: sslv3 alert certificate unknown alert number 46; the broker refused our client certificate: check kafka.ssl.cert and kafka.ssl.key (mutual TLS)',
    );
    const plaintextPort = classifyKafkaError(wrapped('KafkaJSConnectionError', 'Connection error: 00:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'), ctx);
    expect(plaintextPort.message).toMatch(/this listener does not speak TLS/);
  });

  it('anything else is retryable: the broker may not be up yet', () => {
    const e = classifyKafkaError(wrapped('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:9093'), { brokers: ['b:9093'], tls: false });
    expect(e.code).toBe('KAFKA_UNREACHABLE');
    expect(e.retryable).toBe(true);
  });

  it("the OAuth provider's own errors pass through", () => {
    const own = new FloeError('KAFKA_AUTHENTICATION_FAILED', 'token endpoint refused');
    expect(classifyKafkaError(Object.assign(new Error('x'), { originalError: own }), ctx)).toBe(own);
  });
});

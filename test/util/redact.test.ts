import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { createLogger } from '../../src/util/log.js';

/** A real pino logger writing JSON lines into memory: what an operator would see on stdout. */
function capture(level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level }, stream);
  return { logger, text: () => lines.join(''), lines };
}

const SECRETS = ['hunter2', 's3cr3t-KEY', 'tok-abc', 'Bearer xyz', 'sasl-pw', 'url-pw'];

function expectClean(text: string): void {
  for (const secret of SECRETS) expect(text, `output leaks ${secret}`).not.toContain(secret);
}

describe('redaction through a real pino logger', () => {
  it('redacts child logger bindings at any depth, and grandchildren', () => {
    const { logger, text } = capture();
    const child = logger.child({ component: 'x', sasl: { mechanism: 'plain', username: 'u', password: 'sasl-pw' } });
    const grandchild = child.child({ store: { s3: { secretAccessKey: 's3cr3t-KEY' } }, url: 'postgres://u:url-pw@h/db' });
    grandchild.info({ headers: { Authorization: 'Bearer xyz' } }, 'hello');
    expectClean(text());
    expect(text()).toContain('"component":"x"');
    expect(text()).toContain('postgres://u:[redacted]@h/db');
  });

  it('redacts the message string and interpolated arguments', () => {
    const { logger, text } = capture();
    logger.info('connecting to http://u:url-pw@catalog:8181');
    logger.warn('token %s for %o', 'x', { token: 'tok-abc', nested: { password: 'hunter2' } });
    expectClean(text());
    expect(text()).toContain('http://u:[redacted]@catalog:8181');
  });

  it('redacts errors: message, stack, enumerable fields and the cause chain', () => {
    const { logger, text } = capture();
    const root = Object.assign(new Error('auth failed for s3://k:url-pw@bucket'), { config: { sasl: { password: 'sasl-pw' } } });
    const mid = new Error('catalog refused', { cause: root });
    (mid as Error & { request: unknown }).request = { headers: { authorization: 'Bearer xyz' } };
    const top = new Error('run failed', { cause: mid });
    logger.error({ err: top }, 'fatal error');
    logger.error(top);
    logger.error({ error: top, other: new AggregateError([root], 'several') }, 'under other keys');
    expectClean(text());
    expect(text()).toContain('catalog refused');
    expect(text()).toContain('s3://k:[redacted]@bucket');
    // An error under a key other than `err` is serialized, not printed as `{}`.
    expect(text()).toContain('"error":{"type":"Error","message":"run failed');
  });

  it('redacts a kafkajs error carrying the client config, and errors in child loggers', () => {
    const { logger, text } = capture();
    const err = new kafkajs.KafkaJSConnectionError('Connection error', { broker: 'b:9092' }) as unknown as Error & Record<string, unknown>;
    err.sasl = { mechanism: 'scram-sha-512', username: 'u', password: 'sasl-pw' };
    err.options = { sasl: { mechanism: 'oauthbearer' }, ssl: { key: 'PRIVATE-KEY-PEM', passphrase: 'hunter2', ca: 'ca-pem' } };
    const child = logger.child({ component: 'kafkajs' });
    child.error({ err, namespace: 'Connection' }, 'connection failed');
    child.error({ namespace: 'Connection', error: err.message, cause: err }, 'nested');
    expectClean(text());
    expect(text()).not.toContain('PRIVATE-KEY-PEM');
    expect(text()).toContain('Connection error');
    expect(text()).toContain('ca-pem');
  });

  it('keeps pino path redaction and does not lose ordinary fields', () => {
    const { logger, lines } = capture();
    logger.info({ table: 'db.t', records: 3, config: { catalog: { token: 'tok-abc', uri: 'http://c' } } }, 'committed');
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ table: 'db.t', records: 3, msg: 'committed', config: { catalog: { token: '[redacted]', uri: 'http://c' } } });
  });
});

import { describe, expect, it } from 'vitest';
import {
  compileTopicPattern,
  deadLetterTopicFor,
  fieldPathProblem,
  isDeadLetterTopic,
  KAFKA_TOPIC,
  mappingMatchesTopic,
  parseTransform,
  sanitizeIdentifier,
  splitNamespace,
  tableNameFor,
  recordTablePattern,
  routesByRecord,
  templateProblem,
  transformProblem,
} from '../../src/config/names.js';

describe('partition transforms', () => {
  it('parses every Iceberg transform by its string form', () => {
    for (const t of ['identity', 'year', 'month', 'day', 'hour', 'void']) expect(parseTransform(t)).toEqual({ kind: t });
    expect(parseTransform('bucket[16]')).toEqual({ kind: 'bucket', n: 16 });
    expect(parseTransform('truncate[4]')).toEqual({ kind: 'truncate', width: 4 });
  });

  it('refuses widths below one or beyond a safe integer, and says which', () => {
    expect(parseTransform('bucket[0]')).toBeUndefined();
    expect(parseTransform('bucket[99999999999999999999]')).toBeUndefined();
    expect(parseTransform('Bucket[4]')).toBeUndefined();
    expect(transformProblem('bucket[0]')).toBe('bucket width must be at least 1, got "bucket[0]"');
    expect(transformProblem('week')).toMatch(/^unknown transform "week" \(expected identity, bucket\[N\]/);
    expect(transformProblem('day')).toBeUndefined();
  });
});

describe('field paths', () => {
  it('takes dotted value paths and the four Kafka fields', () => {
    expect(fieldPathProblem('customer.id')).toBeUndefined();
    expect(fieldPathProblem('_a1')).toBeUndefined();
    for (const f of ['timestamp', 'topic', 'partition', 'offset']) expect(fieldPathProblem(`$kafka.${f}`)).toBeUndefined();
  });

  it('refuses anything else with the reason', () => {
    expect(fieldPathProblem('$kafka.key')).toMatch(/^unknown Kafka field "\$kafka\.key"/);
    expect(fieldPathProblem('customer..id')).toMatch(/^invalid field path/);
    expect(fieldPathProblem('1st')).toMatch(/^invalid field path/);
    expect(fieldPathProblem('a-b')).toMatch(/^invalid field path/);
  });
});

describe('table names', () => {
  it('sanitizes to lower-case [a-z0-9_] with no leading digit', () => {
    expect(sanitizeIdentifier('Orders.EU-West')).toBe('orders_eu_west');
    expect(sanitizeIdentifier('2024-events')).toBe('_2024_events');
    // Path and control characters cannot survive into a catalog identifier.
    expect(sanitizeIdentifier('../../etc')).toBe('______etc');
    expect(sanitizeIdentifier('a\u0000b/c')).toBe('a_b_c');
    expect(sanitizeIdentifier('café')).toBe('caf_');
  });

  it('expands {topic} in a template, then sanitizes', () => {
    expect(tableNameFor('{topic}_raw', 'Shop.Orders')).toBe('shop_orders_raw');
    expect(tableNameFor('events', 'anything')).toBe('events');
  });

  it('expands {record}, the record type, sanitized like the rest', () => {
    expect(tableNameFor('{topic}_{record}', 'shop.orders', 'com.acme.OrderCreated')).toBe('shop_orders_com_acme_ordercreated');
    expect(routesByRecord('{topic}_{record}')).toBe(true);
    expect(routesByRecord('{topic}')).toBe(false);
  });

  it('recordTablePattern matches every name a {record} template gives for the topic, and no other topic\'s', () => {
    const p = recordTablePattern('{topic}_{record}', 'Shop.Orders');
    expect(p.test(tableNameFor('{topic}_{record}', 'Shop.Orders', 'com.acme.OrderCreated'))).toBe(true);
    expect(p.test(tableNameFor('{topic}_{record}', 'Shop.Orders', 'x'))).toBe(true);
    expect(p.test('shop_orders_')).toBe(false);
    expect(p.test('shop_clicks_com_acme_click')).toBe(false);
    // a record name starting with a digit: the whole name gains the `_` prefix
    const bare = recordTablePattern('{record}', 't');
    expect(bare.test(tableNameFor('{record}', 't', '1Event'))).toBe(true);
    expect(recordTablePattern('{record}_v1', '2024').test(tableNameFor('{record}_v1', '2024', 'a.B'))).toBe(true);
  });

  it('finds unknown placeholders and stray braces', () => {
    expect(templateProblem('{topic}_x')).toBeUndefined();
    expect(templateProblem('{nope}')).toMatch(/^unknown placeholder "\{nope\}" in "\{nope\}"/);
    expect(templateProblem('{topic}}')).toBe('unbalanced brace in "{topic}}"');
    expect(templateProblem('x{')).toBe('unbalanced brace in "x{"');
    expect(templateProblem('{record}', ['topic', 'record'])).toBeUndefined();
  });

  it('splits a dotted namespace into levels and keeps arrays as given', () => {
    expect(splitNamespace('analytics.raw')).toEqual(['analytics', 'raw']);
    expect(splitNamespace(['a.b'])).toEqual(['a.b']);
  });
});

describe('topics', () => {
  it('anchors patterns to the whole topic name, as Kafka Connect does', () => {
    const p = compileTopicPattern('orders|payments');
    expect(p.test('orders')).toBe(true);
    expect(p.test('payments')).toBe(true);
    // Without the group the alternation would anchor only its ends.
    expect(p.test('orders-eu')).toBe(false);
    expect(p.test('xpayments')).toBe(false);
  });

  it('matches a mapping by its topic list or else by its pattern', () => {
    expect(mappingMatchesTopic({ topics: ['a', 'b'], topicPattern: undefined }, 'b')).toBe(true);
    expect(mappingMatchesTopic({ topics: ['a'], topicPattern: '.*' }, 'b')).toBe(false);
    expect(mappingMatchesTopic({ topics: undefined, topicPattern: 'shop\\..*' }, 'shop.orders')).toBe(true);
    expect(mappingMatchesTopic({ topics: undefined, topicPattern: undefined }, 'a')).toBe(false);
  });

  it('accepts only Kafka-legal topic names', () => {
    expect(KAFKA_TOPIC.test('a.b_c-1')).toBe(true);
    expect(KAFKA_TOPIC.test('a/b')).toBe(false);
    expect(KAFKA_TOPIC.test('')).toBe(false);
    expect(KAFKA_TOPIC.test('x'.repeat(250))).toBe(false);
  });

  it('recognises dead-letter topics so a pattern never consumes its own dead letters', () => {
    const templates = ['{topic}.floe.dlq', 'dlq-all'];
    expect(deadLetterTopicFor('{topic}.floe.dlq', 'orders')).toBe('orders.floe.dlq');
    expect(isDeadLetterTopic(templates, 'orders.floe.dlq')).toBe(true);
    expect(isDeadLetterTopic(templates, 'dlq-all')).toBe(true);
    expect(isDeadLetterTopic(templates, 'orders')).toBe(false);
    // The template's fixed parts alone are not a dead-letter topic: {topic} must be non-empty.
    expect(isDeadLetterTopic(templates, '.floe.dlq')).toBe(false);
    expect(isDeadLetterTopic(['dlq.{topic}.{topic}'], 'dlq.x.')).toBe(true);
  });
});

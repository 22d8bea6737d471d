/**
 * Naming rules shared by validation and the daemon: table name templates, topic patterns,
 * partition transforms and field paths. The daemon must use these same functions so that what
 * `floe validate` accepts is exactly what `floe run` does.
 */
import type { TableMapping } from './model.js';

export const TRANSFORM_HELP = 'identity, bucket[N], truncate[W], year, month, day, hour, void';

export type ParsedTransform =
  | { kind: 'identity' | 'year' | 'month' | 'day' | 'hour' | 'void' }
  | { kind: 'bucket'; n: number }
  | { kind: 'truncate'; width: number };

/** Parses Iceberg's transform string form (`bucket[16]`); undefined if it is not one. */
export function parseTransform(text: string): ParsedTransform | undefined {
  if (['identity', 'year', 'month', 'day', 'hour', 'void'].includes(text)) {
    return { kind: text as 'identity' };
  }
  const m = /^(bucket|truncate)\[(\d+)\]$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n) || n < 1) return undefined;
  return m[1] === 'bucket' ? { kind: 'bucket', n } : { kind: 'truncate', width: n };
}

/** The message for a transform that does not parse, or undefined if it is fine. */
export function transformProblem(text: string): string | undefined {
  if (parseTransform(text)) return undefined;
  if (/^(bucket|truncate)\[\d+\]$/.test(text)) return `${text.replace(/\[.*/, '')} width must be at least 1, got "${text}"`;
  return `unknown transform "${text}" (expected ${TRANSFORM_HELP})`;
}

/** Kafka metadata a table can be partitioned or sorted by. */
export const KAFKA_FIELDS = ['timestamp', 'topic', 'partition', 'offset'] as const;
const VALUE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** `customer.id` (a path into the record value) or `$kafka.timestamp`. */
export function fieldPathProblem(text: string): string | undefined {
  if (text.startsWith('$kafka.')) {
    const name = text.slice('$kafka.'.length);
    return (KAFKA_FIELDS as readonly string[]).includes(name)
      ? undefined
      : `unknown Kafka field "${text}" (expected ${KAFKA_FIELDS.map((f) => `$kafka.${f}`).join(', ')})`;
  }
  return VALUE_PATH.test(text)
    ? undefined
    : `invalid field path "${text}" (expected dotted field names like "customer.id", or $kafka.timestamp)`;
}

/**
 * Turns a name into a valid, portable identifier: lower case (Spark, Trino and Hive fold
 * unquoted names), every character outside [a-z0-9_] becomes `_`, and a leading digit gets a `_`
 * prefix. `Orders.EU-West` → `orders_eu_west`; `2024-events` → `_2024_events`.
 */
export function sanitizeIdentifier(name: string): string {
  const lowered = name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return /^[0-9]/.test(lowered) ? `_${lowered}` : lowered;
}

/**
 * Placeholders of a table template: `{topic}`, and `{record}`, the full name of the record type
 * (Avro full name, Protobuf message full name, JSON Schema title), for topics that carry several
 * record types (RecordNameStrategy / TopicRecordNameStrategy): each type gets its own table.
 */
export const TABLE_PLACEHOLDERS = ['topic', 'record'] as const;
/** Dead-letter topics are named per source topic only: a record that failed has no known type. */
export const DEAD_LETTER_PLACEHOLDERS = ['topic'] as const;

/** Unknown `{placeholder}`s or stray braces in a template, or undefined if fine. */
export function templateProblem(template: string, allowed: readonly string[] = TABLE_PLACEHOLDERS): string | undefined {
  for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
    if (!allowed.includes(m[1]!)) {
      return `unknown placeholder "{${m[1]}}" in "${template}" (supported: ${allowed.map((p) => `{${p}}`).join(', ')})`;
    }
  }
  if (/[{}]/.test(template.replace(/\{[^{}]*\}/g, ''))) return `unbalanced brace in "${template}"`;
  return undefined;
}

export function expandTemplate(template: string, topic: string, record?: string): string {
  const t = template.replaceAll('{topic}', topic);
  return record === undefined ? t : t.replaceAll('{record}', record);
}

/** Whether a table template routes by record type: its tables are only known as records arrive. */
export function routesByRecord(template: string): boolean {
  return template.includes('{record}');
}

/** The table a topic (and, for a `{record}` template, a record type) lands in: expanded, then sanitized. */
export function tableNameFor(template: string, topic: string, record?: string): string {
  return sanitizeIdentifier(expandTemplate(template, topic, record));
}

/**
 * Matches every table name `tableNameFor(template, topic, record)` can give for some record
 * name: how a restarted daemon finds the tables a `{record}` template made for a topic (their
 * offsets decide where reading resumes). Sanitizing works character by character, so the literal
 * parts sanitize on their own; only a name starting with a digit gains its `_` prefix. It may
 * match more than the template made (a record part is anything non-empty), which is safe: a table
 * without offsets for the topic changes nothing.
 */
export function recordTablePattern(template: string, topic: string): RegExp {
  const parts = expandTemplate(template, topic).split('{record}').map((p) => sanitizeIdentifier(p).replace(/^_(?=[0-9])/, ''));
  const escaped = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^_?${escaped.join('[a-z0-9_]+')}$`);
}

/** `analytics.raw` → ['analytics', 'raw']: a dotted string names nested namespace levels. */
export function splitNamespace(namespace: string | string[]): string[] {
  return Array.isArray(namespace) ? namespace : namespace.split('.');
}

/** Topic patterns must match the whole topic name, as with Kafka Connect's `topics.regex`. */
export function compileTopicPattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

export function mappingMatchesTopic(mapping: Pick<TableMapping, 'topics' | 'topicPattern'>, topic: string): boolean {
  if (mapping.topics) return mapping.topics.includes(topic);
  return mapping.topicPattern !== undefined && compileTopicPattern(mapping.topicPattern).test(topic);
}

/** Kafka's own rule for topic names. */
export const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/** The dead-letter topic for a source topic. */
export function deadLetterTopicFor(template: string, topic: string): string {
  return expandTemplate(template, topic);
}

/**
 * Whether `topic` has the shape of a dead-letter topic some template produces. A topicPattern
 * like `orders.*` would otherwise also subscribe to `orders.floe.dlq` and loop on its own dead
 * letters; validation cannot see broker topics, so pattern subscriptions must filter with this.
 */
export function isDeadLetterTopic(templates: readonly string[], topic: string): boolean {
  return templates.some((template) => {
    const at = template.indexOf('{topic}');
    if (at === -1) return topic === template;
    const prefix = template.slice(0, at);
    const suffix = template.slice(at + '{topic}'.length).replaceAll('{topic}', '');
    return topic.length > prefix.length + suffix.length && topic.startsWith(prefix) && topic.endsWith(suffix);
  });
}

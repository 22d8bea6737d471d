/**
 * Checks that need the resolved configuration: across table mappings (two mappings writing one
 * table, a table that would be both bronze and silver, a dead-letter topic that is also consumed)
 * and on merged settings. Structural checks are in schema.ts.
 */
import type { PathSegment } from './dsl.js';
import type { FloeConfig, TableMapping, TableMode } from './model.js';
import { compileTopicPattern, deadLetterTopicFor, mappingMatchesTopic, routesByRecord, tableNameFor } from './names.js';

type Report = (path: PathSegment[], message: string) => void;

interface Target {
  mapping: number;
  /** `table` for the mapping's own table, `alsoBronze.table` for its bronze twin. */
  key: 'table' | 'alsoBronze';
  mode: TableMode;
  fullName: string;
  topic: string | undefined;
}

function fullName(namespace: string[], table: string): string {
  return [...namespace, table].join('.');
}

/** The tables a mapping writes that can be named without seeing the broker's topic list. */
function targetsOf(m: TableMapping, extraTopics: string[]): Target[] {
  const out: Target[] = [];
  const add = (key: Target['key'], template: string, namespace: string[], mode: TableMode) => {
    // A {record} template's tables are only known as record types arrive.
    if (routesByRecord(template)) return;
    if (!template.includes('{topic}')) {
      out.push({ mapping: m.index, key, mode, fullName: fullName(namespace, template), topic: undefined });
      return;
    }
    // A pattern mapping's tables are only knowable for topics other mappings name literally.
    const topics = m.topics ?? extraTopics.filter((t) => mappingMatchesTopic(m, t));
    for (const topic of topics) {
      out.push({ mapping: m.index, key, mode, fullName: fullName(namespace, tableNameFor(template, topic)), topic });
    }
  };
  add('table', m.table, m.namespace, m.mode);
  if (m.alsoBronze) add('alsoBronze', m.alsoBronze.table, m.alsoBronze.namespace, 'bronze');
  return out;
}

function pathOf(t: Target): PathSegment[] {
  return t.key === 'table' ? ['tables', t.mapping, 'table'] : ['tables', t.mapping, 'alsoBronze', 'table'];
}

export function checkConfig(config: FloeConfig, report: Report): void {
  const literalTopics = [...new Set(config.tables.flatMap((m) => m.topics ?? []))];
  checkTopicLists(config.tables, report);
  checkTargets(config.tables, literalTopics, report);
  checkDeadLetterTopics(config.tables, report);
  const f = config.defaults.file;
  if (f.rowGroupBytes > f.targetSizeBytes) {
    report(['defaults', 'file', 'rowGroupBytes'], `must not exceed file.targetSizeBytes (${f.targetSizeBytes})`);
  }
  for (const m of config.tables) checkTable(m, config, report);
}

function checkTopicLists(tables: TableMapping[], report: Report): void {
  for (const m of tables) {
    const seen = new Map<string, number>();
    m.topics?.forEach((topic, i) => {
      const first = seen.get(topic);
      if (first !== undefined) report(['tables', m.index, 'topics', i], `duplicate topic "${topic}" (also topics[${first}])`);
      else seen.set(topic, i);
    });
  }
}

function checkTargets(tables: TableMapping[], literalTopics: string[], report: Report): void {
  const byName = new Map<string, Target>();
  const reported = new Set<string>();
  for (const m of tables) {
    for (const t of targetsOf(m, literalTopics)) {
      const first = byName.get(t.fullName);
      if (!first) {
        byName.set(t.fullName, t);
        continue;
      }
      const sameSlot = first.mapping === t.mapping && first.key === t.key;
      const once = `${t.mapping}/${t.key}/${t.fullName}`;
      if (reported.has(once)) continue;
      if (first.mode !== t.mode) {
        reported.add(once);
        const where = first.mapping === t.mapping ? 'this mapping' : `tables[${first.mapping}]`;
        report(pathOf(t), `table "${t.fullName}" is also written by ${where} in ${first.mode} mode; a table is either bronze or silver`);
      } else if (!sameSlot) {
        reported.add(once);
        report(pathOf(t), `duplicate table "${t.fullName}" (also written by tables[${first.mapping}])`);
      } else if (first.topic !== undefined && t.topic !== undefined && first.topic !== t.topic) {
        // One mapping whose {topic} template sends two topics to one table: sanitizing collided.
        reported.add(once);
        report(pathOf(t), `topics "${first.topic}" and "${t.topic}" both map to table "${t.fullName}" after sanitizing; use distinct names`);
      }
    }
  }
}

function checkDeadLetterTopics(tables: TableMapping[], report: Report): void {
  for (const m of tables) {
    for (const topic of m.topics ?? []) {
      const dlq = deadLetterTopicFor(m.errors.deadLetterTopic, topic);
      const consumer = tables.find((other) => mappingMatchesTopic(other, dlq));
      if (consumer) {
        report(['tables', m.index, 'errors', 'deadLetterTopic'], `dead-letter topic "${dlq}" is itself consumed by tables[${consumer.index}]`);
        break;
      }
    }
    if (m.errors.policy === 'dead-letter' && m.topicPattern !== undefined && !m.errors.deadLetterTopic.includes('{topic}')) {
      // A fixed dead-letter topic name is fine; only check it is not swallowed by the pattern.
      if (compileTopicPattern(m.topicPattern).test(m.errors.deadLetterTopic)) {
        report(['tables', m.index, 'errors', 'deadLetterTopic'], `dead-letter topic "${m.errors.deadLetterTopic}" matches this mapping's topicPattern`);
      }
    }
  }
}

function checkTable(m: TableMapping, config: FloeConfig, report: Report): void {
  const at = (...rest: PathSegment[]): PathSegment[] => ['tables', m.index, ...rest];
  const d = config.defaults.file;
  const overridden = m.file.rowGroupBytes !== d.rowGroupBytes || m.file.targetSizeBytes !== d.targetSizeBytes;
  if (overridden && m.file.rowGroupBytes > m.file.targetSizeBytes) {
    report(at('file', 'rowGroupBytes'), `must not exceed file.targetSizeBytes (${m.file.targetSizeBytes})`);
  }
  // Only registry values carry a record type; a raw topic's values have none to route by.
  for (const [where, template] of [[at('table'), m.table], [at('alsoBronze', 'table'), m.alsoBronze?.table]] as const) {
    if (template !== undefined && routesByRecord(template) && m.value.format !== 'registry') {
      report(where, `{record} routes by the record type a registered schema names; value.format ${m.value.format} has none (use value.format: registry, or drop {record})`);
    }
  }
  checkVariant(m, report);
  checkRecursive(m, report);
  const seenFields = new Map<string, number>();
  const seenNames = new Map<string, number>();
  m.partitioning.forEach((p, i) => {
    const sig = `${p.field}|${p.transform}`;
    const dup = seenFields.get(sig);
    if (dup !== undefined) report(at('partitioning', i), `duplicate of partitioning[${dup}] (${p.transform}(${p.field}))`);
    else seenFields.set(sig, i);
    if (p.name !== undefined) {
      const n = seenNames.get(p.name);
      if (n !== undefined) report(at('partitioning', i, 'name'), `duplicate partition name "${p.name}" (also partitioning[${n}])`);
      else seenNames.set(p.name, i);
    }
  });
  if (m.mode === 'silver') {
    // Equality deletes of a partitioned table only reach rows of their own partition: a key whose
    // partition could change would keep its stale row. Partitioning by key fields is safe. (No
    // key fields: the key is the Kafka key column `_key`.)
    const keys = m.key?.fields?.length ? m.key.fields : ['_key'];
    m.partitioning.forEach((p, i) => {
      if (!keys.includes(p.field)) report(at('partitioning', i, 'field'), `silver tables may only be partitioned by key fields (${keys.join(', ')}), not "${p.field}"`);
    });
  }
  if (m.mode === 'silver' && m.key?.fields) {
    m.key.fields.forEach((f, i) => {
      if (f.startsWith('$kafka.')) report(at('key', 'fields', i), `key fields come from the record value, got "${f}"`);
    });
  }
}

/** `value.json: variant` writes a v3-only type from a json value, which no transform or key can use. */
function checkVariant(m: TableMapping, report: Report): void {
  if (m.value.json !== 'variant') return;
  const at: PathSegment[] = ['tables', m.index, 'value', 'json'];
  if (m.value.format !== 'json') report(at, `variant applies to value.format json only (value.format is ${m.value.format})`);
  if (m.formatVersion !== 3) report(at, `variant needs formatVersion 3 (this mapping's formatVersion is ${m.formatVersion}); use text on v2 tables`);
  // The variant column is `value`: Iceberg has no transform, order or identity for variants.
  m.partitioning.forEach((p, i) => {
    if (p.field === 'value') report(['tables', m.index, 'partitioning', i, 'field'], 'cannot partition by the variant column value');
  });
  m.sortOrder.forEach((s, i) => {
    if (s.field === 'value') report(['tables', m.index, 'sortOrder', i, 'field'], 'cannot sort by the variant column value');
  });
  m.key?.fields?.forEach((f, i) => {
    if (f === 'value') report(['tables', m.index, 'key', 'fields', i], 'the variant column value cannot be a key field');
  });
}

/**
 * `value.recursive: variant` stores recursive types of registry schemas as a v3-only type. Which
 * fields are recursive is known only from the writer schemas, so partitioning or sorting by one is
 * refused when the table is made (no transform takes a variant).
 */
function checkRecursive(m: TableMapping, report: Report): void {
  if (m.value.recursive !== 'variant') return;
  const at: PathSegment[] = ['tables', m.index, 'value', 'recursive'];
  if (m.value.format !== 'registry') report(at, `variant applies to registry schemas (Avro, JSON Schema, Protobuf) only (value.format is ${m.value.format})`);
  if (m.formatVersion !== 3) report(at, `variant needs formatVersion 3 (this mapping's formatVersion is ${m.formatVersion}); use text on v2 tables`);
}

/**
 * Which tables a topic feeds. A topic can match several mappings (a list in one, a pattern in
 * another); each match is one target table. Dead-letter topics are never routed, whatever a
 * pattern says, so floe cannot consume its own dead letters in a loop.
 */
import { isDeadLetterTopic, mappingMatchesTopic, routesByRecord, tableNameFor, type TableMapping } from '../config/index.js';
import type { TableIdentifier } from '../iceberg/catalog/types.js';

export interface Route {
  mapping: TableMapping;
  table: TableIdentifier;
  /** `namespace.name`, the key tables are tracked by. */
  fullName: string;
}

/**
 * A target whose table template has `{record}`: its tables are named as records arrive, one per
 * record type (record-tables.ts). `mapping.table` is the template (alsoBronze's, for that side).
 */
export interface RecordRoute {
  mapping: TableMapping;
  topic: string;
  /** The family's identity: mapping, side (silver or its alsoBronze) and topic. */
  key: string;
}

export class Router {
  private readonly cache = new Map<string, { routes: Route[]; byRecord: RecordRoute[] }>();
  private readonly dlqTemplates: string[];

  constructor(private readonly mappings: readonly TableMapping[]) {
    this.dlqTemplates = [...new Set(mappings.map((m) => m.errors.deadLetterTopic))];
  }

  /** The mappings' target tables for a topic, in configuration order; [] for unmapped topics. */
  routes(topic: string): Route[] {
    return this.resolve(topic).routes;
  }

  /** The targets of a topic that route by record type ({record} templates). */
  recordRoutes(topic: string): RecordRoute[] {
    return this.resolve(topic).byRecord;
  }

  private resolve(topic: string): { routes: Route[]; byRecord: RecordRoute[] } {
    let resolved = this.cache.get(topic);
    if (resolved === undefined) {
      const targets = this.isDeadLetter(topic)
        ? []
        : this.mappings
            .filter((m) => mappingMatchesTopic(m, topic))
            .flatMap((mapping) => {
              const out = [mapping];
              // alsoBronze: the same consumption feeds a bronze table with every record.
              if (mapping.mode === 'silver' && mapping.alsoBronze) {
                const b = mapping.alsoBronze;
                out.push({ ...mapping, mode: 'bronze', envelope: 'none', table: b.table, namespace: b.namespace });
              }
              return out;
            });
      resolved = {
        routes: targets.filter((m) => !routesByRecord(m.table)).map((m) => route(m, topic)),
        byRecord: targets.filter((m) => routesByRecord(m.table)).map((m) => ({ mapping: m, topic, key: `${m.index}/${m.mode}/${topic}` })),
      };
      this.cache.set(topic, resolved);
    }
    return resolved;
  }

  isDeadLetter(topic: string): boolean {
    // A topic listed explicitly is consumed even if it looks like a dead-letter topic: the
    // configuration check already refuses a mapping that consumes its own dead letters.
    if (this.mappings.some((m) => m.topics?.includes(topic))) return false;
    return isDeadLetterTopic(this.dlqTemplates, topic);
  }

  /**
   * The topics to subscribe to: every listed topic, plus the existing topics matching a pattern
   * (the daemon lists topics again every kafka.topicRefreshMs, see topic-watch.ts).
   */
  subscription(existingTopics: readonly string[]): string[] {
    const out = new Set<string>();
    for (const m of this.mappings) for (const t of m.topics ?? []) out.add(t);
    for (const t of existingTopics) {
      if (t.startsWith('__')) continue;
      const r = this.resolve(t);
      if (r.routes.length > 0 || r.byRecord.length > 0) out.add(t);
    }
    return [...out].sort();
  }

  get needsTopicListing(): boolean {
    return this.mappings.some((m) => m.topicPattern !== undefined);
  }
}

/** The route to a mapping's table for a topic (and record type, for a {record} template). */
export function route(mapping: TableMapping, topic: string, record?: string): Route {
  const name = tableNameFor(mapping.table, topic, record);
  const table = { namespace: [...mapping.namespace], name };
  return { mapping, table, fullName: [...mapping.namespace, name].join('.') };
}

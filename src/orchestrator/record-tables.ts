/**
 * Tables routed by record type: a mapping whose table template has `{record}` (topics written
 * with RecordNameStrategy / TopicRecordNameStrategy carry several record types) sends each type
 * to its own table, named as records arrive. One RecordTables per topic and mapping side (a
 * silver mapping's alsoBronze is a side of its own); its members are the tables made so far.
 *
 * Exactly-once when one partition's records spread over several tables (docs/guarantees.md):
 * - each member stores its own offsets, and moves them past its siblings' records (`pass`), so a
 *   rare type does not hold its partitions' restart position back where its last record was;
 * - a partition resumes at the lowest offset a member holds for it; a member holding none is not
 *   counted (it has nothing of the partition), so it cannot hold the others back;
 * - that is only safe because a member's first record of a partition waits until the member has
 *   committed an offset for the partition (`TableWriter.seed`): no sibling can commit past a
 *   record whose table does not yet show it;
 * - after a restart the members are found again by listing the namespace: tables whose name the
 *   template can give for this topic, and no template of the topic that spells out more of the
 *   name can, and that hold offsets of the topic (findRecordTables).
 */
import { committedOffsets } from '../commit/offsets.js';
import { expandTemplate, recordTablePattern, type TableMapping } from '../config/index.js';
import type { LoadedTable, TableIdentifier } from '../iceberg/catalog/index.js';
import type { SourceRecord, TopicPartition, TpKey } from '../source/types.js';
import { tpKey } from '../source/types.js';
import { isFloeError } from '../util/errors.js';
import type { DaemonMetrics } from './metrics.js';
import type { DeadLetterQueue, TableStore } from './ports.js';
import { route, type RecordRoute, type Route } from './router.js';
import type { TableWriter } from './table-writer.js';

export interface RecordTablesDeps {
  /** The daemon's writers: a member is a writer like any other (commits, triggers, revocation). */
  writer(route: Route): TableWriter;
  /** The writer of a table, if the daemon has one: a table another target writes is never a member. */
  existing(fullName: string): TableWriter | undefined;
  store: TableStore;
  deadLetters: DeadLetterQueue;
  metrics: DaemonMetrics;
}

type Retrying = <T>(what: string, fn: () => Promise<T>) => Promise<T | undefined>;

export class RecordTables {
  private readonly members = new Map<string, TableWriter>();
  private readonly byRecord = new Map<string, TableWriter>();
  private readonly assigned = new Map<TpKey, TopicPartition>();
  /** Where each assigned partition is read from, for members that hold no offset for it. */
  private readonly starts = new Map<TpKey, bigint>();
  /** `namespace.template`, the label of dead letters that reach no member. */
  readonly label: string;

  constructor(
    readonly route: RecordRoute,
    private readonly deps: RecordTablesDeps,
    /** The topic's other `{record}` templates (findRecordTables). */
    private readonly rivals: readonly RecordTemplate[] = [],
  ) {
    this.label = [...route.mapping.namespace, route.mapping.table].join('.');
  }

  get mapping() {
    return this.route.mapping;
  }

  get writers(): TableWriter[] {
    return [...this.members.values()];
  }

  /** Members that still need the record (it is not below their offsets). */
  wanting(record: SourceRecord): TableWriter[] {
    return this.writers.filter((w) => w.wants(record));
  }

  /**
   * Whether the record must be decoded: some member still needs it, or no member exists to say
   * (a record below every member's offset was routed before: its type's table has it).
   */
  needs(record: SourceRecord): boolean {
    if (this.members.size > 0) return this.writers.some((w) => w.wants(record));
    const start = this.starts.get(tpKey(record));
    return this.assigned.has(tpKey(record)) && (start === undefined || record.offset >= start);
  }

  /**
   * Takes partitions: finds the tables the template made for this topic (the namespace's list,
   * kept when they hold offsets of the topic) and reads their offsets. Returns where each
   * partition resumes: the lowest offset a member holds for it (undefined: none holds one, the
   * mapping's startFrom decides; then call startAt).
   */
  async assign(tps: TopicPartition[], isStatic: (fullName: string) => boolean): Promise<Map<TpKey, bigint | undefined>> {
    for (const tp of tps) this.assigned.set(tpKey(tp), tp);
    const skip = (fullName: string) => this.members.has(fullName) || isStatic(fullName) || !this.mine(fullName);
    for (const { id, fullName } of await findRecordTables(this.deps.store, this.mapping, this.route.topic, { skip, rivals: this.rivals })) {
      this.members.set(fullName, this.deps.writer({ mapping: this.mapping, table: { namespace: [...id.namespace], name: id.name }, fullName }));
    }
    const out = new Map<TpKey, bigint | undefined>(tps.map((tp) => [tpKey(tp), undefined]));
    for (const w of this.members.values()) {
      for (const [key, offset] of await w.assign(tps)) {
        const prev = out.get(key);
        if (offset !== undefined && (prev === undefined || offset < prev)) out.set(key, offset);
      }
    }
    return out;
  }

  /** Where the partitions are read from; members without offsets for them start there too. */
  startAt(starts: Map<TpKey, bigint>): void {
    for (const [key, offset] of starts) this.starts.set(key, offset);
    for (const w of this.members.values()) w.startAt(starts);
  }

  revoke(tps: TopicPartition[]): void {
    for (const tp of tps) {
      this.assigned.delete(tpKey(tp));
      this.starts.delete(tpKey(tp));
    }
  }

  /**
   * The member for a record type; a new one takes the assigned partitions first (the table may
   * exist: its offsets count). Undefined when that was abandoned.
   */
  async writerFor(record: string, retrying: Retrying): Promise<TableWriter | undefined> {
    const known = this.byRecord.get(record);
    if (known) return known;
    const r = route(this.mapping, this.route.topic, record);
    let w = this.members.get(r.fullName);
    if (!w) {
      const writer = this.deps.writer(r);
      const tps = [...this.assigned.values()].filter((tp) => !writer.covers(tp));
      if (tps.length > 0) {
        const offsets = await retrying(`offsets of ${r.fullName}`, () => writer.assign(tps));
        if (!offsets) return undefined;
        writer.startAt(this.starts);
      }
      this.members.set(r.fullName, (w = writer));
    }
    this.byRecord.set(record, w);
    return w;
  }

  /** The record landed in `target` (or was already there): every other member moves past it. */
  passOthers(record: SourceRecord, target: TableWriter | undefined): void {
    for (const w of this.members.values()) if (w !== target) w.pass(record);
  }

  /**
   * A record that cannot reach a member (it does not decode, or names no record type): the first
   * member that needs it carries the dead letter's offset, the others pass it. With no member yet
   * there is no table to store the offset in: the letter is sent, and a restart before a member
   * commits sends it again (the dead-letter topic is at-least-once).
   */
  deadLetter(record: SourceRecord, error: unknown, stage: 'decode' | 'map'): void {
    const [first] = this.wanting(record);
    if (first) {
      first.deadLetter(record, error, stage);
      this.passOthers(record, first);
      return;
    }
    this.deps.deadLetters.add({ record, error, stage }, this.mapping.errors.deadLetterTopic);
    this.deps.metrics.deadLetters.inc({ table: this.label, code: isFloeError(error) ? error.code : 'UNEXPECTED' });
  }

  /** For the status page: the template, the tables made so far, the partitions it reads. */
  view(): { label: string; members: string[]; coversKey(key: TpKey): boolean } {
    return { label: this.label, members: [...this.members.keys()], coversKey: (key) => this.assigned.has(key) };
  }

  /** Another target of the same mapping side (the same template on another topic) wrote the table. */
  private mine(fullName: string): boolean {
    const w = this.deps.existing(fullName);
    return w === undefined || (w.mapping.index === this.mapping.index && w.mapping.mode === this.mapping.mode);
  }
}

/** What finding a template's tables needs: the namespace's list and each table's metadata. */
export interface TableLister {
  list?(namespace: string[]): Promise<TableIdentifier[]>;
  load(id: TableIdentifier): Promise<LoadedTable | undefined>;
}

/** A `{record}` template as findRecordTables reads it. */
export type RecordTemplate = Pick<TableMapping, 'namespace' | 'table'>;

/** How much of a table's name a template spells out for a topic (everything but `{record}`). */
function literalLength(t: RecordTemplate, topic: string): number {
  return expandTemplate(t.table, topic).replaceAll('{record}', '').length;
}

/**
 * The tables a `{record}` template made for a topic: in the mapping's namespace, named as the
 * template can name them for the topic (`recordTablePattern`, the sanitising rules of
 * `tableNameFor`), and holding offsets of the topic (a table the daemon made for the topic
 * commits an offset before its first record: `TableWriter.seed`). The one rule both for a
 * restarted daemon finding its members and for `floe status` listing them.
 *
 * `rivals` are the topic's other `{record}` templates: a name that also fits one of them in the
 * same namespace that spells out more of it belongs to that one (`{topic}_{record}_raw`'s
 * `orders_com_acme_a_raw` also fits `{topic}_{record}` with a record named `com.acme.a_raw`);
 * equally specific templates that fit one name cannot be told apart by it, and the first in
 * configuration order takes it. `skip` drops names before their metadata is read.
 */
export async function findRecordTables(
  store: TableLister,
  template: RecordTemplate,
  topic: string,
  options: { skip?: (fullName: string) => boolean; rivals?: readonly RecordTemplate[] } = {},
): Promise<Array<{ id: TableIdentifier; fullName: string; loaded: LoadedTable }>> {
  const pattern = recordTablePattern(template.table, topic);
  const ns = template.namespace.join('.');
  const mine = literalLength(template, topic);
  const stronger = (options.rivals ?? [])
    .filter((r) => r.namespace.join('.') === ns && literalLength(r, topic) > mine)
    .map((r) => recordTablePattern(r.table, topic));
  const out: Array<{ id: TableIdentifier; fullName: string; loaded: LoadedTable }> = [];
  for (const id of (await store.list?.([...template.namespace])) ?? []) {
    const fullName = [...id.namespace, id.name].join('.');
    if (!pattern.test(id.name) || stronger.some((p) => p.test(id.name)) || options.skip?.(fullName)) continue;
    const loaded = await store.load(id);
    if (!loaded || ![...committedOffsets(loaded.metadata).entries()].some(([t]) => t === topic)) continue;
    out.push({ id, fullName, loaded });
  }
  return out;
}

export interface FamilyAssignment {
  retrying: Retrying;
  /** Where partitions no member holds offsets for start (the mapping's startFrom). */
  startPositions(f: RecordTables, fresh: TopicPartition[]): Promise<Map<TpKey, bigint> | undefined>;
  /** Whether a table is another target's by name (never a member). */
  isStatic(topic: string, fullName: string): boolean;
}

/** The daemon's RecordTables, one per topic and {record} target, created on first use. */
export class RecordFamilies {
  private readonly byKey = new Map<string, RecordTables>();
  private deps: RecordTablesDeps | undefined;

  constructor(private readonly routes: (topic: string) => RecordRoute[]) {}

  configure(deps: RecordTablesDeps): void {
    this.deps = deps;
  }

  /**
   * Takes partitions for every family of their topics; returns where each partition must be read
   * from for them: the lowest offset a member holds, else where the mapping's startFrom says.
   */
  async assign(tps: TopicPartition[], how: FamilyAssignment): Promise<Map<TpKey, bigint>> {
    const out = new Map<TpKey, bigint>();
    for (const topic of new Set(tps.map((tp) => tp.topic))) {
      const list = tps.filter((tp) => tp.topic === topic);
      for (const f of this.of(topic)) {
        const offsets = await how.retrying(`tables of ${f.label}`, () => f.assign(list, (name) => how.isStatic(topic, name)));
        if (!offsets) continue;
        const starts = (await how.startPositions(f, list.filter((tp) => offsets.get(tpKey(tp)) === undefined))) ?? new Map<TpKey, bigint>();
        for (const [key, offset] of offsets) if (offset !== undefined) starts.set(key, offset);
        f.startAt(starts);
        for (const [key, offset] of starts) {
          const prev = out.get(key);
          if (prev === undefined || offset < prev) out.set(key, offset);
        }
      }
    }
    return out;
  }

  /** Every family made so far (topics the daemon has read or been assigned). */
  all(): RecordTables[] {
    return [...this.byKey.values()];
  }

  of(topic: string): RecordTables[] {
    const routes = this.routes(topic);
    return routes.map((r) => {
      let f = this.byKey.get(r.key);
      if (!f) {
        if (!this.deps) throw new Error('RecordFamilies used before configure()');
        const rivals = routes.filter((x) => x !== r).map((x) => x.mapping);
        this.byKey.set(r.key, (f = new RecordTables(r, this.deps, rivals)));
      }
      return f;
    });
  }
}

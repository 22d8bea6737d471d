/**
 * tableStatuses with fakes for Kafka (watermarks, the first record after a committed offset) and
 * the catalog: which rows a `{record}` template gives — each table it made, only the partitions a
 * table holds offsets for, and the template's own row for records in none of its tables — next to
 * a static table. The real stack and Spark: test/orchestrator/status.it.test.ts.
 */
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import type { LoadedTable, RestCatalogClient, TableIdentifier } from '../../src/iceberg/catalog/index.js';
import type { FileIO } from '../../src/iceberg/io/types.js';
import { writeManifestList } from '../../src/iceberg/manifest/manifest-list.js';
import type { TableMetadata } from '../../src/iceberg/spec/types.js';
import { tableStatuses } from '../../src/orchestrator/status.js';
import { FloeError } from '../../src/util/errors.js';

const config = parseConfig(
  JSON.stringify({
    kafka: { brokers: ['k:9092'], groupId: 'g' },
    schemaRegistry: { url: 'http://r' },
    catalog: { type: 'rest', uri: 'http://c' },
    storage: { type: 'local', root: '/tmp' },
    defaults: { namespace: 'raw' },
    tables: [
      { topics: ['orders', 'quiet', 'fresh'], table: '{topic}_{record}' },
      { topics: ['orders'], table: 'orders_all' },
    ],
  }),
  { env: {} },
);

const watermarks: Record<string, Array<{ partition: number; low: string; high: string }>> = {
  orders: [{ partition: 0, low: '0', high: '15' }, { partition: 1, low: '0', high: '12' }, { partition: 2, low: '0', high: '4' }],
  quiet: [{ partition: 0, low: '0', high: '0' }],
  fresh: [{ partition: 0, low: '2', high: '7' }],
};

const kafka = {
  admin: () => ({
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => Object.keys(watermarks),
    fetchTopicOffsets: async (topic: string) => watermarks[topic]!.map((w) => ({ ...w, offset: w.high })),
  }),
} as unknown as Kafka;

function table(name: string, offsets: Record<string, Record<string, string>>): LoadedTable {
  const metadata = {
    'format-version': 2,
    location: `mem://${name}`,
    'current-snapshot-id': 1,
    refs: { main: { 'snapshot-id': 1, type: 'branch' } },
    snapshots: [{ 'snapshot-id': 1, 'sequence-number': 1, 'timestamp-ms': 5000, 'manifest-list': `mem://${name}/list`, summary: { operation: 'append', 'floe.offsets': JSON.stringify(offsets) } }],
  } as unknown as TableMetadata;
  return { metadata, metadataLocation: `mem://${name}/m.json`, config: {} } as unknown as LoadedTable;
}

const tables = new Map<string, LoadedTable>([
  ['orders_com_acme_a', table('orders_com_acme_a', { orders: { '0': '12', '1': '12' } })],
  ['orders_com_acme_b', table('orders_com_acme_b', { orders: { '0': '10' } })],
  // Named as the template names orders' tables, but it holds no offsets of orders: not one of them.
  ['orders_misc', table('orders_misc', { other: { '0': '1' } })],
  ['orders_all', table('orders_all', { orders: { '0': '15', '1': '12', '2': '4' } })],
]);

const catalog = {
  listTables: async (namespace: string[]): Promise<TableIdentifier[]> => [...tables.keys()].map((name) => ({ namespace, name })),
  loadTable: async (id: TableIdentifier) => {
    const t = tables.get(id.name);
    if (!t) throw new FloeError('CATALOG_NO_SUCH_TABLE', `no ${id.name}`);
    return t;
  },
} as unknown as RestCatalogClient;

const io = { read: async () => writeManifestList({ snapshotId: 1, parentSnapshotId: null, sequenceNumber: 1, manifests: [] }) } as unknown as FileIO;

describe('tableStatuses and {record} templates', () => {
  it('lists each table the template made, with the partitions it holds offsets for, and the template for the rest', async () => {
    const read: string[] = [];
    const out = await tableStatuses({
      config,
      kafka,
      catalog,
      io: () => io,
      now: () => 100_000,
      readRanges: async (_k, ranges, onRecord) => {
        for (const r of ranges) {
          read.push(`${r.topic}/${r.partition}@${r.from}`);
          await onRecord({ topic: r.topic, partition: r.partition, offset: r.from, timestamp: 40_000 } as never);
        }
        return [];
      },
    });
    const rows = Object.fromEntries(out.map((t) => [t.table, t]));
    expect(Object.keys(rows).sort()).toEqual(['raw.orders_all', 'raw.orders_com_acme_a', 'raw.orders_com_acme_b', 'raw.{topic}_{record}']);
    expect(rows['raw.orders_all']).not.toHaveProperty('template');

    const a = rows['raw.orders_com_acme_a']!;
    expect(a).toMatchObject({ template: 'raw.{topic}_{record}', exists: true, topics: ['orders'], lagRecords: 3, lagSeconds: 60, lastCommitMs: 5000, snapshots: 1, dataFiles: 0 });
    expect(a.partitions.map((p) => [p.partition, p.committed, p.high, p.lagRecords])).toEqual([[0, '12', '15', 3], [1, '12', '12', 0]]);
    // B holds partition 0 only: partition 1 is not B's to count.
    const b = rows['raw.orders_com_acme_b']!;
    expect(b.partitions.map((p) => [p.partition, p.committed, p.lagRecords])).toEqual([[0, '10', 5]]);
    expect(b.lagRecords).toBe(5);

    // The template: orders' partition 2 has records and no offset in any table; quiet has no table
    // (and nothing to read); fresh has no table and 5 records after its log start.
    const t = rows['raw.{topic}_{record}']!;
    expect(t).toMatchObject({ template: 'raw.{topic}_{record}', exists: false, topics: ['fresh', 'orders', 'quiet'], lagRecords: 9, snapshots: 0, lastCommitMs: undefined });
    expect(t.partitions.map((p) => [p.topic, p.partition, p.committed, p.lagRecords])).toEqual([
      ['fresh', 0, undefined, 5],
      ['orders', 2, undefined, 4],
      ['quiet', 0, undefined, 0],
    ]);
    // One read per lagging partition, from the lowest offset any row needs.
    expect(read.sort()).toEqual(['fresh/0@2', 'orders/0@10', 'orders/2@0']);
  });

  it('a template whose tables hold every partition of a topic with records has no row of its own', async () => {
    const only = parseConfig(
      JSON.stringify({ kafka: { brokers: ['k:9092'], groupId: 'g' }, schemaRegistry: { url: 'http://r' }, catalog: { type: 'rest', uri: 'http://c' }, storage: { type: 'local', root: '/tmp' }, defaults: { namespace: 'raw' }, tables: [{ topics: ['quiet', 'orders'], table: '{topic}_{record}' }] }),
      { env: {} },
    );
    const covered: typeof watermarks = { ...watermarks, orders: watermarks.orders!.slice(0, 2) };
    const k = { admin: () => ({ ...kafka.admin(), fetchTopicOffsets: async (topic: string) => covered[topic]!.map((w) => ({ ...w, offset: w.high })) }) } as unknown as Kafka;
    const out = await tableStatuses({ config: only, kafka: k, catalog, io: () => io, readRanges: async () => [] });
    // quiet still has no table: its row stays (lag 0), orders' is not needed. orders_all is no
    // other mapping's table here, has a name the template can give and offsets of orders: the
    // daemon would take it as one of the template's tables after a restart, so status lists it.
    expect(out.map((t) => [t.table, t.topics])).toEqual([
      ['raw.orders_com_acme_a', ['orders']],
      ['raw.orders_com_acme_b', ['orders']],
      ['raw.orders_all', ['orders']],
      ['raw.{topic}_{record}', ['quiet']],
    ]);
  });
});

/**
 * The REST client and commit retry against the stack's Apache Iceberg REST catalog (and its S3).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TableIdentifier } from '../../../src/iceberg/catalog/types.js';
import type { TableChange } from '../../../src/iceberg/spec/changes.js';
import { commitWithRetry } from '../../../src/iceberg/catalog/commit.js';
import { sameId } from '../../../src/iceberg/spec/json.js';
import { RestCatalogClient } from '../../../src/iceberg/catalog/rest-client.js';
import { S3FileIO } from '../../../src/iceberg/io/s3.js';
import type { PartitionSpec, Schema, Snapshot, SortOrder, TableMetadata } from '../../../src/iceberg/spec/types.js';
import { isFloeError } from '../../../src/util/errors.js';
import { LossyProxy } from './lossy-proxy.js';

const stack = inject('stack');
const suffix = randomUUID().slice(0, 8);
const ns = [`floe_it_${suffix}`];

// Field ids in the order Iceberg assigns fresh ids (each struct's fields first, then their children),
// so the catalog keeps them as given.
const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  'identifier-field-ids': [1],
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'ts', required: false, type: 'timestamptz' },
    { id: 3, name: 'amount', required: false, type: 'decimal(10,2)' },
    {
      id: 4,
      name: 'address',
      required: false,
      type: {
        type: 'struct',
        fields: [
          { id: 7, name: 'street', required: false, type: 'string' },
          { id: 8, name: 'zip', required: false, type: 'int' },
        ],
      },
    },
    { id: 5, name: 'tags', required: false, type: { type: 'list', 'element-id': 9, element: 'string', 'element-required': false } },
    {
      id: 6,
      name: 'attrs',
      required: false,
      type: { type: 'map', 'key-id': 10, key: 'string', 'value-id': 11, value: 'fixed[4]', 'value-required': false },
    },
  ],
};
const spec: PartitionSpec = {
  'spec-id': 0,
  fields: [
    { 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' },
    { 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[8]' },
  ],
};
const order: SortOrder = { 'order-id': 1, fields: [{ 'source-id': 1, transform: 'identity', direction: 'asc', 'null-order': 'nulls-first' }] };

function s3(): S3FileIO {
  return new S3FileIO({
    endpoint: stack.s3.endpoint,
    region: stack.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
  });
}

/** A fast append of an (empty) snapshot: enough for the catalog, which does not read manifest lists. */
function appendBuilder(io: S3FileIO, label: string, nextId: () => bigint) {
  const built: TableChange[] = [];
  const build = async (m: TableMetadata): Promise<TableChange> => {
    const head = m.refs?.main?.['snapshot-id'] ?? null;
    const sid = nextId();
    const manifestList = `${m.location}/metadata/snap-${sid}-${label}.avro`;
    await io.write(manifestList, new TextEncoder().encode('placeholder manifest list'));
    const snapshot = {
      'snapshot-id': sid as unknown as number, // beyond 2^53 on purpose: ids must survive exactly
      ...(head === null ? {} : { 'parent-snapshot-id': head }),
      'sequence-number': (m['last-sequence-number'] ?? 0) + 1,
      'timestamp-ms': Date.now(),
      'manifest-list': manifestList,
      summary: { operation: 'append' as const, 'floe.label': label },
      'schema-id': m['current-schema-id'],
    } satisfies Snapshot;
    const change: TableChange = {
      requirements: [
        { type: 'assert-table-uuid', uuid: m['table-uuid'] },
        { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': head },
      ],
      updates: [
        { action: 'add-snapshot', snapshot },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshot['snapshot-id'] },
      ],
    };
    built.push(change);
    return change;
  };
  return { build, built };
}

let idCounter = 7_000_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e9)) * 1000n;
const nextId = () => ++idCounter;

function labelled(m: TableMetadata, label: string): Snapshot[] {
  return (m.snapshots ?? []).filter((s) => s.summary['floe.label'] === label);
}

describe('RestCatalogClient against the Iceberg REST catalog', () => {
  let client: RestCatalogClient;
  let io: S3FileIO;
  const created: TableIdentifier[] = [];

  beforeAll(() => {
    client = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse, headers: { 'X-Floe-Test': suffix } });
    io = s3();
  });
  afterAll(async () => {
    for (const id of created) await client.dropTable(id).catch(() => undefined);
    for (const id of created) for await (const f of io.list(`${stack.warehouse.replace(/\/?$/, '/')}${ns.join('/')}/${id.name}/`)) await io.delete(f.path);
    await client.dropNamespace([...ns, 'child']).catch(() => undefined);
    await client.dropNamespace(ns).catch(() => undefined);
    await io.close();
  });

  it('reads the catalog config', async () => {
    const cfg = await client.config();
    expect(cfg.properties.warehouse).toBe(stack.warehouse);
    if (cfg.endpoints) expect(cfg.endpoints).toContain('POST /v1/{prefix}/namespaces/{namespace}/tables/{table}');
  });

  it("namespace lifecycle, including a nested namespace (the catalog's namespace-separator)", async () => {
    expect(await client.namespaceExists(ns)).toBe(false);
    await client.createNamespace(ns, { owner: 'floe' });
    expect(await client.namespaceExists(ns)).toBe(true);
    expect(await client.loadNamespace(ns)).toMatchObject({ owner: 'floe' });
    expect(await client.listNamespaces()).toContainEqual(ns);
    const dup = await client.createNamespace(ns).catch((e: unknown) => e);
    expect(isFloeError(dup, 'CATALOG_ALREADY_EXISTS')).toBe(true);
    await client.ensureNamespace(ns);

    const child = [...ns, 'child'];
    await client.createNamespace(child);
    expect(await client.namespaceExists(child)).toBe(true);
    expect(await client.listNamespaces(ns)).toEqual([child]);
    // The JDBC store keeps ["a", "b"] and ["a.b"] alike, but the catalog places a table by the
    // levels it read from the path: `<warehouse>/a/b/t` only when the client separated them as
    // the catalog's config says (%2E from Iceberg 1.11; "a.b" is one level there).
    const leaf = { namespace: child, name: 'leaf' };
    const table = await client.createTable(leaf, { schema });
    expect(table.metadata.location).toBe(`${stack.warehouse.replace(/\/?$/, '/')}${child.join('/')}/leaf`);
    await client.dropTable(leaf, { purge: true });
    await client.dropNamespace(child);
    expect(await client.namespaceExists(child)).toBe(false);
    const missing = await client.loadNamespace([`nope_${suffix}`]).catch((e: unknown) => e);
    expect(isFloeError(missing, 'CATALOG_NO_SUCH_NAMESPACE')).toBe(true);
  });

  it('creates, loads, lists, renames and drops a table with nested types and a partition spec', async () => {
    const id = { namespace: ns, name: 'events' };
    created.push(id);
    const t = await client.createTable(id, { schema, partitionSpec: spec, writeOrder: order, properties: { 'floe.owner': 'it' } });
    expect(t.metadataLocation).toMatch(/^s3:\/\/.*\.metadata\.json$/);
    expect(t.metadata['format-version']).toBe(2);
    const current = t.metadata.schemas.find((s) => s['schema-id'] === t.metadata['current-schema-id']);
    // Java writes "decimal(10, 2)" (with a space); the spec model must read both spellings.
    const normalized = JSON.parse(JSON.stringify(current?.fields).replace(/decimal\((\d+), (\d+)\)/g, 'decimal($1,$2)'));
    expect(normalized).toEqual(schema.fields);
    expect(t.metadata['partition-specs'][0]?.fields).toEqual(spec.fields);
    expect(t.metadata['sort-orders'].find((o) => o['order-id'] === t.metadata['default-sort-order-id'])?.fields).toEqual(order.fields);
    expect(t.metadata.properties?.['floe.owner']).toBe('it');

    const loaded = await client.loadTable(id);
    expect(loaded.metadata['table-uuid']).toBe(t.metadata['table-uuid']);
    expect(loaded.metadataLocation).toBe(t.metadataLocation);
    expect(loaded.config).toBeTypeOf('object');
    expect(await client.tableExists(id)).toBe(true);
    expect(await client.listTables(ns)).toContainEqual(id);
    const again = await client.createTable(id, { schema }).catch((e: unknown) => e);
    expect(isFloeError(again, 'CATALOG_ALREADY_EXISTS')).toBe(true);

    const renamed = { namespace: ns, name: 'events_renamed' };
    await client.renameTable(id, renamed);
    expect(await client.tableExists(id)).toBe(false);
    expect((await client.loadTable(renamed)).metadata['table-uuid']).toBe(t.metadata['table-uuid']);
    await client.dropTable(renamed);
    expect(await client.tableExists(renamed)).toBe(false);
    const gone = await client.loadTable(renamed).catch((e: unknown) => e);
    expect(isFloeError(gone, 'CATALOG_NO_SUCH_TABLE')).toBe(true);
  });

  it('commits set-properties under assert-table-uuid; a failed requirement is a 409 conflict', async () => {
    const id = { namespace: ns, name: 'props' };
    created.push(id);
    const t = await client.createTable(id, { schema });
    const uuid = t.metadata['table-uuid'];
    const after = await client.commitTable(id, {
      requirements: [{ type: 'assert-table-uuid', uuid }],
      updates: [{ action: 'set-properties', updates: { 'floe.marker': 'one' } }],
    });
    expect(after.metadata.properties?.['floe.marker']).toBe('one');
    expect(after.metadataLocation).not.toBe(t.metadataLocation);

    const conflict = await client
      .commitTable(id, {
        requirements: [{ type: 'assert-table-uuid', uuid: randomUUID() }],
        updates: [{ action: 'set-properties', updates: { 'floe.marker': 'two' } }],
      })
      .catch((e: unknown) => e);
    expect(isFloeError(conflict, 'CATALOG_COMMIT_CONFLICT')).toBe(true);
    expect((conflict as { retryable: boolean }).retryable).toBe(true);
    const stale = await client
      .commitTable(id, { requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 42 }], updates: [{ action: 'set-properties', updates: { x: 'y' } }] })
      .catch((e: unknown) => e);
    expect(isFloeError(stale, 'CATALOG_COMMIT_CONFLICT')).toBe(true);
    expect((await client.loadTable(id)).metadata.properties?.['floe.marker']).toBe('one');
  });

  it('keeps 64-bit snapshot ids exact and lets two writers append concurrently', async () => {
    const id = { namespace: ns, name: 'appends' };
    created.push(id);
    await client.createTable(id, { schema });
    const a = appendBuilder(io, 'a', nextId);
    const b = appendBuilder(io, 'b', nextId);
    const other = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse });
    const [ra, rb] = await Promise.all([
      commitWithRetry(client, id, a.build, { retry: { minWaitMs: 20, maxWaitMs: 200 } }),
      commitWithRetry(other, id, b.build, { retry: { minWaitMs: 20, maxWaitMs: 200 } }),
    ]);
    const m = (await client.loadTable(id)).metadata;
    expect(labelled(m, 'a')).toHaveLength(1);
    expect(labelled(m, 'b')).toHaveLength(1);
    expect(ra.attempts + rb.attempts).toBeGreaterThanOrEqual(2);
    const head = m.refs?.main?.['snapshot-id'];
    expect(typeof head).toBe('bigint'); // > 2^53, exact
    const last = ra.attempts > rb.attempts ? a.built.at(-1) : b.built.at(-1);
    const lastId = (last?.updates[0] as { snapshot: Snapshot }).snapshot['snapshot-id'];
    expect(sameId(head, lastId)).toBe(true);
    const first = m.snapshots!.find((s) => !sameId(s['snapshot-id'], head));
    expect(sameId(m.snapshots!.find((s) => sameId(s['snapshot-id'], head))?.['parent-snapshot-id'], first?.['snapshot-id'])).toBe(true);
  });

  describe('a proxy that loses the response of a successful commit', () => {
    let proxy: LossyProxy;
    let viaProxy: RestCatalogClient;
    beforeAll(async () => {
      proxy = new LossyProxy(stack.catalogUri);
      viaProxy = new RestCatalogClient({ uri: await proxy.start(), warehouse: stack.warehouse });
    });
    afterAll(() => proxy.stop());

    it('connection dropped after an append: exactly one new snapshot', async () => {
      const id = { namespace: ns, name: 'lost_append' };
      created.push(id);
      await client.createTable(id, { schema });
      // A snapshot by another writer first, so the lost one has a parent.
      await commitWithRetry(client, id, appendBuilder(io, 'before', nextId).build);
      proxy.plan = ['reset'];
      const mine = appendBuilder(io, 'mine', nextId);
      const res = await commitWithRetry(viaProxy, id, mine.build, { retry: { minWaitMs: 10 } });
      expect(proxy.commits[0]).toMatchObject({ upstreamStatus: 200, lost: 'reset' });
      expect(res.recovered).toBe(true);
      expect(mine.built).toHaveLength(1); // never rebuilt, never resent
      const m = (await client.loadTable(id)).metadata;
      expect(labelled(m, 'mine')).toHaveLength(1);
      expect(m.snapshots).toHaveLength(2);
      expect(sameId(m.refs?.main?.['snapshot-id'], labelled(m, 'mine')[0]?.['snapshot-id'])).toBe(true);
    });

    it('502 after set-properties: the property is set once and the commit reported as done', async () => {
      const id = { namespace: ns, name: 'lost_props' };
      created.push(id);
      const t = await client.createTable(id, { schema });
      const before = t.metadata['metadata-log']?.length ?? 0;
      proxy.plan = ['502'];
      let builds = 0;
      const res = await commitWithRetry(viaProxy, id, async (m) => {
        builds++;
        return {
          requirements: [{ type: 'assert-table-uuid', uuid: m['table-uuid'] }],
          updates: [{ action: 'set-properties', updates: { 'floe.marker': `m-${suffix}` } }],
        };
      });
      expect(proxy.commits.at(-1)).toMatchObject({ upstreamStatus: 200, lost: '502' });
      expect(res.recovered).toBe(true);
      expect(builds).toBe(1);
      const m = (await client.loadTable(id)).metadata;
      expect(m.properties?.['floe.marker']).toBe(`m-${suffix}`);
      expect(m['metadata-log']?.length ?? 0).toBe(before + 1); // one metadata version added, not two
    });
  });
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogServer, type RunningCatalog } from '../../../catalog/server/index.js';
import { RestCatalogClient } from '../../../src/iceberg/catalog/index.js';
import type { TableChange } from '../../../src/iceberg/spec/changes.js';
import type { Schema } from '../../../src/iceberg/spec/types.js';
import { silentLogger } from '../../../src/util/log.js';
import { appendChange } from './append-change.js';

const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] };

let dir: string;
let server: RunningCatalog;
let client: RestCatalogClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floe-catalog-'));
  // `elsewhere`: an allowed root outside the warehouse, for a namespace with its own location.
  server = await startCatalogServer({ warehouse: join(dir, 'wh'), port: 0, allowedLocations: [join(dir, 'elsewhere')] });
  client = new RestCatalogClient({ uri: server.url, logger: silentLogger, readRetries: 0 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function raw(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(server.url + path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('catalog server', () => {
  it('answers errors in the spec shape with the right status and type', async () => {
    expect(await raw('GET', '/v1/namespaces/nope')).toEqual({
      status: 404,
      body: { error: { message: 'Namespace does not exist: nope', type: 'NoSuchNamespaceException', code: 404 } },
    });
    await client.createNamespace(['errs']);
    expect((await raw('POST', '/v1/namespaces', { namespace: ['errs'] })).body.error.type).toBe('AlreadyExistsException');
    expect((await raw('GET', '/v1/namespaces/errs/tables/none')).body.error).toMatchObject({ type: 'NoSuchTableException', code: 404 });
    expect((await raw('POST', '/v1/namespaces/errs/tables', { name: 't' })).status).toBe(400);
    const both = await raw('POST', '/v1/namespaces/errs/properties', { removals: ['a'], updates: { a: '1' } });
    expect(both.status).toBe(422);
    expect((await raw('HEAD', '/v1/namespaces/errs')).status).toBe(204);
    expect((await raw('HEAD', '/v1/namespaces/errs/tables/none')).status).toBe(404);
  });

  it('lists nested namespaces by parent (levels joined by %1F) and pages through them', async () => {
    await client.createNamespace(['p']);
    for (const c of ['c1', 'c2', 'c3']) await client.createNamespace(['p', c]);
    expect(await client.listNamespaces(['p'])).toEqual([['p', 'c1'], ['p', 'c2'], ['p', 'c3']]);
    const page = await raw('GET', '/v1/namespaces?parent=p&pageSize=2');
    expect(page.body).toEqual({ namespaces: [['p', 'c1'], ['p', 'c2']], 'next-page-token': '2' });
    expect((await raw('GET', '/v1/namespaces?parent=p&pageSize=2&pageToken=2')).body).toEqual({ namespaces: [['p', 'c3']] });
    expect((await raw('DELETE', '/v1/namespaces/p')).body.error.type).toBe('NamespaceNotEmptyException');
  });

  it('updates namespace properties and reports updated, removed and missing keys', async () => {
    await client.createNamespace(['props'], { a: '1', b: '2' });
    const r = await raw('POST', '/v1/namespaces/props/properties', { removals: ['a', 'zz'], updates: { c: '3' } });
    expect(r.body).toEqual({ updated: ['c'], removed: ['a'], missing: ['zz'] });
    // A namespace reports where its tables go (engines such as Trino derive table locations from it).
    expect(await client.loadNamespace(['props'])).toEqual({ b: '2', c: '3', location: `${dir}/wh/props` });
  });

  it("places tables under their namespace's location: the default one, or the location property", async () => {
    await client.createNamespace(['placed'], { location: `${dir}/elsewhere/` });
    const schema = { type: 'struct' as const, 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] };
    const created = await raw('POST', '/v1/namespaces/placed/tables', { name: 't', schema });
    expect(created.body.metadata.location).toBe(`${dir}/elsewhere/t`);
    await client.createNamespace(['plain']);
    expect((await raw('POST', '/v1/namespaces/plain/tables', { name: 't', schema })).body.metadata.location).toBe(`${dir}/wh/plain/t`);
  });

  it('locations are checked when set or changed: a table and a view created under a root since disallowed keep committing', async () => {
    await client.createNamespace(['policy'], { location: `${dir}/elsewhere/policy` });
    expect((await raw('POST', '/v1/namespaces/policy/tables', { name: 't', schema })).status).toBe(200);
    const viewVersion = { 'version-id': 1, 'timestamp-ms': 1, 'schema-id': 0, summary: {}, representations: [{ type: 'sql', sql: 'SELECT 1', dialect: 'spark' }], 'default-namespace': ['policy'] };
    expect((await raw('POST', '/v1/namespaces/policy/views', { name: 'v', schema, 'view-version': viewVersion })).status).toBe(200);
    // The same warehouse and store, served again without the `elsewhere` root.
    const strict = await startCatalogServer({ warehouse: join(dir, 'wh'), port: 0 });
    try {
      const call = async (path: string, body: unknown) => (await fetch(strict.url + path, { method: 'POST', body: JSON.stringify(body) })).status;
      const props = { requirements: [], updates: [{ action: 'set-properties', updates: { owner: 'x' } }] };
      expect(await call('/v1/namespaces/policy/tables/t', props)).toBe(200);
      expect(await call('/v1/namespaces/policy/views/v', props)).toBe(200);
      // A new location under the root it no longer allows is refused.
      const move = { requirements: [], updates: [{ action: 'set-location', location: `${dir}/elsewhere/policy/moved` }] };
      expect(await call('/v1/namespaces/policy/tables/t', move)).toBe(400);
      expect(await call('/v1/namespaces/policy/views/v', move)).toBe(400);
    } finally {
      await strict.close();
    }
  });

  it('keeps statistics files a client sets (Trino sends one with every INSERT); refuses one outside the warehouse', async () => {
    await client.createNamespace(['stats']);
    const created = await client.createTable({ namespace: ['stats'], name: 't' }, { schema });
    const url = '/v1/namespaces/stats/tables/t';
    // A Java snapshot id beyond 2^53, sent as bare digits: kept exact, and no error from serializing it.
    const id = '7431234567890123456';
    const stats = (path: string) =>
      `{"action":"set-statistics","snapshot-id":${id},"statistics":{"snapshot-id":${id},"statistics-path":"${path}",` +
      `"file-size-in-bytes":413,"file-footer-size-in-bytes":250,"blob-metadata":[{"type":"apache-datasketches-theta-v1",` +
      `"snapshot-id":${id},"sequence-number":1,"fields":[1],"properties":{"ndv":"3"}}]}}`;
    const post = async (body: string) => {
      const res = await fetch(server.url + url, { method: 'POST', body });
      return { status: res.status, text: await res.text() };
    };
    const inside = `${created.metadata.location}/metadata/${id}.stats`;
    const ok = await post(`{"requirements":[],"updates":[${stats(inside)}]}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain(`"snapshot-id":${id},"statistics-path":"${inside}"`);
    const outside = await post(`{"requirements":[],"updates":[${stats(`${dir}/not-the-warehouse/x.stats`)}]}`);
    expect(outside.status).toBe(400);
    expect(outside.text).toMatch(/statistics-path/);
    const malformed = await post(`{"requirements":[],"updates":[{"action":"set-statistics","statistics":{"snapshot-id":${id}}}]}`);
    expect(malformed.status).toBe(400);
    expect(malformed.text).toMatch(/blob-metadata/);
    const unknown = await post(`{"requirements":[],"updates":[{"action":"frobnicate","snapshot-id":${id}}]}`);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(/unknown update action frobnicate/);
    const removed = await post(`{"requirements":[],"updates":[{"action":"remove-statistics","snapshot-id":${id}}]}`);
    expect(removed.status).toBe(200);
    expect(JSON.parse(removed.text).metadata.statistics).toEqual([]);
  });

  it('a view change carries at most 100 updates', async () => {
    await client.createNamespace(['vlimit']);
    const viewVersion = { 'version-id': 1, 'timestamp-ms': 1, 'schema-id': 0, summary: {}, representations: [{ type: 'sql', sql: 'SELECT 1', dialect: 'spark' }], 'default-namespace': ['vlimit'] };
    expect((await raw('POST', '/v1/namespaces/vlimit/views', { name: 'v', schema, 'view-version': viewVersion })).status).toBe(200);
    const updates = Array.from({ length: 101 }, (_, i) => ({ action: 'set-properties', updates: { [`p${i}`]: 'x' } }));
    const r = await raw('POST', '/v1/namespaces/vlimit/views/v', { requirements: [], updates });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/at most 100 updates/);
  });

  it('creates, commits, renames, registers and drops tables; metadata files land in the warehouse', async () => {
    await client.createNamespace(['db']);
    const created = await client.createTable({ namespace: ['db'], name: 't' }, { schema });
    expect(created.metadataLocation).toMatch(/\/wh\/db\/t\/metadata\/00000-[0-9a-f-]+\.metadata\.json$/);
    const committed = await client.commitTable({ namespace: ['db'], name: 't' }, appendChange(created.metadata, 'one'));
    expect(committed.metadataLocation).toMatch(/\/00001-[0-9a-f-]+\.metadata\.json$/);
    expect(committed.metadata['metadata-log']?.map((e) => e['metadata-file'])).toEqual([created.metadataLocation]);
    const stale = await raw('POST', '/v1/namespaces/db/tables/t', appendChange(created.metadata, 'stale'));
    expect(stale.status).toBe(409);
    expect(stale.body.error.type).toBe('CommitFailedException');

    await client.createNamespace(['other']);
    await client.renameTable({ namespace: ['db'], name: 't' }, { namespace: ['other'], name: 't2' });
    expect(await client.tableExists({ namespace: ['db'], name: 't' })).toBe(false);
    const reg = await raw('POST', '/v1/namespaces/db/register', { name: 'copy', 'metadata-location': committed.metadataLocation });
    expect(reg.status).toBe(200);
    expect((await raw('POST', '/v1/namespaces/db/register', { name: 'copy', 'metadata-location': committed.metadataLocation })).status).toBe(409);
    const loaded = await client.loadTable({ namespace: ['db'], name: 'copy' });
    expect(loaded.metadata['current-snapshot-id']).toEqual(committed.metadata['current-snapshot-id']);
    await client.dropTable({ namespace: ['db'], name: 'copy' });
    await client.dropTable({ namespace: ['other'], name: 't2' }, { purge: true });
    // Left: only the manifest list of the stale commit, which no metadata names.
    expect(readdirSync(join(dir, 'wh', 'db', 't', 'metadata'))).toEqual([stale.body === undefined ? '' : expect.stringMatching(/^snap-\d+\.avro$/)]);
  });

  it('stage-create then a commit with assert-create creates the table; a second one is a 409', async () => {
    await client.createNamespace(['staged']);
    const staged = await client.createTable({ namespace: ['staged'], name: 't' }, { schema, stageCreate: true });
    expect(staged.metadataLocation).toBeUndefined();
    expect(await client.tableExists({ namespace: ['staged'], name: 't' })).toBe(false);
    const md = staged.metadata;
    const change: TableChange = {
      requirements: [{ type: 'assert-create' }],
      updates: [
        { action: 'assign-uuid', uuid: md['table-uuid'] },
        { action: 'upgrade-format-version', 'format-version': 2 },
        { action: 'add-schema', schema: md.schemas[0]! },
        { action: 'set-current-schema', 'schema-id': -1 },
        { action: 'add-spec', spec: md['partition-specs'][0]! },
        { action: 'set-default-spec', 'spec-id': -1 },
        { action: 'add-sort-order', 'sort-order': md['sort-orders'][0]! },
        { action: 'set-default-sort-order', 'sort-order-id': -1 },
        { action: 'set-location', location: md.location },
      ],
    };
    const first = await raw('POST', '/v1/namespaces/staged/tables/t', change);
    expect(first.status).toBe(200);
    expect(first.body.metadata['table-uuid']).toBe(md['table-uuid']);
    const second = await raw('POST', '/v1/namespaces/staged/tables/t', change);
    expect(second.status).toBe(409);
    expect(second.body.error.message).toBe('Requirement failed: table already exists');
  });

  it('multi-table transactions apply to all tables or none', async () => {
    await client.createNamespace(['tx']);
    const a = await client.createTable({ namespace: ['tx'], name: 'a' }, { schema });
    const b = await client.createTable({ namespace: ['tx'], name: 'b' }, { schema });
    const stale: TableChange = { requirements: [{ type: 'assert-table-uuid', uuid: '00000000-0000-0000-0000-000000000000' }], updates: [] };
    const bad = await raw('POST', '/v1/transactions/commit', {
      'table-changes': [
        { identifier: { namespace: ['tx'], name: 'a' }, ...appendChange(a.metadata, 'a1') },
        { identifier: { namespace: ['tx'], name: 'b' }, ...stale },
      ],
    });
    expect(bad.status).toBe(409);
    expect((await client.loadTable({ namespace: ['tx'], name: 'a' })).metadataLocation).toBe(a.metadataLocation);
    const good = await raw('POST', '/v1/transactions/commit', {
      'table-changes': [
        { identifier: { namespace: ['tx'], name: 'a' }, ...appendChange(a.metadata, 'a1') },
        { identifier: { namespace: ['tx'], name: 'b' }, ...appendChange(b.metadata, 'b1') },
      ],
    });
    expect(good.status).toBe(204);
    for (const [name, tag] of [['a', 'a1'], ['b', 'b1']] as const) {
      const md = (await client.loadTable({ namespace: ['tx'], name })).metadata;
      expect(md.snapshots?.map((x) => x.summary.writer)).toEqual([tag]);
    }
  });

  it('four clients committing to one table concurrently: each commit is applied or a 409, none is lost', async () => {
    await client.createNamespace(['race']);
    const id = { namespace: ['race'], name: 't' };
    await client.createTable(id, { schema });
    const clients = [0, 1, 2, 3].map(() => new RestCatalogClient({ uri: server.url, logger: silentLogger, readRetries: 0 }));
    const applied: string[] = [];
    let conflicts = 0;
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; n < 15; n++) {
          const md = (await c.loadTable(id)).metadata;
          const tag = `${i}-${n}`;
          const r = await fetch(`${server.url}/v1/namespaces/race/tables/t`, { method: 'POST', body: JSON.stringify(appendChange(md, tag)) });
          if (r.status === 200) applied.push(tag);
          else if (r.status === 409) conflicts++;
          else throw new Error(`unexpected ${r.status}: ${await r.text()}`);
        }
      }),
    );
    const final = (await client.loadTable(id)).metadata;
    expect(applied.length + conflicts).toBe(60);
    expect(applied.length).toBeGreaterThan(0);
    // Every applied commit is in the main branch's ancestry, exactly once; no rejected one is.
    const chain: string[] = [];
    for (let s = final['current-snapshot-id']; s !== null && s !== undefined && Number(s) !== -1; ) {
      const snap = final.snapshots!.find((x) => String(x['snapshot-id']) === String(s))!;
      chain.push(String(snap.summary.writer));
      s = snap['parent-snapshot-id'];
    }
    expect(chain.sort()).toEqual([...applied].sort());
    expect(final.snapshots).toHaveLength(applied.length);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogServer, type RunningCatalog } from '../../../catalog/server/index.js';
import { applyViewUpdates, emptyView, type ViewVersion } from '../../../catalog/server/view-metadata.js';
import type { Schema } from '../../../src/iceberg/spec/types.js';

const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'x', type: 'long', required: false }] };
const version = (sql: string, dialect = 'spark'): ViewVersion => ({
  'version-id': 1, 'timestamp-ms': 1, 'schema-id': 0, summary: {}, 'default-namespace': ['db'],
  representations: [{ type: 'sql', sql, dialect }],
});

let dir: string;
let server: RunningCatalog;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floe-views-'));
  server = await startCatalogServer({ warehouse: join(dir, 'wh'), port: 0 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(server.url + path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
};

describe('view metadata', () => {
  it('reuses identical versions, logs the current one and expires beyond version.history.num-entries', () => {
    let md = applyViewUpdates(emptyView('/v'), [
      { action: 'set-properties', updates: { 'version.history.num-entries': '2' } },
      { action: 'add-schema', schema },
      { action: 'add-view-version', 'view-version': version('select 1') },
      { action: 'set-current-view-version', 'view-version-id': -1 },
    ]);
    for (const sql of ['select 2', 'select 3']) {
      md = applyViewUpdates(md, [{ action: 'add-view-version', 'view-version': version(sql) }, { action: 'set-current-view-version', 'view-version-id': -1 }]);
    }
    expect(md.versions.map((v) => v['version-id'])).toEqual([2, 3]);
    expect(md['current-version-id']).toBe(3);
    const again = applyViewUpdates(md, [{ action: 'add-view-version', 'view-version': version('select 3') }, { action: 'set-current-view-version', 'view-version-id': -1 }]);
    expect(again.versions).toHaveLength(2);
    expect(() => applyViewUpdates(md, [{ action: 'add-view-version', 'view-version': version('select 4', 'trino') }, { action: 'set-current-view-version', 'view-version-id': -1 }])).toThrow(/loss of view dialects/);
  });
});

describe('view endpoints', () => {
  it('create, load, replace with assert-view-uuid, rename, drop; views and tables share names', async () => {
    await call('POST', '/v1/namespaces', { namespace: ['db'] });
    const created = await call('POST', '/v1/namespaces/db/views', { name: 'v', schema, 'view-version': version('select 1') });
    expect(created.status).toBe(200);
    const uuid = created.body.metadata['view-uuid'];
    expect((await call('POST', '/v1/namespaces/db/tables', { name: 'v', schema })).body.error.message).toBe('View with same name already exists: db.v');
    const stale = await call('POST', '/v1/namespaces/db/views/v', { requirements: [{ type: 'assert-view-uuid', uuid: 'other' }], updates: [] });
    expect(stale.status).toBe(409);
    const replaced = await call('POST', '/v1/namespaces/db/views/v', {
      requirements: [{ type: 'assert-view-uuid', uuid }],
      updates: [{ action: 'add-view-version', 'view-version': version('select 2') }, { action: 'set-current-view-version', 'view-version-id': -1 }],
    });
    expect(replaced.body.metadata['current-version-id']).toBe(2);
    expect((await call('POST', '/v1/views/rename', { source: { namespace: ['db'], name: 'v' }, destination: { namespace: ['db'], name: 'w' } })).status).toBe(204);
    expect((await call('GET', '/v1/namespaces/db/views')).body.identifiers).toEqual([{ namespace: ['db'], name: 'w' }]);
    expect((await call('DELETE', '/v1/namespaces/db')).body.error.type).toBe('NamespaceNotEmptyException');
    expect((await call('DELETE', '/v1/namespaces/db/views/w')).status).toBe(204);
    expect((await call('GET', '/v1/namespaces/db/views/w')).body.error.type).toBe('NoSuchViewException');
  });
});

/**
 * Spark and PyIceberg create, write and read tables through floe's catalog (data on the stack's
 * MinIO). Spark gets a second Iceberg catalog at run time (SET spark.sql.catalog.<name>...), under a
 * fresh name per run because Spark caches a catalog once it is loaded; PyIceberg runs in the
 * stack's Python with its own catalog client (identity partitions: PyIceberg writes bucket
 * partitions only with pyiceberg-core, which the stack does not install).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningCatalog } from '../../catalog/server/index.js';
import { registerSparkCatalog, startS3Catalog } from '../harness/catalogs.js';
import { oracleFor } from '../harness/oracle.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const run = randomBytes(4).toString('hex');
const cat = `floecat_${run}`;
let server: RunningCatalog;
let dir: string;

const s3Config = {
  's3.endpoint': stack.s3.endpoint,
  's3.path-style-access': 'true',
  's3.access-key-id': stack.s3.accessKeyId,
  's3.secret-access-key': stack.s3.secretAccessKey,
  'client.region': stack.s3.region,
  's3.region': stack.s3.region,
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floe-catalog-it-'));
  server = await startS3Catalog(stack, {
    warehouse: `s3://${stack.s3.bucket}/floe-catalog-${run}`,
    storePath: join(dir, 'catalog.db'),
    // Handed to clients with every table: they reach MinIO with these, as with a real deployment.
    clientConfig: s3Config,
  });
  await registerSparkCatalog(oracle, cat, server.url);
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs PyIceberg against floe's catalog; the script prints one JSON line. Asynchronously: the
 * catalog serves from this very process, so a blocking spawn would deadlock.
 */
async function pyiceberg(script: string): Promise<unknown> {
  const prelude = `
import json, sys
import pyarrow as pa
from pyiceberg.catalog import load_catalog
cat = load_catalog("floe_it", **{"type": "rest", "uri": ${JSON.stringify(server.url)}})
`;
  const r = await promisify(execFile)(process.env.FLOE_PYTHON || 'python3', ['-c', prelude + script], { encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? 'null');
}

describe('Spark and PyIceberg through floe catalog', () => {
  it('Spark creates and writes a table; PyIceberg reads it and appends; Spark sees both', async () => {
    await oracle.sparkSql(`CREATE NAMESPACE ${cat}.db`);
    await oracle.sparkSql(`CREATE TABLE ${cat}.db.events (id BIGINT, name STRING) USING iceberg PARTITIONED BY (name)`);
    await oracle.sparkSql(`INSERT INTO ${cat}.db.events VALUES (1, 'one'), (2, 'two')`);

    const read = await pyiceberg(`
t = cat.load_table("db.events")
rows = sorted(t.scan().to_arrow().to_pylist(), key=lambda r: r["id"])
t.append(pa.table({"id": pa.array([3], pa.int64()), "name": pa.array(["three"])}, schema=t.schema().as_arrow()))
print(json.dumps(rows))
`);
    expect(read).toEqual([{ id: 1, name: 'one' }, { id: 2, name: 'two' }]);

    const spark = await oracle.sparkSql(`SELECT id, name FROM ${cat}.db.events ORDER BY id`);
    expect(spark.rows).toEqual([['1', 'one'], ['2', 'two'], ['3', 'three']]);
    const snaps = await oracle.sparkSql(`SELECT count(*) FROM ${cat}.db.events.snapshots`);
    expect(snaps.rows).toEqual([['2']]);
  });

  it('PyIceberg creates and writes a table; Spark reads it, updates a row, and PyIceberg sees it', async () => {
    const created = await pyiceberg(`
cat.create_namespace("py")
schema = pa.schema([pa.field("k", pa.int64(), nullable=False), pa.field("v", pa.string())])
t = cat.create_table("py.kv", schema=schema)
t.append(pa.table({"k": pa.array([1, 2], pa.int64()), "v": pa.array(["a", "b"])}, schema=schema))
print(json.dumps(t.metadata_location))
`);
    expect(String(created)).toMatch(new RegExp(`^s3://${stack.s3.bucket}/floe-catalog-${run}/py/kv/metadata/00001-.*\\.metadata\\.json$`));

    expect((await oracle.sparkSql(`SELECT k, v FROM ${cat}.py.kv ORDER BY k`)).rows).toEqual([['1', 'a'], ['2', 'b']]);
    await oracle.sparkSql(`ALTER TABLE ${cat}.py.kv SET TBLPROPERTIES ('format-version'='2', 'write.delete.mode'='copy-on-write', 'write.update.mode'='copy-on-write')`);
    await oracle.sparkSql(`UPDATE ${cat}.py.kv SET v = 'B' WHERE k = 2`);
    const after = await pyiceberg(`
print(json.dumps(sorted(cat.load_table("py.kv").scan().to_arrow().to_pylist(), key=lambda r: r["k"])))
`);
    expect(after).toEqual([{ k: 1, v: 'a' }, { k: 2, v: 'B' }]);
  });
});

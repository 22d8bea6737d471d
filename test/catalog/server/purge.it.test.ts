/**
 * Purge (DELETE …?purgeRequested=true) on floe's catalog server with its warehouse on the stack's
 * MinIO never deletes a file another table's metadata references (issue 12). Spark writes `orig`;
 * two other tables come to reference its files without sharing its location: `copy`, a registered
 * copy of orig's metadata file at a location of its own (as a backup or a migration makes one), and
 * `snap`, created through the REST API with a snapshot naming orig's manifest list (as Iceberg's
 * snapshot procedures reference another table's data files). Purging orig deletes only what
 * neither references; both still read every row in Spark. Purging copy then deletes only its own
 * metadata file. Files are listed with the AWS SDK, not floe's IO.
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningCatalog } from '../../../catalog/server/index.js';
import { registerSparkCatalog, startS3Catalog } from '../../harness/catalogs.js';
import { uniqueSuffix, workDir } from '../../harness/daemon.js';
import { oracleFor } from '../../harness/oracle.js';
import { freePort } from '../../harness/ports.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const s = uniqueSuffix();
const prefix = `floe-purge-${s}`;
const warehouse = `s3://${stack.s3.bucket}/${prefix}/wh`;
const spark = `floepurge_${s}`;
const s3 = new S3Client({
  endpoint: stack.s3.endpoint, region: stack.s3.region, forcePathStyle: true,
  credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
});
const purges: Array<[string, unknown]> = [];
let catalog: RunningCatalog;

async function call(method: string, path: string, body?: object): Promise<{ status: number; body: any }> {
  const res = await fetch(catalog.url + path, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function keys(under = `${prefix}/`): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: stack.s3.bucket, Prefix: under, ContinuationToken: token }));
    out.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return out.sort();
}

const rows = async (table: string) => JSON.stringify((await oracle.sparkSql(`SELECT * FROM ${spark}.p.${table} ORDER BY id`)).rows);

beforeAll(async () => {
  catalog = await startS3Catalog(stack, { warehouse, storePath: `${workDir('purge')}/catalog.db`, port: await freePort(), onPurge: (t, r) => void purges.push([t, r]) });
  await registerSparkCatalog(oracle, spark, catalog.url, stack.s3);
}, 120_000);

afterAll(async () => {
  await catalog?.close();
  s3.destroy();
});

describe('purge', () => {
  it("deletes no file another table's metadata references", async () => {
    await oracle.sparkSql(`CREATE NAMESPACE ${spark}.p`);
    await oracle.sparkSql(`CREATE TABLE ${spark}.p.orig (id bigint, name string) USING iceberg`);
    await oracle.sparkSql(`INSERT INTO ${spark}.p.orig VALUES (1, 'a'), (2, 'b')`);
    await oracle.sparkSql(`INSERT INTO ${spark}.p.orig VALUES (3, 'c')`);
    const expected = await rows('orig');
    expect(JSON.parse(expected)).toHaveLength(3);
    const orig = (await call('GET', '/v1/namespaces/p/tables/orig')).body;

    // copy: orig's metadata file, copied to a location of its own and registered there.
    const copyLocation = `${warehouse}/p/copy`;
    const source = new URL(orig['metadata-location'] as string);
    const text = await (await s3.send(new GetObjectCommand({ Bucket: source.host, Key: source.pathname.slice(1) }))).Body!.transformToString();
    const copyKey = `${prefix}/wh/p/copy/metadata/00000-${randomUUID()}.metadata.json`;
    await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: copyKey, Body: JSON.stringify({ ...JSON.parse(text), location: copyLocation, 'table-uuid': randomUUID() }) }));
    expect((await call('POST', '/v1/namespaces/p/register', { name: 'copy', 'metadata-location': `s3://${stack.s3.bucket}/${copyKey}` })).status).toBe(200);

    // snap: a new table whose one snapshot is orig's manifest list.
    const created = await call('POST', '/v1/namespaces/p/tables', { name: 'snap', schema: orig.metadata.schemas[0] });
    expect(created.status).toBe(200);
    const current = (orig.metadata.snapshots as Array<Record<string, unknown>>).find((x) => x['snapshot-id'] === orig.metadata['current-snapshot-id'])!;
    const snapshot = { 'snapshot-id': 77, 'sequence-number': 1, 'timestamp-ms': Date.now(), 'manifest-list': current['manifest-list'], summary: { operation: 'append' }, 'schema-id': 0 };
    const commit = await call('POST', '/v1/namespaces/p/tables/snap', {
      requirements: [{ type: 'assert-table-uuid', uuid: created.body.metadata['table-uuid'] }],
      updates: [{ action: 'add-snapshot', snapshot }, { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 77 }],
    });
    expect(commit.status, JSON.stringify(commit.body)).toBe(200);
    expect(await rows('copy')).toBe(expected);
    expect(await rows('snap')).toBe(expected);

    const before = await keys();
    expect((await call('DELETE', '/v1/namespaces/p/tables/orig?purgeRequested=true')).status).toBe(204);
    const after = await keys();
    // Only orig's newest metadata file is referenced by neither copy (whose metadata log lists the
    // older ones) nor snap: it is the one file the purge deletes.
    expect(before.filter((k) => !after.includes(k))).toEqual([source.pathname.slice(1)]);
    expect(purges).toEqual([['p.orig', 1]]);
    expect(await rows('copy')).toBe(expected);
    expect(await rows('snap')).toBe(expected);

    // Purging copy deletes its own metadata file, nothing of orig's that snap still reads.
    expect((await call('DELETE', '/v1/namespaces/p/tables/copy?purgeRequested=true')).status).toBe(204);
    const last = await keys();
    expect(after.filter((k) => !last.includes(k))).toEqual([copyKey]);
    expect(purges).toEqual([['p.orig', 1], ['p.copy', 1]]);
    expect(await rows('snap')).toBe(expected);
  }, 300_000);
});

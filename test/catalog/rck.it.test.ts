/**
 * Apache Iceberg's REST Compatibility Kit against floe's catalog: scripts/rck.sh starts `floe
 * catalog serve` and runs the kit's JUnit suites (catalog and views) with the console launcher,
 * once on a temporary local warehouse with the SQLite store, and once as production runs it: the
 * stack's MinIO for data and a PostgreSQL database (the stack's server) for the pointer store. The kit's own capability
 * assumptions skip a few tests for every catalog (see docs/catalog.md); none may fail.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { uniqueSuffix } from '../harness/daemon.js';
import { createDatabase, dropDatabase } from '../harness/postgres.js';

const stack = inject('stack');
const dirs: string[] = [];
const databases: string[] = [];
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const db of databases) await dropDatabase(db);
});

function count(xml: string, attr: string): number {
  return Number(new RegExp(`<testsuite[^>]*\\s${attr}="(\\d+)"`).exec(xml)?.[1] ?? 'NaN');
}

async function rck(env: Record<string, string>): Promise<void> {
  const reports = mkdtempSync(join(tmpdir(), 'floe-rck-'));
  dirs.push(reports);
  const r = await promisify(execFile)('scripts/rck.sh', [], {
    env: { ...process.env, ...env, RCK_REPORTS: reports },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 900_000,
  }).catch((err: { code?: number }) => err);
  // The kit's tests run on the Jupiter engine; the launcher writes one report per engine.
  expect(readdirSync(reports)).toContain('TEST-junit-jupiter.xml');
  const xml = readFileSync(join(reports, 'TEST-junit-jupiter.xml'), 'utf8');
  const failed = [...xml.matchAll(/<testcase name="([^"]+)"[^>]*>\s*<(failure|error)/g)].map((m) => m[1]);
  expect(failed).toEqual([]);
  expect(count(xml, 'failures') + count(xml, 'errors')).toBe(0);
  // 149 minus the two name-with-slash tests scripts/rck.sh excludes (docs/catalog.md says why).
  expect(count(xml, 'tests')).toBeGreaterThanOrEqual(147);
  expect(count(xml, 'tests') - count(xml, 'skipped')).toBeGreaterThanOrEqual(141);
  expect((r as { code?: number }).code ?? 0).toBe(0);
}

describe('REST Compatibility Kit', () => {
  it('passes against floe catalog on a local warehouse', { timeout: 900_000 }, async () => {
    await rck({});
  });

  it('passes against floe catalog on S3 (MinIO) with a PostgreSQL store', { timeout: 900_000 }, async () => {
    const s3 = stack.s3;
    const database = await createDatabase(stack.postgresUrl, 'floe_rck');
    databases.push(database);
    await rck({
      RCK_WAREHOUSE: `s3://${s3.bucket}/rck-${uniqueSuffix()}`,
      RCK_STORE: database,
      // The server's S3 access (AWS SDK environment) ...
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_REGION: s3.region,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      // ... and the kit's client, which writes manifests itself (CATALOG_* → catalog properties).
      CATALOG_S3_ENDPOINT: s3.endpoint,
      CATALOG_S3_PATH__STYLE__ACCESS: 'true',
      CATALOG_S3_ACCESS__KEY__ID: s3.accessKeyId,
      CATALOG_S3_SECRET__ACCESS__KEY: s3.secretAccessKey,
      CATALOG_CLIENT_REGION: s3.region,
    });
  });
});

/**
 * Compaction, snapshot expiry and orphan cleanup against the real catalog and S3, Spark as the
 * oracle: 1,000 tiny files become at most a tenth as many with identical rows while appends keep
 * committing; expiry and orphan cleanup delete what only expired snapshots (or nothing) reference,
 * and Spark still reads every retained snapshot by time travel.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workDir, writeDaemonConfig } from '../harness/daemon.js';
import { floeArgv } from '../harness/cli.js';
import { OFFSETS_PROPERTY } from '../../src/commit/offsets.js';
import { commitWithRetry } from '../../src/iceberg/catalog/commit.js';
import { currentSchema, defaultSpec } from '../../src/iceberg/spec/metadata.js';
import type { DataFile } from '../../src/iceberg/spec/types.js';
import { FastAppend } from '../../src/iceberg/table/append.js';
import { compactTable } from '../../src/maintain/compact.js';
import { expireTable, removeOrphans } from '../../src/maintain/expire.js';
import { dataLocation, writeDataFiles } from '../../src/parquet/table-files.js';
import { silentLogger } from '../../src/util/log.js';
import { OracleTables, schemaOf, stack } from '../iceberg/table/oracle-tables.js';

const FILES = Number(process.env.FLOE_IT_COMPACT_FILES ?? 1000);
const ROWS_PER_FILE = 4;
const t = new OracleTables('maint');
const NAME = 'events';
const offsets = JSON.stringify({ 'topic-a': { '0': '1000' } });

beforeAll(async () => {
  await t.setup();
  await t.create(NAME, schemaOf([
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'p', required: true, type: 'int' },
    { id: 3, name: 'name', required: false, type: 'string' },
  ]), [{ source: 'p', transform: 'identity' }], {
    // Every commit merges manifests (Iceberg's default waits for 100): the replace then merges a
    // bin that each concurrent append grows, which once kept it from ever landing (issue: a
    // compaction losing every retry to a busy ingest).
    'commit.manifest.min-count-to-merge': '4',
  });
});
afterAll(() => t.teardown());

type R = { id: bigint; p: number; name: string | null };
const rowOf = (i: number): R => ({ id: BigInt(i), p: i % 2, name: i % 7 === 0 ? null : `name-${i}` });

async function appendFiles(rows: R[][], properties?: Record<string, string>): Promise<DataFile[]> {
  const metadata = await t.load(NAME);
  const files = (
    await Promise.all(
      rows.map((rs) =>
        writeDataFiles(rs, { io: t.io, dataLocation: dataLocation(metadata), schema: currentSchema(metadata), spec: defaultSpec(metadata), partition: [rs[0]!.p] }),
      ),
    )
  ).flat();
  const op = new FastAppend(t.io, files, properties ? { properties } : {});
  await commitWithRetry(t.catalog, t.id(NAME), op.apply, { retry: { minWaitMs: 20, maxWaitMs: 500, numRetries: 50 } });
  return files;
}

async function sparkRows(sql: string): Promise<string[]> {
  return (await t.sparkRows(sql)).map((r) => `${String(r.id)}|${String(r.p)}|${String(r.name)}`);
}

describe('maintenance', () => {
  const all: R[] = [];

  it(`compacts ${FILES} tiny files to at most a tenth while appends keep committing`, async () => {
    const started = Date.now();
    let next = 0;
    // Tiny files of one partition each, 50 per commit (the daemon makes such files with short commit intervals).
    for (let c = 0; c < FILES / 50; c++) {
      const groups: R[][] = [];
      for (let f = 0; f < 50; f++) {
        const p = f % 2;
        const rows: R[] = [];
        for (let k = 0; k < ROWS_PER_FILE; k++) {
          let r = rowOf(next++);
          if (r.p !== p) r = rowOf(next++);
          rows.push(r);
        }
        groups.push(rows);
        all.push(...rows);
      }
      await appendFiles(groups, { [OFFSETS_PROPERTY]: offsets });
    }
    const before = Number((await t.spark(`SELECT count(*) FROM ${t.name(NAME)}.files`)).rows[0]![0]);
    expect(before).toBe(FILES);
    console.log(`[maintain] ${FILES} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // Ingestion keeps committing while the compaction reads, writes and commits.
    let stop = false;
    let ingestCommits = 0;
    const ingest = (async () => {
      while (!stop) {
        const r = rowOf(next++);
        all.push(r);
        await appendFiles([[r]]);
        ingestCommits++;
      }
    })();
    const compactStarted = Date.now();
    let result;
    try {
      result = await compactTable(t.catalog, () => t.io, t.id(NAME), { targetSizeBytes: 128 * 1024 * 1024, minFiles: 10, compression: 'zstd', rowGroupBytes: 8 * 1024 * 1024 }, silentLogger);
      // A little more ingest after the replace landed, then stop.
      const after = ingestCommits;
      while (ingestCommits < after + 2) await new Promise((r) => setTimeout(r, 100));
    } finally {
      stop = true;
      await ingest;
    }
    const compactMs = Date.now() - compactStarted;
    console.log(`[maintain] compaction ${result.dataFilesRemoved} → ${result.dataFilesAdded} files in ${compactMs} ms, ${ingestCommits} concurrent appends`);

    expect(result.dataFilesRemoved).toBeGreaterThanOrEqual(FILES);
    expect(result.dataFilesAdded).toBeLessThanOrEqual(FILES / 10);
    const after = Number((await t.spark(`SELECT count(*) FROM ${t.name(NAME)}.files`)).rows[0]![0]);
    expect(after).toBeLessThanOrEqual(FILES / 10 + ingestCommits);
    const expected = all.map((r) => `${r.id}|${r.p}|${r.name}`).sort();
    expect((await sparkRows(`SELECT id, p, name FROM ${t.name(NAME)}`)).sort()).toEqual(expected);
    // The replace carried the Kafka offsets forward.
    const replace = await t.sparkRows(`SELECT summary['${OFFSETS_PROPERTY}'] AS o FROM ${t.name(NAME)}.snapshots WHERE operation = 'replace'`);
    expect(replace.map((r) => r.o)).toEqual([offsets]);
  }, 400_000);

  it('expiry and orphan cleanup delete only what no retained snapshot needs', async () => {
    const id = t.id(NAME);
    // Appends without offsets after the replace: the newest snapshot with offsets is then deeper
    // in main's history than retainLast reaches, and must stay anyway.
    for (let i = 0; i < 4; i++) {
      const r = rowOf(1_000_000 + i);
      all.push(r);
      await appendFiles([[r]]);
    }
    const metaBefore = await t.load(NAME);
    const snapshotsBefore = metaBefore.snapshots!.length;
    // On demand through the CLI first, as a dry run: it reports and removes nothing.
    const config = writeDaemonConfig(stack, workDir('maint'), {
      groupId: 'unused',
      tables: [{ topics: ['unused'], table: NAME, namespace: t.ns, maintenance: { expireSnapshots: { retainLast: 3, maxAgeMs: 1 } } }],
    });
    const cli = await promisify(execFile)(process.execPath, floeArgv(['expire', `${t.ns}.${NAME}`, '--config', config, '--dry-run']), { env: { ...process.env, FLOE_LOG_LEVEL: 'warn' } });
    const dry = JSON.parse(cli.stdout.trim().split('\n').at(-1)!) as { task: string; dryRun: boolean; expiredSnapshotIds: string[] };
    expect(dry).toMatchObject({ task: 'expire', dryRun: true });
    expect(dry.expiredSnapshotIds.length).toBeGreaterThan(0);
    expect((await t.load(NAME)).snapshots!.length).toBe(snapshotsBefore);
    // Everything older than now may go; keep the last 3 (and the newest with offsets, however deep).
    const expired = await expireTable(t.catalog, () => t.io, id, { retainLast: 3, maxAgeMs: 0, dryRun: false }, silentLogger);
    expect(expired.expiredSnapshotIds.map(String).sort()).toEqual(dry.expiredSnapshotIds.map(String).sort());
    const meta = await t.load(NAME);
    expect(meta.snapshots!.length).toBe(snapshotsBefore - expired.expiredSnapshotIds.length);
    const withOffsets = meta.snapshots!.filter((s) => s.summary?.[OFFSETS_PROPERTY] !== undefined);
    // Recovery of committed offsets still works: the replace (which carried them) was kept.
    expect(withOffsets.map((s) => s.summary!.operation)).toContain('replace');
    expect(meta.snapshots!.length).toBeGreaterThan(3);
    for (const f of expired.files.slice(0, 50)) expect(await t.io.exists(f)).toBe(false);

    // Stray files: an upload whose commit never happened, and junk in metadata/.
    const stray = [`${dataLocation(meta)}/p=0/stray-${Date.now()}.parquet`, `${meta.location}/metadata/stray-${Date.now()}.avro`];
    for (const s of stray) await t.io.write(s, new Uint8Array([1, 2, 3]));
    await new Promise((r) => setTimeout(r, 1500));
    const dryOrphans = await removeOrphans(t.catalog, () => t.io, id, { olderThanMs: 1000, dryRun: true }, silentLogger);
    expect(dryOrphans.files).toEqual(expect.arrayContaining(stray));
    for (const s of stray) expect(await t.io.exists(s)).toBe(true);
    const removed = await removeOrphans(t.catalog, () => t.io, id, { olderThanMs: 1000, dryRun: false }, silentLogger);
    expect(removed.files).toEqual(expect.arrayContaining(stray));
    for (const s of stray) expect(await t.io.exists(s)).toBe(false);

    // Every retained snapshot still reads, by time travel, with the row count its summary states.
    for (const s of meta.snapshots!) {
      const n = Number((await t.spark(`SELECT count(*) FROM ${t.name(NAME)} VERSION AS OF ${String(s['snapshot-id'])}`)).rows[0]![0]);
      expect(n).toBe(Number(s.summary!['total-records']));
    }
    expect((await sparkRows(`SELECT id, p, name FROM ${t.name(NAME)}`)).length).toBe(all.length);
  }, 300_000);
});

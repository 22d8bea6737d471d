/**
 * Format v3 (docs/configuration.md `formatVersion`): a v2 table whose mapping says 3 is upgraded in
 * place at start (metadata only); floe's commits then carry row lineage, so Spark reads every row
 * with a distinct `_row_id` and the `_last_updated_sequence_number` of the commit that wrote it
 * (rows of the v2 era get ids on the first v3 commit). Spark's DELETE on the v3 table writes
 * deletion vectors; floe's compaction applies them and keeps each surviving row's lineage.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RestCatalogClient } from '../../src/iceberg/catalog/rest-client.js';
import { compactTable } from '../../src/maintain/compact.js';
import { silentLogger } from '../../src/util/log.js';
import { CATALOG_KINDS, testCatalog } from '../harness/catalogs.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { oracleFor } from '../harness/oracle.js';
import { s3io } from '../iceberg/table/oracle-tables.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const schema = { type: 'record', name: 'Event', fields: [{ name: 'id', type: 'long' }, { name: 'kind', type: 'string' }] };

describe.each(CATALOG_KINDS)('format v3 (%s catalog)', (kind) => {
  it('upgrades a v2 table in place; Spark reads row lineage; compaction applies Spark deletion vectors and keeps lineage', async () => {
    const s = uniqueSuffix();
    const topic = `floe-v3-${s}`;
    const ns = `v3_${s}`;
    const dir = workDir('v3');
    const catalog = await testCatalog(kind, stack, oracle, dir);
    await catalog.serve();
    const table = `${catalog.spark}.${ns}.events`;
    const sql = async (q: string) => (await oracle.sparkSql(q)).rows;
    const count = async () => Number((await sql(`SELECT count(*) FROM ${table}`).catch(() => [[0]]))[0]![0]);
    try {
      await producer.createTopic(topic, 2);
      const sid = await producer.register(`${topic}-value`, schema);
      let runs = 0;
      const run = async (formatVersion: number, from: number, to: number) => {
        await catalog.stopServing();
        const config = writeDaemonConfig(stack, dir, {
          groupId: `floe-v3-${s}`,
          catalog: catalog.config,
          defaults: { namespace: ns, commit: { intervalMs: 500 }, formatVersion, tableProperties: { 'write.delete.mode': 'merge-on-read' } },
          tables: [{ topics: [topic], table: 'events' }],
        });
        const daemon = DaemonProcess.start(config, `${dir}/daemon-${++runs}.log`);
        try {
          await producer.send(topic, Array.from({ length: to - from }, (_, k) => ({ value: producer.encode(sid, { id: from + k, kind: `k${(from + k) % 3}` }), partition: k % 2 })));
          await waitFor(`${to} rows`, async () => {
            if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-3000)}`);
            return (await count()) === to;
          }, 180_000, 1000);
          const exit = await daemon.stop();
          expect(exit.code, daemon.log().slice(-3000)).toBe(0);
          return daemon;
        } finally {
          daemon.kill('SIGKILL');
          await catalog.serve();
        }
      };

      await run(2, 0, 300);
      expect((await oracle.pyicebergTable(`${ns}.events`).catch(() => undefined))?.format_version ?? 2).toBe(2);
      const second = await run(3, 300, 500);
      const upgrade = second.logLines().find((l) => l.msg === 'table definition changes to follow the mapping' && l.change === 'format-version');
      expect(upgrade).toMatchObject({ from: '2', to: '3' });
      const props = Object.fromEntries((await sql(`SHOW TBLPROPERTIES ${table}`)).map((r) => [String(r[0]), String(r[1])]));
      expect(props.format).toBe('iceberg/parquet');
      expect(props['format-version'] ?? '3').toBe('3');

      // Every row has a distinct row id below next-row-id and a sequence number of a real commit.
      const lineage = async () => new Map((await sql(`SELECT id, _row_id, _last_updated_sequence_number FROM ${table}`)).map((r) => [String(r[0]), `${String(r[1])}/${String(r[2])}`]));
      const before = await lineage();
      expect(before.size).toBe(500);
      const ids = [...before.values()].map((v) => Number(v.split('/')[0]));
      expect(ids.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
      expect(new Set(ids).size).toBe(500);
      const snapshots = await sql(`SELECT snapshot_id FROM ${table}.snapshots`);
      expect(snapshots.length).toBeGreaterThan(1);
      const seqs = new Set([...before.values()].map((v) => Number(v.split('/')[1])));
      expect([...seqs].every((x) => x >= 1)).toBe(true);

      // Spark deletes on the v3 table (deletion vectors); compaction applies them, lineage stays.
      await sql(`DELETE FROM ${table} WHERE id % 10 = 0`);
      const deleteFiles = await sql(`SELECT file_format, content FROM ${table}.delete_files`);
      expect(deleteFiles.length).toBeGreaterThan(0);
      expect(new Set(deleteFiles.map((r) => String(r[0])))).toEqual(new Set(['PUFFIN']));
      const client = new RestCatalogClient(kind === 'reference' ? { uri: stack.catalogUri, warehouse: stack.warehouse } : { uri: `http://127.0.0.1:${String(catalog.config.port)}` });
      const io = s3io();
      const compacted = await compactTable(client, () => io, { namespace: [ns], name: 'events' }, { targetSizeBytes: 64 * 1024 * 1024, minFiles: 2, compression: 'zstd', rowGroupBytes: 8 * 1024 * 1024 }, silentLogger);
      expect(compacted.deleteFilesRemoved).toBe(deleteFiles.length);
      expect(await sql(`SELECT count(*) FROM ${table}.delete_files`)).toEqual([['0']]);
      const after = await lineage();
      expect(after.size).toBe(450);
      for (const [id, v] of after) expect(v, `row ${id}`).toBe(before.get(id));
      expect([...after.keys()].some((id) => Number(id) % 10 === 0)).toBe(false);
    } finally {
      await catalog.stopServing();
    }
  }, 600_000);
});

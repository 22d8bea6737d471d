/**
 * A table follows its mapping (docs/configuration.md, `partitioning`, `sortOrder`,
 * `tableProperties`): the daemon creates the table with the mapping's sort order and writes every
 * data file sorted by it; a restart with a changed mapping evolves the partition spec, the sort
 * order and the properties (and logs each change); old files keep their spec, new files use the
 * new one, compaction writes sorted files. Spark is the oracle: the table's sort order, each
 * file's `sort_order_id` and spec, and the rows of each file in position order (`_pos`).
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

const schema = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'region', type: 'string' },
    { name: 'amount', type: ['null', 'double'], default: null },
  ],
};
const REGIONS = ['eu', 'us', 'apac'];
/** A scrambled order of ids, so that arrival order is not the sort order. */
const idAt = (i: number) => (i * 7919) % 1000;

describe.each(CATALOG_KINDS)('table definition follows the mapping (%s catalog)', (kind) => {
  it('sorts every file by sortOrder; a changed partitioning, sortOrder and tableProperties are applied at start', async () => {
    const s = uniqueSuffix();
    const topic = `floe-def-${s}`;
    const ns = `def_${s}`;
    const dir = workDir('def');
    const catalog = await testCatalog(kind, stack, oracle, dir);
    await catalog.serve();
    const table = `${catalog.spark}.${ns}.orders`;
    try {
      await producer.createTopic(topic, 2);
      const sid = await producer.register(`${topic}-value`, schema);
      const produce = (from: number, to: number) =>
        producer.send(topic, Array.from({ length: to - from }, (_, k) => {
          const i = from + k;
          return { value: producer.encode(sid, { id: idAt(i), region: REGIONS[i % 3]!, amount: i % 4 === 0 ? null : i / 2 }), partition: i % 2 };
        }));
      let runs = 0;
      const run = async (mapping: Record<string, unknown>, steps: Array<[number, number]>) => {
        await catalog.stopServing(); // the embedded catalog runs inside the daemon
        const config = writeDaemonConfig(stack, dir, {
          groupId: `floe-def-${s}`,
          catalog: catalog.config,
          defaults: { namespace: ns, commit: { intervalMs: 500 } },
          tables: [{ topics: [topic], table: 'orders', ...mapping }],
        });
        const daemon = DaemonProcess.start(config, `${dir}/daemon-${++runs}.log`);
        try {
          // Each step is committed before the next is produced: several files per partition.
          for (const [from, to] of steps) {
            await produce(from, to);
            await waitFor(`${to} rows`, async () => {
              if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-3000)}`);
              return (await count()) === to;
            }, 180_000, 1000);
          }
          const exit = await daemon.stop();
          expect(exit.code, daemon.log().slice(-3000)).toBe(0);
          return daemon;
        } finally {
          daemon.kill('SIGKILL');
          await catalog.serve();
        }
      };
      const count = async () => {
        try {
          return Number((await oracle.sparkSql(`SELECT count(*) FROM ${table}`)).rows[0]![0]);
        } catch {
          return 0;
        }
      };
      const sql = async (q: string) => (await oracle.sparkSql(q)).rows;
      /** Each file's column values in row position order. */
      const filesInOrder = async (cols: string) => {
        const rows = await sql(`SELECT _file, ${cols} FROM ${table} ORDER BY _file, _pos`);
        const byFile = new Map<string, string[]>();
        for (const r of rows) byFile.set(String(r[0]), [...(byFile.get(String(r[0])) ?? []), r.slice(1).map(String).join('|')]);
        return byFile;
      };

      // 1. Created with the mapping's order: id descending; every file sorted by it.
      await run({ partitioning: [{ field: 'region', transform: 'identity' }], sortOrder: [{ field: 'id', direction: 'desc' }], tableProperties: { 'floe.test.note': 'one' } }, [[0, 600]]);
      let props = Object.fromEntries((await sql(`SHOW TBLPROPERTIES ${table}`)).map((r) => [String(r[0]), String(r[1])]));
      expect(props['sort-order']).toBe('id DESC NULLS LAST');
      expect(props['floe.test.note']).toBe('one');
      expect(await sql(`SELECT DISTINCT sort_order_id, spec_id FROM ${table}.files`)).toEqual([[1, 0]]);
      for (const [, ids] of await filesInOrder('id')) expect(ids.map(Number)).toEqual(ids.map(Number).sort((a, b) => b - a));

      // 2. Restarted with another partitioning, sort order and property value.
      const second = await run({
        partitioning: [{ field: 'id', transform: 'bucket[2]' }],
        sortOrder: [{ field: 'region' }, { field: 'id' }],
        tableProperties: { 'floe.test.note': 'two' },
      }, [[600, 800], [800, 1000]]);
      const changes = second.logLines().filter((l) => l.msg === 'table definition changes to follow the mapping').map((l) => [l.change, l.from, l.to]);
      expect(changes).toEqual([
        ['partition-spec', 'identity(region)', 'bucket[2](id)'],
        ['sort-order', 'id desc nulls-last', 'region asc nulls-first, id asc nulls-first'],
        ['properties', '{"floe.test.note":"one"}', '{"floe.test.note":"two"}'],
      ]);
      props = Object.fromEntries((await sql(`SHOW TBLPROPERTIES ${table}`)).map((r) => [String(r[0]), String(r[1])]));
      expect(props['sort-order']).toBe('region ASC NULLS FIRST, id ASC NULLS FIRST');
      expect(props['floe.test.note']).toBe('two');
      // Old files keep their spec and order; new files are in the new spec, sorted by the new order.
      const files = await sql(`SELECT file_path, spec_id, sort_order_id, partition FROM ${table}.files`);
      const specOf = new Map(files.map((f) => [String(f[0]), `${String(f[1])}/${String(f[2])}`]));
      expect(new Set(specOf.values())).toEqual(new Set(['0/1', '1/2']));
      for (const [file, rows] of await filesInOrder('region, id')) {
        const keys = rows.map((r) => r.split('|'));
        const expected = specOf.get(file) === '1/2'
          ? [...keys].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : Number(a[1]) - Number(b[1])))
          : [...keys].sort((a, b) => Number(b[1]) - Number(a[1]));
        expect(keys).toEqual(expected);
      }
      // Every row exactly once, with its values.
      expect(await sql(`SELECT count(*), count(DISTINCT id), sum(id) FROM ${table}`)).toEqual([['1000', '1000', '499500']]);
      expect((await sql(`SELECT partition FROM ${table}.partitions`)).length).toBeGreaterThan(3);

      // 3. Compaction writes its files in the current order too.
      const client = new RestCatalogClient(kind === 'reference' ? { uri: stack.catalogUri, warehouse: stack.warehouse } : { uri: `http://127.0.0.1:${String(catalog.config.port)}` });
      const io = s3io();
      const compacted = await compactTable(client, () => io, { namespace: [ns], name: 'orders' }, { targetSizeBytes: 64 * 1024 * 1024, minFiles: 2, compression: 'zstd', rowGroupBytes: 8 * 1024 * 1024 }, silentLogger);
      expect(compacted.dataFilesAdded).toBeGreaterThan(0);
      const after = await sql(`SELECT file_path, sort_order_id FROM ${table}.files`);
      const newFiles = new Set(after.filter((f) => !specOf.has(String(f[0]))).map((f) => String(f[0])));
      expect(after.filter((f) => newFiles.has(String(f[0]))).every((f) => f[1] === 2)).toBe(true);
      for (const [file, rows] of await filesInOrder('region, id')) {
        if (!newFiles.has(file)) continue;
        const keys = rows.map((r) => r.split('|'));
        expect(keys).toEqual([...keys].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : Number(a[1]) - Number(b[1]))));
      }
      expect(await sql(`SELECT count(*), count(DISTINCT id), sum(id) FROM ${table}`)).toEqual([['1000', '1000', '499500']]);
    } finally {
      await catalog.stopServing();
    }
  }, 600_000);
});

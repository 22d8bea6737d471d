/**
 * What floe records about its files, as Spark and PyIceberg see it: the `files`, `manifests` and
 * `snapshots` metadata tables show counts and bounds equal to the data (computed here from the
 * rows, not from floe's metrics code), and those bounds prune: a filter outside every file's
 * range scans no data file at all, in Spark (Iceberg's scan metrics) and in PyIceberg's planner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/arrow/builder.js';
import type { DataFile } from '../../../src/iceberg/spec/types.js';
import type { OracleValue } from '../../harness/oracle.js';
import { micros } from './oracle-values.js';
import { OracleTables, schemaOf } from './oracle-tables.js';

const schema = schemaOf([
  { id: 1, name: 'id', required: true, type: 'long' },
  { id: 2, name: 'name', required: false, type: 'string' },
  { id: 3, name: 'score', required: false, type: 'double' },
  { id: 4, name: 'ts', required: false, type: 'timestamptz' },
  { id: 5, name: 'tags', required: false, type: { type: 'list', 'element-id': 6, element: 'string', 'element-required': false } },
]);

/** Batch k: ids 100k .. 100k+49, names that sort per batch, a NaN and nulls sprinkled in. */
function batch(k: number): Row[] {
  return Array.from({ length: 50 }, (_, i) => ({
    id: BigInt(100 * k + i),
    name: i % 10 === 3 ? null : `batch${k}-${String(i).padStart(2, '0')}${'-a-long-suffix-beyond-16-chars'}`,
    score: i === 7 ? Number.NaN : i % 9 === 0 ? null : k * 1000 + i / 4,
    ts: micros(`2024-0${k + 1}-15T00:00:00Z`) + BigInt(i) * 1_000_000n,
    tags: i % 5 === 0 ? null : [`t${i % 3}`, null],
  }));
}

const BATCHES = [0, 1, 2].map(batch);
const t = new OracleTables('floe_meta');
const written: DataFile[] = [];

beforeAll(async () => {
  await t.setup();
  await t.create('events', schema);
  for (const rows of BATCHES) written.push(...(await t.append('events', rows)).files);
});
afterAll(() => t.teardown());

const fileOf = (path: OracleValue) => written.findIndex((f) => f.filePath === path);

describe('Spark metadata tables show what floe wrote', () => {
  it('files: record counts, sizes, value/null/NaN counts and decoded bounds equal the data', async () => {
    const rows = await t.sparkRows(
      `SELECT file_path, file_format, record_count, file_size_in_bytes, readable_metrics FROM ${t.name('events')}.files`,
    );
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      const k = fileOf(r.file_path!);
      const data = BATCHES[k]!;
      expect(r.file_format).toBe('PARQUET');
      expect(r.record_count).toBe('50');
      expect(r.file_size_in_bytes).toBe(String((await t.io.read(written[k]!.filePath)).byteLength));
      const m = r.readable_metrics as Record<string, Record<string, OracleValue>>;
      const ids = data.map((d) => d.id as bigint);
      expect(m.id).toMatchObject({ value_count: '50', null_value_count: '0', lower_bound: String(ids[0]), upper_bound: String(ids.at(-1)) });
      const names = data.map((d) => d.name as string | null).filter((n): n is string => n !== null).sort();
      // Strings are truncated to 16 characters; the upper bound's last character is incremented.
      const upper = names.at(-1)!.slice(0, 16);
      expect(m.name).toMatchObject({
        value_count: '50', null_value_count: String(50 - names.length), lower_bound: names[0]!.slice(0, 16),
        upper_bound: upper.slice(0, 15) + String.fromCharCode(upper.charCodeAt(15) + 1),
      });
      const scores = data.map((d) => d.score as number | null);
      const finite = scores.filter((s): s is number => s !== null && !Number.isNaN(s));
      expect(m.score).toMatchObject({
        value_count: '50', null_value_count: String(scores.filter((s) => s === null).length), nan_value_count: '1',
        lower_bound: Math.min(...finite), upper_bound: Math.max(...finite),
      });
      const ts = data.map((d) => d.ts as bigint);
      expect(m.ts!.lower_bound).toBe(new Date(Number(ts[0]! / 1000n)).toISOString().replace('Z', '000Z'));
      expect(m.ts!.upper_bound).toBe(new Date(Number(ts.at(-1)! / 1000n)).toISOString().replace('Z', '000Z'));
      // Leaves under lists get counts but no bounds (as Iceberg Java's Parquet metrics).
      const elements = data.flatMap((d) => (d.tags as (string | null)[] | null) ?? [null]);
      expect(m['tags.element']).toMatchObject({
        value_count: String(elements.length), null_value_count: String(elements.filter((e) => e === null).length),
        lower_bound: null, upper_bound: null,
      });
    }
  });

  it('manifests and snapshots: added/existing counts, lineage and summary totals', async () => {
    const manifests = await t.sparkRows(
      `SELECT added_snapshot_id, added_data_files_count, existing_data_files_count, deleted_data_files_count FROM ${t.name('events')}.manifests`,
    );
    expect(manifests).toHaveLength(3); // fast appends: one new manifest per commit, the others kept
    expect(manifests.map((m) => [m.added_data_files_count, m.existing_data_files_count, m.deleted_data_files_count])).toEqual([
      [1, 0, 0], [1, 0, 0], [1, 0, 0],
    ]);
    const snapshots = await t.sparkRows(
      `SELECT snapshot_id, parent_id, operation, summary FROM ${t.name('events')}.snapshots ORDER BY committed_at, snapshot_id`,
    );
    expect(snapshots.map((s) => s.operation)).toEqual(['append', 'append', 'append']);
    expect(new Set(manifests.map((m) => m.added_snapshot_id))).toEqual(new Set(snapshots.map((s) => s.snapshot_id)));
    expect(snapshots[0]!.parent_id).toBeNull();
    let size = 0;
    snapshots.forEach((s, k) => {
      if (k > 0) expect(s.parent_id).toBe(snapshots[k - 1]!.snapshot_id);
      size += written[k]!.fileSizeInBytes;
      const summary = Object.fromEntries(s.summary as [string, string][]);
      expect(summary).toMatchObject({
        'added-data-files': '1', 'added-records': '50', 'added-files-size': String(written[k]!.fileSizeInBytes),
        'total-data-files': String(k + 1), 'total-records': String(50 * (k + 1)), 'total-files-size': String(size),
        'total-delete-files': '0', 'total-position-deletes': '0', 'total-equality-deletes': '0',
      });
    });
    expect(await t.sparkCount('events')).toBe(150);
  });
});

describe('bounds prune', () => {
  const scan = async (where: string) => {
    const res = await t.oracle.sparkScan(`SELECT id FROM ${t.name('events')} WHERE ${where}`);
    expect(res.scans).toHaveLength(1);
    return { rows: res.rows.length, metrics: res.scans[0]!.metrics };
  };

  it('Spark: a filter outside every file\'s bounds reads zero data files; one inside reads one', async () => {
    const none = await scan('id > 1000');
    expect(none.rows).toBe(0);
    expect(none.metrics).toMatchObject({ resultDataFiles: 0, skippedDataFiles: 3 });
    const one = await scan('id BETWEEN 120 AND 130');
    expect(one.rows).toBe(11);
    expect(one.metrics).toMatchObject({ resultDataFiles: 1, skippedDataFiles: 2 });
    const byName = await scan(`name > 'batch9'`);
    expect(byName).toMatchObject({ rows: 0, metrics: { resultDataFiles: 0, skippedDataFiles: 3 } });
    const byTime = await scan(`ts >= TIMESTAMP '2024-03-01 00:00:00'`);
    expect(byTime).toMatchObject({ rows: 50, metrics: { resultDataFiles: 1, skippedDataFiles: 2 } });
  });

  it('PyIceberg\'s planner keeps exactly the files whose bounds can match', async () => {
    const table = t.name('events');
    expect(await t.oracle.pyicebergPlan(table, { rowFilter: 'id > 1000' })).toEqual([]);
    const one = await t.oracle.pyicebergPlan(table, { rowFilter: 'id >= 120 and id <= 130' });
    expect(one.map((f) => f.file_path)).toEqual([written[1]!.filePath]);
    expect(await t.oracle.pyicebergPlan(table, { rowFilter: "name > 'batch9'" })).toEqual([]);
    expect(await t.oracle.pyicebergPlan(table, { rowFilter: 'score > 5000' })).toEqual([]);
    expect(await t.oracle.pyicebergPlan(table)).toHaveLength(3);
  });
});

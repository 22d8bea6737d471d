/**
 * Spark's own maintenance procedures run cleanly on floe's tables and leave the data unchanged:
 * rewrite_data_files (compaction), rewrite_manifests and expire_snapshots. Afterwards floe keeps
 * appending on top of what Spark rewrote (it carries and merges Spark's manifests), and both
 * engines still read the same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/arrow/builder.js';
import { rowObjects } from '../../harness/oracle.js';
import { OracleTables, schemaOf } from './oracle-tables.js';
import { micros } from './oracle-values.js';

const schema = schemaOf([
  { id: 1, name: 'id', required: true, type: 'long' },
  { id: 2, name: 'category', required: false, type: 'string' },
  { id: 3, name: 'ts', required: false, type: 'timestamptz' },
  { id: 4, name: 'amount', required: false, type: 'decimal(18,6)' },
  { id: 5, name: 'attrs', required: false, type: { type: 'map', 'key-id': 6, key: 'string', 'value-id': 7, value: 'string', 'value-required': false } },
]);

function rows(from: number, n: number): Row[] {
  return Array.from({ length: n }, (_, i) => {
    const id = from + i;
    return {
      id: BigInt(id),
      category: ['a', 'b', null][id % 3] ?? null,
      ts: micros('2024-05-01T00:00:00Z') + BigInt(id) * 3_600_000_000n,
      amount: BigInt(id) * 1_000_001n - 5_000_000n,
      attrs: id % 4 === 0 ? null : new Map([['k', `v${id}`]]),
    };
  });
}

const t = new OracleTables('floe_procs');
const T = t.name('events');
const ALL = `SELECT id, category, ts, amount, attrs FROM ${T} ORDER BY id`;
let expected: Awaited<ReturnType<typeof t.sparkRows>>;

async function liveFiles(): Promise<number> {
  return (await t.sparkRows(`SELECT file_path FROM ${T}.files`)).length;
}

beforeAll(async () => {
  await t.setup();
  await t.create('events', schema, [{ source: 'category', transform: 'identity' }, { source: 'ts', transform: 'day' }]);
  // Six small commits: many small files per partition, a manifest per commit.
  for (let k = 0; k < 6; k++) await t.append('events', rows(k * 20, 20));
  expected = await t.sparkRows(ALL);
});
afterAll(() => t.teardown());

describe('Spark procedures on a floe table', () => {
  it('rewrite_data_files compacts floe\'s files; every row is unchanged', async () => {
    const before = await liveFiles();
    const res = await t.sparkRows(`CALL floe.system.rewrite_data_files(table => '${T}', options => map('min-input-files', '2'))`);
    expect(Number(res[0]!.rewritten_data_files_count)).toBe(before);
    expect(Number(res[0]!.added_data_files_count)).toBeLessThan(before);
    expect(await liveFiles()).toBe(Number(res[0]!.added_data_files_count));
    expect(await t.sparkRows(ALL)).toEqual(expected);
    const [snap] = await t.sparkRows(`SELECT operation FROM ${T}.snapshots ORDER BY committed_at DESC LIMIT 1`);
    expect(snap!.operation).toBe('replace');
  });

  it('rewrite_manifests merges floe\'s manifests; every row is unchanged', async () => {
    const before = (await t.sparkRows(`SELECT path FROM ${T}.manifests`)).length;
    const res = await t.sparkRows(`CALL floe.system.rewrite_manifests('${T}')`);
    expect(Number(res[0]!.rewritten_manifests_count)).toBe(before);
    expect((await t.sparkRows(`SELECT path FROM ${T}.manifests`)).length).toBe(Number(res[0]!.added_manifests_count));
    expect(await t.sparkRows(ALL)).toEqual(expected);
  });

  it('expire_snapshots removes floe\'s old snapshots and their files; every row is unchanged', async () => {
    const snapshots = (await t.sparkRows(`SELECT snapshot_id FROM ${T}.snapshots`)).length;
    expect(snapshots).toBe(8); // 6 appends, the compaction, the manifest rewrite
    const res = await t.sparkRows(
      `CALL floe.system.expire_snapshots(table => '${T}', older_than => TIMESTAMP '9999-01-01 00:00:00', retain_last => 1)`,
    );
    // The 6 appends' small files were replaced by the compaction: now unreachable, deleted.
    expect(Number(res[0]!.deleted_data_files_count)).toBeGreaterThanOrEqual(6);
    expect((await t.sparkRows(`SELECT snapshot_id FROM ${T}.snapshots`)).length).toBe(1);
    expect(await t.sparkRows(ALL)).toEqual(expected);
  });

  it('floe keeps appending (fast and merging) on top of Spark\'s rewrites; Spark and PyIceberg agree', async () => {
    await t.append('events', rows(1000, 10));
    await t.append('events', rows(2000, 10), { merge: true, snapshot: { merge: { minCountToMerge: 2 } } });
    const all = await t.sparkRows(ALL);
    expect(all).toHaveLength(expected.length + 20);
    expect(all.slice(0, expected.length)).toEqual(expected);
    const py = rowObjects(await t.oracle.pyicebergScan(T)).sort((a, b) => Number(a.id) - Number(b.id));
    expect(py).toEqual(all);
    // The merge append folded Spark's manifest(s) and floe's own into one, entries carried over.
    const manifests = await t.sparkRows(`SELECT added_data_files_count, existing_data_files_count FROM ${T}.manifests`);
    expect(manifests).toHaveLength(1);
    expect(Number(manifests[0]!.existing_data_files_count)).toBeGreaterThan(1);
    const [last] = await t.sparkRows(`SELECT summary FROM ${T}.snapshots ORDER BY committed_at DESC LIMIT 1`);
    const summary = Object.fromEntries(last!.summary as [string, string][]);
    expect(summary['total-records']).toBe(String(expected.length + 20));
  });
});

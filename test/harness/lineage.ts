/**
 * Format v3 checks shared by the guarantee suites (crash, scale-out, silver; docs/development.md):
 * each of them writes one of its tables as v3, and after its kills, restarts, concurrent writers or
 * compactions the row lineage must still be what the spec asks of a writer. The expectations come
 * from the catalog's metadata (read over REST, as any engine would) and from Spark's `_row_id` /
 * `_last_updated_sequence_number` (the oracle, Spark 4.1 with Iceberg 1.12, reads both), never from floe's
 * own reading code.
 *
 * What a retried commit, a lost response or a rebalance could get wrong, and what catches it:
 *  - two snapshots handing out the same ids (a retry built on stale metadata): the ranges
 *    [first-row-id, first-row-id + added-rows) of the snapshots, in sequence-number order, follow
 *    each other without gap or overlap from 0 and end at the table's next-row-id;
 *  - a row given an id outside its commit's range, or twice: every row's `_row_id` is distinct and
 *    lies in the range of the snapshot whose sequence number is its `_last_updated_sequence_number`
 *    (compaction keeps both, so this holds after rewrites too);
 *  - a rewrite that dropped lineage: no live row has the sequence number of a `replace` snapshot
 *    (a compaction moves rows with their ids; it never is the commit that last updated them).
 */
import { expect } from 'vitest';
import { RestCatalogClient } from '../../src/iceberg/catalog/rest-client.js';
import type { TableMetadata } from '../../src/iceberg/spec/types.js';
import type { OracleClient } from './oracle.js';

/** The table's metadata as the REST catalog at `uri` serves it (the stack's, or an embedded one). */
export async function catalogMetadata(uri: string, namespace: string, name: string, warehouse?: string): Promise<TableMetadata> {
  const client = new RestCatalogClient({ uri, ...(warehouse === undefined ? {} : { warehouse }) });
  return (await client.loadTable({ namespace: [namespace], name })).metadata;
}

export interface LineageSummary {
  snapshots: number;
  /** Snapshots committed while the table was still v2 (an upgraded table): they have no ids. */
  v2Snapshots: number;
  /** `replace` snapshots (compactions): rows they moved must have kept their lineage. */
  rewrites: number;
  rows: number;
  nextRowId: number;
}

/**
 * Asserts the v3 row lineage of a table created as v3 (or, with `upgraded`, upgraded from v2) that
 * no snapshot expiry has touched (its first v3 snapshot starts at row id 0): contiguous snapshot
 * ranges up to next-row-id, and every live row (as Spark reads `sparkTable`) with a distinct
 * `_row_id` inside its commit's range. On an upgraded table the snapshots committed before the
 * upgrade have no range and must all precede the v3 ones; their rows got ids in the first v3
 * commit (the spec's "first row id" of existing manifests), so they must lie in its range.
 */
export async function expectRowLineage(oracle: OracleClient, sparkTable: string, md: TableMetadata, options: { upgraded?: boolean } = {}): Promise<LineageSummary> {
  expect(md['format-version'], `${sparkTable} format version`).toBe(3);
  const all = [...(md.snapshots ?? [])].sort((a, b) => a['sequence-number'] - b['sequence-number']);
  const v2Count = all.findIndex((s) => s['first-row-id'] !== undefined);
  const v2 = all.slice(0, v2Count < 0 ? all.length : v2Count);
  const snapshots = all.slice(v2.length);
  if (!options.upgraded) expect(v2.length, `${sparkTable}: snapshots without row lineage`).toBe(0);
  const first = snapshots[0];
  let next = 0;
  for (const s of snapshots) {
    const what = `${sparkTable} snapshot ${s['snapshot-id']} (sequence number ${s['sequence-number']}, ${s.summary.operation})`;
    expect(s['first-row-id'], `${what}: first-row-id follows the previous snapshot's range`).toBe(next);
    expect(Number.isInteger(s['added-rows']) && s['added-rows']! >= 0, `${what}: added-rows ${s['added-rows']}`).toBe(true);
    next += s['added-rows']!;
  }
  expect(md['next-row-id'], `${sparkTable} next-row-id is the end of the last snapshot's range`).toBe(next);

  // Spark joins each row to its commit's range: one small query, whatever the table's size.
  const ranges = [
    ...snapshots.map((s) => `(${s['sequence-number']}, ${s['first-row-id']}, ${s['added-rows']}, ${s.summary.operation === 'replace'})`),
    ...(first === undefined ? [] : v2.map((s) => `(${s['sequence-number']}, ${first['first-row-id']}, ${first['added-rows']}, ${s.summary.operation === 'replace'})`)),
  ];
  const r = await oracle.sparkSql(
    `SELECT count(*), count(t.rid), count(DISTINCT t.rid), count_if(t.rid >= r.first AND t.rid < r.first + r.added), count_if(r.rewrite), coalesce(max(t.rid), -1)
       FROM (SELECT _row_id AS rid, _last_updated_sequence_number AS seq FROM ${sparkTable}) t
       LEFT JOIN (VALUES ${ranges.length > 0 ? ranges.join(', ') : '(-1, 0, 0, false)'}) AS r(seq, first, added, rewrite) ON t.seq = r.seq`,
  );
  const [rows, withId, distinct, inRange, ofRewrite, maxId] = r.rows[0]!.map(Number) as [number, number, number, number, number, number];
  expect({ rows, withId, distinct, inRange, ofRewrite }, `${sparkTable}: every row has a distinct _row_id in its commit's range`).toEqual({ rows, withId: rows, distinct: rows, inRange: rows, ofRewrite: 0 });
  expect(maxId, `${sparkTable}: row ids stay below next-row-id`).toBeLessThan(next);
  return { snapshots: snapshots.length, v2Snapshots: v2.length, rewrites: snapshots.filter((s) => s.summary.operation === 'replace').length, rows, nextRowId: next };
}

/**
 * floe never adds a v2 position-delete file to a v3 table (issue #17): no snapshot's summary counts
 * one, and every delete file Spark lists in any snapshot (`all_delete_files`) is an equality delete
 * or a Puffin deletion vector. Returns the delete files by content/format, e.g. { '2/PARQUET': 5 }.
 */
export async function expectNoPositionDeleteFiles(oracle: OracleClient, sparkTable: string, md: TableMetadata): Promise<Record<string, number>> {
  for (const s of md.snapshots ?? []) {
    expect(s.summary['added-position-delete-files'] ?? '0', `${sparkTable} snapshot ${s['snapshot-id']} (${s.summary.operation}) added position deletes`).toBe('0');
  }
  const r = await oracle.sparkSql(`SELECT content, file_format, count(*) FROM ${sparkTable}.all_delete_files GROUP BY content, file_format`);
  const kinds = Object.fromEntries(r.rows.map((row) => [`${String(row[0])}/${String(row[1])}`, Number(row[2])]));
  for (const kind of Object.keys(kinds)) expect(['2/PARQUET', '1/PUFFIN'], `${sparkTable} delete file kind ${kind}`).toContain(kind);
  return kinds;
}

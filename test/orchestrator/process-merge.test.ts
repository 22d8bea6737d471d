import { describe, expect, it } from 'vitest';
import { mergeMetrics, mergeStatus } from '../../src/orchestrator/process-merge.js';
import type { LiveStatus } from '../../src/orchestrator/live-status.js';

describe('mergeMetrics', () => {
  it('declares each family once and labels every sample with its process, histograms and label-less samples included', () => {
    const child = (n: number) =>
      [
        '# HELP floe_commit_seconds Commit duration',
        '# TYPE floe_commit_seconds histogram',
        `floe_commit_seconds_bucket{le="0.5",table="db.t"} ${n}`,
        `floe_commit_seconds_sum{table="db.t"} ${n / 2}`,
        `floe_commit_seconds_count{table="db.t"} ${n}`,
        '# HELP floe_build_info Build',
        '# TYPE floe_build_info gauge',
        'floe_build_info{} 1',
        '# HELP process_cpu_seconds_total CPU',
        '# TYPE process_cpu_seconds_total counter',
        `process_cpu_seconds_total ${n}`,
        '',
      ].join('\n');
    expect(mergeMetrics([child(1), child(2)])).toBe(
      [
        '# HELP floe_commit_seconds Commit duration',
        '# TYPE floe_commit_seconds histogram',
        'floe_commit_seconds_bucket{process="0",le="0.5",table="db.t"} 1',
        'floe_commit_seconds_sum{process="0",table="db.t"} 0.5',
        'floe_commit_seconds_count{process="0",table="db.t"} 1',
        'floe_commit_seconds_bucket{process="1",le="0.5",table="db.t"} 2',
        'floe_commit_seconds_sum{process="1",table="db.t"} 1',
        'floe_commit_seconds_count{process="1",table="db.t"} 2',
        '# HELP floe_build_info Build',
        '# TYPE floe_build_info gauge',
        'floe_build_info{process="0"} 1',
        'floe_build_info{process="1"} 1',
        '# HELP process_cpu_seconds_total CPU',
        '# TYPE process_cpu_seconds_total counter',
        'process_cpu_seconds_total{process="0"} 1',
        'process_cpu_seconds_total{process="1"} 2',
        '',
      ].join('\n'),
    );
  });
});

describe('mergeStatus', () => {
  const status = (over: Partial<LiveStatus>): LiveStatus => ({ generatedAtMs: 1, version: 'v', groupId: 'g', ready: true, windowMs: 3_600_000, tables: [], commits: [], errors: [], ...over });
  const table = { table: 'db.t', topics: ['a'], lagRecords: 5, bufferedRecords: 1, lagSeconds: 2, lastCommitMs: undefined, freshness: [[0, 1], [10_000, 3]] as Array<[number, number]> };

  it('adds records, keeps the worst freshness and the newest commit, and is ready only when every process is', () => {
    const merged = mergeStatus([
      status({ tables: [table, { ...table, table: 'db.only', exists: false }], commits: [{ at: 5, table: 'db.t', reason: 'interval', records: 1, rows: 1, files: 1, ms: 1 }] }),
      status({ ready: false, generatedAtMs: 9, tables: [{ ...table, topics: ['b'], lagRecords: 7, lagSeconds: 4, lastCommitMs: 42, freshness: [[2000, 5], [30_000, 0]] }], errors: [{ at: 7, message: 'x' }] }),
    ])!;
    expect(merged.ready).toBe(false);
    expect(merged.generatedAtMs).toBe(9);
    expect(merged.tables).toEqual([
      { ...table, table: 'db.only', exists: false },
      { table: 'db.t', topics: ['a', 'b'], lagRecords: 12, bufferedRecords: 2, lagSeconds: 4, lastCommitMs: 42, freshness: [[0, 5], [10_000, 3], [30_000, 0]] },
    ]);
    expect(merged.commits).toHaveLength(1);
    expect(merged.errors).toEqual([{ at: 7, message: 'x' }]);
    expect(mergeStatus([])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { daemonMetrics, maintenanceMetrics, tableGauges } from '../../src/orchestrator/metrics.js';

describe('daemon metrics', () => {
  it('exports floe_build_info with the version, revision and Node.js version', async () => {
    const m = daemonMetrics({ build: { version: '1.2.3', revision: 'abc' } });
    expect(await m.registry.render()).toContain(`floe_build_info{version="1.2.3",revision="abc",nodejs_version="${process.versions.node}"} 1`);
  });

  it('sets the table gauges from the current snapshot summary totals', async () => {
    const m = daemonMetrics();
    const metadata = {
      'current-snapshot-id': 2,
      snapshots: [
        { 'snapshot-id': 1, summary: { 'total-data-files': '1', 'total-delete-files': '0', 'total-files-size': '10' } },
        { 'snapshot-id': 2, summary: { 'total-data-files': '4', 'total-delete-files': '2', 'total-files-size': '4096' } },
      ],
    };
    tableGauges(m, 'ns.t', metadata, 1_700_000_000_500);
    expect(await m.tableDataFiles.value({ table: 'ns.t' })).toBe(4);
    expect(await m.tableDeleteFiles.value({ table: 'ns.t' })).toBe(2);
    expect(await m.tableBytes.value({ table: 'ns.t' })).toBe(4096);
    expect(await m.lastCommit.value({ table: 'ns.t' })).toBe(1_700_000_000);
  });

  it('counts maintenance passes and what they did', async () => {
    const m = daemonMetrics();
    const result = { snapshotId: 1, partitions: 1, dataFilesRemoved: 5, deleteFilesRemoved: 2, deleteFilesAdded: 0, dataFilesAdded: 1, bytesRead: 500, bytesWritten: 400 };
    maintenanceMetrics(m, { table: 't', task: 'compact', ok: true, durationMs: 1500, report: { task: 'compact', result } });
    maintenanceMetrics(m, { table: 't', task: 'expire', ok: true, durationMs: 10, report: { task: 'expire', expiredSnapshotIds: [1, 2], files: ['a', 'b', 'c'] } });
    maintenanceMetrics(m, { table: 't', task: 'orphans', ok: false, durationMs: 10 });
    expect(await m.maintenanceRuns.value({ table: 't', task: 'compact', outcome: 'ok' })).toBe(1);
    expect(await m.maintenanceRuns.value({ table: 't', task: 'orphans', outcome: 'failed' })).toBe(1);
    expect(await m.compactionFilesIn.value({ table: 't' })).toBe(5);
    expect(await m.compactionFilesOut.value({ table: 't' })).toBe(1);
    expect(await m.compactionDeleteFilesRemoved.value({ table: 't' })).toBe(2);
    expect(await m.compactionBytesWritten.value({ table: 't' })).toBe(400);
    expect(await m.expiredSnapshots.value({ table: 't' })).toBe(2);
    expect(await m.expiredFiles.value({ table: 't' })).toBe(3);
    expect(await m.maintenanceSeconds.count({ table: 't', task: 'compact' })).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { formatDuration, formatStatus } from '../../src/cli/status-format.js';
import type { TableStatus } from '../../src/orchestrator/status.js';

const row = (o: Partial<TableStatus>): TableStatus => ({
  table: 'raw.orders',
  mode: 'bronze',
  exists: true,
  topics: ['orders'],
  partitions: [],
  lagRecords: 0,
  lagSeconds: 0,
  lastCommitMs: undefined,
  snapshots: 0,
  dataFiles: 0,
  deleteFiles: 0,
  dataBytes: 0,
  deleteBytes: 0,
  avgDataFileBytes: 0,
  deadLetters: [],
  ...o,
});

describe('formatStatus', () => {
  it('one line per table; a missing table, a {record} template with no table yet, lagging partitions', () => {
    const now = 1_000_000;
    const text = formatStatus([
      row({ lastCommitMs: now - 30_000, snapshots: 3, dataFiles: 2, dataBytes: 2048, avgDataFileBytes: 1024 }),
      row({ table: 'raw.gone', exists: false }),
      row({ table: 'raw.orders_com_acme_a', template: 'raw.{topic}_{record}', lagRecords: 3, lastCommitMs: now, partitions: [{ topic: 'orders', partition: 0, committed: '12', low: '0', high: '15', lagRecords: 3, oldestUncommittedMs: now - 5000 }] }),
      row({ table: 'raw.{topic}_{record}', template: 'raw.{topic}_{record}', exists: false, topics: ['quiet'] }),
    ], now);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^TABLE\s+MODE\s+LAG\s+LAG AGE\s+LAST COMMIT/);
    expect(lines[1]).toMatch(/^raw\.orders\s+bronze\s+0\s+0s\s+30s ago\s+3\s+2\s+1\.0 KiB\s+0\s+0$/);
    expect(lines[2]).toMatch(/^raw\.gone\s+bronze\s+0\s+0s\s+no table\s/);
    expect(lines[3]).toMatch(/^raw\.orders_com_acme_a\s+bronze\s+3\s+0s\s+0s ago\s/);
    expect(lines[4]).toMatch(/^raw\.\{topic\}_\{record\}\s+bronze\s+0\s+0s\s+no table yet\s/);
    expect(text).toContain('raw.orders_com_acme_a:\n  orders/0: committed 12 of 15, 3 behind, oldest 5s old');
  });

  it('says so when no mapped table has a topic', () => {
    expect(formatStatus([], 0)).toBe('no mapped table has an existing topic\n');
  });
});

describe('formatDuration', () => {
  it('seconds, minutes, hours, days', () => {
    expect([0.5, 59, 600, 9000, 200_000].map(formatDuration)).toEqual(['0s', '59s', '10m', '2.5h', '2.3d']);
  });
});

/**
 * CommitCadence: the per-record bounds (records exact, bytes sampled), the interval trigger, and
 * late commits counted and warned about at most once a minute.
 */
import { describe, expect, it } from 'vitest';
import { boundsWithinBudget, BYTES_SAMPLE_RECORDS, COMMIT_BUDGET_SHARE, CommitCadence } from '../../src/orchestrator/cadence.js';
import { daemonMetrics } from '../../src/orchestrator/metrics.js';
import type { Logger } from '../../src/util/log.js';
import { silentLogger } from '../../src/util/log.js';

function recordingLogger(lines: Array<{ obj: unknown; msg: string }>): Logger {
  const log = Object.create(silentLogger) as Logger;
  (log as unknown as { warn: (obj: unknown, msg: string) => void }).warn = (obj, msg) => void lines.push({ obj, msg });
  return log;
}

describe('CommitCadence', () => {
  const bounds = { maxRecords: 100, maxBytes: 1000, intervalMs: 2000 };

  it('is full at maxRecords, and at maxBytes measured every few records', () => {
    let now = 0;
    const c = new CommitCadence(bounds, 't', daemonMetrics(), silentLogger, () => now);
    let measured = 0;
    let bytes = 0;
    const measure = () => {
      measured++;
      return bytes;
    };
    expect(c.full(0, measure)).toBeUndefined();
    expect(c.full(100, measure)).toBe('records');
    // Bytes: measured on the first record, then every BYTES_SAMPLE_RECORDS records.
    for (let n = 1; n < BYTES_SAMPLE_RECORDS; n++) expect(c.full(n, measure)).toBeUndefined();
    expect(measured).toBe(1);
    bytes = 1000;
    expect(c.full(BYTES_SAMPLE_RECORDS, measure)).toBeUndefined();
    expect(c.full(BYTES_SAMPLE_RECORDS + 1, measure)).toBe('bytes');
    expect(measured).toBe(2);
    // A drained buffer measures afresh.
    c.reset();
    bytes = 10;
    expect(c.full(1, measure)).toBeUndefined();
    expect(measured).toBe(3);
  });

  it('is due on the interval once a record waits', () => {
    const c = new CommitCadence(bounds, 't', daemonMetrics(), silentLogger, () => 0);
    expect(c.due(0, 5000, () => 0)).toBeUndefined();
    expect(c.due(1, 1999, () => 0)).toBeUndefined();
    expect(c.due(1, 2000, () => 0)).toBe('interval');
    expect(c.due(100, 0, () => 0)).toBe('records');
  });

  it('fires the interval early by the longest recent commit, at most half the interval', () => {
    let now = 0;
    const c = new CommitCadence(bounds, 't', daemonMetrics(), silentLogger, () => now);
    expect(c.leadMs).toBe(0);
    const landed = (ms: number) => c.committed(undefined, { reason: 'interval', records: 1, rows: 1, files: 1, ms });
    landed(300);
    landed(120);
    expect(c.leadMs).toBe(300);
    expect(c.due(1, 1699, () => 0)).toBeUndefined();
    expect(c.due(1, 1700, () => 0)).toBe('interval');
    // One slow commit (a backlog's large one) never makes the trigger fire before half the interval.
    landed(9000);
    expect(c.leadMs).toBe(1000);
    expect(c.due(1, 999, () => 0)).toBeUndefined();
    expect(c.due(1, 1000, () => 0)).toBe('interval');
    // Only the last 8 commits count.
    for (let i = 0; i < 8; i++) landed(200);
    expect(c.leadMs).toBe(200);
  });

  it('adds a live record\'s produce-to-read delay to the lead: not a backlog\'s, not a clock ahead, never past half the interval', () => {
    const c = new CommitCadence(bounds, 't', daemonMetrics(), silentLogger, () => 0);
    c.committed(undefined, { reason: 'interval', records: 1, rows: 1, files: 1, ms: 300 });
    // bounds.intervalMs is 2000: a delay up to 500 ms counts.
    expect(c.leadFor(120)).toBe(420);
    expect(c.due(1, 1579, () => 0, 120)).toBeUndefined();
    expect(c.due(1, 1580, () => 0, 120)).toBe('interval');
    expect(c.leadFor(500)).toBe(800);
    expect(c.leadFor(501)).toBe(300);
    expect(c.leadFor(3_600_000)).toBe(300);
    expect(c.leadFor(-40)).toBe(300);
    c.committed(undefined, { reason: 'interval', records: 1, rows: 1, files: 1, ms: 900 });
    expect(c.leadFor(400)).toBe(1000);
  });

  it('fires at the last check before the interval falls due, not the first after it', () => {
    const c = new CommitCadence(bounds, 't', daemonMetrics(), silentLogger, () => 0);
    c.committed(undefined, { reason: 'interval', records: 1, rows: 1, files: 1, ms: 300 });
    // Lead 300 ms: due from 1700 ms on. The next check is 200 ms away: waiting for it would make the
    // commit up to 200 ms late, so a check from 1500 ms on fires.
    expect(c.due(1, 1499, () => 0, 0, 200)).toBeUndefined();
    expect(c.due(1, 1500, () => 0, 0, 200)).toBe('interval');
    expect(c.due(1, 1500, () => 0, 0, 0)).toBeUndefined();
    // A negative wait counts as none; together with the live delay, never past half the interval.
    expect(c.leadFor(0, -50)).toBe(300);
    expect(c.leadFor(120, 200)).toBe(620);
    expect(c.leadFor(500, 400)).toBe(1000);
    expect(c.due(1, 999, () => 0, 500, 400)).toBeUndefined();
    expect(c.due(1, 1000, () => 0, 500, 400)).toBe('interval');
  });

  it('counts late commits and warns at most once a minute, with how many were late', async () => {
    let now = 100_000;
    const m = daemonMetrics();
    const lines: Array<{ obj: unknown; msg: string }> = [];
    const c = new CommitCadence(bounds, 't', m, recordingLogger(lines), () => now);
    expect(c.lateAfterMs).toBe(2000 + 5000);
    const details = { reason: 'records', records: 10, rows: 10, files: 1, ms: 100 };
    c.committed(now - 7000, details); // exactly at the bound: not late
    c.committed(undefined, details); // nothing waited (only offsets): not late
    expect(await m.commitsLate.value({ table: 't' })).toBe(0);
    c.committed(now - 7001, details);
    now += 1000;
    c.committed(now - 20_000, details);
    expect(await m.commitsLate.value({ table: 't' })).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.obj).toMatchObject({ waitedMs: 7001, intervalMs: 2000, lateCommits: 1 });
    now += 60_000;
    c.committed(now - 8000, details);
    expect(lines).toHaveLength(2);
    expect(lines[1]!.obj).toMatchObject({ waitedMs: 8000, lateCommits: 2 });
    expect(c.lastCommitAgeSeconds(now + 2500)).toBe(2.5);
  });

  it('the grace is intervalMs itself when that is longer than 5 s', () => {
    const c = new CommitCadence({ ...bounds, intervalMs: 60_000 }, 't', daemonMetrics(), silentLogger, () => 0);
    expect(c.lateAfterMs).toBe(120_000);
  });
});

describe('boundsWithinBudget', () => {
  const bounds = { maxRecords: 100, maxBytes: 256 * 1024 * 1024, intervalMs: 1000 };

  it('caps maxBytes at the budget over COMMIT_BUDGET_SHARE, keeping the other bounds', () => {
    const capped = boundsWithinBudget(bounds, 512 * 1024 * 1024);
    expect(capped).toEqual({ ...bounds, maxBytes: (512 * 1024 * 1024) / COMMIT_BUDGET_SHARE });
  });

  it('leaves a smaller maxBytes, and bounds without a budget, as they are', () => {
    const small = { ...bounds, maxBytes: 1024 };
    expect(boundsWithinBudget(small, 512 * 1024 * 1024)).toBe(small);
    expect(boundsWithinBudget(bounds, undefined)).toBe(bounds);
  });
});

/** `floe status` as a terminal table: one line per table, then its lagging partitions and dead letters. */
import type { TableStatus } from '../orchestrator/status.js';
import { formatBytes } from './progress.js';

export function formatDuration(seconds: number): string {
  if (seconds < 1) return '0s';
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86400).toFixed(1)}d`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

export function formatStatus(tables: TableStatus[], nowMs: number): string {
  if (tables.length === 0) return 'no mapped table has an existing topic\n';
  const rows = [['TABLE', 'MODE', 'LAG', 'LAG AGE', 'LAST COMMIT', 'SNAPSHOTS', 'DATA FILES', 'AVG SIZE', 'DELETE FILES', 'DEAD LETTERS']];
  for (const t of tables) {
    rows.push([
      t.table,
      t.mode,
      String(t.lagRecords),
      formatDuration(t.lagSeconds),
      t.lastCommitMs === undefined ? (t.exists ? 'never' : t.template === undefined ? 'no table' : 'no table yet') : `${formatDuration((nowMs - t.lastCommitMs) / 1000)} ago`,
      String(t.snapshots),
      String(t.dataFiles),
      t.dataFiles === 0 ? '-' : formatBytes(t.avgDataFileBytes),
      String(t.deleteFiles),
      String(t.deadLetters.reduce((n, d) => n + d.records, 0)),
    ]);
  }
  const lines = table(rows);
  for (const t of tables) {
    const lagging = t.partitions.filter((p) => p.lagRecords > 0);
    const letters = t.deadLetters.filter((d) => d.records > 0);
    if (lagging.length === 0 && letters.length === 0) continue;
    lines.push('', `${t.table}:`);
    for (const p of lagging) {
      const age = p.oldestUncommittedMs === undefined ? '' : `, oldest ${formatDuration((nowMs - p.oldestUncommittedMs) / 1000)} old`;
      lines.push(`  ${p.topic}/${p.partition}: committed ${p.committed ?? 'nothing'} of ${p.high}, ${p.lagRecords} behind${age}`);
    }
    for (const d of letters) lines.push(`  ${d.deadLetterTopic}: ${d.records} dead letters${d.shared ? ' (shared with other topics)' : ` from ${d.topic}`}`);
  }
  return `${lines.join('\n')}\n`;
}

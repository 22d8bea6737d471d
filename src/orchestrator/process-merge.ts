/**
 * One view of a daemon that runs as several processes (`performance.processes`): the supervisor
 * serves the endpoints operators scrape, built from what each child serves.
 *
 * - Metrics: every child's series with a `process` label added, each metric family's HELP and
 *   TYPE once (Prometheus refuses a family declared twice), so sums and maxima over `process` give
 *   the daemon's figures and per-process series stay visible.
 * - Status: one row per table. Children of one group share the partitions, so several may write
 *   the same table: records (lag, buffered) add up, the oldest waiting record (freshness) and the
 *   latest commit are the worst and newest of them.
 */
import type { CommitEntry, ErrorEntry } from '../ops/status-history.js';
import type { LiveStatus, LiveTableStatus } from './live-status.js';

/** Merges Prometheus text expositions, one per child, labelling each child's samples `process="<i>"`. */
export function mergeMetrics(texts: string[]): string {
  const families = new Map<string, { meta: string[]; samples: string[] }>();
  texts.forEach((text, index) => {
    let current: { meta: string[]; samples: string[] } | undefined;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (meta) {
        const name = meta[2]!;
        current = families.get(name);
        if (!current) families.set(name, (current = { meta: [], samples: [] }));
        if (!current.meta.some((m) => m.startsWith(`# ${meta[1]} `))) current.meta.push(line);
        continue;
      }
      if (line.startsWith('#')) continue;
      const sample = labelled(line, index);
      if (current) current.samples.push(sample);
      else families.set(`\u0000${families.size}`, { meta: [], samples: [sample] });
    }
  });
  const out: string[] = [];
  for (const f of families.values()) out.push(...f.meta, ...f.samples);
  return `${out.join('\n')}\n`;
}

/** `name{a="1"} 5` → `name{process="2",a="1"} 5`; `name 5` → `name{process="2"} 5`. */
function labelled(sample: string, index: number): string {
  const brace = sample.indexOf('{');
  const space = sample.indexOf(' ');
  const label = `process="${index}"`;
  if (brace >= 0 && (space < 0 || brace < space)) {
    const empty = sample[brace + 1] === '}';
    return `${sample.slice(0, brace + 1)}${label}${empty ? '' : ','}${sample.slice(brace + 1)}`;
  }
  return space < 0 ? sample : `${sample.slice(0, space)}{${label}}${sample.slice(space)}`;
}

/** Recent commits and errors shown, as many as one daemon keeps (ops/status-history.ts). */
const RECENT = 50;

/** Freshness samples closer than this are one point of the merged chart (the children's samples are 10 s apart). */
const SAMPLE_MS = 10_000;

/** The children's live status as one daemon's. */
export function mergeStatus(children: LiveStatus[]): LiveStatus | undefined {
  const first = children[0];
  if (!first) return undefined;
  const tables = new Map<string, LiveTableStatus>();
  for (const child of children) {
    for (const t of child.tables) {
      const seen = tables.get(t.table);
      tables.set(t.table, seen ? mergeTable(seen, t) : { ...t, topics: [...t.topics], freshness: [...t.freshness] });
    }
  }
  const newestFirst = <T extends { at: number }>(lists: T[][]): T[] => lists.flat().sort((a, b) => b.at - a.at).slice(0, RECENT);
  return {
    generatedAtMs: Math.max(...children.map((c) => c.generatedAtMs)),
    version: first.version,
    groupId: first.groupId,
    ready: children.every((c) => c.ready),
    windowMs: first.windowMs,
    tables: [...tables.values()].sort((a, b) => a.table.localeCompare(b.table)),
    commits: newestFirst<CommitEntry>(children.map((c) => c.commits)),
    errors: newestFirst<ErrorEntry>(children.map((c) => c.errors)),
  };
}

function mergeTable(a: LiveTableStatus, b: LiveTableStatus): LiveTableStatus {
  const lastCommitMs = a.lastCommitMs === undefined ? b.lastCommitMs : b.lastCommitMs === undefined ? a.lastCommitMs : Math.max(a.lastCommitMs, b.lastCommitMs);
  const merged: LiveTableStatus = {
    ...a,
    topics: [...new Set([...a.topics, ...b.topics])].sort(),
    lagRecords: a.lagRecords + b.lagRecords,
    bufferedRecords: a.bufferedRecords + b.bufferedRecords,
    lagSeconds: Math.max(a.lagSeconds, b.lagSeconds),
    lastCommitMs,
    freshness: mergeSeries(a.freshness, b.freshness),
  };
  if (a.exists === false && b.exists === false) merged.exists = false;
  else delete merged.exists;
  return merged;
}

/** Two [time ms, seconds] series as one: by time, the worst value where samples fall together. */
function mergeSeries(a: Array<[number, number]>, b: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [at, value] of [...a, ...b].sort((x, y) => x[0] - y[0])) {
    const last = out.at(-1);
    if (last && at - last[0] < SAMPLE_MS) last[1] = Math.max(last[1], value);
    else out.push([at, value]);
  }
  return out;
}

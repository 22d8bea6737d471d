import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TableChange } from '../../../src/iceberg/spec/changes.js';
import { changeLanded, commitWithRetry, isAncestorOf, retryPolicy } from '../../../src/iceberg/catalog/commit.js';
import { RestCatalogClient } from '../../../src/iceberg/catalog/rest-client.js';
import type { TableMetadata } from '../../../src/iceberg/spec/types.js';
import { isFloeError } from '../../../src/util/errors.js';
import { emptyMetadata, FakeCatalog } from './fake-catalog.js';

const id = { namespace: ['db'], name: 't' };
const noSleep = { sleep: async () => undefined };

/** A fast append: a new snapshot on top of main, pinned to main's current head. */
function appendBuilder(label: string) {
  let next = 1000;
  const builds: TableMetadata[] = [];
  const build = async (m: TableMetadata): Promise<TableChange> => {
    builds.push(m);
    const head = m.refs?.main?.['snapshot-id'] ?? null;
    const sid = next++;
    return {
      requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': head }],
      updates: [
        {
          action: 'add-snapshot',
          snapshot: {
            'snapshot-id': sid,
            ...(head === null ? {} : { 'parent-snapshot-id': head }),
            'sequence-number': 1,
            'timestamp-ms': Date.now(),
            'manifest-list': `s3://warehouse/db/t/metadata/snap-${sid}.avro`,
            summary: { operation: 'append', label },
          },
        },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': sid },
      ],
    };
  };
  return { build, builds };
}

function appended(m: TableMetadata, label: string): number {
  return (m.snapshots ?? []).filter((s) => s.summary.label === label).length;
}

describe('commitWithRetry', () => {
  let fake: FakeCatalog;
  let client: RestCatalogClient;
  beforeEach(async () => {
    fake = new FakeCatalog();
    const uri = await fake.start();
    fake.namespaces.set('db', {});
    fake.addTable(['db'], 't', emptyMetadata());
    client = new RestCatalogClient({ uri, readRetries: 0 });
  });
  afterEach(() => fake.stop());

  it('commits on the first try', async () => {
    const { build } = appendBuilder('a');
    const res = await commitWithRetry(client, id, build, noSleep);
    expect(res.attempts).toBe(1);
    expect(appended(fake.table(['db'], 't'), 'a')).toBe(1);
    expect(res.table.config['s3.access-key-id']).toBe('vended'); // config of the load carried over
  });

  it('reloads and rebuilds after a 409, against the other writer\'s snapshot', async () => {
    const other = appendBuilder('other');
    const mine = appendBuilder('mine');
    // Another writer commits between our load and our commit.
    fake.beforeCommit.push(() => {
      const m = fake.table(['db'], 't');
      const t = fake.tables.get(JSON.stringify([['db'], 't']))!;
      t.metadata = { ...m, snapshots: [{ 'snapshot-id': 5, 'sequence-number': 1, 'timestamp-ms': 1, 'manifest-list': 'x', summary: { operation: 'append', label: 'other' } }], refs: { main: { 'snapshot-id': 5, type: 'branch' } } };
    });
    void other;
    const sleeps: number[] = [];
    const res = await commitWithRetry(client, id, mine.build, { sleep: async (ms) => void sleeps.push(ms) });
    expect(res.attempts).toBe(2);
    expect(mine.builds[1]?.refs?.main?.['snapshot-id']).toBe(5);
    const m = fake.table(['db'], 't');
    expect(appended(m, 'mine')).toBe(1);
    expect(m.snapshots?.find((s) => s.summary.label === 'mine')?.['parent-snapshot-id']).toBe(5);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
  });

  it('gives up with a retryable conflict after num-retries', async () => {
    fake.addTable(['db'], 't', emptyMetadata({ 'commit.retry.num-retries': '2' }));
    fake.commitFaults = ['conflict', 'conflict', 'conflict', 'conflict'];
    const { build, builds } = appendBuilder('a');
    const err = await commitWithRetry(client, id, build, noSleep).catch((e: unknown) => e);
    expect(isFloeError(err, 'CATALOG_COMMIT_CONFLICT')).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(true);
    expect(builds).toHaveLength(3); // 1 + 2 retries from the table property
  });

  it('backs off exponentially within min and max wait', async () => {
    fake.commitFaults = ['conflict', 'conflict', 'conflict', 'conflict'];
    const sleeps: number[] = [];
    await commitWithRetry(client, id, appendBuilder('a').build, {
      retry: { minWaitMs: 100, maxWaitMs: 300 },
      random: () => 1,
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(sleeps).toEqual([100, 200, 300, 300]);
  });

  it('500 after the commit applied: recognises the snapshot and does not append again', async () => {
    fake.commitFaults = ['apply-then-500'];
    const { build, builds } = appendBuilder('a');
    const res = await commitWithRetry(client, id, build, noSleep);
    expect(res.recovered).toBe(true);
    expect(builds).toHaveLength(1);
    expect(appended(fake.table(['db'], 't'), 'a')).toBe(1);
  });

  it('connection reset after the commit applied: recognises the snapshot', async () => {
    fake.commitFaults = ['apply-then-reset'];
    const { build, builds } = appendBuilder('a');
    const res = await commitWithRetry(client, id, build, noSleep);
    expect(res.recovered).toBe(true);
    expect(builds).toHaveLength(1);
    expect(appended(fake.table(['db'], 't'), 'a')).toBe(1);
  });

  it('unknown outcome that did not land: retries once the table shows it is safe', async () => {
    fake.commitFaults = ['reject-503', 'reset-before-apply'];
    const { build, builds } = appendBuilder('a');
    const res = await commitWithRetry(client, id, build, noSleep);
    expect(res.recovered).toBe(false);
    expect(builds).toHaveLength(3);
    expect(appended(fake.table(['db'], 't'), 'a')).toBe(1);
  });

  it('a lost attempt that lands late is recognised on the next reload, not appended twice', async () => {
    const { build } = appendBuilder('a');
    // Attempt 1: 503 and nothing applied. Before the reload sees the table, the "lost" attempt lands.
    fake.commitFaults = ['reject-503'];
    let firstChange: TableChange | undefined;
    const res = await commitWithRetry(
      client,
      id,
      async (m) => {
        const c = await build(m);
        firstChange ??= c;
        return c;
      },
      {
        sleep: async () => {
          const t = fake.tables.get(JSON.stringify([['db'], 't']))!;
          const add = firstChange!.updates[0] as Extract<TableChange['updates'][number], { action: 'add-snapshot' }>;
          t.metadata = { ...t.metadata, snapshots: [add.snapshot], refs: { main: { 'snapshot-id': add.snapshot['snapshot-id'], type: 'branch' } } };
        },
      },
    );
    expect(res.recovered).toBe(true);
    expect(res.change).toBe(firstChange);
    expect(appended(fake.table(['db'], 't'), 'a')).toBe(1);
  });

  it('an empty build ends without a commit', async () => {
    const res = await commitWithRetry(client, id, async () => ({ requirements: [], updates: [] }), noSleep);
    expect(res.attempts).toBe(0);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('a custom landed() decides for changes without snapshots', async () => {
    fake.commitFaults = ['apply-then-500'];
    let checks = 0;
    const res = await commitWithRetry(
      client,
      id,
      async () => ({ requirements: [], updates: [{ action: 'add-spec', spec: { 'spec-id': 1, fields: [] } }] }),
      { ...noSleep, landed: () => (checks++, true) },
    );
    expect(res.recovered).toBe(true);
    expect(checks).toBe(1);
  });

  it('rebuilds a change refused with 400 because another writer upgraded the table to v3 meanwhile', async () => {
    fake.beforeCommit.push(() => {
      const t = fake.tables.get(JSON.stringify([['db'], 't']))!;
      t.metadata = { ...t.metadata, 'format-version': 3, 'next-row-id': 0 };
    });
    const { build: plain, builds } = appendBuilder('a');
    // Row lineage when the table it is built on is v3, as FastAppend does.
    const build = async (m: TableMetadata): Promise<TableChange> => {
      const c = await plain(m);
      if (m['format-version'] < 3) return c;
      const add = c.updates[0] as Extract<TableChange['updates'][number], { action: 'add-snapshot' }>;
      return { ...c, updates: [{ ...add, snapshot: { ...add.snapshot, 'first-row-id': 0, 'added-rows': 0 } }, ...c.updates.slice(1)] };
    };
    const res = await commitWithRetry(client, id, build, noSleep);
    expect(res.attempts).toBe(2);
    expect(builds.map((m) => m['format-version'])).toEqual([2, 3]);
    const m = fake.table(['db'], 't');
    expect(appended(m, 'a')).toBe(1);
    expect(m.snapshots![0]!['first-row-id']).toBe(0);
  });

  it('a 400 on a table whose format did not change is thrown, not retried', async () => {
    fake.addTable(['db'], 't', { ...emptyMetadata(), 'format-version': 3, 'next-row-id': 0 });
    const { build, builds } = appendBuilder('a'); // no row lineage: refused every time
    const err = await commitWithRetry(client, id, build, noSleep).catch((e: unknown) => e);
    expect(isFloeError(err, 'CATALOG_BAD_REQUEST')).toBe(true);
    expect(builds).toHaveLength(1);
  });

  it('does not retry other errors', async () => {
    const err = await commitWithRetry(client, { namespace: ['db'], name: 'missing' }, appendBuilder('a').build, noSleep).catch((e: unknown) => e);
    expect(isFloeError(err, 'CATALOG_NO_SUCH_TABLE')).toBe(true);
  });
});

describe('landed checks', () => {
  const snap = (id: number | bigint, parent?: number | bigint) => ({
    'snapshot-id': id as number,
    ...(parent === undefined ? {} : { 'parent-snapshot-id': parent as number }),
    'sequence-number': 1,
    'timestamp-ms': 0,
    'manifest-list': 'x',
    summary: { operation: 'append' as const },
  });

  it('matches 64-bit snapshot ids exactly', () => {
    const big = 6_432_188_712_345_678_901n;
    const m = { ...emptyMetadata(), snapshots: [snap(big)], refs: { main: { 'snapshot-id': big as unknown as number, type: 'branch' as const } } };
    const change = (sid: bigint): TableChange => ({ requirements: [], updates: [{ action: 'add-snapshot', snapshot: snap(sid) }] });
    expect(changeLanded(m, change(big))).toBe(true);
    expect(changeLanded(m, change(big + 1n))).toBe(false);
  });

  it('walks main ancestry', () => {
    const m = { ...emptyMetadata(), snapshots: [snap(1), snap(2, 1), snap(3, 2), snap(9)], refs: { main: { 'snapshot-id': 3, type: 'branch' as const } } };
    expect(isAncestorOf(m, 1)).toBe(true);
    expect(isAncestorOf(m, 3)).toBe(true);
    expect(isAncestorOf(m, 9)).toBe(false);
  });

  it('property changes land when the table shows them', () => {
    const m = emptyMetadata({ a: '1' });
    expect(changeLanded(m, { requirements: [], updates: [{ action: 'set-properties', updates: { a: '1' } }] })).toBe(true);
    expect(changeLanded(m, { requirements: [], updates: [{ action: 'set-properties', updates: { a: '2' } }] })).toBe(false);
    expect(changeLanded(m, { requirements: [], updates: [{ action: 'set-location', location: 'x' }] })).toBe(undefined);
  });

  it('reads commit.retry.* properties, explicit options first', () => {
    expect(retryPolicy({})).toEqual({ numRetries: 4, minWaitMs: 100, maxWaitMs: 60_000, totalTimeoutMs: 1_800_000 });
    expect(retryPolicy({ 'commit.retry.num-retries': '7', 'commit.retry.min-wait-ms': 'x' }, { maxWaitMs: 5 })).toEqual({
      numRetries: 7,
      minWaitMs: 100,
      maxWaitMs: 5,
      totalTimeoutMs: 1_800_000,
    });
  });
});

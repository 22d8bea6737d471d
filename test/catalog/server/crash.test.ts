/**
 * kill -9 of `floe catalog serve` while four clients commit: after a restart on the same store the
 * table loads, its pointer names a complete metadata file, every commit that was answered 200 is in
 * the main branch, and commits go on. Commits cut off by the kill may or may not have landed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TableChange } from '../../../src/iceberg/catalog/changes.js';
import { parseJson } from '../../../src/iceberg/catalog/json.js';
import { newSnapshotId, parseTableMetadata } from '../../../src/iceberg/spec/metadata.js';
import type { TableMetadata } from '../../../src/iceberg/spec/types.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-catalog-crash-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function start(port: number): Promise<ChildProcess> {
  // node --import tsx: one process, so SIGKILL hits the server itself (the tsx CLI would fork).
  const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'catalog', 'serve', '--warehouse', join(dir, 'wh'), '--store', join(dir, 'catalog.db'), '--port', String(port)], {
    stdio: 'ignore',
    env: { ...process.env, FLOE_LOG_LEVEL: 'silent' },
  });
  for (let i = 0; i < 150; i++) {
    if (await fetch(`http://127.0.0.1:${port}/v1/config`).then((r) => r.ok, () => false)) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('catalog did not start');
}

function append(md: TableMetadata, tag: string): TableChange {
  const id = newSnapshotId(md);
  const current = md['current-snapshot-id'];
  const parent = current === null || current === undefined || Number(current) === -1 ? null : current;
  return {
    requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parent }],
    updates: [
      {
        action: 'add-snapshot',
        snapshot: {
          'snapshot-id': id,
          ...(parent === null ? {} : { 'parent-snapshot-id': parent }),
          'sequence-number': (md['last-sequence-number'] ?? 0) + 1,
          'timestamp-ms': Date.now(),
          'manifest-list': `${md.location}/metadata/snap-${id}.avro`,
          summary: { operation: 'append', writer: tag },
          'schema-id': 0,
        },
      },
      { action: 'set-snapshot-ref', 'ref-name': 'main', 'snapshot-id': id, type: 'branch' },
    ],
  };
}

async function load(base: string): Promise<{ location: string; md: TableMetadata }> {
  const r = await fetch(`${base}/v1/namespaces/db/tables/t`);
  if (r.status !== 200) throw new Error(`load: ${r.status} ${await r.text()}`);
  const body = parseJson(await r.text()) as { 'metadata-location': string; metadata: unknown };
  return { location: body['metadata-location'], md: parseTableMetadata(body.metadata) };
}

function mainChain(md: TableMetadata): string[] {
  const out: string[] = [];
  for (let s = md['current-snapshot-id']; s !== null && s !== undefined && Number(s) !== -1; ) {
    const snap = md.snapshots!.find((x) => String(x['snapshot-id']) === String(s));
    if (!snap) throw new Error(`snapshot ${String(s)} in the chain is missing`);
    out.push(String(snap.summary.writer));
    s = snap['parent-snapshot-id'];
  }
  return out;
}

describe('catalog server crash', () => {
  it('kill -9 mid-commit leaves the table intact, with every acknowledged commit', { timeout: 180_000 }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = await start(port);
    await fetch(`${base}/v1/namespaces`, { method: 'POST', body: JSON.stringify({ namespace: ['db'] }) });
    const schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] };
    expect((await fetch(`${base}/v1/namespaces/db/tables`, { method: 'POST', body: JSON.stringify({ name: 't', schema }) })).status).toBe(200);

    const acknowledged: string[] = [];
    for (let round = 0; round < 4; round++) {
      let stop = false;
      const writers = [0, 1, 2, 3].map(async (w) => {
        for (let n = 0; !stop; n++) {
          try {
            const { md } = await load(base);
            const tag = `${round}-${w}-${n}`;
            const r = await fetch(`${base}/v1/namespaces/db/tables/t`, { method: 'POST', body: JSON.stringify(append(md, tag)) });
            if (r.status === 200) acknowledged.push(tag);
            else if (r.status !== 409) throw new Error(`unexpected ${r.status}`);
          } catch (err) {
            if (stop) return;
            throw err;
          }
        }
      });
      await new Promise((r) => setTimeout(r, 400 + Math.random() * 600));
      stop = true;
      child.kill('SIGKILL');
      await Promise.allSettled(writers);
      const killed = child;
      if (killed.exitCode === null && killed.signalCode === null) await new Promise((r) => killed.once('exit', r));
      child = await start(port);

      const { location, md } = await load(base);
      expect(existsSync(location)).toBe(true);
      const chain = mainChain(md);
      for (const tag of acknowledged) expect(chain).toContain(tag);
      expect(new Set(chain).size).toBe(chain.length);
    }
    expect(acknowledged.length).toBeGreaterThan(4);
    // The table still takes commits after the last restart.
    const { md } = await load(base);
    expect((await fetch(`${base}/v1/namespaces/db/tables/t`, { method: 'POST', body: JSON.stringify(append(md, 'after')) })).status).toBe(200);
  });
});

/**
 * kill -9 of `floe catalog serve` while four clients commit: after a restart on the same store the
 * table loads, its pointer names a complete metadata file, every commit that was answered 200 is in
 * the main branch exactly once, and commits go on. Commits cut off by the kill may or may not have
 * landed. With several servers on one store (PostgreSQL), the clients spread over all of them and
 * every server is killed each round.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '../../harness/ports.js';
import { expect } from 'vitest';
import { parseJson } from '../../../src/iceberg/spec/json.js';
import { parseTableMetadata } from '../../../src/iceberg/spec/metadata.js';
import type { TableMetadata } from '../../../src/iceberg/spec/types.js';
import { appendChange } from './append-change.js';
import { floeArgv } from '../../harness/cli.js';

/** `floe catalog serve` with `args` (warehouse, store) on `port`, once it answers /v1/config. */
async function start(port: number, args: string[]): Promise<ChildProcess> {
  // One process (bin/floe.js runs the CLI in itself), so SIGKILL hits the server itself.
  const p = spawn(process.execPath, floeArgv(['catalog', 'serve', ...args, '--port', String(port)]), {
    stdio: 'ignore',
    env: { ...process.env, FLOE_LOG_LEVEL: 'silent' },
  });
  for (let i = 0; i < 300; i++) {
    if (await fetch(`http://127.0.0.1:${port}/v1/config`).then((r) => r.ok, () => false)) return p;
    if (p.exitCode !== null) throw new Error(`catalog exited with ${p.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('catalog did not start');
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

export interface CrashScenario {
  /** `catalog serve` arguments other than the port: --warehouse (local) and --store. */
  serveArgs: string[];
  /** Servers sharing the store; each client talks to server `client % servers`. */
  servers: number;
  rounds: number;
}

/** Runs the scenario; returns the acknowledged commits. `children` is kept for the caller's cleanup. */
export async function runCrashScenario(o: CrashScenario, children: ChildProcess[]): Promise<string[]> {
  const ports = await Promise.all(Array.from({ length: o.servers }, () => freePort()));
  const bases = ports.map((p) => `http://127.0.0.1:${p}`);
  const startAll = async () => {
    children.splice(0, children.length, ...(await Promise.all(ports.map((p) => start(p, o.serveArgs)))));
  };
  await startAll();
  const base = bases[0]!;
  await fetch(`${base}/v1/namespaces`, { method: 'POST', body: JSON.stringify({ namespace: ['db'] }) });
  const schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] };
  expect((await fetch(`${base}/v1/namespaces/db/tables`, { method: 'POST', body: JSON.stringify({ name: 't', schema }) })).status).toBe(200);

  const acknowledged: string[] = [];
  for (let round = 0; round < o.rounds; round++) {
    let stop = false;
    const writers = [0, 1, 2, 3].map(async (w) => {
      const mine = bases[w % bases.length]!;
      for (let n = 0; !stop; n++) {
        try {
          const { md } = await load(mine);
          const tag = `${round}-${w}-${n}`;
          const r = await fetch(`${mine}/v1/namespaces/db/tables/t`, { method: 'POST', body: JSON.stringify(appendChange(md, tag)) });
          if (r.status === 200) acknowledged.push(tag);
          else if (r.status !== 409) throw new Error(`unexpected ${r.status}: ${await r.text()}`);
        } catch (err) {
          if (stop) return;
          throw err;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 400 + Math.random() * 600));
    stop = true;
    for (const child of children) child.kill('SIGKILL');
    const outcomes = await Promise.allSettled(writers);
    // A writer may only fail because its server died under it, never on a wrong answer.
    for (const out of outcomes) if (out.status === 'rejected') expect(String(out.reason)).not.toMatch(/unexpected/);
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await startAll();

    for (const b of bases) {
      const { location, md } = await load(b);
      expect(existsSync(location)).toBe(true);
      const chain = mainChain(md);
      for (const tag of acknowledged) expect(chain).toContain(tag);
      expect(new Set(chain).size).toBe(chain.length);
    }
  }
  expect(acknowledged.length).toBeGreaterThan(o.rounds);
  // The table still takes commits after the last restart, through every server.
  for (const [i, b] of bases.entries()) {
    const { md } = await load(b);
    expect((await fetch(`${b}/v1/namespaces/db/tables/t`, { method: 'POST', body: JSON.stringify(appendChange(md, `after-${i}`)) })).status).toBe(200);
  }
  return acknowledged;
}

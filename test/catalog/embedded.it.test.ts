/**
 * `catalog: {type: embedded}`: the daemon serves floe's catalog from its own process (on the fixed
 * port 18182, data on MinIO), creates and commits the bronze table through it, and Spark reads the
 * table through that same catalog while the daemon runs; once with the SQLite store and once with
 * the PostgreSQL store (the stack's server, a database of its own), whose password never reaches
 * the daemon's log.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { registerSparkCatalog } from '../harness/catalogs.js';
import { oracleFor } from '../harness/oracle.js';
import { createDatabase, dropDatabase } from '../harness/postgres.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
const databases: string[] = [];
afterAll(async () => {
  await producer.close();
  for (const db of databases) await dropDatabase(db);
});

const PORT = 18182;
const N = 2000;
const schema = { type: 'record', name: 'Event', fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }] };

describe.each(['sqlite', 'postgres'] as const)('embedded catalog on the %s store', (storeType) => {
  it('the daemon commits through its embedded catalog and Spark reads the table through it', async () => {
    const s = uniqueSuffix().replace(/[^a-z0-9]/gi, '');
    const topic = `floe-embedded-${s}`;
    await producer.createTopic(topic, 2);
    const id = await producer.register(`${topic}-value`, schema);
    await producer.send(topic, Array.from({ length: N }, (_, i) => ({ value: producer.encode(id, { id: i, name: `n${i}` }), partition: i % 2 })));

    const dir = workDir('embedded');
    const path = writeDaemonConfig(stack, dir, { groupId: `floe-embedded-${s}`, defaults: { namespace: 'emb' }, tables: [{ topics: [topic], table: 'events' }] });
    const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    config.catalog = {
      type: 'embedded',
      warehouse: `s3://${stack.s3.bucket}/floe-embedded-${s}`,
      store: storeType === 'sqlite' ? { type: 'sqlite', path: join(dir, 'catalog.db') } : { type: 'postgres', url: await database() },
      port: PORT,
    };
    writeFileSync(path, JSON.stringify(config, null, 2));

    const cat = `floeemb_${s}`;
    await registerSparkCatalog(oracle, cat, `http://127.0.0.1:${PORT}`, stack.s3);

    const daemon = DaemonProcess.start(path, join(dir, 'daemon.log'));
    try {
      await waitFor('all records committed', async () => {
        if (!daemon.running) throw new Error(daemon.log().slice(-3000));
        const r = await oracle.sparkSql(`SELECT count(*) FROM ${cat}.emb.events`).catch(() => undefined);
        return r && Number(r.rows[0]![0]) >= N ? true : undefined;
      }, 180_000, 2000);
      const r = await oracle.sparkSql(`SELECT count(*), count(DISTINCT id), sum(id) FROM ${cat}.emb.events`);
      expect(r.rows[0]!.map(String)).toEqual([N, N, (N * (N - 1)) / 2].map(String));
      expect((await daemon.stop()).code).toBe(0);
      if (storeType === 'postgres') {
        expect(daemon.log()).toContain('[redacted]@127.0.0.1');
        expect(daemon.log()).not.toContain(new URL(stack.postgresUrl).password);
      }
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 600_000);
});

async function database(): Promise<string> {
  const url = await createDatabase(stack.postgresUrl, 'floe_embedded');
  databases.push(url);
  return url;
}

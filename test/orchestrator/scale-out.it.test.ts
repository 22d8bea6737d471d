/**
 * Scale-out: three daemons in one consumer group share the partitions of two topics and commit
 * concurrently to the same table; mid-run one is SIGKILLed and a fourth joins. No record is lost
 * or duplicated, and the table's latest offsets cover every partition — each daemon's commits
 * kept the offsets the others had stored.
 *
 * The daemons also write both topics into hits_v3, created as format v2 and upgraded to v3 in
 * place mid-run by the added daemon (its mapping says formatVersion 3, the others' still 2) while
 * the others go on committing: their commits must follow the table's version, not their mapping's
 * (a commit built on the v2 metadata just before the upgrade is refused by the catalog and rebuilt);
 * concurrent commits conflict and are retried on fresh metadata, and each retry must take its row
 * ids from the table's next-row-id of that attempt, so the row lineage holds for the rows of both
 * eras (test/harness/lineage.ts).
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { catalogMetadata, expectRowLineage } from '../harness/lineage.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const TOTAL = Number(process.env.FLOE_IT_SCALE_RECORDS ?? 120_000);
const schema = { type: 'record', name: 'Hit', fields: [{ name: 'id', type: 'long' }] };

describe('scale-out', () => {
  it('3 daemons, one killed and one added mid-run: exactly once, offsets of all writers kept', async () => {
    const s = uniqueSuffix();
    const topics = [`floe-scale-a-${s}`, `floe-scale-b-${s}`];
    const ns = `scale_${s}`;
    for (const t of topics) await producer.createTopic(t, 3);
    const id = await producer.register(`floe-scale-${s}-value`, schema);
    const dir = workDir('scale');
    const configFor = (formatVersion: 2 | 3, at: string) =>
      writeDaemonConfig(stack, at, {
        groupId: `floe-scale-${s}`,
        sessionTimeoutMs: 6000,
        defaults: { namespace: ns, commit: { intervalMs: 500 } },
        tables: [{ topics, table: 'hits' }, { topics, table: 'hits_v3', formatVersion }],
      });
    const config = configFor(2, dir);
    const chunk = 6000;
    // Half the records are produced before the added daemon (whose mapping upgrades hits_v3) has
    // joined, half after: the upgrade lands between commits of the others.
    let upgraded = () => undefined as void;
    const addedJoined = new Promise<void>((resolve) => (upgraded = resolve));
    const production = (async () => {
      for (let from = 0; from < TOTAL; from += chunk) {
        if (from === Math.floor(TOTAL / chunk / 2) * chunk) await addedJoined;
        for (const [ti, topic] of topics.entries()) {
          await producer.send(topic, Array.from({ length: chunk / 2 }, (_, k) => {
            const i = from + ti * (chunk / 2) + k;
            return { value: producer.encode(id, { id: i }), partition: i % 3 };
          }));
        }
        await sleep(300);
      }
    })();
    const daemons = [0, 1, 2].map((i) => DaemonProcess.start(config, `${dir}/daemon-${i}.log`));
    try {
      await sleep(15_000);
      daemons[1]!.kill('SIGKILL');
      await sleep(5000);
      const added = DaemonProcess.start(configFor(3, workDir('scale-v3')), `${dir}/daemon-3.log`);
      daemons.push(added);
      // The added daemon must really take part: wait until the group has given it partitions
      // (on a loaded machine its start-up alone can outlast the rest of the production).
      await waitFor('the added daemon is assigned partitions', () =>
        added.logLines().some((l) => l.msg === 'partitions assigned') ? true : undefined, 180_000, 500);
      upgraded();
      await production;
      const table = `floe.${ns}.hits`;
      const v3 = `floe.${ns}.hits_v3`;
      await waitFor('every record committed', async () => {
        const n = Number((await oracle.sparkSql(`SELECT (SELECT count(*) FROM ${table}), (SELECT count(*) FROM ${v3})`)).rows[0]!.map(Number).reduce((a, b) => Math.min(a, b)));
        return n >= TOTAL ? true : undefined;
      }, 300_000, 3000);
      const live = daemons.filter((d) => d.running);
      const exits = await Promise.all(live.map((d) => d.stop()));
      expect(exits.map((e) => e.code)).toEqual(live.map(() => 0));
      for (const t of [table, v3]) {
        const r = await oracle.sparkSql(`SELECT count(*), count(DISTINCT _kafka.topic, _kafka.partition, _kafka.offset), count(DISTINCT id) FROM ${t}`);
        expect(r.rows[0]!.map(Number), t).toEqual([TOTAL, TOTAL, TOTAL]);
      }
      const lineage = await expectRowLineage(oracle, v3, await catalogMetadata(stack.catalogUri, ns, 'hits_v3', stack.warehouse), { upgraded: true });
      // Upgraded mid-run: commits of both eras, and v2-configured daemons committed after it.
      expect(lineage.v2Snapshots, 'snapshots before the upgrade').toBeGreaterThan(0);
      expect(lineage.snapshots, 'snapshots after the upgrade').toBeGreaterThan(1);
      expect(added.logLines().some((l) => l.msg === 'table definition changes to follow the mapping' && l.change === 'format-version')).toBe(true);
      const lines = daemons.flatMap((d) => d.logLines()).filter((l) => JSON.stringify(l).includes('hits_v3'));
      const retries = lines.filter((l) => /retry|conflict/i.test(String(l.msg))).length;
      const rebuilt = lines.filter((l) => /upgraded to a newer format/.test(String(l.msg))).length;
      console.log(`[scale-out] v3 lineage: ${lineage.v2Snapshots} v2 then ${lineage.snapshots} v3 snapshots, ${lineage.rows} rows, next-row-id ${lineage.nextRowId}; ${retries} logged commit retries on hits_v3, ${rebuilt} rebuilt after the upgrade`);
      // Several daemons committed (snapshots from different writers), and the newest snapshot's
      // offsets name all six partitions at their end.
      const info = await oracle.pyicebergTable(`${ns}.hits`);
      const offsets = JSON.parse(String((info.current_snapshot!.summary as Record<string, string>)['floe.offsets'])) as Record<string, Record<string, string>>;
      const total = Object.values(offsets).flatMap((p) => Object.values(p)).reduce((n, o) => n + Number(o), 0);
      expect(Object.keys(offsets).sort()).toEqual([...topics].sort());
      expect(Object.values(offsets).map((p) => Object.keys(p).length)).toEqual([3, 3]);
      expect(total).toBe(TOTAL);
      const committers = daemons.filter((d) => d.logLines().some((l) => l.msg === 'partitions assigned'));
      expect(committers.length).toBeGreaterThanOrEqual(3);
    } finally {
      for (const d of daemons) d.kill('SIGKILL');
    }
  }, 900_000);
});

/**
 * Crash safety: the daemon is SIGKILLed at random moments (while fetching, writing Parquet,
 * uploading, committing, right after a commit) while records are produced, and restarted each
 * time. The table is the source of truth for offsets, so at the end Spark sees every produced
 * record exactly once.
 *
 * Commits happen between the kills, not only in the last life: every life that had a backlog to
 * read and read for long enough (READ_MS after its positions were set) committed at least once,
 * as the commit cadence promises while catching up (issue #11). Lives that join too late to
 * commit, or find nothing to read, are not held to it.
 *
 * The same daemons also write a second topic, produced alongside at a tenth of the rate, into a
 * format v3 table (ticks_v3): the kills hit its commits too, and afterwards it holds every record
 * exactly once and its row lineage holds (test/harness/lineage.ts) — snapshot row-id ranges
 * contiguous up to next-row-id, every row's `_row_id` distinct and inside its commit's range. (A
 * tenth, not a copy of the topic: the lives' commit cadence above is checked on a loaded machine.)
 *
 * Scale: 500k small records, 12 kills (FLOE_IT_CRASH_RECORDS / FLOE_IT_CRASH_KILLS override).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { catalogMetadata, expectRowLineage } from '../harness/lineage.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const TOTAL = Number(process.env.FLOE_IT_CRASH_RECORDS ?? 500_000);
const KILLS = Number(process.env.FLOE_IT_CRASH_KILLS ?? 12);
/** Records of the v3 table's topic: one for every ten of the main topic. */
const TOTAL_V3 = Math.ceil(TOTAL / 10);
/** commit.intervalMs below, plus the 5 s a commit may take before it counts as late, plus slack. */
const READ_MS = 8000;

const schema = { type: 'record', name: 'Tick', fields: [{ name: 'id', type: 'long' }, { name: 'v', type: 'int' }] };

async function counts(table: string): Promise<[number, number, number]> {
  const r = await oracle.sparkSql(`SELECT count(*), count(DISTINCT _kafka.partition, _kafka.offset), count(DISTINCT id) FROM ${table}`);
  return r.rows[0]!.map(Number) as [number, number, number];
}

/** Sum of the topic's end offsets, sampled every second while `until` is pending. */
async function sampleEndOffsets(topic: string, until: Promise<unknown>): Promise<Array<{ at: number; end: bigint }>> {
  const admin = producer.kafka.admin();
  await admin.connect();
  const samples: Array<{ at: number; end: bigint }> = [];
  let done = false;
  void until.finally(() => (done = true));
  try {
    while (!done) {
      const at = Date.now();
      samples.push({ at, end: (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + BigInt(p.high), 0n) });
      await sleep(1000);
    }
  } finally {
    await admin.disconnect();
  }
  return samples;
}

/** The table's snapshots in commit order: when (ms) and the sum of the offsets they carry. */
async function snapshotsOf(table: string): Promise<Array<{ at: number; offsets: bigint }>> {
  const info = await oracle.pyicebergTable(table);
  return info.snapshots
    .map((x) => {
      const summary = (x.summary ?? {}) as Record<string, string>;
      const offsets = JSON.parse(summary['floe.offsets'] ?? '{}') as Record<string, Record<string, string>>;
      const sum = Object.values(offsets).flatMap((byPartition) => Object.values(byPartition)).reduce((n, o) => n + BigInt(o), 0n);
      return { at: Number(x['timestamp-ms']), offsets: sum };
    })
    .sort((a, b) => a.at - b.at);
}

describe('crash safety', () => {
  it(`SIGKILL ${KILLS} times while ${TOTAL} records are produced: no loss, no duplicate`, async () => {
    const s = uniqueSuffix();
    const topic = `floe-crash-${s}`;
    const ns = `crash_${s}`;
    const topicV3 = `floe-crash-v3-${s}`;
    await producer.createTopic(topic, 3);
    await producer.createTopic(topicV3, 3);
    const id = await producer.register(`${topic}-value`, schema);
    const idV3 = await producer.register(`${topicV3}-value`, schema);
    const dir = workDir('crash');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-crash-${s}`,
      sessionTimeoutMs: 6000,
      defaults: { namespace: ns, commit: { intervalMs: 700 } },
      tables: [{ topics: [topic], table: 'ticks' }, { topics: [topicV3], table: 'ticks_v3', formatVersion: 3 }],
    });

    // Produce in the background, spread over most of the kill phase: lives start behind a backlog.
    const chunk = 10_000;
    const pause = Math.max(400, (KILLS * 13_500 * 0.8) / Math.ceil(TOTAL / chunk));
    let produced = 0;
    const production = (async () => {
      for (let from = 0; from < TOTAL; from += chunk) {
        const messages = Array.from({ length: Math.min(chunk, TOTAL - from) }, (_, k) => {
          const i = from + k;
          return { value: producer.encode(id, { id: i, v: i % 1000 }), partition: i % 3 };
        });
        await producer.send(topic, messages);
        produced += messages.length;
        const v3From = from / 10;
        const v3Messages = Array.from({ length: Math.max(0, Math.min(chunk / 10, TOTAL_V3 - v3From)) }, (_, k) => {
          const i = v3From + k;
          return { value: producer.encode(idV3, { id: i, v: i % 1000 }), partition: i % 3 };
        });
        if (v3Messages.length > 0) await producer.send(topicV3, v3Messages);
        await sleep(pause);
      }
    })();

    const started = Date.now();
    let daemon: DaemonProcess | undefined;
    const lives: Array<{ readingFrom: number | undefined; killedAt: number }> = [];
    let killing!: () => void;
    const ends = sampleEndOffsets(topic, new Promise<void>((resolve) => (killing = resolve)));
    try {
      for (let k = 0; k < KILLS; k++) {
        daemon = DaemonProcess.start(config, `${dir}/daemon-${k}.log`);
        // Random moments of a life that has joined the group (a SIGKILLed member is only expelled
        // after the 6 s session timeout): between commits, mid-upload, right after a commit...
        await sleep(9000 + Math.random() * 9000);
        if (!daemon.running) throw new Error(`daemon exited on its own: ${daemon.log().slice(-3000)}`);
        daemon.kill('SIGKILL');
        const killedAt = Date.now();
        await daemon.exited;
        const positions = daemon.logLines().find((l) => l.msg === 'positions set');
        lives.push({ readingFrom: positions ? Number(positions.time) : undefined, killedAt });
      }
      killing();
      await production;
      console.log(`[crash] ${KILLS} kills done after ${((Date.now() - started) / 1000).toFixed(0)} s, ${produced} produced`);
      daemon = DaemonProcess.start(config, `${dir}/daemon-final.log`);
      const d = daemon;
      await waitFor(
        'every record committed',
        async () => {
          if (!d.running) throw new Error(`daemon exited: ${d.log().slice(-3000)}`);
          const [n] = await counts(`floe.${ns}.ticks`);
          const [n3] = await counts(`floe.${ns}.ticks_v3`);
          return n >= TOTAL && n3 >= TOTAL_V3 ? true : undefined;
        },
        300_000,
        3000,
      );
      const exit = await d.stop();
      expect(exit.code).toBe(0);
    } finally {
      killing();
      daemon?.kill('SIGKILL');
    }
    // The kills hit daemons that had made progress: most lives resumed from a committed offset.
    const resumed = Array.from({ length: KILLS }, (_, k) => /"positions":\{[^}]*"[1-9]/.test(readFileSync(`${dir}/daemon-${k}.log`, 'utf8'))).filter(Boolean).length;
    expect(resumed).toBeGreaterThanOrEqual(KILLS / 2);
    console.log(`[crash] converged ${((Date.now() - started) / 1000).toFixed(0)} s after the first start`);
    // Commits between the kills: every life that had records to read (beyond the table's offsets
    // when it started reading) for at least READ_MS before it was killed.
    const snapshots = await snapshotsOf(`${ns}.ticks`);
    const samples = await ends;
    const held = lives.flatMap((life, k) => {
      const deadline = life.killedAt - READ_MS;
      if (life.readingFrom === undefined || life.readingFrom > deadline) return [];
      const stored = snapshots.filter((x) => x.at <= life.readingFrom!).at(-1)?.offsets ?? 0n;
      const available = samples.filter((x) => x.at <= deadline).at(-1)?.end ?? 0n;
      if (available <= stored) return []; // nothing to read in time: nothing to commit
      return [{ life: k, commits: snapshots.filter((x) => x.at > life.readingFrom! && x.at <= life.killedAt).length }];
    });
    console.log(`[crash] lives held to committing: ${held.map((h) => `#${h.life}: ${h.commits}`).join(', ')}`);
    expect(held.filter((h) => h.commits === 0)).toEqual([]);
    for (const [table, n] of [['ticks', TOTAL], ['ticks_v3', TOTAL_V3]] as const) {
      expect(await counts(`floe.${ns}.${table}`), table).toEqual([n, n, n]);
      let sumV = 0;
      for (let i = 0; i < n; i++) sumV += i % 1000;
      const sum = await oracle.sparkSql(`SELECT sum(id), sum(v) FROM floe.${ns}.${table}`);
      expect(sum.rows[0]!.map(String), table).toEqual([String((BigInt(n) * BigInt(n - 1)) / 2n), String(sumV)]);
    }
    const lineage = await expectRowLineage(oracle, `floe.${ns}.ticks_v3`, await catalogMetadata(stack.catalogUri, ns, 'ticks_v3', stack.warehouse));
    console.log(`[crash] v3 lineage: ${lineage.snapshots} snapshots, ${lineage.rows} rows, next-row-id ${lineage.nextRowId}`);
  }, 900_000);
});

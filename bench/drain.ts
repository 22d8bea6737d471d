/**
 * Drain bench, step 1 (`npx tsx bench/drain.ts [records] [state.json]`): produces a backlog of the
 * small-record workload (bench/small.ts, 212 B Confluent-framed Avro, 4 partitions; with
 * FLOE_DRAIN_WORKLOAD=event the 964-byte event of bench/pipeline.ts) once, and
 * writes what `bench/drain-run.mjs` needs to drain it with a fresh daemon as often as wanted.
 *
 * Why a separate runner: comparing two builds of floe means alternating whole daemon runs on the
 * same topic; the runner is plain JavaScript (no tsx compile in the measured process tree) and
 * reports the daemon's own CPU from /proc, so one run costs the daemon's work and little else.
 */
import { writeFileSync } from 'node:fs';
import { AvroProducer, uniqueSuffix } from '../test/harness/daemon.js';
import { benchStack } from './stack.js';
import { SMALL_SCHEMA, makeSmallRecords } from './small.js';
import { EVENT_SCHEMA, makeEvents } from './pipeline.js';

const records = Number(process.argv[2] ?? 500_000);
// FLOE_DRAIN_WORKLOAD=event: the 964-byte event of bench/pipeline.ts instead of the small record.
const event = process.env.FLOE_DRAIN_WORKLOAD === 'event';
const statePath = process.argv[3] ?? 'drain-state.json';
const PARTITIONS = 4;

const { stack } = await benchStack();
const producer = new AvroProducer(stack);
const topic = `floe-drain-${uniqueSuffix()}`;
await producer.createTopic(topic, PARTITIONS);
const id = await producer.register(`${topic}-value`, event ? EVENT_SCHEMA : SMALL_SCHEMA);
const frames = event ? makeEvents(records) : makeSmallRecords(records);
for (const f of frames) f.writeUInt32BE(id, 1);
// Produced in slices so the producer never holds one huge request.
const SLICE = event ? 2_000 : 50_000; // a partition's share of one send stays under the broker's 1 MiB message limit
for (let i = 0; i < frames.length; i += SLICE) {
  await producer.send(
    topic,
    frames.slice(i, i + SLICE).map((value, k) => ({ value, partition: (i + k) % PARTITIONS })),
  );
}
await producer.close();
writeFileSync(statePath, JSON.stringify({ topic, records, partitions: PARTITIONS, bytes: frames.reduce((n, f) => n + f.length, 0), stack }, null, 2));
console.log(`produced ${records} ${event ? "event" : "small"} records to ${topic}; state in ${statePath}`);
process.exit(0);

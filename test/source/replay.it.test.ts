/**
 * `floe dlq replay` end to end: records dead-lettered because their writer schema was
 * incompatible with the table, the table fixed (the old double column dropped in Spark, so the
 * writer's string field becomes a new column), the letters replayed — twice — and Spark sees each exactly once.
 * On a silver table, replayed with the CLI as an operator runs it: a replayed change never
 * overwrites a newer state of its key committed meanwhile, and a replayed key with no newer state lands.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { floeArgv, REPO } from '../harness/cli.js';
import { main } from '../../src/cli/main.js';
import { oracleFor, rowObjects } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const v1 = { type: 'record', name: 'Payment', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }] };
const v2 = { type: 'record', name: 'Payment', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'string' }] };

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t) }, env: { ...process.env, FLOE_LOG_LEVEL: 'warn' }, signal: new AbortController().signal });
  return { code, out, err };
}

/** The CLI as an operator runs it: bin/floe.js in its own process. */
function floeCli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, floeArgv(args), { cwd: REPO, env: { ...process.env, FLOE_LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function runUntilCaughtUp(config: string, dir: string, label: string): Promise<void> {
  const daemon = DaemonProcess.start(config, `${dir}/${label}.log`);
  try {
    await waitFor(`${label}: caught up`, async () => {
      if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-2000)}`);
      const r = await cli(['status', '--config', config, '--json']);
      const st = JSON.parse(r.out) as { tables: Array<{ lagRecords: number; exists: boolean }> };
      return st.tables[0]?.exists && st.tables[0].lagRecords === 0 ? true : undefined;
    }, 120_000, 1000);
    expect((await daemon.stop()).code, daemon.log().slice(-2000)).toBe(0);
  } finally {
    daemon.kill('SIGKILL');
  }
}

describe('floe dlq replay', () => {
  it('replays incompatible records once the table is fixed; replaying twice lands each once', async () => {
    const s = uniqueSuffix();
    const topic = `floe-replay-${s}`;
    const dlq = `${topic}.floe.dlq`;
    const ns = `replay_${s}`;
    await producer.createTopic(topic, 2);
    const good = await producer.register(`${topic}-value`, v1);
    // Another subject, so the registry accepts the incompatible schema (as a careless producer's would be).
    const bad = await producer.register(`${topic}-bad-value`, v2);
    await producer.send(topic, [
      ...[1, 2, 3].map((i) => ({ value: producer.encode(good, { id: i, amount: i + 0.5 }), partition: 0 })),
      ...[11, 12].map((i) => ({ value: producer.encode(bad, { id: i, amount: `EUR ${i}` }), partition: 0, key: `k${i}`, headers: { trace: `t${i}` } })),
      ...[4, 5].map((i) => ({ value: producer.encode(good, { id: i, amount: i + 0.5 }), partition: 1 })),
      { value: producer.encode(bad, { id: 13, amount: 'EUR 13' }), partition: 1, key: 'k13', headers: { trace: 't13' } },
    ]);
    const dir = workDir('replay');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-replay-${s}`,
      defaults: { namespace: ns, commit: { intervalMs: '500ms' } },
      tables: [{ topics: [topic], table: 'payments' }],
    });
    await runUntilCaughtUp(config, dir, 'first');
    expect(rowObjects(await oracle.sparkSql(`SELECT count(*) AS n FROM floe.${ns}.payments`))[0]!.n).toBe('5');

    // Dry run: the three letters, with their reason; nothing is sent.
    const dry = await cli(['dlq', 'replay', dlq, '--config', config, '--code', 'SCHEMA_INCOMPATIBLE', '--dry-run', '--json']);
    expect(dry.code, dry.err).toBe(0);
    const plan = JSON.parse(dry.out) as { replayed: number; letters: Array<{ source: string; code: string; target: string }> };
    expect(plan.replayed).toBe(0);
    expect(plan.letters.map((l) => l.source).sort()).toEqual([`${topic}/0/3`, `${topic}/0/4`, `${topic}/1/2`]);
    expect(new Set(plan.letters.map((l) => `${l.code} ${l.target}`))).toEqual(new Set([`SCHEMA_INCOMPATIBLE ${topic}`]));
    // Selections narrow it: one source partition and offset range.
    const narrow = JSON.parse((await cli(['dlq', 'replay', dlq, '--config', config, '--source-topic', topic, '--partition', '0', '--offsets', '4-9', '--dry-run', '--json'])).out) as { letters: Array<{ source: string }> };
    expect(narrow.letters.map((l) => l.source)).toEqual([`${topic}/0/4`]);
    expect(JSON.parse((await cli(['dlq', 'replay', dlq, '--config', config, '--code', 'DECODE_BAD_MAGIC', '--dry-run', '--json'])).out).letters).toEqual([]);

    // The fix: the double column goes (a renamed one would still claim the field by its former
    // name), so the string field becomes a column of its own.
    await oracle.sparkSql(`ALTER TABLE floe.${ns}.payments DROP COLUMN amount`);

    // Replayed twice (an operator retrying): each original must land once.
    for (let i = 0; i < 2; i++) {
      const r = await cli(['dlq', 'replay', dlq, '--config', config, '--code', 'SCHEMA_INCOMPATIBLE', '--json']);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out).replayed).toBe(3);
    }
    await runUntilCaughtUp(config, dir, 'second');

    const rows = rowObjects(await oracle.sparkSql(`SELECT id, amount, _kafka.key AS key, _kafka.partition AS p FROM floe.${ns}.payments ORDER BY id`));
    expect(rows.map((r) => [r.id, r.amount])).toEqual([
      ['1', null],
      ['2', null],
      ['3', null],
      ['4', null],
      ['5', null],
      ['11', 'EUR 11'],
      ['12', 'EUR 12'],
      ['13', 'EUR 13'],
    ]);
    // Original key and partition kept; the replay headers name the original coordinates.
    expect(rows.slice(5).map((r) => [r.key, r.p])).toEqual([[{ $bytes: Buffer.from('k11').toString('base64') }, 0], [{ $bytes: Buffer.from('k12').toString('base64') }, 0], [{ $bytes: Buffer.from('k13').toString('base64') }, 1]]);
    const headers = rowObjects(await oracle.sparkSql(`SELECT id, _kafka.headers AS h FROM floe.${ns}.payments WHERE id = 13`))[0]!;
    expect(JSON.stringify(headers.h)).toContain(Buffer.from(`${topic}/1/2`).toString('base64'));
  }, 400_000);

  it('silver: a replayed change never overwrites a newer committed state of its key, a removal included, also after compaction; replaying again changes nothing', async () => {
    const s = uniqueSuffix();
    const topic = `floe-replay-silver-${s}`;
    const dlq = `${topic}.floe.dlq`;
    const ns = `replay_silver_${s}`;
    // One partition: every key's history is in one order, the one a replay is placed in.
    await producer.createTopic(topic, 1);
    const w1 = { ...v1, fields: [...v1.fields, { name: 'note', type: 'string' }] };
    const w2 = { ...v2, fields: [...v2.fields, { name: 'note', type: 'string' }] };
    const good = await producer.register(`${topic}-value`, w1);
    const bad = await producer.register(`${topic}-bad-value`, w2);
    const send = (id: number, note: string, schema: number, amount: number | string) =>
      ({ value: producer.encode(schema, { id, amount, note }), partition: 0, key: `k${id}` });
    // Offsets 0-1 and 5 land; 2-4 and 6 (keys 1, 2, 3, 4) are dead-lettered: a string amount in a double column.
    await producer.send(topic, [
      send(1, 'first', good, 1.5), send(2, 'first', good, 2.5), send(1, 'dead', bad, 'EUR 1'), send(2, 'dead', bad, 'EUR 2'), send(3, 'dead', bad, 'EUR 3'),
      send(4, 'first', good, 4.5), send(4, 'dead', bad, 'EUR 4'),
    ]);
    const dir = workDir('replay-silver');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-replay-silver-${s}`,
      defaults: { namespace: ns, commit: { intervalMs: '500ms' } },
      tables: [{ topics: [topic], table: 'accounts', mode: 'silver', key: { format: 'string', fields: ['id'] } }],
    });
    await runUntilCaughtUp(config, dir, 'first');
    // Meanwhile key 1 moves on and key 4 is removed (a tombstone), in a later commit: their dead
    // letters are now older than their states. A tombstone's only key is the Kafka key, which must
    // fit the long id column: 'k4' cannot (dead-lettered, offset 8), '4' can (offset 9).
    await producer.send(topic, [send(1, 'newer', good, 9.5), { value: null, partition: 0, key: 'k4' }, { value: null, partition: 0, key: '4' }]);
    await runUntilCaughtUp(config, dir, 'second');
    const state = async () =>
      rowObjects(await oracle.sparkSql(`SELECT id, amount, note, _kafka.offset AS o FROM floe.${ns}.accounts ORDER BY id, o`)).map((r) => [r.id, r.amount, r.note, r.o]);
    expect(await state()).toEqual([['1', 9.5, 'newer', '7'], ['2', 2.5, 'first', '1']]);
    // Compaction drops the delete files; the removal's position must survive it.
    const compacted = floeCli(['compact', `${ns}.accounts`, '--config', config, '--json']);
    expect(compacted.code, compacted.err).toBe(0);
    expect(compacted.out).toContain('"deleteFilesAdded":1');
    expect(await state()).toEqual([['1', 9.5, 'newer', '7'], ['2', 2.5, 'first', '1']]);

    // The fix (as above), then the operator's replay.
    await oracle.sparkSql(`ALTER TABLE floe.${ns}.accounts DROP COLUMN amount`);
    const badKey = floeCli(['dlq', 'replay', dlq, '--config', config, '--code', 'SILVER_BAD_KEY', '--dry-run', '--json']);
    expect(badKey.code, badKey.err).toBe(0);
    expect(JSON.parse(badKey.out).letters.map((l: { source: string }) => l.source)).toEqual([`${topic}/0/8`]);
    const r = floeCli(['dlq', 'replay', dlq, '--config', config, '--code', 'SCHEMA_INCOMPATIBLE', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).replayed).toBe(4);
    await runUntilCaughtUp(config, dir, 'third');
    // Key 1 keeps its newer state and key 4 stays removed; keys 2 and 3 take the replayed one (the
    // replays are offsets 10-13); every key once.
    const expected = [['1', null, 'newer', '7'], ['2', 'EUR 2', 'dead', '11'], ['3', 'EUR 3', 'dead', '12']];
    expect(await state()).toEqual(expected);

    // Replayed again (an operator retrying): every original already landed or was superseded.
    const again = floeCli(['dlq', 'replay', dlq, '--config', config, '--code', 'SCHEMA_INCOMPATIBLE', '--json']);
    expect(again.code, again.err).toBe(0);
    await runUntilCaughtUp(config, dir, 'fourth');
    expect(await state()).toEqual(expected);
  }, 400_000);
});

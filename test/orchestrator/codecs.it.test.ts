/**
 * Every compression codec end to end: records produced to Kafka with gzip, snappy, lz4 and zstd,
 * each written to its own table as Parquet with the same codec (checked in every file footer), read
 * back exactly by Spark.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import kafkajs from 'kafkajs';
import { readFooter } from '../parquet/hyparquet.js';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
const s3 = new S3Client({
  endpoint: stack.s3.endpoint, region: stack.s3.region, forcePathStyle: true,
  credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
});
afterAll(() => {
  s3.destroy();
  return producer.close();
});

/** An s3:// file's bytes, read with the AWS SDK (not floe's IO). */
async function download(path: string): Promise<Uint8Array> {
  const url = new URL(path);
  const got = await s3.send(new GetObjectCommand({ Bucket: url.host, Key: url.pathname.slice(1) }));
  return got.Body!.transformToByteArray();
}

const { CompressionTypes } = kafkajs;
const CODECS = [
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;
/** The Parquet codec each `file.compression` writes (lz4 is Parquet's LZ4_RAW). */
const PARQUET_CODEC: Record<string, string> = { gzip: 'GZIP', snappy: 'SNAPPY', lz4: 'LZ4_RAW', zstd: 'ZSTD' };
const N = 3000;
const schema = { type: 'record', name: 'Line', fields: [{ name: 'id', type: 'long' }, { name: 'text', type: 'string' }] };
const text = (i: number) => `line ${i} ${'abc'.repeat(i % 20)}`;

describe('compression codecs', () => {
  it('gzip, snappy, lz4 and zstd topics land in Parquet files with the same codec', async () => {
    const s = uniqueSuffix();
    const ns = `codecs_${s}`;
    const tables = [];
    for (const [name, codec] of CODECS) {
      const topic = `floe-codec-${name}-${s}`;
      await producer.createTopic(topic, 2);
      const id = await producer.register(`${topic}-value`, schema);
      await producer.send(topic, Array.from({ length: N }, (_, i) => ({ value: producer.encode(id, { id: i, text: text(i) }), partition: i % 2 })), codec);
      tables.push({ topics: [topic], table: name, file: { compression: name } });
    }
    const dir = workDir('codecs');
    const config = writeDaemonConfig(stack, dir, { groupId: `floe-codecs-${s}`, defaults: { namespace: ns }, tables });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      for (const [name] of CODECS) {
        await waitFor(`${name} committed`, async () => {
          if (!daemon.running) throw new Error(daemon.log().slice(-3000));
          const n = Number((await oracle.sparkSql(`SELECT count(*) FROM floe.${ns}.${name}`)).rows[0]![0]);
          return n >= N ? true : undefined;
        }, 180_000, 2000);
      }
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    let len = 0;
    for (let i = 0; i < N; i++) len += text(i).length;
    for (const [name] of CODECS) {
      const r = await oracle.sparkSql(`SELECT count(*), count(DISTINCT id), sum(id), sum(length(text)) FROM floe.${ns}.${name}`);
      expect(r.rows[0]!.map(String), name).toEqual([N, N, (N * (N - 1)) / 2, len].map(String));
      const files = await oracle.sparkSql(`SELECT DISTINCT file_path FROM floe.${ns}.${name}.files`);
      expect(files.rows.length).toBeGreaterThan(0);
      // Every column chunk of every file is written with the table's codec, as hyparquet reads the footer.
      for (const [path] of files.rows as string[][]) {
        const footer = readFooter(await download(path!));
        const codecs = new Set(footer.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data!.codec)));
        expect([...codecs], `${name} ${path}`).toEqual([PARQUET_CODEC[name]]);
      }
      const sample = await oracle.sparkSql(`SELECT id, text FROM floe.${ns}.${name} WHERE id IN (0, 7, 2999) ORDER BY id`);
      expect(sample.rows).toEqual([0, 7, 2999].map((i) => [String(i), text(i)]));
    }
  }, 600_000);
});

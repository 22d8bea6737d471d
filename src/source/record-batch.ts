/**
 * Kafka record batches decoded without a Buffer and a decoder object per record.
 *
 * kafkajs' batch decoder (`recordBatch/v0/decoder.js`) cuts every record out of its batch into a
 * Buffer view of its own and wraps that in a new protocol Decoder before decoding it: two
 * objects per record, on top of the record itself, its key and its value, for every record of a
 * fetch response at once. On small records that was about a sixth of everything the daemon
 * allocated (docs/benchmarks.md, "Allocations per record"). This decoder reads the same batch
 * layout (Kafka's RecordBatch, magic 2: the protocol guide's "Record Batch" section) and decodes
 * each record in place, from the batch's own decoder, with the same record decoder kafkajs uses
 * (wrapped by header-order.ts), then moves to the record's end as its length prefix gives it. It
 * returns what kafkajs' returns, field for field, so kafkajs' fetch path is unchanged.
 *
 * What arrives from a broker is checked before it can cost anything: a record count above what
 * the batch's bytes can hold, a negative or overlong record length, or a record whose fields run
 * past its length is an error, never a huge allocation or a record read from its neighbour's
 * bytes. (kafkajs checks none of these; like it, this decoder leaves the CRC to the broker, which
 * checks it on produce.)
 */
import { createRequire } from 'node:module';
import { FloeError } from '../util/errors.js';

const require = createRequire(import.meta.url);

/** The parts of kafkajs' protocol Decoder a batch needs (kafkajs/src/protocol/decoder.js). */
export interface BatchDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readVarInt(): number;
  slice(size: number): BatchDecoder;
  forward(size: number): void;
}

/** What the batch decoder needs from kafkajs, passed in so that tests can compare with kafkajs' own. */
export interface BatchDecoderParts {
  newDecoder(buffer: Buffer): BatchDecoder;
  /** kafkajs' KafkaJSPartialMessageError: its fetch path stops at a truncated last batch on this. */
  partial(message: string): Error;
  /** The codec of a batch's attributes, null when uncompressed. */
  codecOf(attributes: number): { decompress(buffer: Buffer): Promise<Buffer> } | null;
  /** Decodes one record from the decoder's position (header-order.ts's wrapped record decoder). */
  decodeRecord(decoder: BatchDecoder, context: object): unknown;
}

const TIMESTAMP_TYPE_FLAG = 0x08;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;
/** kafkajs' TimestampTypes. */
const CREATE_TIME = 0;
const LOG_APPEND_TIME = 1;
/** The fewest bytes a record takes: length, attributes, both deltas, key and value lengths, header count. */
const MIN_RECORD_BYTES = 7;

/** A batch decoder with kafkajs' signature and result (see the module comment). */
export function recordBatchDecoder(parts: BatchDecoderParts): (fetchDecoder: BatchDecoder) => Promise<object> {
  return async (fetchDecoder) => {
    const firstOffset = fetchDecoder.readInt64().toString();
    const length = fetchDecoder.readInt32();
    const decoder = fetchDecoder.slice(length);
    fetchDecoder.forward(length);
    if (decoder.buffer.length < length) {
      throw parts.partial(`Tried to decode a partial record batch: remainingBytes(${decoder.buffer.length}) < recordBatchLength(${length})`);
    }
    const partitionLeaderEpoch = decoder.readInt32();
    const magicByte = decoder.readInt8();
    decoder.readInt32(); // CRC: checked by the broker on produce, as kafkajs leaves it
    const attributes = decoder.readInt16();
    const lastOffsetDelta = decoder.readInt32();
    const firstTimestamp = decoder.readInt64().toString();
    const maxTimestamp = decoder.readInt64().toString();
    const producerId = decoder.readInt64().toString();
    const producerEpoch = decoder.readInt16();
    const firstSequence = decoder.readInt32();
    const context = {
      firstOffset,
      firstTimestamp,
      partitionLeaderEpoch,
      inTransaction: (attributes & TRANSACTIONAL_FLAG) > 0,
      isControlBatch: (attributes & CONTROL_FLAG) > 0,
      lastOffsetDelta,
      producerId,
      producerEpoch,
      firstSequence,
      maxTimestamp,
      timestampType: (attributes & TIMESTAMP_TYPE_FLAG) > 0 ? LOG_APPEND_TIME : CREATE_TIME,
    };
    const records = await decodeRecords(parts, parts.codecOf(attributes), decoder, { ...context, magicByte });
    return { ...context, records };
  };
}

async function decodeRecords(parts: BatchDecoderParts, codec: ReturnType<BatchDecoderParts['codecOf']>, decoder: BatchDecoder, context: object): Promise<unknown[]> {
  const count = decoder.readInt32();
  if (codec === null) return count === -1 ? [] : decodeEach(parts, decoder, count, context);
  if (count <= 0) return [];
  const decompressed = await codec.decompress(decoder.buffer.subarray(decoder.offset));
  decoder.offset = decoder.buffer.length;
  return decodeEach(parts, parts.newDecoder(decompressed), count, context);
}

function decodeEach(parts: BatchDecoderParts, decoder: BatchDecoder, count: number, context: object): unknown[] {
  const available = decoder.buffer.length - decoder.offset;
  if (count < 0 || count * MIN_RECORD_BYTES > available) {
    throw new FloeError('KAFKA_RECORD_BATCH', `a record batch claims ${count} records in ${available} bytes`);
  }
  const records = new Array<unknown>(count);
  for (let i = 0; i < count; i++) {
    const size = decoder.readVarInt();
    const end = decoder.offset + size;
    if (size < 0 || end > decoder.buffer.length) {
      throw new FloeError('KAFKA_RECORD_BATCH', `record ${i} of a batch claims ${size} bytes where ${decoder.buffer.length - decoder.offset} remain`);
    }
    records[i] = parts.decodeRecord(decoder, context);
    if (decoder.offset > end) throw new FloeError('KAFKA_RECORD_BATCH', `record ${i} of a batch runs ${decoder.offset - end} bytes past its length`);
    decoder.offset = end;
  }
  return records;
}

type CacheEntry = { exports: unknown };
const MODULES = {
  batch: 'kafkajs/src/protocol/recordBatch/v0/decoder.js',
  record: 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js',
  decoder: 'kafkajs/src/protocol/decoder.js',
  errors: 'kafkajs/src/errors.js',
  compression: 'kafkajs/src/protocol/message/compression/index.js',
  /** Captures the batch decoder at its own load, on kafkajs' first fetch response. */
  messages: 'kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js',
} as const;
const REPLACED = Symbol.for('floe.source.recordBatch');

let installed = false;

/**
 * Puts this decoder in place of kafkajs' in Node's module cache, before kafkajs' fetch path loads
 * it (idempotent; after header-order.ts's installWireHeaders, whose record decoder it calls).
 * Throws if kafkajs already captured its own.
 */
export function installRecordBatchDecoder(): void {
  if (installed) return;
  const cache = require.cache as Record<string, CacheEntry | undefined>;
  const batchPath = require.resolve(MODULES.batch);
  const messagesPath = require.resolve(MODULES.messages);
  const replaced = () => (cache[batchPath]?.exports as Record<symbol, unknown> | undefined)?.[REPLACED] === true;
  if (cache[messagesPath] !== undefined && !replaced()) {
    throw new FloeError('KAFKA_RECORD_BATCH', 'kafkajs decoded fetch responses before floe installed its record batch decoder (it must be installed before the first fetch)');
  }
  if (!replaced()) {
    const Decoder = require(MODULES.decoder) as new (buffer: Buffer) => BatchDecoder;
    const { KafkaJSPartialMessageError } = require(MODULES.errors) as { KafkaJSPartialMessageError: new (message: string) => Error };
    const { lookupCodecByAttributes } = require(MODULES.compression) as { lookupCodecByAttributes: BatchDecoderParts['codecOf'] };
    require(MODULES.record);
    const record = cache[require.resolve(MODULES.record)]!;
    const decode = recordBatchDecoder({
      newDecoder: (buffer) => new Decoder(buffer),
      partial: (message) => new KafkaJSPartialMessageError(message),
      codecOf: lookupCodecByAttributes,
      // Read at each call: header-order.ts replaces the record decoder's export.
      decodeRecord: (decoder, context) => (record.exports as BatchDecoderParts['decodeRecord'])(decoder, context),
    });
    (decode as unknown as Record<symbol, unknown>)[REPLACED] = true;
    require(MODULES.batch);
    cache[batchPath]!.exports = decode;
  }
  installed = true;
}

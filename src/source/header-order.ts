/**
 * Kafka record headers in wire order, which kafkajs does not keep.
 *
 * Kafka headers are an ordered list: a key may repeat and a value may be null. kafkajs folds them
 * into an object while decoding a record (`{k: v}`, a repeated key becoming an array), which loses
 * the order between different keys (`a=1, b=2, a=3` reads as `a: [1, 3], b: 2`), and puts keys that
 * look like array indices ("0", "7") first, whatever their position. Bronze stores headers as the
 * ordered list the producer sent, so floe needs the list as it was on the wire.
 *
 * kafkajs decodes one record at a time, synchronously: `record/v0/decoder.js` calls
 * `header/v0/decoder.js` once per header, in wire order, then folds. We wrap both modules in
 * Node's CommonJS module cache before kafkajs' fetch path first loads them (kafkajs requires its
 * protocol modules lazily, on the first fetch response): the header wrapper appends each decoded
 * `{key, value}` to the list of the record being decoded, and the record wrapper attaches that
 * list to the record's (unchanged) headers object under a symbol. kafkajs itself, and every
 * other kafkajs user in the process, sees the fields it saw before, the offset and timestamp as
 * exact numbers rather than decimal strings (decodeRecordNumbers says why). kafkajs 2.2.4 is the
 * last release and pinned (see join-hook.ts); `install()` checks the wrap took effect and
 * `toSourceRecord` falls back to kafkajs' folded object if a record carries no list.
 */
import { createRequire } from 'node:module';
import { FloeError } from '../util/errors.js';

/** The wire-order header list, on a decoded record's `headers` object. */
export const WIRE_HEADERS = Symbol.for('floe.source.wireHeaders');

export interface WireHeader {
  key: string;
  value: Buffer | null;
}

type Decode = (decoder: unknown, ...rest: unknown[]) => unknown;
type CacheEntry = { exports: unknown };

const require = createRequire(import.meta.url);
const MODULES = {
  header: 'kafkajs/src/protocol/recordBatch/header/v0/decoder.js',
  record: 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js',
  /** Loads the record decoder at its own load: must not be loaded before we wrap. */
  batch: 'kafkajs/src/protocol/recordBatch/v0/decoder.js',
} as const;
const WRAPPED = Symbol.for('floe.source.wireHeaders.wrapped');

let installed = false;

/** Wraps kafkajs' record and header decoders (idempotent). Throws if kafkajs already captured them. */
export function installWireHeaders(): void {
  if (installed) return;
  const cache = require.cache as Record<string, CacheEntry | undefined>;
  const paths = { header: require.resolve(MODULES.header), record: require.resolve(MODULES.record), batch: require.resolve(MODULES.batch) };
  const loaded = (path: string) => cache[path] !== undefined;
  const recordWrapped = loaded(paths.record) && (cache[paths.record]!.exports as Record<symbol, unknown>)[WRAPPED] === true;
  if (loaded(paths.batch) && !recordWrapped) {
    throw new FloeError('SOURCE_HEADERS', 'kafkajs decoded records before floe could keep their headers in order (wire-headers must be installed before the first fetch)');
  }
  // The record being decoded collects its headers here (the list made on its first header only).
  let collecting = false;
  let current: WireHeader[] | undefined;

  require(paths.header);
  const header = cache[paths.header]!;
  const decodeHeader = header.exports as Decode;
  if (!(decodeHeader as unknown as Record<symbol, unknown>)[WRAPPED]) {
    const wrapped: Decode = (decoder) => {
      const h = decodeHeader(decoder) as WireHeader;
      if (collecting) (current ??= []).push({ key: h.key, value: h.value });
      return h;
    };
    (wrapped as unknown as Record<symbol, unknown>)[WRAPPED] = true;
    header.exports = wrapped;
  }

  // The record decoder must be (re)loaded after the header wrap so that it captures the wrapper.
  if (loaded(paths.record) && !recordWrapped) delete cache[paths.record];
  require(paths.record);
  const record = cache[paths.record]!;
  const decodeRecord = record.exports as Decode;
  if (!(decodeRecord as unknown as Record<symbol, unknown>)[WRAPPED]) {
    const wrapped: Decode = (decoder, ...rest) => {
      collecting = true;
      current = undefined;
      try {
        const r = (decodeRecordNumbers(decoder as KafkaDecoder, rest[0] as BatchContext | undefined, header.exports as Decode) ?? decodeRecord(decoder, ...rest)) as { headers?: object };
        // No headers (most records): nothing to keep, and defineProperty per record cost ~1 % of
        // the daemon on small records; sourceHeaders reads kafkajs' empty object as no headers.
        const list = current as WireHeader[] | undefined;
        if (list !== undefined && r && typeof r.headers === 'object' && r.headers !== null) Object.defineProperty(r.headers, WIRE_HEADERS, { value: list, enumerable: false });
        return r;
      } finally {
        collecting = false;
        current = undefined;
      }
    };
    (wrapped as unknown as Record<symbol, unknown>)[WRAPPED] = true;
    record.exports = wrapped;
  }
  installed = true;
}

/** The parts of kafkajs' protocol Decoder a record body needs (kafkajs/src/protocol/decoder.js). */
interface KafkaDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarIntBytes(): Buffer | null;
  readVarIntArray<T>(reader: (d: KafkaDecoder) => T): T[];
}

/** What kafkajs' batch decoder hands each record (recordBatch/v0/decoder.js). */
interface BatchContext {
  firstOffset?: string;
  firstTimestamp?: string;
  maxTimestamp?: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
}

/** kafkajs' TimestampTypes.LOG_APPEND_TIME. */
const LOG_APPEND_TIME = 1;
/** The batch's first offset and first timestamp as numbers, cached on its context (one per fetched batch); NaN: not exact. */
const FIRST_OFFSET = Symbol('floe.source.firstOffset');
const FIRST_TIMESTAMP = Symbol('floe.source.firstTimestamp');
const TWO_53 = 2 ** 53;
/** kafkajs' folded headers of a record without headers (most records): one shared object, never written. */
const NO_HEADERS: Record<string, never> = Object.freeze({});

/**
 * A record body decoded as kafkajs' record/v0/decoder.js decodes it (same fields), without its Long
 * arithmetic and with the offset and timestamp as exact numbers instead of decimal strings. kafkajs
 * parses the batch's first offset and first timestamp from their decimal strings, adds the record's
 * delta and prints the result again, with a Long object per step, for every record; its consumer
 * then reads each offset back through `Long.fromValue`, which takes a number as well as a string
 * (batch.js, runner.js, offsetManager: kafkajs never does arithmetic on the string itself). Here both
 * bases are parsed once per batch and the sums are exact doubles (|x| < 2^53: offsets and epoch
 * milliseconds always are), so a record costs no string and no parse on either side. A record
 * without headers (the count's one zero byte) shares one empty folded object instead of an object
 * and an array each. Returns undefined, with the decoder untouched, whenever exactness does not hold
 * (a base or a sum at or beyond 2^53, a varlong delta of more than 7 bytes): kafkajs' own decoder
 * then decodes the record, strings and all.
 */
export function decodeRecordNumbers(d: KafkaDecoder, ctx: BatchContext | undefined, decodeHeader: Decode): object | undefined {
  if (ctx === undefined || typeof ctx.firstOffset !== 'string') return undefined;
  const c = ctx as BatchContext & { [FIRST_OFFSET]?: number; [FIRST_TIMESTAMP]?: number };
  let base = c[FIRST_OFFSET];
  if (base === undefined) base = c[FIRST_OFFSET] = exactNumber(ctx.firstOffset);
  const logAppend = ctx.timestampType === LOG_APPEND_TIME && !!ctx.maxTimestamp;
  let firstTs = c[FIRST_TIMESTAMP];
  if (firstTs === undefined) firstTs = c[FIRST_TIMESTAMP] = typeof ctx.firstTimestamp === 'string' ? exactNumber(ctx.firstTimestamp) : NaN;
  if (Number.isNaN(base) || (!logAppend && Number.isNaN(firstTs))) return undefined;
  const start = d.offset;
  const attributes = d.readInt8();
  const timestampDelta = readVarLong(d);
  const offsetDelta = timestampDelta === undefined ? 0 : d.readVarInt();
  const offset = base + offsetDelta;
  const ts = firstTs + (timestampDelta ?? 0);
  if (timestampDelta === undefined || !(Math.abs(offset) < TWO_53) || (!logAppend && !(Math.abs(ts) < TWO_53))) {
    d.offset = start;
    return undefined;
  }
  const key = d.readVarIntBytes();
  const value = d.readVarIntBytes();
  let headers: Record<string, Buffer | null | Array<Buffer | null>> = NO_HEADERS;
  if (d.buffer[d.offset] === 0) d.offset++;
  else {
    const list = d.readVarIntArray(decodeHeader as (d: KafkaDecoder) => { key: string; value: Buffer | null });
    // kafkajs' folded view: a repeated key becomes an array of its values.
    if (list.length > 0) headers = {};
    for (const h of list) {
      const prev = headers[h.key];
      headers[h.key] = prev === undefined ? h.value : Array.isArray(prev) ? prev.concat([h.value]) : [prev, h.value];
    }
  }
  return {
    magicByte: ctx.magicByte,
    attributes,
    // kafkajs keeps the batch's string when the broker set the time (log-append time).
    timestamp: logAppend ? ctx.maxTimestamp : ts,
    offset,
    key,
    value,
    headers,
    isControlRecord: ctx.isControlBatch ?? false,
    batchContext: ctx,
  };
}

/** A decimal string's value when it is an integer below 2^53 in magnitude, else NaN. */
function exactNumber(text: string): number {
  const n = Number(text);
  return Number.isSafeInteger(n) && String(n) === text ? n : NaN;
}

/** A zigzag varlong of at most 7 bytes (|value| < 2^48) as a number; undefined beyond (offset then unspecified). */
function readVarLong(d: KafkaDecoder): number | undefined {
  const buf = d.buffer;
  let pos = d.offset;
  let z = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    const b = buf[pos++];
    if (b === undefined) return undefined;
    z += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) {
      d.offset = pos;
      // zigzag: even → z / 2, odd → -(z + 1) / 2
      return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    }
  }
  return undefined;
}

/** The wire-order list kafkajs' decoding left on a headers object, if any. */
export function wireHeaders(headers: unknown): WireHeader[] | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const list = (headers as Record<symbol, unknown>)[WIRE_HEADERS];
  return Array.isArray(list) ? (list as WireHeader[]) : undefined;
}

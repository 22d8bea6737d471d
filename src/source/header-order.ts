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
 * other kafkajs user in the process, keeps seeing exactly what it saw before. kafkajs 2.2.4 is the
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
  let current: WireHeader[] | undefined;

  require(paths.header);
  const header = cache[paths.header]!;
  const decodeHeader = header.exports as Decode;
  if (!(decodeHeader as unknown as Record<symbol, unknown>)[WRAPPED]) {
    const wrapped: Decode = (decoder) => {
      const h = decodeHeader(decoder) as WireHeader;
      current?.push({ key: h.key, value: h.value });
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
      const list: WireHeader[] = [];
      current = list;
      try {
        const r = decodeRecord(decoder, ...rest) as { headers?: object };
        // No headers (most records): nothing to keep, and defineProperty per record cost ~1 % of
        // the daemon on small records; sourceHeaders reads kafkajs' empty object as no headers.
        if (list.length > 0 && r && typeof r.headers === 'object' && r.headers !== null) Object.defineProperty(r.headers, WIRE_HEADERS, { value: list, enumerable: false });
        return r;
      } finally {
        current = undefined;
      }
    };
    (wrapped as unknown as Record<symbol, unknown>)[WRAPPED] = true;
    record.exports = wrapped;
  }
  installed = true;
}

/** The wire-order list kafkajs' decoding left on a headers object, if any. */
export function wireHeaders(headers: unknown): WireHeader[] | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const list = (headers as Record<symbol, unknown>)[WIRE_HEADERS];
  return Array.isArray(list) ? (list as WireHeader[]) : undefined;
}

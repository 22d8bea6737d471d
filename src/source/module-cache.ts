/**
 * kafkajs' own modules beside the ones floe replaces in Node's module cache (header-order.ts,
 * record-batch.ts): the tests and benches that compare floe's decoders with kafkajs' load these.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The module at `path` loaded afresh, as its package ships it; the cache is left as it was. */
export function loadAfresh<T>(path: string): T {
  const resolved = require.resolve(path);
  const cache = require.cache as Record<string, unknown>;
  const held = cache[resolved];
  delete cache[resolved];
  try {
    return require(resolved) as T;
  } finally {
    if (held === undefined) delete cache[resolved];
    else cache[resolved] = held;
  }
}

/**
 * Start-up against dependencies that may not be up yet. Kubernetes starts floe and Kafka at the
 * same moment; a broker restart or a catalog deploy takes a minute. Exiting then only turns a
 * short outage into a crash loop with a growing back-off, so the daemon waits: it retries with
 * exponential back-off (1 s doubling to 30 s), logs one line per attempt naming what it waits for
 * and why, and /readyz says the same. Errors a restart cannot fix (refused credentials, an
 * untrusted certificate, a missing table that may not be created) are not retryable FloeErrors
 * and end the wait at once with their own exit code.
 */
import type { FloeConfig } from '../config/index.js';
import { checkRegistry, registryAddress } from '../decode/index.js';
import type { RestCatalogClient } from '../iceberg/catalog/index.js';
import { checkKafka } from '../source/kafka-errors.js';
import { describeError, isFloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { catalogAddress, createCatalog, createKafka, kafkaSecurityContext, usesRegistry } from './table-store.js';

export interface WaitOptions {
  signal: AbortSignal;
  log: Logger;
  /** Called with a reason while waiting, and with undefined once the dependency answered. */
  onWaiting?: (reason: string | undefined) => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** Whether waiting may help: retryable FloeErrors and plain network errors (no FloeError). */
export function worthWaiting(err: unknown): boolean {
  if (isFloeError(err)) return err.retryable;
  return err instanceof Error && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|fetch failed|socket hang up/i.test(err.message);
}

/** Runs `attempt` until it succeeds; undefined when the signal stopped the wait. */
export async function waitForDependency<T>(what: string, attempt: () => Promise<T>, o: WaitOptions): Promise<T | undefined> {
  let delay = o.initialDelayMs ?? 1000;
  const max = o.maxDelayMs ?? 30_000;
  const since = Date.now();
  for (let n = 1; ; n++) {
    if (o.signal.aborted) return undefined;
    try {
      const result = await attempt();
      if (n > 1) o.log.info({ waitingFor: what, attempts: n, waitedMs: Date.now() - since }, `${what} is reachable now`);
      o.onWaiting?.(undefined);
      return result;
    } catch (err) {
      if (!worthWaiting(err)) throw err;
      const reason = describeError(err);
      o.onWaiting?.(`waiting for ${what}: ${reason}`);
      o.log.warn({ waitingFor: what, attempt: n, retryInMs: delay, code: isFloeError(err) ? err.code : undefined }, `waiting for ${what}: ${reason} (retrying in ${Math.round(delay / 1000)} s)`);
      const stopped = await sleepUnlessAborted(delay, o.signal);
      if (stopped) return undefined;
      delay = Math.min(delay * 2, max);
    }
  }
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(true);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The catalog, Kafka and (when a mapping decodes through it) the schema registry, each waited for
 * in that order; undefined when the signal stopped the wait. Proving address, TLS and credentials
 * before joining the group gives one clear message per failure.
 */
export async function connectDependencies(config: FloeConfig, wait: WaitOptions): Promise<{ catalog: RestCatalogClient; kafka: ReturnType<typeof createKafka> } | undefined> {
  const log = wait.log;
  const catalog = createCatalog(config, log);
  // Refused credentials (401/403) end the wait with exit 3.
  if ((await waitForDependency(`the catalog (${catalogAddress(config)})`, () => catalog.config(), wait)) === undefined) return undefined;
  // The daemon's consumer copies whatever it keeps of a record past its batch (src/source/fetch-buffers.ts).
  const kafka = createKafka(config, log, { recycleFetchResponses: true });
  const security = kafkaSecurityContext(config);
  const cluster = await waitForDependency(`Kafka (${config.kafka.brokers.join(', ')})`, () => checkKafka(kafka, security), wait);
  if (cluster === undefined) return undefined;
  log.info({ brokers: config.kafka.brokers, tls: security.tls, sasl: security.sasl?.mechanism, clusterBrokers: cluster.brokers }, 'connected to Kafka');
  if (usesRegistry(config)) {
    const r = config.schemaRegistry;
    if ((await waitForDependency(`the schema registry (${registryAddress(r.url)})`, () => checkRegistry(r), wait)) === undefined) return undefined;
    log.info({ url: registryAddress(r.url), tls: r.url.startsWith('https:'), auth: r.token !== undefined ? 'bearer' : r.username !== undefined ? 'basic' : 'none' }, 'connected to the schema registry');
  }
  return { catalog, kafka };
}

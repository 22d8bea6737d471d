/**
 * Committing a change with Iceberg's optimistic concurrency, without ever appending twice.
 *
 * - 409 (a requirement failed: someone else committed first): reload, rebuild the change against
 *   the new metadata, retry with exponential backoff and jitter.
 * - Unknown outcome (5xx, timeout, connection lost after the request left): reload and check
 *   whether the change landed. If it did, that is success. If not, rebuilding and retrying is safe
 *   *provided the change pins the branch* (assert-ref-snapshot-id): should the lost request still
 *   land later, the retry's requirement fails or the lost one's does, never both. Every later
 *   reload re-checks all earlier unknown attempts too, so a late landing is still recognised.
 * - 400 because another writer upgraded the table's format version between our load and our
 *   commit (a v2 snapshot has no first-row-id, which a v3 table refuses): no requirement can pin
 *   the format version, so the refusal is recognised by reloading, and the change is rebuilt for
 *   the new version like after a 409. Any other 400 is the caller's error and is thrown.
 */
import { FloeError, isFloeError } from '../../util/errors.js';
import { silentLogger, type Logger } from '../../util/log.js';
import type { TableMetadata } from '../spec/types.js';
import type { LoadedTable, TableIdentifier } from './types.js';
import type { TableChange } from '../spec/changes.js';
import { CatalogErrorCode } from './errors.js';
import { sameId } from '../spec/json.js';

/** What commitWithRetry needs from a catalog (RestCatalogClient satisfies it). */
export interface CommitCatalog {
  loadTable(id: TableIdentifier): Promise<LoadedTable>;
  commitTable(id: TableIdentifier, change: TableChange): Promise<LoadedTable>;
}

export interface RetryPolicy {
  numRetries: number;
  minWaitMs: number;
  maxWaitMs: number;
  totalTimeoutMs: number;
}

/** Iceberg's defaults (TableProperties.COMMIT_*). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  numRetries: 4,
  minWaitMs: 100,
  maxWaitMs: 60_000,
  totalTimeoutMs: 30 * 60_000,
};

export interface CommitOptions {
  /** Explicit settings win over the table's `commit.retry.*` properties, which win over defaults. */
  retry?: Partial<RetryPolicy>;
  /**
   * Did this change land in `metadata`? Default: every snapshot the change adds is in the table
   * (see `changeLanded`). Callers whose changes add no snapshot can supply their own test, e.g. a
   * marker property or the Kafka offsets recorded in a snapshot summary.
   */
  landed?: (metadata: TableMetadata, change: TableChange) => boolean;
  /** Start from this table state instead of loading it (saves a round trip after a create). */
  table?: LoadedTable;
  logger?: Logger;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface CommitResult {
  /** The table after the commit. */
  table: LoadedTable;
  /** The change that is now in the table (the build of the attempt that succeeded). */
  change: TableChange;
  /** Commit requests sent, 1 when the first try succeeded. */
  attempts: number;
  /** True when success was established by reloading after an unknown outcome. */
  recovered: boolean;
}

/**
 * Loads the table, builds a change against its metadata, commits, and retries as described above.
 * A build that returns no updates ends without committing (it found nothing left to do).
 */
export async function commitWithRetry(
  catalog: CommitCatalog,
  id: TableIdentifier,
  build: (metadata: TableMetadata) => Promise<TableChange>,
  options: CommitOptions = {},
): Promise<CommitResult> {
  const log = (options.logger ?? silentLogger).child({ table: [...id.namespace, id.name].join('.') });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const landed = options.landed ?? ((m: TableMetadata, c: TableChange) => changeLanded(m, c) === true);

  const started = now();
  let table = options.table ?? (await catalog.loadTable(id));
  const policy = retryPolicy(table.metadata.properties, options.retry);
  /** Attempts whose outcome we never learned; any of them may still turn up in the table. */
  const unknown: TableChange[] = [];
  let attempts = 0;
  let lastError: unknown;

  const backoff = async (retry: number): Promise<void> => {
    const ceiling = Math.min(policy.maxWaitMs, policy.minWaitMs * 2 ** retry);
    const remaining = policy.totalTimeoutMs - (now() - started);
    await sleep(Math.max(0, Math.min(remaining, Math.round(ceiling / 2 + (random() * ceiling) / 2))));
  };
  const outOfBudget = (): boolean => attempts > policy.numRetries || now() - started >= policy.totalTimeoutMs;
  const earlierLanded = (m: TableMetadata): TableChange | undefined => unknown.find((c) => landed(m, c));

  for (;;) {
    const change = await build(table.metadata);
    if (change.updates.length === 0) return { table, change, attempts, recovered: false };
    warnIfUnpinned(change, log);
    attempts++;
    try {
      const committed = await catalog.commitTable(id, change);
      if (attempts > 1) log.info({ attempts }, 'commit succeeded after retries');
      return { table: committed, change, attempts, recovered: false };
    } catch (err) {
      lastError = err;
      if (isFloeError(err, CatalogErrorCode.CommitConflict)) {
        log.info({ attempt: attempts, err: err.message }, 'commit conflict; reloading and retrying');
      } else if (isFloeError(err, CatalogErrorCode.CommitStateUnknown)) {
        log.warn({ attempt: attempts, err: err.message }, 'commit outcome unknown; checking the table');
        unknown.push(change);
      } else if (isFloeError(err, CatalogErrorCode.BadRequest) && (await upgradedSince(catalog, id, table.metadata, log))) {
        log.info({ attempt: attempts, err: err.message }, 'commit refused: the table was upgraded to a newer format meanwhile; rebuilding');
      } else {
        throw err;
      }
    }

    if (outOfBudget()) {
      // Last look before giving up: an unknown attempt may have landed after all.
      if (unknown.length > 0) {
        const resolved = await tryReload(catalog, id, log);
        const found = resolved && earlierLanded(resolved.metadata);
        if (resolved && found) return { table: resolved, change: found, attempts, recovered: true };
      }
      throw giveUp(lastError, attempts, unknown.length > 0);
    }
    await backoff(attempts - 1);
    table = await reloadWithinBudget(catalog, id, log, policy, started, now, sleep, unknown.length > 0, lastError);
    const found = earlierLanded(table.metadata);
    if (found !== undefined) {
      log.info({ attempts }, 'an earlier commit whose response was lost is in the table; not retrying');
      return { table, change: found, attempts, recovered: true };
    }
  }
}

/**
 * Whether the snapshots this change adds are in the table: true, false, or undefined when the
 * change adds no snapshot (nothing to recognise it by).
 */
export function changeLanded(metadata: TableMetadata, change: TableChange): boolean | undefined {
  const ids = change.updates.flatMap((u) => (u.action === 'add-snapshot' ? [u.snapshot['snapshot-id']] : []));
  if (ids.length === 0) return propertiesLanded(metadata, change);
  const snapshots = metadata.snapshots ?? [];
  const log = metadata['snapshot-log'] ?? [];
  return ids.every(
    (sid) => snapshots.some((s) => sameId(s['snapshot-id'], sid)) || log.some((e) => sameId(e['snapshot-id'], sid)),
  );
}

/** Whether `snapshotId` is `ref`'s current snapshot or one of its ancestors. */
export function isAncestorOf(metadata: TableMetadata, snapshotId: number | bigint, ref = 'main'): boolean {
  const byId = new Map((metadata.snapshots ?? []).map((s) => [String(s['snapshot-id']), s]));
  const head = metadata.refs?.[ref]?.['snapshot-id'] ?? (ref === 'main' ? metadata['current-snapshot-id'] : undefined);
  let cur = head === null || head === undefined ? undefined : byId.get(String(head));
  for (let guard = 0; cur !== undefined && guard < 1_000_000; guard++) {
    if (sameId(cur['snapshot-id'], snapshotId)) return true;
    const parent = cur['parent-snapshot-id'];
    cur = parent === undefined ? undefined : byId.get(String(parent));
  }
  return false;
}

/** set-properties / remove-properties only: landed when the table shows exactly those values. */
function propertiesLanded(metadata: TableMetadata, change: TableChange): boolean | undefined {
  const props = metadata.properties ?? {};
  let checked = false;
  for (const u of change.updates) {
    if (u.action === 'set-properties') {
      checked = true;
      if (Object.entries(u.updates).some(([k, v]) => props[k] !== v)) return false;
    } else if (u.action === 'remove-properties') {
      checked = true;
      if (u.removals.some((k) => k in props)) return false;
    } else {
      return undefined;
    }
  }
  return checked ? true : undefined;
}

/** Reads `commit.retry.*` table properties; explicit options win. */
export function retryPolicy(properties: Record<string, string> | undefined, explicit: Partial<RetryPolicy> = {}): RetryPolicy {
  const prop = (name: string, fallback: number): number => {
    const raw = properties?.[name];
    const n = raw === undefined ? NaN : Number(raw);
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  const d = DEFAULT_RETRY_POLICY;
  return {
    numRetries: explicit.numRetries ?? prop('commit.retry.num-retries', d.numRetries),
    minWaitMs: explicit.minWaitMs ?? prop('commit.retry.min-wait-ms', d.minWaitMs),
    maxWaitMs: explicit.maxWaitMs ?? prop('commit.retry.max-wait-ms', d.maxWaitMs),
    totalTimeoutMs: explicit.totalTimeoutMs ?? prop('commit.retry.total-timeout-ms', d.totalTimeoutMs),
  };
}

/** Whether the table's format version is now higher than in `built` (the metadata a change was built on). */
async function upgradedSince(catalog: CommitCatalog, id: TableIdentifier, built: TableMetadata, log: Logger): Promise<boolean> {
  const now = await tryReload(catalog, id, log);
  return now !== undefined && now.metadata['format-version'] > built['format-version'];
}

async function tryReload(catalog: CommitCatalog, id: TableIdentifier, log: Logger): Promise<LoadedTable | undefined> {
  try {
    return await catalog.loadTable(id);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'reload after commit failed');
    return undefined;
  }
}

/**
 * Reloads the table, retrying transient failures until the total budget runs out. After an
 * unknown outcome we must not build a new change before we know the table's state.
 */
async function reloadWithinBudget(
  catalog: CommitCatalog,
  id: TableIdentifier,
  log: Logger,
  policy: RetryPolicy,
  started: number,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
  outcomeUnknown: boolean,
  commitError: unknown,
): Promise<LoadedTable> {
  for (let i = 0; ; i++) {
    try {
      return await catalog.loadTable(id);
    } catch (err) {
      const retryable = err instanceof FloeError && err.retryable;
      if (!retryable || now() - started >= policy.totalTimeoutMs) {
        if (!outcomeUnknown) throw err;
        throw new FloeError(
          CatalogErrorCode.CommitStateUnknown,
          'commit outcome unknown and the table could not be reloaded to check it',
          { cause: err, details: { commitError: (commitError as Error)?.message } },
        );
      }
      const wait = Math.min(policy.maxWaitMs, policy.minWaitMs * 2 ** Math.min(i, 20));
      log.warn({ err: err.message, wait }, 'reload failed; retrying');
      await sleep(wait);
    }
  }
}

/**
 * Once any attempt's outcome was unknown, the caller must check the table (e.g. for its offsets)
 * before redoing the work, so that error is not retryable; plain conflicts are.
 */
function giveUp(lastError: unknown, attempts: number, anyUnknown: boolean): FloeError {
  if (anyUnknown) {
    return new FloeError(CatalogErrorCode.CommitStateUnknown, `commit outcome unknown after ${attempts} attempts`, {
      cause: lastError,
      details: { attempts },
    });
  }
  return new FloeError(CatalogErrorCode.CommitConflict, `commit still conflicting after ${attempts} attempts`, {
    retryable: true,
    cause: lastError,
    details: { attempts },
  });
}

/** An append without assert-ref-snapshot-id could land twice if a lost request lands late. */
function warnIfUnpinned(change: TableChange, log: Logger): void {
  const adds = change.updates.some((u) => u.action === 'add-snapshot');
  const pinned = change.requirements.some((r) => r.type === 'assert-ref-snapshot-id');
  if (adds && !pinned) log.warn('change adds a snapshot without assert-ref-snapshot-id; retries cannot exclude a double append');
}

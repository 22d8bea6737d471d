/**
 * CatalogStore on PostgreSQL, for teams that run several catalog servers (behind a load balancer,
 * or one per host) against one database, or that want the catalog's state in a managed, backed-up
 * database rather than a local file.
 *
 * The compare-and-swap is one `UPDATE … WHERE metadata_location = $expected`: under READ COMMITTED
 * a concurrent UPDATE of the same row waits for the other transaction and then re-evaluates the
 * WHERE clause against the row it committed, so of two swaps from the same base exactly one
 * changes a row. A commit answered 200 is durable once COMMIT returns (synchronous_commit is on by
 * default; the server refuses to start otherwise).
 *
 * Tables and views reference their namespace with a foreign key, so a table can never be inserted
 * into (or renamed into) a namespace that a concurrent drop removed: the database checks it inside
 * the same statement. Creating and dropping namespaces take one advisory lock, because a drop
 * must also see child namespaces, which no foreign key relates.
 */
import pg from 'pg';
import { FloeError } from '../../src/util/errors.js';
import { noSuchNamespace } from './errors.js';
import {
  nsFromKey,
  nsKey,
  SEP,
  type CatalogStore,
  type Ident,
  type InsertResult,
  type Namespace,
  type PointerSet,
  type PointerSwap,
  type RenameResult,
  type TableRow,
} from './store.js';

/** Prefixed so the catalog can share a database (and its default schema) with other applications. */
const NAMESPACES = 'floe_catalog_namespaces';
const TABLES = 'floe_catalog_tables';
const VIEWS = 'floe_catalog_views';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ${NAMESPACES} (
  id BIGSERIAL,
  name TEXT PRIMARY KEY,
  properties TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ${TABLES} (
  namespace TEXT NOT NULL REFERENCES ${NAMESPACES} (name),
  name TEXT NOT NULL,
  metadata_location TEXT NOT NULL,
  PRIMARY KEY (namespace, name)
);
CREATE TABLE IF NOT EXISTS ${VIEWS} (
  namespace TEXT NOT NULL REFERENCES ${NAMESPACES} (name),
  name TEXT NOT NULL,
  metadata_location TEXT NOT NULL,
  PRIMARY KEY (namespace, name)
);`;

/** Arbitrary constant keys for pg_advisory_xact_lock: schema creation and namespace structure. */
const SCHEMA_LOCK = 0x666c6f65_01;
const NAMESPACE_LOCK = 0x666c6f65_02;

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (libpq-style query parameters such as sslmode). */
  url: string;
  /** Pool size; a commit holds a connection only for its swap. Default 10. */
  maxConnections?: number;
}

export class PostgresStore implements CatalogStore {
  private readonly pool: pg.Pool;
  readonly tables: PointerSet;
  readonly views: PointerSet;
  private schemaReady: Promise<void> | undefined;

  constructor(o: PostgresStoreOptions) {
    this.pool = new pg.Pool({ connectionString: o.url, max: o.maxConnections ?? 10, connectionTimeoutMillis: 10_000 });
    // An idle pooled connection that the server drops (restart, failover) must not crash the process;
    // the next query opens a fresh one.
    this.pool.on('error', () => undefined);
    this.tables = new PgPointers(this, TABLES);
    this.views = new PgPointers(this, VIEWS);
  }

  /** Creates the schema once per process; concurrent servers serialize on an advisory lock. */
  ready(): Promise<void> {
    this.schemaReady ??= this.inTransaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await c.query(SCHEMA);
      const sync = await c.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
      if (sync.rows[0]?.synchronous_commit === 'off') {
        // A setting of the database, not of floe: restarting will not fix it (exit 3).
        throw new FloeError('CATALOG_CONFIG', 'the PostgreSQL catalog store needs synchronous_commit on: a commit answered 200 must survive a database crash');
      }
    }).catch((err: unknown) => {
      this.schemaReady = undefined; // let a later call try again (the database may come up later)
      throw err;
    });
    return this.schemaReady;
  }

  async createNamespace(ns: Namespace, properties: Record<string, string>): Promise<boolean> {
    return this.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [NAMESPACE_LOCK]);
      const r = await c.query(`INSERT INTO ${NAMESPACES} (name, properties) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
        nsKey(ns),
        JSON.stringify(properties),
      ]);
      return r.rowCount === 1;
    });
  }

  async namespaceProperties(ns: Namespace): Promise<Record<string, string> | undefined> {
    const r = await this.query<{ properties: string }>(`SELECT properties FROM ${NAMESPACES} WHERE name = $1`, [nsKey(ns)]);
    return r.rows[0] ? (JSON.parse(r.rows[0].properties) as Record<string, string>) : undefined;
  }

  async setNamespaceProperties(ns: Namespace, properties: Record<string, string>): Promise<boolean> {
    const r = await this.query(`UPDATE ${NAMESPACES} SET properties = $1 WHERE name = $2`, [JSON.stringify(properties), nsKey(ns)]);
    return r.rowCount === 1;
  }

  async listNamespaces(): Promise<Namespace[]> {
    const r = await this.query<{ name: string }>(`SELECT name FROM ${NAMESPACES} ORDER BY id`);
    return r.rows.map((row) => nsFromKey(row.name));
  }

  async dropNamespace(ns: Namespace): Promise<'missing' | 'not-empty' | 'dropped'> {
    const key = nsKey(ns);
    return this.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [NAMESPACE_LOCK]);
      // The row lock makes concurrent table inserts (their foreign-key check) wait for this drop.
      const found = await c.query(`SELECT 1 FROM ${NAMESPACES} WHERE name = $1 FOR UPDATE`, [key]);
      if (found.rowCount === 0) return 'missing';
      const prefix = key + SEP;
      const busy = await c.query(
        `SELECT 1 FROM ${TABLES} WHERE namespace = $1
         UNION ALL SELECT 1 FROM ${VIEWS} WHERE namespace = $1
         UNION ALL SELECT 1 FROM ${NAMESPACES} WHERE left(name, $2) = $3
         LIMIT 1`,
        [key, prefix.length, prefix],
      );
      if ((busy.rowCount ?? 0) > 0) return 'not-empty';
      await c.query(`DELETE FROM ${NAMESPACES} WHERE name = $1`, [key]);
      return 'dropped';
    });
  }

  async replaceTable(row: TableRow): Promise<void> {
    try {
      await this.query(
        `INSERT INTO ${TABLES} (namespace, name, metadata_location) VALUES ($1, $2, $3)
         ON CONFLICT (namespace, name) DO UPDATE SET metadata_location = EXCLUDED.metadata_location`,
        [nsKey(row.namespace), row.name, row.metadataLocation],
      );
    } catch (err) {
      if (pgCode(err) === FOREIGN_KEY_VIOLATION) throw noSuchNamespace(row.namespace);
      throw err;
    }
  }

  async swapPointers(swaps: PointerSwap[]): Promise<number> {
    // Rows are updated in one global order, so two transactions over the same tables queue
    // behind each other instead of deadlocking.
    const order = swaps.map((s, i) => ({ s, i })).sort((a, b) => compare(nsKey(a.s.ns), nsKey(b.s.ns)) || compare(a.s.name, b.s.name));
    try {
      await this.transaction(async (c) => {
        for (const { s, i } of order) {
          const r = await c.query(`UPDATE ${TABLES} SET metadata_location = $1 WHERE namespace = $2 AND name = $3 AND metadata_location = $4`, [
            s.next,
            nsKey(s.ns),
            s.name,
            s.expected,
          ]);
          // Throwing rolls the whole transaction back, so no table moves unless all do.
          if (r.rowCount !== 1) throw new RollBack(i);
        }
      });
      return -1;
    } catch (err) {
      if (err instanceof RollBack) return err.index;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    await this.ready();
    return this.pool.query<R>(text, values).catch((err: unknown) => {
      throw storeError(err);
    });
  }

  /** Runs `fn` in BEGIN … COMMIT on one connection, once the schema exists. */
  private async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready();
    return this.inTransaction(fn);
  }

  /**
   * Any error rolls back. A connection lost during COMMIT leaves the outcome to the database, which
   * applies all of the transaction or none of it; the caller reports it as unknown (5xx).
   */
  private async inTransaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((err: unknown) => {
      throw storeError(err);
    });
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      client.release();
      return out;
    } catch (err) {
      // A connection that cannot even roll back is broken: destroy it rather than pool it.
      const broken = await client.query('ROLLBACK').then(() => false, () => true);
      client.release(broken);
      throw err instanceof RollBack ? err : storeError(err);
    }
  }
}

class RollBack extends Error {
  constructor(readonly index: number) {
    super('rolled back');
  }
}

/** Name → metadata pointer rows of one kind (tables or views). */
class PgPointers implements PointerSet {
  constructor(
    private readonly store: PostgresStore,
    private readonly relation: string,
  ) {}

  async list(ns: Namespace): Promise<string[]> {
    const r = await this.store.query<{ name: string }>(`SELECT name FROM ${this.relation} WHERE namespace = $1 ORDER BY name COLLATE "C"`, [nsKey(ns)]);
    return r.rows.map((row) => row.name);
  }

  async get(ns: Namespace, name: string): Promise<TableRow | undefined> {
    const r = await this.store.query<{ metadata_location: string }>(
      `SELECT metadata_location FROM ${this.relation} WHERE namespace = $1 AND name = $2`,
      [nsKey(ns), name],
    );
    return r.rows[0] ? { namespace: ns, name, metadataLocation: r.rows[0].metadata_location } : undefined;
  }

  async insert(row: TableRow): Promise<InsertResult> {
    try {
      const r = await this.store.query(
        `INSERT INTO ${this.relation} (namespace, name, metadata_location) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [nsKey(row.namespace), row.name, row.metadataLocation],
      );
      return r.rowCount === 1 ? 'inserted' : 'exists';
    } catch (err) {
      if (pgCode(err) === FOREIGN_KEY_VIOLATION) return 'no-namespace';
      throw err;
    }
  }

  async swap(ns: Namespace, name: string, expected: string, next: string): Promise<boolean> {
    const r = await this.store.query(
      `UPDATE ${this.relation} SET metadata_location = $1 WHERE namespace = $2 AND name = $3 AND metadata_location = $4`,
      [next, nsKey(ns), name, expected],
    );
    return r.rowCount === 1;
  }

  async rename(from: Ident, to: Ident): Promise<RenameResult> {
    try {
      const r = await this.store.query(`UPDATE ${this.relation} SET namespace = $1, name = $2 WHERE namespace = $3 AND name = $4`, [
        nsKey(to.ns),
        to.name,
        nsKey(from.ns),
        from.name,
      ]);
      return r.rowCount === 1 ? 'renamed' : 'missing';
    } catch (err) {
      if (pgCode(err) === UNIQUE_VIOLATION) return 'exists';
      if (pgCode(err) === FOREIGN_KEY_VIOLATION) return 'no-namespace';
      throw err;
    }
  }

  async drop(ns: Namespace, name: string): Promise<TableRow | undefined> {
    const r = await this.store.query<{ metadata_location: string }>(
      `DELETE FROM ${this.relation} WHERE namespace = $1 AND name = $2 RETURNING metadata_location`,
      [nsKey(ns), name],
    );
    return r.rows[0] ? { namespace: ns, name, metadataLocation: r.rows[0].metadata_location } : undefined;
  }
}

/** Byte order, as `ORDER BY … COLLATE "C"` and SQLite sort, whatever the database's locale. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function pgCode(err: unknown): string | undefined {
  const e = (err instanceof FloeError ? err.cause : err) as { code?: unknown } | undefined;
  return typeof e?.code === 'string' ? e.code : undefined;
}

/**
 * Database errors become FloeErrors the server answers with 503 (unreachable, retryable) or 500:
 * either way a committing client treats the outcome as unknown and reloads. Constraint violations
 * stay the driver's errors, whose SQLSTATE `code` the callers map.
 */
function storeError(err: unknown): unknown {
  if (err instanceof FloeError) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    // Class 28: wrong user or password; restarting will not fix it (the CLI exits 3).
    if (code.startsWith('28')) {
      return new FloeError('CATALOG_STORE_AUTH_FAILED', `catalog store (PostgreSQL) refused the credentials: ${(err as Error).message}`, { cause: err });
    }
    // Class 08 (connection), 53 (resources), 57P (shutdown) are the database being unavailable.
    const unavailable = code.startsWith('08') || code.startsWith('53') || code.startsWith('57P');
    if (!unavailable) return err;
  }
  return new FloeError('CATALOG_STORE_UNAVAILABLE', `catalog store (PostgreSQL) unavailable: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
    retryable: true,
  });
}

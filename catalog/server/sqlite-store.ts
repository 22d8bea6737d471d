/**
 * CatalogStore on a SQLite file through Node's own `node:sqlite` (Node 24; docs/catalog.md).
 * WAL journal + synchronous=FULL: a pointer swap the server has answered 200 for is on disk, and
 * a kill -9 mid-commit leaves either the old or the new pointer. Several server processes may
 * share one file; SQLite's locking serializes writers and the CAS is one UPDATE. node:sqlite is
 * synchronous: the async methods answer from work already done.
 *
 * It replaced better-sqlite3, whose Statement finalizer aborts the process on Node >= 24.19
 * (`Assertion failed: (env) != nullptr` in RemoveEnvironmentCleanupHook when a GC collects a
 * statement; nodejs/node#65446) and which had to be compiled from source on every install.
 */
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { nsFromKey, nsKey, SEP, type CatalogStore, type Ident, type InsertResult, type Namespace, type PointerSet, type PointerSwap, type RenameResult, type TableRow } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS namespaces (
  name TEXT PRIMARY KEY,
  properties TEXT NOT NULL,
  created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tables (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  metadata_location TEXT NOT NULL,
  PRIMARY KEY (namespace, name)
);
CREATE TABLE IF NOT EXISTS views (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  metadata_location TEXT NOT NULL,
  PRIMARY KEY (namespace, name)
);`;

type Db = DatabaseSync;

/**
 * Runs `fn` in a BEGIN IMMEDIATE transaction (the write lock from the start, so two servers never
 * both read-then-write): committed when it returns, rolled back when it throws.
 */
function immediate<T>(db: Db, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

export class SqliteStore implements CatalogStore {
  private readonly db: Db;
  readonly views: PointerSet;
  readonly tables: PointerSet;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // Another server process may hold the write lock for a moment: wait (busy timeout) instead of failing.
    this.db = new DatabaseSync(path, { timeout: 10_000 });
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = FULL');
    this.db.exec(SCHEMA);
    this.tables = new SqlitePointers(this.db, 'tables');
    this.views = new SqlitePointers(this.db, 'views');
  }

  async ready(): Promise<void> {}

  async createNamespace(ns: Namespace, properties: Record<string, string>): Promise<boolean> {
    const r = this.db
      .prepare('INSERT OR IGNORE INTO namespaces (name, properties, created) VALUES (?, ?, ?)')
      .run(nsKey(ns), JSON.stringify(properties), Date.now());
    return r.changes === 1;
  }

  async namespaceProperties(ns: Namespace): Promise<Record<string, string> | undefined> {
    const row = this.db.prepare('SELECT properties FROM namespaces WHERE name = ?').get(nsKey(ns)) as
      | { properties: string }
      | undefined;
    return row ? (JSON.parse(row.properties) as Record<string, string>) : undefined;
  }

  async setNamespaceProperties(ns: Namespace, properties: Record<string, string>): Promise<boolean> {
    const r = this.db.prepare('UPDATE namespaces SET properties = ? WHERE name = ?').run(JSON.stringify(properties), nsKey(ns));
    return r.changes === 1;
  }

  async listNamespaces(): Promise<Namespace[]> {
    const rows = this.db.prepare('SELECT name FROM namespaces ORDER BY created, rowid').all() as { name: string }[];
    return rows.map((r) => nsFromKey(r.name));
  }

  async dropNamespace(ns: Namespace): Promise<'missing' | 'not-empty' | 'dropped'> {
    const key = nsKey(ns);
    return immediate(this.db, (): 'missing' | 'not-empty' | 'dropped' => {
      if (!this.db.prepare('SELECT 1 FROM namespaces WHERE name = ?').get(key)) return 'missing';
      if (this.db.prepare('SELECT 1 FROM tables WHERE namespace = ? LIMIT 1').get(key)) return 'not-empty';
      if (this.db.prepare('SELECT 1 FROM views WHERE namespace = ? LIMIT 1').get(key)) return 'not-empty';
      // substr, not LIKE: namespace names may contain % and _.
      const prefix = key + SEP;
      const child = this.db.prepare('SELECT 1 FROM namespaces WHERE substr(name, 1, ?) = ? LIMIT 1').get(prefix.length, prefix);
      if (child) return 'not-empty';
      this.db.prepare('DELETE FROM namespaces WHERE name = ?').run(key);
      return 'dropped';
    });
  }

  async replaceTable(row: TableRow): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO tables (namespace, name, metadata_location) VALUES (?, ?, ?)')
      .run(nsKey(row.namespace), row.name, row.metadataLocation);
  }

  async swapPointers(swaps: PointerSwap[]): Promise<number> {
    const stmt = this.db.prepare('UPDATE tables SET metadata_location = ? WHERE namespace = ? AND name = ? AND metadata_location = ?');
    const failed = { index: -1 };
    const tx = () => immediate(this.db, () => {
      swaps.forEach((s, i) => {
        if (failed.index >= 0) return;
        if (stmt.run(s.next, nsKey(s.ns), s.name, s.expected).changes !== 1) failed.index = i;
      });
      // Throwing rolls the whole transaction back, so no table moves unless all do.
      if (failed.index >= 0) throw new RollBack();
    });
    try {
      tx();
    } catch (e) {
      if (!(e instanceof RollBack)) throw e;
    }
    return failed.index;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

class RollBack extends Error {}

/** Name → metadata pointer rows of one kind (tables or views). */
class SqlitePointers implements PointerSet {
  constructor(
    private readonly db: Db,
    readonly kind: 'tables' | 'views',
  ) {}

  async list(ns: Namespace): Promise<string[]> {
    const rows = this.db.prepare(`SELECT name FROM ${this.kind} WHERE namespace = ? ORDER BY name`).all(nsKey(ns)) as { name: string }[];
    return rows.map((r) => r.name);
  }

  async get(ns: Namespace, name: string): Promise<TableRow | undefined> {
    return this.row(ns, name);
  }

  async insert(row: TableRow): Promise<InsertResult> {
    return immediate(this.db, (): InsertResult => {
      if (!this.namespaceExists(row.namespace)) return 'no-namespace';
      const r = this.db
        .prepare(`INSERT OR IGNORE INTO ${this.kind} (namespace, name, metadata_location) VALUES (?, ?, ?)`)
        .run(nsKey(row.namespace), row.name, row.metadataLocation);
      return r.changes === 1 ? 'inserted' : 'exists';
    });
  }

  async swap(ns: Namespace, name: string, expected: string, next: string): Promise<boolean> {
    return this.db
      .prepare(`UPDATE ${this.kind} SET metadata_location = ? WHERE namespace = ? AND name = ? AND metadata_location = ?`)
      .run(next, nsKey(ns), name, expected).changes === 1;
  }

  async rename(from: Ident, to: Ident): Promise<RenameResult> {
    return immediate(this.db, (): RenameResult => {
      if (!this.row(from.ns, from.name)) return 'missing';
      if (!this.namespaceExists(to.ns)) return 'no-namespace';
      if (this.row(to.ns, to.name)) return 'exists';
      this.db
        .prepare(`UPDATE ${this.kind} SET namespace = ?, name = ? WHERE namespace = ? AND name = ?`)
        .run(nsKey(to.ns), to.name, nsKey(from.ns), from.name);
      return 'renamed';
    });
  }

  async drop(ns: Namespace, name: string): Promise<TableRow | undefined> {
    return immediate(this.db, () => {
      const row = this.row(ns, name);
      if (row) this.db.prepare(`DELETE FROM ${this.kind} WHERE namespace = ? AND name = ?`).run(nsKey(ns), name);
      return row;
    });
  }

  private namespaceExists(ns: Namespace): boolean {
    return this.db.prepare('SELECT 1 FROM namespaces WHERE name = ?').get(nsKey(ns)) !== undefined;
  }

  private row(ns: Namespace, name: string): TableRow | undefined {
    const row = this.db.prepare(`SELECT metadata_location FROM ${this.kind} WHERE namespace = ? AND name = ?`).get(nsKey(ns), name) as
      | { metadata_location: string }
      | undefined;
    return row ? { namespace: ns, name, metadataLocation: row.metadata_location } : undefined;
  }
}

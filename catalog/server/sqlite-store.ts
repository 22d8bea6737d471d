/**
 * CatalogStore on a SQLite file (better-sqlite3, compiled from source: Node 20 has no
 * node:sqlite). WAL journal + synchronous=FULL: a pointer swap the server has answered 200 for is
 * on disk, and a kill -9 mid-commit leaves either the old or the new pointer. Several server
 * processes may share one file; SQLite's locking serializes writers and the CAS is one UPDATE.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { nsFromKey, nsKey, SEP, type CatalogStore, type Namespace, type PointerSet, type TableRow } from './store.js';

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

type Db = InstanceType<typeof Database>;

export class SqliteStore implements CatalogStore {
  private readonly db: Db;
  readonly views: PointerSet;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // Another server process may hold the write lock for a moment; wait instead of failing.
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(SCHEMA);
    this.views = new SqlitePointers(this.db, 'views');
  }

  createNamespace(ns: Namespace, properties: Record<string, string>): boolean {
    const r = this.db
      .prepare('INSERT OR IGNORE INTO namespaces (name, properties, created) VALUES (?, ?, ?)')
      .run(nsKey(ns), JSON.stringify(properties), Date.now());
    return r.changes === 1;
  }

  namespaceProperties(ns: Namespace): Record<string, string> | undefined {
    const row = this.db.prepare('SELECT properties FROM namespaces WHERE name = ?').get(nsKey(ns)) as
      | { properties: string }
      | undefined;
    return row ? (JSON.parse(row.properties) as Record<string, string>) : undefined;
  }

  setNamespaceProperties(ns: Namespace, properties: Record<string, string>): boolean {
    const r = this.db.prepare('UPDATE namespaces SET properties = ? WHERE name = ?').run(JSON.stringify(properties), nsKey(ns));
    return r.changes === 1;
  }

  listNamespaces(): Namespace[] {
    const rows = this.db.prepare('SELECT name FROM namespaces ORDER BY created, rowid').all() as { name: string }[];
    return rows.map((r) => nsFromKey(r.name));
  }

  dropNamespace(ns: Namespace): 'missing' | 'not-empty' | 'dropped' {
    const key = nsKey(ns);
    return this.db.transaction((): 'missing' | 'not-empty' | 'dropped' => {
      if (!this.db.prepare('SELECT 1 FROM namespaces WHERE name = ?').get(key)) return 'missing';
      if (this.db.prepare('SELECT 1 FROM tables WHERE namespace = ? LIMIT 1').get(key)) return 'not-empty';
      if (this.db.prepare('SELECT 1 FROM views WHERE namespace = ? LIMIT 1').get(key)) return 'not-empty';
      // substr, not LIKE: namespace names may contain % and _.
      const prefix = key + SEP;
      const child = this.db.prepare('SELECT 1 FROM namespaces WHERE substr(name, 1, ?) = ? LIMIT 1').get(prefix.length, prefix);
      if (child) return 'not-empty';
      this.db.prepare('DELETE FROM namespaces WHERE name = ?').run(key);
      return 'dropped';
    }).immediate();
  }

  listTables(ns: Namespace): string[] {
    const rows = this.db.prepare('SELECT name FROM tables WHERE namespace = ? ORDER BY name').all(nsKey(ns)) as { name: string }[];
    return rows.map((r) => r.name);
  }

  table(ns: Namespace, name: string): TableRow | undefined {
    const row = this.db.prepare('SELECT metadata_location FROM tables WHERE namespace = ? AND name = ?').get(nsKey(ns), name) as
      | { metadata_location: string }
      | undefined;
    return row ? { namespace: ns, name, metadataLocation: row.metadata_location } : undefined;
  }

  insertTable(row: TableRow): boolean {
    const r = this.db
      .prepare('INSERT OR IGNORE INTO tables (namespace, name, metadata_location) VALUES (?, ?, ?)')
      .run(nsKey(row.namespace), row.name, row.metadataLocation);
    return r.changes === 1;
  }

  replaceTable(row: TableRow): void {
    this.db
      .prepare('INSERT OR REPLACE INTO tables (namespace, name, metadata_location) VALUES (?, ?, ?)')
      .run(nsKey(row.namespace), row.name, row.metadataLocation);
  }

  swapPointer(ns: Namespace, name: string, expected: string, next: string): boolean {
    const r = this.db
      .prepare('UPDATE tables SET metadata_location = ? WHERE namespace = ? AND name = ? AND metadata_location = ?')
      .run(next, nsKey(ns), name, expected);
    return r.changes === 1;
  }

  swapPointers(swaps: { ns: Namespace; name: string; expected: string; next: string }[]): number {
    const stmt = this.db.prepare('UPDATE tables SET metadata_location = ? WHERE namespace = ? AND name = ? AND metadata_location = ?');
    const failed = { index: -1 };
    const tx = this.db.transaction(() => {
      swaps.forEach((s, i) => {
        if (failed.index >= 0) return;
        if (stmt.run(s.next, nsKey(s.ns), s.name, s.expected).changes !== 1) failed.index = i;
      });
      // Throwing rolls the whole transaction back, so no table moves unless all do.
      if (failed.index >= 0) throw new RollBack();
    });
    try {
      tx.immediate();
    } catch (e) {
      if (!(e instanceof RollBack)) throw e;
    }
    return failed.index;
  }

  renameTable(from: { ns: Namespace; name: string }, to: { ns: Namespace; name: string }): 'missing' | 'exists' | 'renamed' {
    return this.db.transaction((): 'missing' | 'exists' | 'renamed' => {
      const src = this.table(from.ns, from.name);
      if (!src) return 'missing';
      if (this.table(to.ns, to.name)) return 'exists';
      this.db
        .prepare('UPDATE tables SET namespace = ?, name = ? WHERE namespace = ? AND name = ?')
        .run(nsKey(to.ns), to.name, nsKey(from.ns), from.name);
      return 'renamed';
    }).immediate();
  }

  dropTable(ns: Namespace, name: string): TableRow | undefined {
    return this.db.transaction(() => {
      const row = this.table(ns, name);
      if (row) this.db.prepare('DELETE FROM tables WHERE namespace = ? AND name = ?').run(nsKey(ns), name);
      return row;
    }).immediate();
  }

  close(): void {
    this.db.close();
  }
}

class RollBack extends Error {}

/** Name → metadata pointer rows of one kind (the views table). */
class SqlitePointers implements PointerSet {
  constructor(
    private readonly db: Db,
    private readonly table: 'views',
  ) {}

  list(ns: Namespace): string[] {
    const rows = this.db.prepare(`SELECT name FROM ${this.table} WHERE namespace = ? ORDER BY name`).all(nsKey(ns)) as { name: string }[];
    return rows.map((r) => r.name);
  }

  get(ns: Namespace, name: string): TableRow | undefined {
    const row = this.db.prepare(`SELECT metadata_location FROM ${this.table} WHERE namespace = ? AND name = ?`).get(nsKey(ns), name) as
      | { metadata_location: string }
      | undefined;
    return row ? { namespace: ns, name, metadataLocation: row.metadata_location } : undefined;
  }

  insert(row: TableRow): boolean {
    return this.db
      .prepare(`INSERT OR IGNORE INTO ${this.table} (namespace, name, metadata_location) VALUES (?, ?, ?)`)
      .run(nsKey(row.namespace), row.name, row.metadataLocation).changes === 1;
  }

  swap(ns: Namespace, name: string, expected: string, next: string): boolean {
    return this.db
      .prepare(`UPDATE ${this.table} SET metadata_location = ? WHERE namespace = ? AND name = ? AND metadata_location = ?`)
      .run(next, nsKey(ns), name, expected).changes === 1;
  }

  rename(from: { ns: Namespace; name: string }, to: { ns: Namespace; name: string }): 'missing' | 'exists' | 'renamed' {
    return this.db.transaction((): 'missing' | 'exists' | 'renamed' => {
      if (!this.get(from.ns, from.name)) return 'missing';
      if (this.get(to.ns, to.name)) return 'exists';
      this.db
        .prepare(`UPDATE ${this.table} SET namespace = ?, name = ? WHERE namespace = ? AND name = ?`)
        .run(nsKey(to.ns), to.name, nsKey(from.ns), from.name);
      return 'renamed';
    }).immediate();
  }

  drop(ns: Namespace, name: string): TableRow | undefined {
    return this.db.transaction(() => {
      const row = this.get(ns, name);
      if (row) this.db.prepare(`DELETE FROM ${this.table} WHERE namespace = ? AND name = ?`).run(nsKey(ns), name);
      return row;
    }).immediate();
  }
}

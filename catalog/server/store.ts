/**
 * The catalog's durable state: namespaces with their properties, and for each table the location
 * of its current metadata file. Everything else lives in the metadata files in the warehouse.
 *
 * The one operation that makes the catalog safe for concurrent writers is `swapPointer`: it moves
 * a table's pointer only if it still names the metadata the commit was based on, atomically.
 *
 * Every operation is asynchronous because a store may be a database server (PostgreSQL); the
 * SQLite store answers synchronously underneath.
 */

export type Namespace = string[];

export interface TableRow {
  namespace: Namespace;
  name: string;
  metadataLocation: string;
}

export interface CatalogStore {
  /** Resolves once the store is usable (schema created, server reachable); rejects otherwise. */
  ready(): Promise<void>;
  /** False if the namespace exists already. */
  createNamespace(ns: Namespace, properties: Record<string, string>): Promise<boolean>;
  /** undefined when it does not exist. */
  namespaceProperties(ns: Namespace): Promise<Record<string, string> | undefined>;
  setNamespaceProperties(ns: Namespace, properties: Record<string, string>): Promise<boolean>;
  /** Every namespace stored, in creation order. */
  listNamespaces(): Promise<Namespace[]>;
  /** 'missing' / 'not-empty' (tables or child namespaces) / 'dropped'. */
  dropNamespace(ns: Namespace): Promise<'missing' | 'not-empty' | 'dropped'>;

  /**
   * Table pointers. Its `insert` checks the namespace in the same atomic step, so a table can
   * never land in a namespace that a concurrent drop removed; its `swap` is the compare-and-swap
   * every commit ends with.
   */
  tables: PointerSet;
  /** Replaces an existing pointer unconditionally (register with overwrite). */
  replaceTable(row: TableRow): Promise<void>;
  /**
   * Applies several table swaps all-or-nothing (multi-table transactions); returns the index of
   * the first swap whose expectation failed, or -1 when all were applied.
   */
  swapPointers(swaps: PointerSwap[]): Promise<number>;
  /** View pointers: the same operations on a separate set of names. */
  views: PointerSet;
  close(): Promise<void>;
}

export type InsertResult = 'inserted' | 'exists' | 'no-namespace';
export type RenameResult = 'renamed' | 'missing' | 'exists' | 'no-namespace';

export interface Ident {
  ns: Namespace;
  name: string;
}

export interface PointerSwap {
  ns: Namespace;
  name: string;
  expected: string;
  next: string;
}

/** Namespaces are stored as their levels joined by the unit separator, as in the REST path. */
export const SEP = '\u001f';
export const nsKey = (ns: Namespace): string => ns.join(SEP);
export const nsFromKey = (key: string): Namespace => (key === '' ? [] : key.split(SEP));

/** Pointer operations for one kind of catalog object (tables or views). */
export interface PointerSet {
  list(ns: Namespace): Promise<string[]>;
  get(ns: Namespace, name: string): Promise<TableRow | undefined>;
  insert(row: TableRow): Promise<InsertResult>;
  swap(ns: Namespace, name: string, expected: string, next: string): Promise<boolean>;
  rename(from: Ident, to: Ident): Promise<RenameResult>;
  drop(ns: Namespace, name: string): Promise<TableRow | undefined>;
}

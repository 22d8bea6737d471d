/**
 * The catalog's durable state: namespaces with their properties, and for each table the location
 * of its current metadata file. Everything else lives in the metadata files in the warehouse.
 *
 * The one operation that makes the catalog safe for concurrent writers is `swapPointer`: it moves
 * a table's pointer only if it still names the metadata the commit was based on, atomically.
 */

export type Namespace = string[];

export interface TableRow {
  namespace: Namespace;
  name: string;
  metadataLocation: string;
}

export interface CatalogStore {
  createNamespace(ns: Namespace, properties: Record<string, string>): boolean;
  /** undefined when it does not exist. */
  namespaceProperties(ns: Namespace): Record<string, string> | undefined;
  setNamespaceProperties(ns: Namespace, properties: Record<string, string>): boolean;
  /** Every namespace stored, in creation order. */
  listNamespaces(): Namespace[];
  /** 'missing' / 'not-empty' (tables or child namespaces) / 'dropped'. */
  dropNamespace(ns: Namespace): 'missing' | 'not-empty' | 'dropped';

  listTables(ns: Namespace): string[];
  table(ns: Namespace, name: string): TableRow | undefined;
  /** Inserts a table pointer; false if the name is taken. */
  insertTable(row: TableRow): boolean;
  /** Replaces an existing pointer unconditionally (register with overwrite). */
  replaceTable(row: TableRow): void;
  /** Compare-and-swap: true only if the pointer still was `expected` and now is `next`. */
  swapPointer(ns: Namespace, name: string, expected: string, next: string): boolean;
  /**
   * Applies several swaps all-or-nothing (multi-table transactions); returns the index of the
   * first swap whose expectation failed, or -1 when all were applied.
   */
  swapPointers(swaps: { ns: Namespace; name: string; expected: string; next: string }[]): number;
  renameTable(from: { ns: Namespace; name: string }, to: { ns: Namespace; name: string }): 'missing' | 'exists' | 'renamed';
  dropTable(ns: Namespace, name: string): TableRow | undefined;

  /** Views: the same pointer operations on a separate set of names. */
  views: PointerSet;
  close(): void;
}

/** Namespaces are stored as their levels joined by the unit separator, as in the REST path. */
export const SEP = '\u001f';
export const nsKey = (ns: Namespace): string => ns.join(SEP);
export const nsFromKey = (key: string): Namespace => (key === '' ? [] : key.split(SEP));

/** Pointer operations for one kind of catalog object (views). */
export interface PointerSet {
  list(ns: Namespace): string[];
  get(ns: Namespace, name: string): TableRow | undefined;
  insert(row: TableRow): boolean;
  swap(ns: Namespace, name: string, expected: string, next: string): boolean;
  rename(from: { ns: Namespace; name: string }, to: { ns: Namespace; name: string }): 'missing' | 'exists' | 'renamed';
  drop(ns: Namespace, name: string): TableRow | undefined;
}

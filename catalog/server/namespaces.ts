/**
 * Namespace operations of the REST catalog on top of a CatalogStore: the rules the spec and
 * Java's catalogs agree on (409 on duplicates, 404 on unknown parents, 409 when dropping a
 * namespace that still holds tables or children, 422 when one key is both set and removed).
 */
import { badRequest, namespaceExists, namespaceNotEmpty, noSuchNamespace, unprocessable } from './errors.js';
import { checkNewNamespace } from './identifiers.js';
import type { LocationPolicy } from './locations.js';
import { nsKey, type CatalogStore, type Namespace } from './store.js';

export function checkNamespace(ns: unknown): Namespace {
  if (!Array.isArray(ns) || ns.length === 0 || !ns.every((l) => typeof l === 'string' && l.length > 0)) {
    throw badRequest(`invalid namespace ${JSON.stringify(ns)}`);
  }
  return ns as Namespace;
}

export class Namespaces {
  /** `warehouse`: the root under which namespaces without a `location` property are placed. */
  constructor(
    private readonly store: CatalogStore,
    private readonly warehouse: string,
    private readonly locations?: LocationPolicy,
  ) {}

  /** A `location` property becomes the default home of the namespace's tables: it must be allowed. */
  private checkLocationProperty(properties: Record<string, string>): void {
    if (properties.location !== undefined) this.locations?.check(properties.location, 'namespace location', true);
  }

  /**
   * Where a namespace's tables go by default: its `location` property, or `<warehouse>/<levels>`.
   * Engines read it (Trino derives each new table's unique location from it, and without one
   * creates tables at a fixed path it then refuses as non-empty), as Apache's catalogs report it.
   */
  async location(ns: Namespace): Promise<string> {
    const properties = await this.store.namespaceProperties(ns);
    if (properties === undefined) throw noSuchNamespace(ns);
    return properties.location ?? this.defaultLocation(ns);
  }

  private defaultLocation(ns: Namespace): string {
    return [this.warehouse.replace(/\/+$/, ''), ...ns].join('/');
  }

  async create(ns: Namespace, properties: Record<string, string> = {}): Promise<{ namespace: Namespace; properties: Record<string, string> }> {
    checkNewNamespace(checkNamespace(ns));
    checkProperties(properties);
    this.checkLocationProperty(properties);
    if (!(await this.store.createNamespace(ns, properties))) throw namespaceExists(ns);
    return { namespace: ns, properties };
  }

  async exists(ns: Namespace): Promise<boolean> {
    return (await this.store.namespaceProperties(ns)) !== undefined;
  }

  /** Throws 404 unless the namespace exists. */
  async require(ns: Namespace): Promise<void> {
    if (!(await this.exists(ns))) throw noSuchNamespace(ns);
  }

  async load(ns: Namespace): Promise<{ namespace: Namespace; properties: Record<string, string> }> {
    const properties = await this.store.namespaceProperties(ns);
    if (properties === undefined) throw noSuchNamespace(ns);
    return { namespace: ns, properties: { location: this.defaultLocation(ns), ...properties } };
  }

  /**
   * Direct children of `parent` (top level when empty). A child appears once even if only its
   * descendants were created explicitly, so a tree is always walkable from the top.
   */
  async list(parent: Namespace): Promise<Namespace[]> {
    if (parent.length > 0) await this.require(parent);
    const seen = new Set<string>();
    const out: Namespace[] = [];
    for (const ns of await this.store.listNamespaces()) {
      if (ns.length <= parent.length || !parent.every((l, i) => ns[i] === l)) continue;
      const child = ns.slice(0, parent.length + 1);
      const key = nsKey(child);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(child);
      }
    }
    return out;
  }

  async updateProperties(
    ns: Namespace,
    removals: string[] = [],
    updates: Record<string, string> = {},
  ): Promise<{ updated: string[]; removed: string[]; missing: string[] }> {
    checkProperties(updates);
    this.checkLocationProperty(updates);
    if (!Array.isArray(removals) || !removals.every((k) => typeof k === 'string')) throw badRequest('removals must be a list of strings');
    const both = removals.filter((k) => Object.prototype.hasOwnProperty.call(updates, k));
    if (both.length > 0) throw unprocessable(`properties both updated and removed: ${both.join(', ')}`);
    // Read-modify-write: two concurrent property updates can race; the store has no per-key
    // operations and namespace properties carry no correctness guarantees for table commits.
    const current = await this.store.namespaceProperties(ns);
    if (current === undefined) throw noSuchNamespace(ns);
    const removed: string[] = [];
    const missing: string[] = [];
    for (const k of removals) {
      if (Object.prototype.hasOwnProperty.call(current, k)) {
        delete current[k];
        removed.push(k);
      } else missing.push(k);
    }
    Object.assign(current, updates);
    if (!(await this.store.setNamespaceProperties(ns, current))) throw noSuchNamespace(ns);
    return { updated: Object.keys(updates), removed, missing };
  }

  async drop(ns: Namespace): Promise<void> {
    const result = await this.store.dropNamespace(ns);
    if (result === 'missing') throw noSuchNamespace(ns);
    if (result === 'not-empty') throw namespaceNotEmpty(ns);
  }
}

export function checkProperties(p: unknown): asserts p is Record<string, string> {
  if (p === null || typeof p !== 'object' || Array.isArray(p) || !Object.values(p).every((v) => typeof v === 'string')) {
    throw badRequest('properties must be an object of strings');
  }
}

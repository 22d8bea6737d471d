/**
 * Table operations of the REST catalog. A table is a pointer in the store to a metadata JSON file
 * in the warehouse. Every change writes a new metadata file and then moves the pointer with a
 * compare-and-swap, so the pointer only ever names complete files and concurrent commits
 * serialize: the loser of a swap re-checks its requirements against the winner's metadata and
 * either applies on top (server-side retry, as Java's catalog handlers do) or gets a 409.
 */
import { randomUUID } from 'node:crypto';
import type { TableChange, TableRequirement, TableUpdate } from '../../src/iceberg/spec/changes.js';
import { parseJson, stringifyJson } from '../../src/iceberg/spec/json.js';
import type { FileIO } from '../../src/iceberg/io/types.js';
import { emptyTableMetadata, newTableMetadata, parseTableMetadata, refSnapshotId, tableMetadataToJson } from '../../src/iceberg/spec/metadata.js';
import { applyUpdates, checkRequirements } from '../../src/iceberg/spec/updates.js';
import { FloeError, isFloeError } from '../../src/util/errors.js';
import type { PartitionSpec, Schema, SortOrder, TableMetadata } from '../../src/iceberg/spec/types.js';
import { checkAddedSnapshots, checkChange, checkLocations, clientInput, DEFAULT_MAX_UPDATES, readerView } from './commit-checks.js';
import { badRequest, CatalogError, commitFailed, noSuchNamespace, noSuchTable, tableExists } from './errors.js';
import { checkName, checkNewNamespace } from './identifiers.js';
import type { LocationPolicy } from './locations.js';
import { checkProperties, type Namespaces } from './namespaces.js';
import { purgeTableFiles, rootsOf, type OtherObject, type PurgeResult } from './purge.js';
import type { CatalogStore, Ident, Namespace } from './store.js';

export interface LoadResult {
  'metadata-location'?: string;
  metadata: Record<string, unknown>;
  config: Record<string, string>;
}

export interface CreateTableRequest {
  name: string;
  location?: string | null;
  schema: Schema;
  'partition-spec'?: PartitionSpec;
  'write-order'?: SortOrder;
  'stage-create'?: boolean;
  properties?: Record<string, string>;
}

export interface TableServiceOptions {
  store: CatalogStore;
  namespaces: Namespaces;
  /** FileIO for a metadata location (local or S3). */
  io: (location: string) => FileIO;
  /** Returned as each table's `config` (e.g. the S3 endpoint clients should use). */
  tableConfig?: Record<string, string>;
  /** Pointer swaps lost to concurrent writers before giving up with a 409. */
  maxAttempts?: number;
  /** Where table files may go (the warehouse and the operator's allowed roots). */
  locations: LocationPolicy;
  /** Updates (and requirements) one table change may carry. */
  maxUpdates?: number;
  /** Told what a purge did (files deleted, or skipped because another object shares the files). */
  onPurge?: (table: string, result: PurgeResult) => void;
}

interface Prepared {
  ns: Namespace;
  name: string;
  /** undefined: the change creates the table. */
  base?: string;
  next: string;
  metadata: TableMetadata;
  unchanged: boolean;
}

export class TableService {
  private readonly maxAttempts: number;
  private readonly maxUpdates: number;

  constructor(private readonly o: TableServiceOptions) {
    this.maxAttempts = o.maxAttempts ?? 8;
    this.maxUpdates = o.maxUpdates ?? DEFAULT_MAX_UPDATES;
  }

  async list(ns: Namespace): Promise<string[]> {
    await this.o.namespaces.require(ns);
    return this.o.store.tables.list(ns);
  }

  async exists(ns: Namespace, name: string): Promise<boolean> {
    return (await this.o.store.tables.get(ns, name)) !== undefined;
  }

  async load(ns: Namespace, name: string): Promise<LoadResult> {
    const row = await this.o.store.tables.get(ns, name);
    if (!row) throw noSuchTable(ns, name);
    return this.result(row.metadataLocation, await this.readMetadata(row.metadataLocation));
  }

  async create(ns: Namespace, req: CreateTableRequest): Promise<LoadResult> {
    checkName('table', req.name);
    if (req.schema === undefined) throw badRequest('schema is required');
    if (req.properties !== undefined) checkProperties(req.properties);
    // Java's client sends `"location": null` for "the catalog's default".
    if (req.location !== undefined && req.location !== null) this.o.locations.check(req.location, 'location');
    await this.o.namespaces.require(ns);
    await this.refuseView(ns, req.name);
    if (await this.exists(ns, req.name)) throw tableExists(ns, req.name);
    const location = req.location ?? (await this.defaultLocation(ns, req.name));
    const metadata = readerView(clientInput('table', () => newTableMetadata({
      location,
      schema: req.schema,
      ...(req['partition-spec'] ? { spec: req['partition-spec'] } : {}),
      ...(req['write-order'] ? { sortOrder: req['write-order'] } : {}),
      properties: req.properties ?? {},
    })));
    checkLocations(metadata, undefined, this.o.locations);
    // A staged create is only a proposal: the client commits it later with assert-create.
    if (req['stage-create']) return this.result(undefined, metadata);
    const file = await this.writeMetadata(metadata, undefined);
    const inserted = await this.o.store.tables.insert({ namespace: ns, name: req.name, metadataLocation: file });
    if (inserted !== 'inserted') {
      await this.discard(file);
      throw inserted === 'exists' ? tableExists(ns, req.name) : noSuchNamespace(ns);
    }
    return this.result(file, metadata);
  }

  async register(ns: Namespace, name: string, metadataLocation: string, overwrite = false): Promise<LoadResult> {
    checkName('table', name);
    if (typeof metadataLocation !== 'string' || metadataLocation === '') throw badRequest('metadata-location is required');
    // Only metadata files inside the allowed roots: the server reads with its own credentials, and
    // what it answers (or how it fails) must not reveal other files.
    this.o.locations.check(metadataLocation, 'metadata-location');
    if (!/\.metadata\.json$/.test(metadataLocation)) throw badRequest('metadata-location must name a .metadata.json file');
    await this.o.namespaces.require(ns);
    // One answer for missing, unreadable and malformed files, quoting none of their content.
    const metadata = await this.readMetadata(metadataLocation).catch((err: unknown) => {
      if (err instanceof FloeError && err.retryable) throw err;
      throw badRequest('metadata-location is not a readable table metadata file');
    });
    checkLocations(metadata, undefined, this.o.locations);
    const row = { namespace: ns, name, metadataLocation };
    if (overwrite) await this.o.store.replaceTable(row);
    else {
      const inserted = await this.o.store.tables.insert(row);
      if (inserted !== 'inserted') throw inserted === 'exists' ? tableExists(ns, name) : noSuchNamespace(ns);
    }
    return this.result(metadataLocation, metadata);
  }

  async commit(ns: Namespace, name: string, change: TableChange): Promise<LoadResult> {
    for (let attempt = 1; ; attempt++) {
      const p = await this.prepare(ns, name, change);
      if (p.unchanged) return this.result(p.base, p.metadata);
      const won = p.base === undefined
        ? await this.insertCreated(ns, name, p.next)
        : await this.o.store.tables.swap(ns, name, p.base, p.next);
      if (won) return this.result(p.next, p.metadata);
      await this.discard(p.next);
      if (attempt >= this.maxAttempts) throw commitFailed(`gave up after ${attempt} concurrent updates to ${[...ns, name].join('.')}`);
    }
  }

  /** All-or-nothing commit to several existing tables (POST /v1/transactions/commit). */
  async commitTransaction(changes: { ns: Namespace; name: string; change: TableChange }[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const prepared: Prepared[] = [];
      for (const c of changes) {
        if (!(await this.exists(c.ns, c.name))) throw noSuchTable(c.ns, c.name);
        prepared.push(await this.prepare(c.ns, c.name, c.change));
      }
      const swaps = prepared
        .filter((p) => !p.unchanged)
        .map((p) => ({ ns: p.ns, name: p.name, expected: p.base as string, next: p.next }));
      if ((await this.o.store.swapPointers(swaps)) < 0) return;
      await Promise.all(swaps.map((s) => this.discard(s.next)));
      if (attempt >= this.maxAttempts) throw commitFailed('gave up after repeated concurrent updates');
    }
  }

  async rename(from: Ident, to: Ident): Promise<void> {
    checkName('table', to.name);
    checkNewNamespace(to.ns);
    if (!(await this.exists(from.ns, from.name))) throw noSuchTable(from.ns, from.name);
    await this.o.namespaces.require(to.ns);
    if (await this.o.store.views.get(to.ns, to.name)) {
      throw new CatalogError(409, 'AlreadyExistsException', `Cannot rename ${[...from.ns, from.name].join('.')} to ${[...to.ns, to.name].join('.')}. View already exists`);
    }
    const r = await this.o.store.tables.rename(from, to);
    if (r === 'missing') throw noSuchTable(from.ns, from.name);
    if (r === 'exists') throw tableExists(to.ns, to.name);
    if (r === 'no-namespace') throw noSuchNamespace(to.ns);
  }

  /** Drops the pointer; with purge, also the table's metadata, manifests and data (best effort). */
  async drop(ns: Namespace, name: string, purge: boolean): Promise<void> {
    const row = await this.o.store.tables.drop(ns, name);
    if (!row) throw noSuchTable(ns, name);
    if (purge) {
      const md = await this.readMetadata(row.metadataLocation).catch(() => undefined);
      if (!md) return;
      const result = await purgeTableFiles(md, row.metadataLocation, this.o.io, await this.otherObjects()).catch(() => undefined);
      if (result !== undefined) this.o.onPurge?.([...ns, name].join('.'), result);
    }
  }

  /**
   * Every table and view still in the catalog: where it keeps its files and, for a table, its
   * metadata, so a purge leaves alone what they use. Purges are rare, and a wrong answer deletes
   * someone's data: a table whose metadata exists but does not parse is 'unreadable'.
   */
  private async otherObjects(): Promise<OtherObject[]> {
    const out: OtherObject[] = [];
    for (const ns of await this.o.store.listNamespaces()) {
      for (const [kind, set] of [['table', this.o.store.tables], ['view', this.o.store.views]] as const) {
        for (const n of await set.list(ns)) {
          const row = await set.get(ns, n);
          if (!row) continue;
          const at = row.metadataLocation;
          let raw: unknown;
          let missing = false;
          try {
            raw = parseJson(Buffer.from(await this.o.io(at).read(at)).toString('utf8'));
          } catch (err) {
            missing = isFloeError(err, 'IO_NOT_FOUND');
          }
          const roots = rootsOf(raw as { location?: unknown; properties?: Record<string, string> } | undefined, at);
          let metadata: OtherObject['metadata'];
          if (kind === 'table' && !missing) {
            try {
              metadata = parseTableMetadata(raw);
            } catch {
              metadata = 'unreadable';
            }
          }
          out.push({ roots, metadataLocation: at, metadata });
        }
      }
    }
    return out;
  }

  /** A table created by a commit (assert-create): false when another creator got there first. */
  private async insertCreated(ns: Namespace, name: string, location: string): Promise<boolean> {
    const inserted = await this.o.store.tables.insert({ namespace: ns, name, metadataLocation: location });
    if (inserted === 'no-namespace') {
      await this.discard(location);
      throw noSuchNamespace(ns);
    }
    return inserted === 'inserted';
  }

  /** Tables and views share names: a table may not take a view's. */
  private async refuseView(ns: Namespace, name: string): Promise<void> {
    if (await this.o.store.views.get(ns, name)) throw new CatalogError(409, 'AlreadyExistsException', `View with same name already exists: ${[...ns, name].join('.')}`);
  }

  async readMetadata(location: string): Promise<TableMetadata> {
    const bytes = await this.o.io(location).read(location);
    return parseTableMetadata(parseJson(Buffer.from(bytes).toString('utf8')));
  }

  /** Checks requirements against the current pointer, applies updates and writes the new file. */
  private async prepare(ns: Namespace, name: string, change: TableChange): Promise<Prepared> {
    const { requirements, updates } = checkChange(change, this.maxUpdates);
    const row = await this.o.store.tables.get(ns, name);
    const creating = requirements.some((r) => r.type === 'assert-create');
    if (!row && !creating) throw noSuchTable(ns, name);
    if (!row) {
      checkName('table', name);
      checkNewNamespace(ns);
      await this.refuseView(ns, name);
    }
    const base = row ? await this.readMetadata(row.metadataLocation) : await this.emptyFor(ns, name, updates);
    const failure = clientInput('requirements', () => checkRequirements(row ? base : undefined, requirements));
    if (failure) {
      if (failure.requirement.type === 'assert-create') throw new CatalogError(409, 'AlreadyExistsException', 'Requirement failed: table already exists');
      throw commitFailed(requirementMessage(failure.requirement, base));
    }
    if (row && updates.length === 0) {
      return { ns, name, base: row.metadataLocation, next: row.metadataLocation, metadata: base, unchanged: true };
    }
    const applied = clientInput('updates', () => applyUpdates(base, updates, row ? { previousMetadataLocation: row.metadataLocation } : {}));
    const metadata = readerView(applied);
    checkLocations(metadata, row ? base : undefined, this.o.locations);
    await checkAddedSnapshots(metadata, row ? base : undefined, this.o.locations, this.o.io);
    const next = await this.writeMetadata(metadata, row?.metadataLocation);
    return { ns, name, ...(row ? { base: row.metadataLocation } : {}), next, metadata, unchanged: false };
  }

  /** The starting point of a table created by a commit: the format version it asks for. */
  private async emptyFor(ns: Namespace, name: string, updates: TableUpdate[]): Promise<TableMetadata> {
    const upgrade = updates.find((u) => u.action === 'upgrade-format-version');
    const fv = upgrade ? Number(upgrade['format-version']) : 2;
    if (fv !== 1 && fv !== 2 && fv !== 3) throw badRequest(`unsupported format-version ${fv}`);
    return emptyTableMetadata(fv, await this.defaultLocation(ns, name));
  }

  /** Under the namespace's location (its `location` property, or its default in the warehouse). */
  private async defaultLocation(ns: Namespace, name: string): Promise<string> {
    return `${(await this.o.namespaces.location(ns)).replace(/\/+$/, '')}/${name}`;
  }

  /** `<location>/metadata/<version>-<uuid>.metadata.json`, version one past the previous file's. */
  private async writeMetadata(md: TableMetadata, previous: string | undefined): Promise<string> {
    const prevVersion = previous === undefined ? -1 : Number(/(\d+)-[^/]*\.metadata\.json$/.exec(previous)?.[1] ?? -1);
    const dir = (md.properties?.['write.metadata.path'] ?? `${md.location}/metadata`).replace(/\/+$/, '');
    const file = `${dir}/${String(prevVersion + 1).padStart(5, '0')}-${randomUUID()}.metadata.json`;
    const bytes = Buffer.from(stringifyJson(tableMetadataToJson(md)), 'utf8');
    await this.o.io(file).write(file, bytes, { ifNotExists: true, contentType: 'application/json' });
    return file;
  }

  /** A metadata file no pointer will name (lost race): remove it so the warehouse stays clean. */
  private async discard(location: string): Promise<void> {
    await this.o.io(location).delete(location).catch(() => undefined);
  }

  private result(location: string | undefined, md: TableMetadata): LoadResult {
    return {
      ...(location !== undefined ? { 'metadata-location': location } : {}),
      metadata: tableMetadataToJson(md),
      config: { ...(this.o.tableConfig ?? {}) },
    };
  }
}


/**
 * The failure message Java's catalog gives for a requirement (UpdateRequirement), word for word:
 * clients and the compatibility kit match on these texts.
 */
function requirementMessage(r: TableRequirement, md: TableMetadata): string {
  const changed = (what: string, expected: unknown, actual: unknown) =>
    `Requirement failed: ${what} changed: expected id ${String(expected)} != ${String(actual)}`;
  switch (r.type) {
    case 'assert-create':
      return 'Requirement failed: table already exists';
    case 'assert-table-uuid':
      return `Requirement failed: UUID does not match: expected ${md['table-uuid']} != ${r.uuid}`;
    case 'assert-ref-snapshot-id': {
      const actual = refSnapshotId(md, r.ref);
      const kind = md.refs?.[r.ref]?.type ?? 'branch';
      if (r['snapshot-id'] === null) return `Requirement failed: ${kind} ${r.ref} was created concurrently`;
      if (actual === undefined) return `Requirement failed: branch or tag ${r.ref} is missing, expected ${String(r['snapshot-id'])}`;
      return `Requirement failed: ${kind} ${r.ref} has changed: expected id ${String(r['snapshot-id'])} != ${String(actual)}`;
    }
    case 'assert-last-assigned-field-id':
      return changed('last assigned field id', r['last-assigned-field-id'], md['last-column-id']);
    case 'assert-current-schema-id':
      return changed('current schema', r['current-schema-id'], md['current-schema-id']);
    case 'assert-last-assigned-partition-id':
      return changed('last assigned partition id', r['last-assigned-partition-id'], md['last-partition-id']);
    case 'assert-default-spec-id':
      return changed('default partition spec', r['default-spec-id'], md['default-spec-id']);
    case 'assert-default-sort-order-id':
      return changed('default sort order', r['default-sort-order-id'], md['default-sort-order-id']);
    default:
      return `Requirement failed: ${JSON.stringify(r)}`;
  }
}

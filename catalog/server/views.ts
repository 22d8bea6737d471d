/**
 * View operations of the REST catalog: the same pointer-and-metadata-file scheme as tables (new
 * file, then compare-and-swap of the pointer, re-checked on a lost race), over view metadata.
 * Views and tables share one name space per namespace, so each refuses the other's names.
 */
import { randomUUID } from 'node:crypto';
import { parseJson, stringifyJson } from '../../src/iceberg/spec/json.js';
import type { FileIO } from '../../src/iceberg/io/types.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { badRequest, CatalogError, commitFailed, noSuchNamespace } from './errors.js';
import { clientInput } from './commit-checks.js';
import { checkName, checkNewNamespace } from './identifiers.js';
import { PATH_PROPERTIES, type LocationPolicy } from './locations.js';
import { checkProperties, type Namespaces } from './namespaces.js';
import type { CatalogStore, Ident, Namespace } from './store.js';
import { applyViewUpdates, emptyView, type ViewMetadata, type ViewUpdate, type ViewVersion } from './view-metadata.js';

export interface ViewResult {
  'metadata-location': string;
  metadata: ViewMetadata;
  config: Record<string, string>;
}

const ident = (ns: Namespace, name: string) => [...ns, name].join('.');
export const noSuchView = (ns: Namespace, name: string) => new CatalogError(404, 'NoSuchViewException', `View does not exist: ${ident(ns, name)}`);
const exists = (m: string) => new CatalogError(409, 'AlreadyExistsException', m);

export class ViewService {
  constructor(
    private readonly store: CatalogStore,
    private readonly namespaces: Namespaces,
    private readonly io: (location: string) => FileIO,
    private readonly locations: LocationPolicy,
    private readonly maxUpdates = 100,
  ) {}

  /** The view's location and metadata path, where they differ from `base`, must be allowed. */
  private checkLocations(md: ViewMetadata, base: ViewMetadata | undefined): void {
    if (md.location !== base?.location) this.locations.check(md.location, 'view location');
    for (const key of PATH_PROPERTIES) {
      const v = md.properties?.[key];
      if (v !== undefined && v !== base?.properties?.[key]) this.locations.check(v, `property ${key}`);
    }
  }

  async list(ns: Namespace): Promise<string[]> {
    await this.namespaces.require(ns);
    return this.store.views.list(ns);
  }

  async exists(ns: Namespace, name: string): Promise<boolean> {
    return (await this.store.views.get(ns, name)) !== undefined;
  }

  async load(ns: Namespace, name: string): Promise<ViewResult> {
    const row = await this.store.views.get(ns, name);
    if (!row) throw noSuchView(ns, name);
    return { 'metadata-location': row.metadataLocation, metadata: await this.read(row.metadataLocation), config: {} };
  }

  async create(
    ns: Namespace,
    req: { name: string; location?: string | null; schema: Schema; 'view-version': ViewVersion; properties?: Record<string, string> },
  ): Promise<ViewResult> {
    checkName('view', req.name);
    if (!req.schema || !req['view-version']) throw badRequest('schema and view-version are required');
    if (req.properties !== undefined) checkProperties(req.properties);
    await this.namespaces.require(ns);
    if (await this.store.tables.get(ns, req.name)) throw exists(`Table with same name already exists: ${ident(ns, req.name)}`);
    if (await this.exists(ns, req.name)) throw exists(`View already exists: ${ident(ns, req.name)}`);
    if (req.location !== undefined && req.location !== null) this.locations.check(req.location, 'view location');
    const location = (req.location ?? `${(await this.namespaces.location(ns)).replace(/\/+$/, '')}/${req.name}`).replace(/\/+$/, '');
    const md = clientInput('view', () => applyViewUpdates(emptyView(location), [
      { action: 'set-properties', updates: req.properties ?? {} },
      { action: 'add-schema', schema: req.schema },
      { action: 'add-view-version', 'view-version': { ...req['view-version'], 'schema-id': -1 } },
      { action: 'set-current-view-version', 'view-version-id': -1 },
    ]));
    this.checkLocations(md, undefined);
    const file = await this.write(md, undefined);
    const inserted = await this.store.views.insert({ namespace: ns, name: req.name, metadataLocation: file });
    if (inserted !== 'inserted') {
      await this.io(file).delete(file).catch(() => undefined);
      throw inserted === 'exists' ? exists(`View already exists: ${ident(ns, req.name)}`) : noSuchNamespace(ns);
    }
    return { 'metadata-location': file, metadata: md, config: {} };
  }

  async replace(ns: Namespace, name: string, body: { requirements?: { type: string; uuid?: string }[]; updates?: ViewUpdate[] }): Promise<ViewResult> {
    const requirements = body.requirements ?? [];
    const updates = body.updates ?? [];
    if (!Array.isArray(requirements) || !Array.isArray(updates)) throw badRequest('requirements and updates must be lists');
    if (updates.length > this.maxUpdates || requirements.length > this.maxUpdates) {
      throw badRequest(`a commit may carry at most ${this.maxUpdates} updates and ${this.maxUpdates} requirements`);
    }
    for (let attempt = 1; ; attempt++) {
      const row = await this.store.views.get(ns, name);
      if (!row) throw noSuchView(ns, name);
      const base = await this.read(row.metadataLocation);
      for (const r of requirements) {
        if (r === null || typeof r !== 'object' || r.type !== 'assert-view-uuid') throw badRequest(`unknown view requirement ${JSON.stringify(r)?.slice(0, 80)}`);
        if (r.uuid !== base['view-uuid']) throw commitFailed(`Requirement failed: UUID does not match: expected ${base['view-uuid']} != ${String(r.uuid)}`);
      }
      const md = clientInput('view updates', () => applyViewUpdates(base, updates));
      this.checkLocations(md, base);
      const file = await this.write(md, row.metadataLocation);
      if (await this.store.views.swap(ns, name, row.metadataLocation, file)) return { 'metadata-location': file, metadata: md, config: {} };
      await this.io(file).delete(file).catch(() => undefined);
      if (attempt >= 8) throw commitFailed(`gave up after ${attempt} concurrent updates to ${ident(ns, name)}`);
    }
  }

  async rename(from: Ident, to: Ident): Promise<void> {
    checkName('view', to.name);
    checkNewNamespace(to.ns);
    if (!(await this.exists(from.ns, from.name))) throw noSuchView(from.ns, from.name);
    if (!(await this.namespaces.exists(to.ns))) throw noSuchNamespace(to.ns);
    const msg = `Cannot rename ${ident(from.ns, from.name)} to ${ident(to.ns, to.name)}.`;
    if (await this.store.tables.get(to.ns, to.name)) throw exists(`${msg} Table already exists`);
    const r = await this.store.views.rename(from, to);
    if (r === 'missing') throw noSuchView(from.ns, from.name);
    if (r === 'exists') throw exists(`${msg} View already exists`);
    if (r === 'no-namespace') throw noSuchNamespace(to.ns);
  }

  async drop(ns: Namespace, name: string): Promise<void> {
    if (!(await this.store.views.drop(ns, name))) throw noSuchView(ns, name);
  }

  private async read(location: string): Promise<ViewMetadata> {
    const bytes = await this.io(location).read(location);
    return parseJson(Buffer.from(bytes).toString('utf8')) as ViewMetadata;
  }

  private async write(md: ViewMetadata, previous: string | undefined): Promise<string> {
    const prev = previous === undefined ? -1 : Number(/(\d+)-[^/]*\.metadata\.json$/.exec(previous)?.[1] ?? -1);
    const dir = (md.properties['write.metadata.path'] ?? `${md.location}/metadata`).replace(/\/+$/, '');
    const file = `${dir}/${String(prev + 1).padStart(5, '0')}-${randomUUID()}.metadata.json`;
    await this.io(file).write(file, Buffer.from(stringifyJson(md), 'utf8'), { ifNotExists: true, contentType: 'application/json' });
    return file;
  }
}

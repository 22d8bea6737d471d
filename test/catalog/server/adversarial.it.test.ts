/**
 * An attacker's pass over `floe catalog serve` (issue 12), against the real server process with
 * its warehouse on the stack's MinIO. Two tables are written by Spark first; then every attack is
 * sent as raw HTTP, and after each one the suite checks the answer's status, that the server
 * still answers, that both tables still load with the same metadata file, and that Spark (the
 * oracle, through its own REST client) reads exactly the rows it read before. At the end: nothing
 * was written outside the warehouse prefix (listed with the AWS SDK, not floe's IO) or into the
 * server's working directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerSparkCatalog } from '../../harness/catalogs.js';
import { freePort } from '../../harness/ports.js';
import { uniqueSuffix, workDir } from '../../harness/daemon.js';
import { oracleFor } from '../../harness/oracle.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const s = uniqueSuffix();
const TOKEN = `adv-${s}-admin`;
const READER = `adv-${s}-reader`;
/** A read-only token from --read-only-token-file (READER comes from the environment). */
const FILE_READER = `adv-${s}-file-reader`;
const prefix = `floe-adv-${s}`;
const warehouse = `s3://${stack.s3.bucket}/${prefix}/wh`;
const spark = `floeadv_${s}`;
const ROOT = `http://127.0.0.1`;

let dir: string;
let cwd: string;
let child: ChildProcess | undefined;
let base: string;
let log = '';
/** Per table: the metadata file and Spark's rows before any attack. */
const before = new Map<string, { location: string; rows: string }>();
/** The seeded view's metadata file before any attack. */
let viewBefore = '';

const SEEDED = ['t1', 't2'];

async function call(method: string, path: string, o: { body?: string | Buffer | object; token?: string | null; headers?: Record<string, string> } = {}) {
  const body = o.body === undefined ? undefined : typeof o.body === 'string' || Buffer.isBuffer(o.body) ? o.body : JSON.stringify(o.body);
  const token = o.token === undefined ? TOKEN : o.token;
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(o.headers ?? {}) },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

async function sparkRows(table: string): Promise<string> {
  const r = await oracle.sparkSql(`SELECT * FROM ${spark}.adv.${table} ORDER BY id`);
  return JSON.stringify(r);
}

/** The server is alive, and every seeded table loads (same metadata file) and reads the same in Spark. */
async function unharmed(): Promise<void> {
  expect((await call('GET', '/v1/config')).status).toBe(200);
  for (const t of SEEDED) {
    const loaded = await call('GET', `/v1/namespaces/adv/tables/${t}`);
    expect(loaded.status, `load ${t}`).toBe(200);
    expect(loaded.body['metadata-location'], `${t} metadata`).toBe(before.get(t)!.location);
    expect(await sparkRows(t), `${t} rows in Spark`).toBe(before.get(t)!.rows);
  }
  const view = await call('GET', viewUrl);
  expect(view.status, 'load view v1').toBe(200);
  expect(view.body['metadata-location'], 'v1 metadata').toBe(viewBefore);
}

beforeAll(async () => {
  dir = workDir('adversarial');
  cwd = join(dir, 'cwd');
  mkdirSync(cwd);
  writeFileSync(join(dir, 'tokens'), `# admin\n${TOKEN}\n`);
  writeFileSync(join(dir, 'read-only-tokens'), `# readers\n${FILE_READER}\n`);
  const port = await freePort();
  base = `${ROOT}:${port}`;
  // The real CLI, tokens from a file and the environment (never on the command line).
  // Its working directory is an empty one of its own, so a write relative to it would show.
  const tsx = pathToFileURL(join(process.cwd(), 'node_modules/tsx/dist/loader.mjs')).href;
  child = spawn(process.execPath, ['--import', tsx, join(process.cwd(), 'src/cli/main.ts'), 'catalog', 'serve',
    '--warehouse', warehouse, '--store', join(dir, 'catalog.db'), '--port', String(port), '--token-file', join(dir, 'tokens'),
    '--read-only-token-file', join(dir, 'read-only-tokens')], {
    cwd,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      FLOE_CATALOG_READONLY_TOKENS: READER,
      AWS_ENDPOINT_URL_S3: stack.s3.endpoint,
      AWS_ACCESS_KEY_ID: stack.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.s3.secretAccessKey,
      AWS_REGION: stack.s3.region,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/v1/config`).then((r) => r.status, () => 0)) === 401) break;
    if (child.exitCode !== null || i > 300) throw new Error(`catalog did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await registerSparkCatalog(oracle, spark, base, stack.s3);
  await oracle.sparkSql(`SET \`spark.sql.catalog.${spark}.token\`=\`${TOKEN}\``);
  await oracle.sparkSql(`CREATE NAMESPACE ${spark}.adv`);
  await oracle.sparkSql(`CREATE TABLE ${spark}.adv.t1 (id bigint, name string) USING iceberg`);
  await oracle.sparkSql(`INSERT INTO ${spark}.adv.t1 VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
  await oracle.sparkSql(`CREATE TABLE ${spark}.adv.t2 (id bigint, day date) USING iceberg PARTITIONED BY (day)`);
  await oracle.sparkSql(`INSERT INTO ${spark}.adv.t2 VALUES (10, DATE'2026-01-01'), (11, DATE'2026-01-02')`);
  for (const t of SEEDED) {
    const loaded = await call('GET', `/v1/namespaces/adv/tables/${t}`);
    before.set(t, { location: loaded.body['metadata-location'], rows: await sparkRows(t) });
  }
  const view = await call('POST', '/v1/namespaces/adv/views', { body: { name: 'v1', schema, 'view-version': viewVersion } });
  expect(view.status, JSON.stringify(view.body)).toBe(200);
  viewBefore = view.body['metadata-location'];
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

const tableUrl = '/v1/namespaces/adv/tables/t1';
const schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] };
const snapshot = (over: Record<string, unknown>) => ({
  'snapshot-id': 4242, 'timestamp-ms': 1_700_000_000_000, 'sequence-number': 99, 'manifest-list': `${warehouse}/adv/t1/metadata/none.avro`,
  summary: { operation: 'append' }, ...over,
});
const commit = (updates: unknown, requirements: unknown = []) => ({ body: { requirements, updates } });
const viewUrl = '/v1/namespaces/adv/views/v1';
const viewVersion = { 'version-id': 1, 'timestamp-ms': 1, 'schema-id': 0, summary: {}, representations: [{ type: 'sql', sql: 'SELECT 1 AS id', dialect: 'spark' }], 'default-namespace': ['adv'] };
const newView = (over: Record<string, unknown>) => ({ body: { name: 'vx', schema, 'view-version': viewVersion, ...over } });
const renameView = (source: unknown, destination: unknown) => ({ body: { source, destination } });
/** A read-only token on a route that changes something: 403, whatever the body. */
const readOnly = (name: string, method: string, path: string, body?: object, token = READER): Attack =>
  ({ name: `read-only: ${name}`, method, path, options: { token, ...(body ? { body } : {}) }, status: 403, check: (b) => expect(b.error.type).toBe('ForbiddenException') });

interface Attack {
  name: string;
  method: string;
  path: string;
  options?: Parameters<typeof call>[2];
  status: number;
  /** Checks on the answer beyond its status. */
  check?: (body: any) => void;
}

const attacks: Attack[] = [
  // --- commits that would leave a table unreadable (issue 12, item 1)
  { name: 'add-snapshot with an empty snapshot', method: 'POST', path: tableUrl, options: commit([{ action: 'add-snapshot', snapshot: {} }]), status: 400 },
  { name: 'add-snapshot with a string snapshot id', method: 'POST', path: tableUrl, options: commit([{ action: 'add-snapshot', snapshot: snapshot({ 'snapshot-id': 'x' }) }]), status: 400 },
  { name: 'set-location to a number', method: 'POST', path: tableUrl, options: commit([{ action: 'set-location', location: 5 }]), status: 400 },
  { name: 'add-snapshot naming a manifest list that does not exist', method: 'POST', path: tableUrl, options: commit([{ action: 'add-snapshot', snapshot: snapshot({}) }]), status: 400 },
  {
    name: 'add-snapshot whose manifest list is another file (the metadata JSON)', method: 'POST', path: tableUrl, status: 400,
    options: { body: '' }, // filled in by the test from the live metadata location
  },
  { name: 'add-snapshot with a numeric summary value', method: 'POST', path: tableUrl, options: commit([{ action: 'add-snapshot', snapshot: snapshot({ summary: { operation: 'append', n: 5 } }) }]), status: 400 },
  { name: 'set-snapshot-ref to a snapshot that does not exist', method: 'POST', path: tableUrl, options: commit([{ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 1 }]), status: 400 },
  { name: 'set-properties with a non-string value', method: 'POST', path: tableUrl, options: commit([{ action: 'set-properties', updates: { a: 1 } }]), status: 400 },
  { name: 'add-schema with fields that are not a list', method: 'POST', path: tableUrl, options: commit([{ action: 'add-schema', schema: { type: 'struct', fields: 'x' } }]), status: 400 },
  { name: 'updates that are not a list', method: 'POST', path: tableUrl, options: { body: { updates: { action: 'set-location' } } }, status: 400 },
  { name: 'an update that is null', method: 'POST', path: tableUrl, options: commit([null]), status: 400 },
  { name: 'a requirement without a type', method: 'POST', path: tableUrl, options: commit([], [{ ref: 'main' }]), status: 400 },
  { name: 'upgrade-format-version to 99', method: 'POST', path: tableUrl, options: commit([{ action: 'upgrade-format-version', 'format-version': 99 }]), status: 400 },
  { name: 'remove the current schema', method: 'POST', path: tableUrl, options: commit([{ action: 'remove-schemas', 'schema-ids': [0] }]), status: 400 },
  {
    name: '2,000 add-schema updates in one commit', method: 'POST', path: tableUrl, status: 400,
    options: commit(Array.from({ length: 2000 }, (_, i) => ({ action: 'add-schema', schema: { type: 'struct', 'schema-id': i, fields: [{ id: i + 1, name: `c${i}`, type: 'long', required: false }] } }))),
  },
  {
    name: 'a transaction with one valid and one corrupting change changes neither', method: 'POST', path: '/v1/transactions/commit', status: 400,
    options: { body: { 'table-changes': [
      { identifier: { namespace: ['adv'], name: 't2' }, requirements: [], updates: [{ action: 'set-properties', updates: { harmless: 'yes' } }] },
      { identifier: { namespace: ['adv'], name: 't1' }, requirements: [], updates: [{ action: 'add-snapshot', snapshot: {} }] },
    ] } },
  },
  // --- names and locations escaping the warehouse (item 2)
  { name: 'namespace [.., escape]', method: 'POST', path: '/v1/namespaces', options: { body: { namespace: ['..', 'escape'] } }, status: 400 },
  { name: 'namespace a/../..', method: 'POST', path: '/v1/namespaces', options: { body: { namespace: ['a/../..'] } }, status: 400 },
  { name: 'namespace /abs', method: 'POST', path: '/v1/namespaces', options: { body: { namespace: ['/abs'] } }, status: 400 },
  { name: 'namespace with a NUL', method: 'POST', path: '/v1/namespaces', options: { body: { namespace: ['a\u0000b'] } }, status: 400 },
  { name: 'namespace with the level separator %1F inside a level', method: 'POST', path: '/v1/namespaces', options: { body: { namespace: ['a\u001fb'] } }, status: 400 },
  { name: 'namespace level of 10,000 characters', method: 'POST', path: '/v1/namespaces', options: { body: { namespace: ['x'.repeat(10_000)] } }, status: 400 },
  { name: 'namespace with a lone surrogate', method: 'POST', path: '/v1/namespaces', options: { body: '{"namespace":["\\ud800"]}' }, status: 400 },
  { name: 'namespace whose location is outside the warehouse', method: 'POST', path: '/v1/namespaces', options: { body: { namespace: [`out${s}`], properties: { location: '/etc' } } }, status: 400 },
  { name: 'table named ..', method: 'POST', path: '/v1/namespaces/adv/tables', options: { body: { name: '..', schema } }, status: 400 },
  { name: 'table with an empty location', method: 'POST', path: '/v1/namespaces/adv/tables', options: { body: { name: 'e1', schema, location: '' } }, status: 400 },
  { name: 'table with a relative location', method: 'POST', path: '/v1/namespaces/adv/tables', options: { body: { name: 'e2', schema, location: 'rel/dir' } }, status: 400 },
  { name: 'table in another bucket', method: 'POST', path: '/v1/namespaces/adv/tables', options: { body: { name: 'e3', schema, location: 's3://other-bucket/x' } }, status: 400 },
  { name: 'table location with .. segments', method: 'POST', path: '/v1/namespaces/adv/tables', options: { body: { name: 'e4', schema, location: `${warehouse}/../../x` } }, status: 400 },
  { name: 'table whose write.metadata.path is /tmp', method: 'POST', path: '/v1/namespaces/adv/tables', options: { body: { name: 'e5', schema, properties: { 'write.metadata.path': '/tmp/escape' } } }, status: 400 },
  { name: 'set-location of an existing table to /etc', method: 'POST', path: tableUrl, options: commit([{ action: 'set-location', location: '/etc' }]), status: 400 },
  { name: 'set-properties write.metadata.path outside', method: 'POST', path: tableUrl, options: commit([{ action: 'set-properties', updates: { 'write.metadata.path': 's3://other-bucket/m' } }]), status: 400 },
  { name: 'rename into namespace ..', method: 'POST', path: '/v1/tables/rename', options: { body: { source: { namespace: ['adv'], name: 't1' }, destination: { namespace: ['..'], name: 't1' } } }, status: 400 },
  { name: 'view named ..', method: 'POST', path: '/v1/namespaces/adv/views', options: { body: { name: '..', schema, 'view-version': { 'version-id': 1, 'timestamp-ms': 1, 'schema-id': 0, summary: {}, representations: [], 'default-namespace': ['adv'] } } }, status: 400 },
  // --- the same rules for views: names and locations on create, replace and rename
  { name: 'view named a/b', method: 'POST', path: '/v1/namespaces/adv/views', options: newView({ name: 'a/b' }), status: 400, check: (b) => expect(b.error.message).toMatch(/invalid view name/) },
  { name: 'view name with a NUL', method: 'POST', path: '/v1/namespaces/adv/views', options: newView({ name: 'v\u0000x' }), status: 400, check: (b) => expect(b.error.message).toMatch(/invalid view name/) },
  { name: 'view name of 300 characters', method: 'POST', path: '/v1/namespaces/adv/views', options: newView({ name: 'v'.repeat(300) }), status: 400, check: (b) => expect(b.error.message).toMatch(/invalid view name/) },
  { name: 'view located at /etc', method: 'POST', path: '/v1/namespaces/adv/views', options: newView({ location: '/etc' }), status: 400, check: (b) => expect(b.error.message).toMatch(/view location .* outside/) },
  { name: 'view with a relative location', method: 'POST', path: '/v1/namespaces/adv/views', options: newView({ location: 'rel/v' }), status: 400, check: (b) => expect(b.error.message).toMatch(/is relative/) },
  { name: 'view location with .. segments', method: 'POST', path: '/v1/namespaces/adv/views', options: newView({ location: `${warehouse}/adv/../../x` }), status: 400, check: (b) => expect(b.error.message).toMatch(/"\.\." segment/) },
  { name: 'view whose write.metadata.path is /tmp', method: 'POST', path: '/v1/namespaces/adv/views', options: newView({ properties: { 'write.metadata.path': '/tmp/escape' } }), status: 400, check: (b) => expect(b.error.message).toMatch(/write\.metadata\.path .* outside/) },
  { name: 'replace view: set-location to /etc', method: 'POST', path: viewUrl, options: commit([{ action: 'set-location', location: '/etc' }]), status: 400, check: (b) => expect(b.error.message).toMatch(/view location .* outside/) },
  { name: 'replace view: set-location into another bucket', method: 'POST', path: viewUrl, options: commit([{ action: 'set-location', location: 's3://other-bucket/v' }]), status: 400 },
  { name: 'replace view: write.metadata.path outside', method: 'POST', path: viewUrl, options: commit([{ action: 'set-properties', updates: { 'write.metadata.path': 's3://other-bucket/m' } }]), status: 400 },
  { name: 'rename view to ..', method: 'POST', path: '/v1/views/rename', options: renameView({ namespace: ['adv'], name: 'v1' }, { namespace: ['adv'], name: '..' }), status: 400, check: (b) => expect(b.error.message).toMatch(/invalid view name/) },
  { name: 'rename view into namespace ..', method: 'POST', path: '/v1/views/rename', options: renameView({ namespace: ['adv'], name: 'v1' }, { namespace: ['..'], name: 'v1' }), status: 400, check: (b) => expect(b.error.message).toMatch(/invalid namespace level/) },
  { name: 'rename view to a name with a control character', method: 'POST', path: '/v1/views/rename', options: renameView({ namespace: ['adv'], name: 'v1' }, { namespace: ['adv'], name: 'v\u0007' }), status: 400 },
  { name: 'rename view from ../v1 (a name that cannot exist)', method: 'POST', path: '/v1/views/rename', options: renameView({ namespace: ['adv'], name: '../v1' }, { namespace: ['adv'], name: 'v9' }), status: 404 },
  { name: 'register-view is not served (no view is registered from a file)', method: 'POST', path: '/v1/namespaces/adv/register-view', options: { body: { name: 'rv', 'metadata-location': '/etc/passwd' } }, status: 404 },
  // --- register and purge (item 3)
  {
    name: 'register /etc/passwd', method: 'POST', path: '/v1/namespaces/adv/register', status: 400,
    options: { body: { name: 'pw', 'metadata-location': '/etc/passwd' } },
    check: (b) => expect(b.error.message).not.toMatch(/root/),
  },
  {
    name: 'register a missing file inside the warehouse: the same answer as for an unreadable one', method: 'POST', path: '/v1/namespaces/adv/register', status: 400,
    options: { body: { name: 'ghost', 'metadata-location': `${warehouse}/adv/t1/metadata/00099-none.metadata.json` } },
    check: (b) => expect(b.error.message).toBe('metadata-location is not a readable table metadata file'),
  },
  // --- limits (item 5) and malformed input (item 6)
  { name: 'a 2 MiB body', method: 'POST', path: '/v1/namespaces', options: { body: `{"namespace":["big"],"properties":{"p":"${'x'.repeat(2 * 1024 * 1024)}"}}` }, status: 413 },
  { name: 'a 100 KiB form to the token endpoint', method: 'POST', path: '/v1/oauth/tokens', options: { token: null, body: `grant_type=client_credentials&x=${'y'.repeat(100 * 1024)}` }, status: 413 },
  { name: 'a malformed %-escape in the path', method: 'GET', path: '/v1/namespaces/%E0%A4%A', status: 400 },
  { name: 'a malformed %-escape without a token', method: 'GET', path: '/v1/namespaces/%E0%A4%A', options: { token: null }, status: 401 },
  {
    name: 'Basic credentials with a malformed %-escape', method: 'POST', path: '/v1/oauth/tokens', status: 400,
    options: { token: null, body: 'grant_type=client_credentials', headers: { authorization: `Basic ${Buffer.from('a:%E0%A4%A').toString('base64')}` } },
  },
  { name: 'JSON nested 100,000 deep', method: 'POST', path: '/v1/namespaces', options: { body: '['.repeat(100_000) }, status: 400 },
  { name: 'malformed JSON', method: 'POST', path: tableUrl, options: { body: '{"updates": [' }, status: 400 },
  { name: 'a nonsense page token', method: 'GET', path: '/v1/namespaces?pageToken=-5&pageSize=x', status: 400 },
  // --- authentication and authorization (item 7)
  { name: 'no token', method: 'GET', path: '/v1/namespaces', options: { token: null }, status: 401 },
  { name: 'a forged issued token', method: 'GET', path: '/v1/namespaces', options: { token: 'eyJzdWIiOiJ0OngiLCJleHAiOjk5OTk5OTk5OTl9.forged' }, status: 401 },
  readOnly('create namespace', 'POST', '/v1/namespaces', { namespace: ['ro'] }),
  readOnly('set namespace properties', 'POST', '/v1/namespaces/adv/properties', { updates: { a: 'b' } }),
  readOnly('drop namespace', 'DELETE', '/v1/namespaces/adv'),
  readOnly('create table', 'POST', '/v1/namespaces/adv/tables', { name: 'ro', schema }),
  readOnly('commit', 'POST', tableUrl, commit([{ action: 'set-properties', updates: { a: 'b' } }]).body),
  readOnly('drop table', 'DELETE', tableUrl),
  readOnly('purge table', 'DELETE', `${tableUrl}?purgeRequested=true`),
  readOnly('rename table', 'POST', '/v1/tables/rename', { source: { namespace: ['adv'], name: 't1' }, destination: { namespace: ['adv'], name: 'ro' } }),
  readOnly('register table', 'POST', '/v1/namespaces/adv/register', { name: 'ro', 'metadata-location': `${warehouse}/adv/t1/metadata/x.metadata.json` }),
  readOnly('create view', 'POST', '/v1/namespaces/adv/views', newView({ name: 'ro' }).body),
  readOnly('replace view', 'POST', viewUrl, commit([{ action: 'set-properties', updates: { a: 'b' } }]).body),
  readOnly('drop view', 'DELETE', viewUrl),
  readOnly('rename view', 'POST', '/v1/views/rename', renameView({ namespace: ['adv'], name: 'v1' }, { namespace: ['adv'], name: 'ro' }).body),
  readOnly('transaction', 'POST', '/v1/transactions/commit', { 'table-changes': [{ identifier: { namespace: ['adv'], name: 't2' }, requirements: [], updates: [{ action: 'set-properties', updates: { a: 'b' } }] }] }),
  readOnly('commit, with a token from --read-only-token-file', 'POST', tableUrl, commit([{ action: 'set-properties', updates: { a: 'b' } }]).body, FILE_READER),
  readOnly('drop, with a token from --read-only-token-file', 'DELETE', viewUrl, undefined, FILE_READER),
  {
    name: 'exchanging a static token with no OAuth2 clients configured', method: 'POST', path: '/v1/oauth/tokens', status: 400,
    options: { token: null, body: `grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=${TOKEN}` },
  },
];

describe('floe catalog serve under attack', () => {
  it('has its seeded tables readable in Spark', async () => {
    expect(before.get('t1')!.rows).toContain('"a"');
    await unharmed();
  });

  it.each(attacks)('$name → $status, and nothing else changes', async (a) => {
    let options = a.options;
    if (a.name.startsWith('add-snapshot whose manifest list is another file')) {
      options = commit([{ action: 'add-snapshot', snapshot: snapshot({ 'manifest-list': before.get('t1')!.location }) }]);
    }
    const r = await call(a.method, a.path, options);
    expect(r.status, JSON.stringify(r.body)?.slice(0, 300)).toBe(a.status);
    // Every refusal carries a reason: the REST ErrorModel, or OAuth2's error for the token endpoint.
    if (a.path === '/v1/oauth/tokens' && a.status !== 413) expect(typeof r.body.error).toBe('string');
    else expect(r.body.error).toMatchObject({ code: a.status, type: expect.any(String), message: expect.any(String) });
    a.check?.(r.body);
    await unharmed();
  });

  it('the read-only tokens still read: load, list, config, the scan report; and Spark reads with one', async () => {
    for (const token of [READER, FILE_READER]) {
      expect((await call('GET', tableUrl, { token })).status).toBe(200);
      expect((await call('HEAD', tableUrl, { token })).status).toBe(204);
      expect((await call('GET', viewUrl, { token })).status).toBe(200);
      expect((await call('GET', '/v1/namespaces/adv/tables', { token })).body.identifiers).toHaveLength(SEEDED.length);
      expect((await call('GET', '/v1/namespaces/adv/views', { token })).body.identifiers).toEqual([{ namespace: ['adv'], name: 'v1' }]);
      expect((await call('GET', '/v1/namespaces', { token })).status).toBe(200);
      expect((await call('GET', '/v1/config', { token })).status).toBe(200);
      expect((await call('POST', `${tableUrl}/metrics`, { token, body: { 'report-type': 'scan-report' } })).status).toBe(204);
    }
    const ro = `${spark}_ro`;
    await registerSparkCatalog(oracle, ro, base, stack.s3);
    await oracle.sparkSql(`SET \`spark.sql.catalog.${ro}.token\`=\`${READER}\``);
    expect(JSON.stringify(await oracle.sparkSql(`SELECT * FROM ${ro}.adv.t1 ORDER BY id`))).toBe(before.get('t1')!.rows);
    await expect(oracle.sparkSql(`INSERT INTO ${ro}.adv.t1 VALUES (9, 'z')`)).rejects.toThrow(/Forbidden|403/i);
    await unharmed();
  });

  it("registering a table's metadata under another name, then purging it, leaves the original's files", async () => {
    const reg = await call('POST', '/v1/namespaces/adv/register', { body: { name: 'clone', 'metadata-location': before.get('t1')!.location } });
    expect(reg.status).toBe(200);
    expect((await call('DELETE', '/v1/namespaces/adv/tables/clone?purgeRequested=true')).status).toBe(204);
    expect((await call('GET', '/v1/namespaces/adv/tables/clone')).status).toBe(404);
    await unharmed();
  });

  it('nothing was written outside the warehouse prefix, nor into the server\'s working directory', async () => {
    const s3 = new S3Client({
      endpoint: stack.s3.endpoint, region: stack.s3.region, forcePathStyle: true,
      credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
    });
    try {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: stack.s3.bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.NextContinuationToken;
      } while (token);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => !['t1', 't2', 'v1'].some((t) => k.startsWith(`${prefix}/wh/adv/${t}/`)))).toEqual([]);
    } finally {
      s3.destroy();
    }
    expect(readdirSync(cwd)).toEqual([]);
    // Refused requests are not server errors: no stack traces in the log.
    expect(log).not.toMatch(/catalog request failed/);
    expect(log).not.toContain(TOKEN);
  });
});

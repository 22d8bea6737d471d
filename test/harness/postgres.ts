/**
 * Fresh PostgreSQL databases for tests: each test that needs a catalog store gets a database of its
 * own on the stack's server, so runs never see each other's namespaces, and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const u = new URL(url);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database; returns its URL (same server and credentials as `url`). */
export async function createDatabase(url: string, prefix = 'floe_test'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(url, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops a database made by createDatabase, closing whatever connections are still open to it. */
export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop database ${name}`);
  await admin(url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

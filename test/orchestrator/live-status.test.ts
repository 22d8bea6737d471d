import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/ops/metrics.js';
import { startOpsServer } from '../../src/ops/server.js';
import { STATUS_PAGE_HTML } from '../../src/ops/status-page.js';
import { StatusBoard, statusRoutes, type WriterView } from '../../src/orchestrator/live-status.js';
import { FloeError } from '../../src/util/errors.js';

const writer = (fullName: string, topics: string[], o: Partial<WriterView> = {}): WriterView => ({
  fullName,
  oldestPendingMs: undefined,
  bufferedRecords: 0,
  coversKey: (k) => topics.includes(k.slice(0, k.lastIndexOf(':'))),
  ...o,
});

describe('StatusBoard', () => {
  it('per table: lag read from the poll plus buffered, its age, last commit and freshness; commits and errors', () => {
    const b = new StatusBoard();
    b.lagPolled('orders:0', 5n);
    b.lagPolled('orders:1', 0n);
    b.lagPolled('pay:0', 7n);
    b.lagPolled('pay:1', 3n);
    b.revoked('pay:1');
    b.freshness('raw.orders', 1000, 2.5);
    b.committed('raw.orders', { reason: 'interval', records: 10, rows: 9, files: 1, ms: 40 }, 2000);
    b.error(new FloeError('CATALOG_COMMIT_CONFLICT', 'conflict'), 2500, 'raw.orders');
    b.error(new Error('boom https://u:pw@h/x'), 2600);
    const s = b.snapshot({
      groupId: 'g',
      ready: true,
      writers: [writer('raw.pay', ['pay']), writer('raw.orders', ['orders'], { bufferedRecords: 4, oldestPendingMs: 1000 })],
      waiting: new Map([['orders:0', 1500]]),
      now: 3000,
    });
    expect(s.tables.map((t) => t.table)).toEqual(['raw.orders', 'raw.pay']);
    expect(s.tables[0]).toEqual({
      table: 'raw.orders',
      topics: ['orders'],
      lagRecords: 9,
      bufferedRecords: 4,
      lagSeconds: 2,
      lastCommitMs: 2000,
      freshness: [[1000, 2.5]],
    });
    expect(s.tables[1]).toMatchObject({ topics: ['pay'], lagRecords: 7, lagSeconds: 0, lastCommitMs: undefined, freshness: [] });
    expect(s.commits).toEqual([{ at: 2000, table: 'raw.orders', reason: 'interval', records: 10, rows: 9, files: 1, ms: 40 }]);
    expect(s.errors).toEqual([
      { at: 2600, message: 'boom https://u:[redacted]@h/x' },
      { at: 2500, table: 'raw.orders', code: 'CATALOG_COMMIT_CONFLICT', message: 'conflict' },
    ]);
    expect(s).toMatchObject({ groupId: 'g', ready: true, generatedAtMs: 3000, windowMs: 3_600_000 });
  });
});

describe('StatusBoard and {record} templates', () => {
  it('marks the tables a template made, and shows a template with no table yet while its partitions are assigned', () => {
    const b = new StatusBoard();
    b.lagPolled('orders:0', 2n);
    b.lagPolled('quiet:0', 4n);
    const template = (label: string, members: string[], topic: string) => ({ label, members, coversKey: (k: string) => k.startsWith(`${topic}:`) });
    const snap = () =>
      b.snapshot({
        groupId: 'g',
        ready: true,
        writers: [writer('raw.orders_com_acme_a', ['orders']), writer('raw.static', ['orders'])],
        templates: [template('raw.{topic}_{record}', ['raw.orders_com_acme_a'], 'orders'), template('raw.{topic}_{record}', [], 'quiet')],
        waiting: new Map(),
        now: 1000,
      });
    const s = snap();
    const byName = [...s.tables].sort((x, y) => (x.table < y.table ? -1 : 1));
    expect(byName.map((t) => [t.table, t.template, t.exists, t.topics, t.lagRecords])).toEqual([
      ['raw.orders_com_acme_a', 'raw.{topic}_{record}', undefined, ['orders'], 2],
      ['raw.static', undefined, undefined, ['orders'], 2],
      ['raw.{topic}_{record}', 'raw.{topic}_{record}', false, ['quiet'], 4],
    ]);
    expect(byName[1]).not.toHaveProperty('template');
    // The quiet topic given away: the empty template has nothing of this daemon's to show.
    b.revoked('quiet:0');
    expect(snap().tables.map((t) => t.table).sort()).toEqual(['raw.orders_com_acme_a', 'raw.static']);
  });
});

describe('status routes', () => {
  it('serve the page with a CSP that admits exactly its inline script and style, and the JSON', async () => {
    const b = new StatusBoard();
    const server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: new MetricsRegistry(),
      routes: statusRoutes(() => b.snapshot({ groupId: 'g', ready: false, writers: [], waiting: new Map(), now: 1 })),
    });
    try {
      const page = await fetch(`${server.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await page.text();
      expect(html).toBe(STATUS_PAGE_HTML);
      const csp = page.headers.get('content-security-policy')!;
      const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
      const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
      const style = /<style>([\s\S]*)<\/style>/.exec(html)![1]!;
      expect(csp).toContain(`script-src ${hash(script)}`);
      expect(csp).toContain(`style-src ${hash(style)}`);
      expect(csp).toContain("default-src 'none'");
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      // Text from the daemon only ever reaches the DOM as text.
      expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);

      const json = await fetch(`${server.url}/status.json`);
      expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await json.json()).toMatchObject({ groupId: 'g', ready: false, tables: [], commits: [], errors: [] });
      expect((await fetch(`${server.url}/status.json`, { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(`${server.url}/`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});

/**
 * The status page in a real headless browser (Debian's chromium driven by playwright-core over
 * CDP) against a real daemon on the stack: the table rows, their lag and the freshness charts
 * appear, recent commits are listed, a table whose name is HTML is shown as text (not markup), and
 * the page runs under its Content-Security-Policy without a violation. FLOE_STATUS_SCREENSHOT=1
 * also refreshes docs/img/status-page.png (the screenshot in docs/operations.md).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { freePort } from '../harness/ports.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const CHROMIUM = process.env.FLOE_CHROMIUM ?? '/usr/bin/chromium';
const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
let browser: BrowserContext | undefined;
afterAll(async () => {
  await browser?.close();
  await producer.close();
});

const schema = { type: 'record', name: 'Ping', fields: [{ name: 'id', type: 'long' }] };
/**
 * Markup that would set window.__xss if the page rendered names as HTML. Table names are sanitized
 * into identifiers, but namespace levels are kept as written (no "/" only): the namespace carries it.
 */
const HTML_NAME = '<img src=x onerror=window.__xss=1>';

/** A fresh profile every run (a persistent context is how playwright takes --user-data-dir). */
async function launch(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does so as root) or set FLOE_CHROMIUM`);
  }
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'floe-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 700 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

describe('status page', () => {
  it('shows tables, lag and freshness from the running daemon, table names as text', async () => {
    browser = await launch();
    const s = uniqueSuffix();
    const topic = `floe-page-${s}`;
    const slowTopic = `floe-page-slow-${s}`;
    const ns = `page_${s}`;
    await producer.createTopic(topic, 2);
    await producer.createTopic(slowTopic, 1);
    // A {record} template whose topic has no records: no table yet, a row of its own.
    const quietTopic = `floe-page-quiet-${s}`;
    await producer.createTopic(quietTopic, 1);
    const id = await producer.register(`${topic}-value`, schema);
    const slowId = await producer.register(`${slowTopic}-value`, schema);
    await producer.send(topic, Array.from({ length: 30 }, (_, i) => ({ value: producer.encode(id, { id: i }), partition: i % 2 })));
    const port = await freePort();
    const dir = workDir('page');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-page-${s}`,
      serverPort: port,
      defaults: { namespace: ns, commit: { intervalMs: '500ms' } },
      tables: [
        { topics: [topic], table: 'pings' },
        { topics: [topic], table: 'pings', namespace: `${ns}${HTML_NAME}` },
        // Commits every 6 s while a record arrives every 400 ms: records wait (lag, buffered) and
        // freshness climbs to ~6 s before each commit; once the records stop it stays at 0. The
        // chart must show both.
        { topics: [slowTopic], table: 'slow', commit: { intervalMs: '6s' } },
        { topics: [quietTopic], table: '{topic}_{record}' },
      ],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    let producing = true;
    const trickle = (async () => {
      for (let i = 0; producing; i++) {
        await producer.send(slowTopic, [{ value: producer.encode(slowId, { id: i }) }]);
        await sleep(400);
      }
    })();
    try {
      await waitFor('30 rows in the table', async () => {
        const r = await oracle.sparkSql(`SELECT count(*) FROM floe.${ns}.pings`).catch(() => undefined);
        return r && Number(r.rows[0]![0]) === 30 ? true : undefined;
      }, 120_000, 1000);

      // The daemon polls lag every 5 s and samples freshness every 10 s (the worst of each 10 s).
      // Wait until /status.json has shown the slow table lagging, with two samples of records
      // waiting; then stop its records and wait for a sample at 0 and everything caught up.
      let sawSlowLag = false;
      const json = await waitFor('lag, then caught up, in /status.json', async () => {
        const j = (await (await fetch(`http://127.0.0.1:${port}/status.json`)).json()) as Json;
        const fast = j.tables.find((x) => x.table === `${ns}.pings`);
        const slow = j.tables.find((x) => x.table === `${ns}.slow`);
        if (!fast || !slow) return undefined;
        if (slow.lagRecords > 0 && slow.bufferedRecords > 0) sawSlowLag = true;
        const waited = slow.freshness.findIndex(([, v]) => v > 1);
        if (sawSlowLag && slow.freshness.filter(([, v]) => v > 1).length >= 2) producing = false;
        const caughtUp = [fast, slow].every((t) => t.topics.length > 0 && t.lagRecords === 0);
        return !producing && caughtUp && waited >= 0 && slow.freshness.slice(waited).some(([, v]) => v === 0) ? j : undefined;
      }, 150_000, 1000);
      await trickle;
      const fast = json.tables.find((x) => x.table === `${ns}.pings`)!;
      expect(fast).toMatchObject({ lagRecords: 0, bufferedRecords: 0, topics: [topic] });
      expect(fast.lastCommitMs).toBeGreaterThan(0);
      const slow = json.tables.find((x) => x.table === `${ns}.slow`)!;
      expect(slow.topics).toEqual([slowTopic]);
      // Each sample is the worst freshness of its 10 s: with 6 s commits that is a few seconds.
      const slowMax = Math.max(...slow.freshness.map(([, v]) => v));
      expect(slowMax).toBeGreaterThan(1);
      expect(slowMax).toBeLessThan(30);
      expect(slow.lastCommitMs).toBeGreaterThan(0);

      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      // A CSP violation (our own script or style refused) is reported on the console as an error.
      page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
      const response = await page.goto(`http://127.0.0.1:${port}/`);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
      const rowOf = (table: string) => page.locator('#tables tbody tr', { has: page.locator(`td[data-table="${table}"]`) });
      const row = rowOf(`${ns}.pings`);
      await row.waitFor({ timeout: 30_000 });
      expect(await row.locator('td').nth(1).textContent()).toBe(topic);
      expect(await row.locator('.lag-records').textContent()).toBe('0');
      expect(await row.locator('.lag-age').textContent()).toMatch(/^\d+(\.\d)? (s|min|h)$/);
      expect(await row.locator('.last-commit').textContent()).toMatch(/ ago$/);
      // Even a flat line at 0 is drawn: the newest sample holds until now.
      const fastPoints = await row.locator('svg.freshness-chart polyline').getAttribute('points');
      expect(fastPoints!.split(' ').length).toBeGreaterThanOrEqual(2);
      const box = await row.locator('svg.freshness-chart').boundingBox();
      expect(box).toMatchObject({ width: 242, height: 50 }); // 240×48 and a 1 px border

      // The slow table's chart: several points, its label the maximum of the samples it drew.
      const slowRow = rowOf(`${ns}.slow`);
      await slowRow.waitFor();
      const slowPoints = (await slowRow.locator('svg.freshness-chart polyline').getAttribute('points'))!.split(' ');
      expect(slowPoints.length).toBeGreaterThanOrEqual(4);
      const ys = slowPoints.map((p) => Number(p.split(',')[1]));
      expect(Math.max(...ys) - Math.min(...ys)).toBeGreaterThan(10); // up while records waited, down to 0 after
      // A young daemon's chart spans its life (at least a minute), not a sliver of the hour.
      expect(await slowRow.locator('text.chart-max').textContent()).toBe(`max ${slowMax.toFixed(1)} s · last 1 min`);
      const xs = slowPoints.map((p) => Number(p.split(',')[0]));
      expect(Math.min(...xs)).toBeLessThan(180);

      // The template with no table yet says so instead of a last commit.
      const quietRow = rowOf(`${ns}.{topic}_{record}`);
      await quietRow.waitFor({ timeout: 30_000 });
      expect(await quietRow.locator('td').nth(1).textContent()).toBe(quietTopic);
      expect(await quietRow.locator('.last-commit').textContent()).toBe('no table yet');

      // The HTML-named table: its name is text in a cell, no <img> was created, no script ran.
      const htmlCell = page.locator('#tables td').filter({ hasText: HTML_NAME });
      await expect(htmlCell.count()).resolves.toBe(1);
      expect(await htmlCell.textContent()).toBe(`${ns}${HTML_NAME}.pings`);
      await expect(page.locator('img').count()).resolves.toBe(0);
      expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();

      // Recent commits are listed, errors say there are none.
      await expect(page.locator('#commits tbody tr').filter({ hasText: `${ns}.pings` }).count()).resolves.toBeGreaterThan(0);
      await expect(page.locator('#commits tbody tr').filter({ hasText: `${ns}.slow` }).count()).resolves.toBeGreaterThan(0);
      expect(await page.locator('#errors tbody').textContent()).toBe('no errors');
      expect(problems).toEqual([]);
      if (process.env.FLOE_STATUS_SCREENSHOT === '1') await page.screenshot({ path: 'docs/img/status-page.png', fullPage: true });

      expect((await daemon.stop()).code, daemon.log().slice(-2000)).toBe(0);
    } finally {
      producing = false;
      await trickle.catch(() => undefined);
      daemon.kill('SIGKILL');
    }
  }, 300_000);
});

type Json = {
  tables: Array<{ table: string; lagRecords: number; bufferedRecords: number; topics: string[]; lastCommitMs?: number; freshness: Array<[number, number]> }>;
};
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Apache Iceberg's REST Compatibility Kit against floe's catalog: scripts/rck.sh starts `floe
 * catalog serve` on a temporary local warehouse and runs the kit's JUnit suite with the console
 * launcher. The kit's own capability assumptions skip a few tests for every catalog (see
 * docs/catalog.md); none may fail.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const reports = mkdtempSync(join(tmpdir(), 'floe-rck-'));
afterAll(() => rmSync(reports, { recursive: true, force: true }));

function count(xml: string, attr: string): number {
  return Number(new RegExp(`<testsuite[^>]*\\s${attr}="(\\d+)"`).exec(xml)?.[1] ?? 'NaN');
}

describe('REST Compatibility Kit', () => {
  it('passes against floe catalog', { timeout: 900_000 }, async () => {
    const r = await promisify(execFile)('scripts/rck.sh', [], {
      env: { ...process.env, RCK_REPORTS: reports },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 900_000,
    }).catch((err: { stdout?: string; stderr?: string; code?: number }) => err);
    // The kit's tests run on the Jupiter engine; the launcher writes one report per engine.
    expect(readdirSync(reports)).toContain('TEST-junit-jupiter.xml');
    const xml = readFileSync(join(reports, 'TEST-junit-jupiter.xml'), 'utf8');
    const failed = [...xml.matchAll(/<testcase name="([^"]+)"[^>]*>\s*<(failure|error)/g)].map((m) => m[1]);
    expect(failed).toEqual([]);
    expect(count(xml, 'failures') + count(xml, 'errors')).toBe(0);
    expect(count(xml, 'tests')).toBeGreaterThanOrEqual(149);
    expect(count(xml, 'tests') - count(xml, 'skipped')).toBeGreaterThanOrEqual(143);
    expect((r as { code?: number }).code ?? 0).toBe(0);
  });
});

/**
 * docker-compose.yml and examples/: every long-running service has a healthcheck, every
 * depends_on waits for a condition, images are pinned, floe's ops port is published; every
 * example is a valid configuration whose defaults point at the local stack's ports
 * (test/deploy/examples.it.test.ts runs each one against the stack).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/index.js';

const root = new URL('../../', import.meta.url);

interface Service {
  image?: string;
  build?: unknown;
  depends_on?: unknown;
  healthcheck?: { test: unknown };
  ports?: string[];
  environment?: Record<string, string>;
  entrypoint?: unknown;
}

describe('docker-compose.yml', () => {
  const compose = parseYaml(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const services = Object.entries(compose.services);
  /** One-shot jobs (they exit): others depend on their successful completion instead. */
  const oneShot = new Set(['minio-init']);

  it('every long-running service has a healthcheck', () => {
    for (const [name, s] of services) if (!oneShot.has(name)) expect(s.healthcheck?.test, name).toBeDefined();
  });

  it('every depends_on waits for health (or a one-shot job’s success)', () => {
    for (const [name, s] of services) {
      if (s.depends_on === undefined) continue;
      expect(Array.isArray(s.depends_on), `${name}: depends_on must name conditions`).toBe(false);
      for (const [dep, cond] of Object.entries(s.depends_on as Record<string, { condition: string }>)) {
        expect(compose.services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        expect(cond.condition, `${name} → ${dep}`).toBe(oneShot.has(dep) ? 'service_completed_successfully' : 'service_healthy');
      }
    }
  });

  it('images are pinned (a tag, never latest)', () => {
    for (const [name, s] of services) {
      if (s.build !== undefined) continue;
      expect(s.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(s.image, name).not.toMatch(/:latest$/);
    }
  });

  it("publishes floe's ops port and binds it on the container's interface", () => {
    const floe = compose.services.floe!;
    expect(floe.ports).toContain('127.0.0.1:9464:9464');
    expect(floe.environment?.FLOE_SERVER_HOST).toBe('0.0.0.0');
    const config = loadConfig(new URL('examples/bronze.yaml', root).pathname, { ...floe.environment });
    expect([config.server.host, config.server.port]).toEqual(['0.0.0.0', 9464]);
  });
});

describe('examples', () => {
  const files = readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.yaml'));

  it.each(files)('%s is valid and defaults to the local stack', (file) => {
    const config = loadConfig(new URL(`examples/${file}`, root).pathname, {});
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(config.schemaRegistry.url).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
    if (config.catalog.type === 'rest') expect(config.catalog.uri).toBe('http://127.0.0.1:18181');
    if (config.storage.type === 's3') expect(config.storage.endpoint).toBe('http://127.0.0.1:19000');
    expect(config.server.host).toBe('127.0.0.1');
  });
});

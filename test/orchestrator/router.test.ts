import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { Router } from '../../src/orchestrator/router.js';

const config = parseConfig(
  JSON.stringify({
    kafka: { brokers: ['k:9092'], groupId: 'g' },
    schemaRegistry: { url: 'http://r' },
    catalog: { type: 'rest', uri: 'http://c' },
    storage: { type: 'local', root: '/tmp' },
    defaults: { namespace: 'raw' },
    tables: [
      { topics: ['orders.eu', 'orders.us'], table: '{topic}' },
      { topicPattern: 'clicks\\..*', table: 'clicks', namespace: 'web' },
      { topicPattern: 'orders\\.eu', table: 'eu_copy' },
    ],
  }),
  { env: {} },
);

describe('Router', () => {
  const router = new Router(config.tables);

  it('maps listed topics through the table template, and a topic to every matching mapping', () => {
    expect(router.routes('orders.eu').map((r) => r.fullName)).toEqual(['raw.orders_eu', 'raw.eu_copy']);
    expect(router.routes('orders.us').map((r) => r.fullName)).toEqual(['raw.orders_us']);
    expect(router.routes('clicks.mobile')[0]!.table).toEqual({ namespace: ['web'], name: 'clicks' });
    expect(router.routes('other')).toEqual([]);
  });

  it('never routes dead-letter topics matched by a pattern', () => {
    expect(router.routes('clicks.mobile.floe.dlq')).toEqual([]);
    expect(router.subscription(['clicks.a', 'clicks.a.floe.dlq', '__consumer_offsets', 'x'])).toEqual(['clicks.a', 'orders.eu', 'orders.us']);
  });

  it('keeps {record} targets apart: their tables are named per record type as records arrive', () => {
    const c = parseConfig(
      JSON.stringify({
        kafka: { brokers: ['k:9092'], groupId: 'g' },
        schemaRegistry: { url: 'http://r' },
        catalog: { type: 'rest', uri: 'http://c' },
        storage: { type: 'local', root: '/tmp' },
        defaults: { namespace: 'raw' },
        tables: [
          { topics: ['events'], table: '{topic}_{record}' },
          { topics: ['events'], table: 'all_events' },
          { topics: ['cdc'], mode: 'silver', key: { format: 'string' }, table: '{record}', alsoBronze: { table: 'cdc_history' } },
        ],
      }),
      { env: {} },
    );
    const r = new Router(c.tables);
    expect(r.routes('events').map((x) => x.fullName)).toEqual(['raw.all_events']);
    expect(r.recordRoutes('events').map((x) => [x.key, x.mapping.table])).toEqual([['0/bronze/events', '{topic}_{record}']]);
    // silver by record type, its bronze side by name
    expect(r.routes('cdc').map((x) => x.fullName)).toEqual(['raw.cdc_history']);
    expect(r.recordRoutes('cdc').map((x) => x.key)).toEqual(['2/silver/cdc']);
    expect(r.subscription([])).toEqual(['cdc', 'events']);
  });
});

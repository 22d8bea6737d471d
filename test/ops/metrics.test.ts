import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/ops/metrics.js';

describe('MetricsRegistry', () => {
  it('renders counters and gauges with escaped labels in the exposition format', async () => {
    const r = new MetricsRegistry();
    const c = r.counter('floe_records_in_total', 'Records consumed', ['topic']);
    c.inc({ topic: 'orders' }, 3);
    c.inc({ topic: 'orders' });
    const g = r.gauge('floe_lag', 'Lag', ['topic', 'partition']);
    g.set({ topic: 'a"b', partition: 0 }, 7);
    const text = await r.render();
    expect(text).toContain('# TYPE floe_records_in_total counter');
    expect(text).toContain('floe_records_in_total{topic="orders"} 4');
    expect(text).toContain('floe_lag{topic="a\\"b",partition="0"} 7');
    expect(await c.value({ topic: 'orders' })).toBe(4);
    expect(await c.value({ topic: 'other' })).toBe(0);
  });

  it('refuses to decrease a counter, undeclared labels, and re-registering a name with another kind', () => {
    const r = new MetricsRegistry();
    const c = r.counter('x_total', 'x', ['table']);
    expect(() => c.inc({ table: 't' }, -1)).toThrow(/cannot decrease/);
    expect(() => c.inc({ tabel: 't' })).toThrow(/label/i);
    expect(() => r.gauge('x_total', 'x')).toThrow(/already registered/);
    expect(r.counter('x_total', 'x')).toBe(c);
  });

  it('renders cumulative histogram buckets', async () => {
    const r = new MetricsRegistry();
    const h = r.histogram('lat_seconds', 'latency', [1, 0.1]);
    h.observe({}, 0.05);
    h.observe({}, 0.5);
    h.observe({}, 5);
    const text = await r.render();
    expect(text).toContain('lat_seconds_bucket{le="0.1"} 1');
    expect(text).toContain('lat_seconds_bucket{le="1"} 2');
    expect(text).toContain('lat_seconds_bucket{le="+Inf"} 3');
    expect(text).toContain('lat_seconds_count 3');
    expect(await h.count()).toBe(3);
  });

  it('removes one series', async () => {
    const r = new MetricsRegistry();
    const g = r.gauge('lag', 'lag', ['topic', 'partition']);
    g.set({ topic: 't', partition: 0 }, 1);
    g.set({ topic: 't', partition: 1 }, 2);
    g.remove({ topic: 't', partition: 0 });
    expect(await r.render()).not.toContain('partition="0"');
    expect(await g.value({ topic: 't', partition: 1 })).toBe(2);
  });

  it('adds the process_* and nodejs_* series on request, per registry', async () => {
    const r = new MetricsRegistry();
    r.collectDefaults();
    const names = await r.names();
    expect(names).toEqual(expect.arrayContaining(['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']));
    expect(await new MetricsRegistry().names()).toEqual([]);
  });
});

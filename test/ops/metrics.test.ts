import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/ops/metrics.js';

describe('MetricsRegistry', () => {
  it('renders counters and gauges with escaped labels in the exposition format', () => {
    const r = new MetricsRegistry();
    const c = r.counter('floe_records_in_total', 'Records consumed');
    c.inc({ topic: 'orders' }, 3);
    c.inc({ topic: 'orders' });
    const g = r.gauge('floe_lag', 'Lag');
    g.set({ topic: 'a"b', partition: 0 }, 7);
    const text = r.render();
    expect(text).toContain('# TYPE floe_records_in_total counter');
    expect(text).toContain('floe_records_in_total{topic="orders"} 4');
    expect(text).toContain('floe_lag{topic="a\\"b",partition="0"} 7');
  });

  it('refuses to decrease a counter and to re-register a name with another kind', () => {
    const r = new MetricsRegistry();
    const c = r.counter('x_total', 'x');
    expect(() => c.inc({}, -1)).toThrow(/cannot decrease/);
    expect(() => r.gauge('x_total', 'x')).toThrow(/already registered/);
    expect(r.counter('x_total', 'x')).toBe(c);
  });

  it('renders cumulative histogram buckets', () => {
    const r = new MetricsRegistry();
    const h = r.histogram('lat_seconds', 'latency', [1, 0.1]);
    h.observe({}, 0.05);
    h.observe({}, 0.5);
    h.observe({}, 5);
    const text = r.render();
    expect(text).toContain('lat_seconds_bucket{le="0.1"} 1');
    expect(text).toContain('lat_seconds_bucket{le="1"} 2');
    expect(text).toContain('lat_seconds_bucket{le="+Inf"} 3');
    expect(text).toContain('lat_seconds_count 3');
    expect(h.count()).toBe(3);
  });

  it('removes series by partial label match', () => {
    const r = new MetricsRegistry();
    const g = r.gauge('lag', 'lag');
    g.set({ topic: 't', partition: 0 }, 1);
    g.set({ topic: 't', partition: 1 }, 2);
    g.remove({ partition: 0 });
    expect(r.render()).not.toContain('partition="0"');
    expect(g.value({ topic: 't', partition: 1 })).toBe(2);
  });
});

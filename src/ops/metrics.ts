/**
 * The daemon's Prometheus registry: prom-client (the maintained Node client) behind a narrow
 * interface, so the pipeline never depends on a client library's API and tests can read values.
 * prom-client brings the standard `process_*` and `nodejs_*` series (CPU, memory, file
 * descriptors, event-loop lag, GC, heap spaces) that every Node dashboard expects; the
 * hand-written registry this replaced had none of them.
 *
 * Every metric declares its label names up front: a typo in a label at a call site throws in
 * the tests rather than producing a series nobody alerts on.
 */
import client from 'prom-client';

export type Labels = Record<string, string | number>;

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  /** Current value (0 for a series never touched). */
  value(labels?: Labels): Promise<number>;
  /** Drops one series (exact label set). */
  remove(labels: Labels): void;
}

export interface Gauge extends Counter {
  set(labels: Labels, value: number): void;
}

export interface Histogram {
  observe(labels: Labels, value: number): void;
  /** Number of observations of one series. */
  count(labels?: Labels): Promise<number>;
}

type Kind = 'counter' | 'gauge' | 'histogram';

const sameLabels = (a: Record<string, unknown>, b: Labels): boolean => {
  const ka = Object.keys(a).filter((k) => k !== 'le');
  return ka.length === Object.keys(b).length && ka.every((k) => String(a[k]) === String(b[k]));
};

export class MetricsRegistry {
  /** The underlying prom-client registry (one per daemon: tests run several side by side). */
  readonly prom = new client.Registry();
  private readonly kinds = new Map<string, { kind: Kind; metric: unknown }>();

  private existing<T>(name: string, kind: Kind): T | undefined {
    const found = this.kinds.get(name);
    if (!found) return undefined;
    if (found.kind !== kind) throw new Error(`metric ${name} already registered as ${found.kind}`);
    return found.metric as T;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const known = this.existing<Counter>(name, 'counter');
    if (known) return known;
    const c = new client.Counter({ name, help, labelNames: [...labelNames], registers: [this.prom] });
    const wrapped: Counter = {
      inc: (labels = {}, by = 1) => {
        if (by < 0) throw new Error(`counter ${name} cannot decrease`);
        c.inc(labels, by);
      },
      value: async (labels = {}) => (await c.get()).values.find((v) => sameLabels(v.labels, labels))?.value ?? 0,
      remove: (labels) => c.remove(labels),
    };
    this.kinds.set(name, { kind: 'counter', metric: wrapped });
    return wrapped;
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    const known = this.existing<Gauge>(name, 'gauge');
    if (known) return known;
    const g = new client.Gauge({ name, help, labelNames: [...labelNames], registers: [this.prom] });
    const wrapped: Gauge = {
      inc: (labels = {}, by = 1) => g.inc(labels, by),
      set: (labels, value) => g.set(labels, value),
      value: async (labels = {}) => (await g.get()).values.find((v) => sameLabels(v.labels, labels))?.value ?? 0,
      remove: (labels) => g.remove(labels),
    };
    this.kinds.set(name, { kind: 'gauge', metric: wrapped });
    return wrapped;
  }

  histogram(name: string, help: string, buckets: number[], labelNames: readonly string[] = []): Histogram {
    const known = this.existing<Histogram>(name, 'histogram');
    if (known) return known;
    const h = new client.Histogram({ name, help, buckets: [...buckets].sort((a, b) => a - b), labelNames: [...labelNames], registers: [this.prom] });
    const wrapped: Histogram = {
      observe: (labels, value) => h.observe(labels, value),
      count: async (labels = {}) =>
        (await h.get()).values.find((v) => v.metricName === `${name}_count` && sameLabels(v.labels, labels))?.value ?? 0,
    };
    this.kinds.set(name, { kind: 'histogram', metric: wrapped });
    return wrapped;
  }

  /** Adds prom-client's default `process_*` and `nodejs_*` collectors to this registry. */
  collectDefaults(): void {
    client.collectDefaultMetrics({ register: this.prom });
  }

  /** The text exposition format Prometheus scrapes. */
  render(): Promise<string> {
    return this.prom.metrics();
  }

  get contentType(): string {
    return this.prom.contentType;
  }

  /** Every metric family name this registry exports (histograms as their base name). */
  async names(): Promise<string[]> {
    return (await this.prom.getMetricsAsJSON()).map((m) => m.name);
  }
}

/** Buckets in seconds for latencies from a few milliseconds to minutes. */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Buckets in seconds for maintenance passes, a tenth of a second to an hour. */
export const MAINTENANCE_BUCKETS_SECONDS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

/** Buckets in bytes for data file sizes, 64 KiB to 1 GiB. */
export const FILE_SIZE_BUCKETS_BYTES = [
  65536, 262144, 1048576, 4194304, 16777216, 67108864, 134217728, 268435456, 536870912, 1073741824,
];

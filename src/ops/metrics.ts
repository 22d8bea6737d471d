/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
 * text exposition format (version 0.0.4). Hand-written because the daemon needs a handful of
 * series and no push gateway, and every dependency is one more thing to patch at 3 a.m.
 */

export type Labels = Record<string, string | number>;

interface Series {
  labels: Labels;
  value: number;
}

interface HistogramSeries {
  labels: Labels;
  buckets: number[];
  counts: number[];
  sum: number;
  count: number;
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  abstract readonly kind: 'counter' | 'gauge' | 'histogram';
  abstract render(): string[];
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatLabels(labels: Labels, extra?: Labels): string {
  const all = { ...labels, ...extra };
  const keys = Object.keys(all);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(String(all[k]))}"`).join(',')}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

class ScalarMetric extends Metric {
  private readonly series = new Map<string, Series>();
  constructor(
    name: string,
    help: string,
    readonly kind: 'counter' | 'gauge',
  ) {
    super(name, help);
  }

  private get(labels: Labels): Series {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { ...labels }, value: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  inc(labels: Labels = {}, by = 1): void {
    if (this.kind === 'counter' && by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    this.get(labels).value += by;
  }

  set(labels: Labels, value: number): void {
    this.get(labels).value = value;
  }

  value(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.value ?? 0;
  }

  /** Drop series whose labels match, e.g. partitions this daemon no longer owns. */
  remove(match: Labels): void {
    for (const [key, s] of this.series) {
      if (Object.entries(match).every(([k, v]) => String(s.labels[k]) === String(v))) {
        this.series.delete(key);
      }
    }
  }

  render(): string[] {
    return [...this.series.values()].map(
      (s) => `${this.name}${formatLabels(s.labels)} ${formatValue(s.value)}`,
    );
  }
}

export type Counter = Pick<ScalarMetric, 'inc' | 'value' | 'remove'>;
export type Gauge = Pick<ScalarMetric, 'set' | 'inc' | 'value' | 'remove'>;

class HistogramMetric extends Metric {
  readonly kind = 'histogram' as const;
  private readonly series = new Map<string, HistogramSeries>();
  constructor(
    name: string,
    help: string,
    private readonly buckets: number[],
  ) {
    super(name, help);
  }

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = {
        labels: { ...labels },
        buckets: this.buckets,
        counts: this.buckets.map(() => 0),
        sum: 0,
        count: 0,
      };
      this.series.set(key, s);
    }
    for (let i = 0; i < s.buckets.length; i++) {
      if (value <= s.buckets[i]!) s.counts[i]!++;
    }
    s.sum += value;
    s.count++;
  }

  /** Count of observations, for tests and the bench. */
  count(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }

  render(): string[] {
    const lines: string[] = [];
    for (const s of this.series.values()) {
      s.buckets.forEach((b, i) => {
        lines.push(`${this.name}_bucket${formatLabels(s.labels, { le: b })} ${s.counts[i]}`);
      });
      lines.push(`${this.name}_bucket${formatLabels(s.labels, { le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${formatLabels(s.labels)} ${formatValue(s.sum)}`);
      lines.push(`${this.name}_count${formatLabels(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

export type Histogram = Pick<HistogramMetric, 'observe' | 'count'>;

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  private register<M extends Metric>(metric: M): M {
    const existing = this.metrics.get(metric.name);
    if (existing) {
      if (existing.kind !== metric.kind) {
        throw new Error(`metric ${metric.name} already registered as ${existing.kind}`);
      }
      return existing as M;
    }
    this.metrics.set(metric.name, metric);
    return metric;
  }

  counter(name: string, help: string): Counter {
    return this.register(new ScalarMetric(name, help, 'counter'));
  }

  gauge(name: string, help: string): Gauge {
    return this.register(new ScalarMetric(name, help, 'gauge'));
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    const sorted = [...buckets].sort((a, b) => a - b);
    return this.register(new HistogramMetric(name, help, sorted));
  }

  /** The text exposition format Prometheus scrapes. */
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics.values()) {
      out.push(`# HELP ${m.name} ${m.help.replace(/\n/g, ' ')}`);
      out.push(`# TYPE ${m.name} ${m.kind}`);
      out.push(...m.render());
    }
    return `${out.join('\n')}\n`;
  }
}

/** Buckets in seconds for latencies from a few milliseconds to minutes. */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Buckets in bytes for data file sizes, 64 KiB to 1 GiB. */
export const FILE_SIZE_BUCKETS_BYTES = [
  65536, 262144, 1048576, 4194304, 16777216, 67108864, 134217728, 268435456, 536870912, 1073741824,
];

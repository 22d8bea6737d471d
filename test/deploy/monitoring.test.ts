/**
 * The alert rules and the Grafana dashboard in deploy/ query only what floe exports: every
 * expression parses as PromQL (Prometheus' own Lezer grammar) and every series it names is
 * declared by the daemon's registry (with prom-client's process_* / nodejs_* defaults).
 */
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { daemonMetrics } from '../../src/orchestrator/metrics.js';

const root = new URL('../../', import.meta.url);

/** Metric names a PromQL expression selects; throws on a syntax error. */
function selectedMetrics(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  const errors: number[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(expr.slice(node.from, node.to));
    },
  });
  if (errors.length > 0) throw new Error(`PromQL syntax error at ${errors[0]} in: ${expr}`);
  return names;
}

async function exported(): Promise<Set<string>> {
  const m = daemonMetrics({ defaults: true });
  const out = new Set<string>();
  for (const metric of await m.registry.prom.getMetricsAsJSON()) {
    out.add(metric.name);
    if (String(metric.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(`${metric.name}${s}`);
  }
  return out;
}

/** Grafana's variables, replaced by values PromQL accepts. */
function grafanaToPromql(expr: string): string {
  return expr.replace(/\$__(rate_)?interval|\$__range/g, '5m').replace(/\$\{?(\w+)\}?/g, 'x');
}

describe('deploy/prometheus/floe-alerts.yml', () => {
  const doc = parseYaml(readFileSync(new URL('deploy/prometheus/floe-alerts.yml', root), 'utf8')) as {
    groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }> }>;
  };

  it('is a Prometheus rule file: named groups of alerts with an expression, severity and summary', () => {
    expect(doc.groups.length).toBeGreaterThan(0);
    for (const g of doc.groups) {
      expect(g.name).toBeTruthy();
      for (const r of g.rules) {
        expect(r.alert, JSON.stringify(r)).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
        expect(typeof r.expr).toBe('string');
        if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smhdwy]$/);
        expect(r.labels?.severity).toMatch(/^(page|warning)$/);
        expect(r.annotations?.summary).toBeTruthy();
      }
    }
  });

  it('every expression parses and names only series floe exports', async () => {
    const known = await exported();
    const used = new Set<string>();
    for (const r of doc.groups.flatMap((g) => g.rules)) {
      const names = selectedMetrics(r.expr);
      expect(names.length, r.alert).toBeGreaterThan(0);
      for (const n of names) {
        used.add(n);
        expect(known.has(n), `${r.alert}: ${n} is not exported by floe`).toBe(true);
      }
    }
    // The documented alerts: freshness, lag, dead letters, failed commits.
    expect([...used]).toEqual(expect.arrayContaining(['floe_table_freshness_seconds', 'floe_consumer_lag_records', 'floe_dead_letters_total', 'floe_commits_failed_total']));
  });

  it('the checker catches a misspelt series and a syntax error', async () => {
    const known = await exported();
    expect(selectedMetrics('floe_consumer_lag > 0').every((n) => known.has(n))).toBe(false);
    expect(() => selectedMetrics('rate(floe_commits_total[5m]')).toThrow(/syntax/);
  });
});

describe('deploy/grafana/floe-dashboard.json', () => {
  const dash = JSON.parse(readFileSync(new URL('deploy/grafana/floe-dashboard.json', root), 'utf8')) as {
    uid: string;
    title: string;
    panels: Array<{ id: number; title: string; targets: Array<{ expr: string; refId: string }> }>;
    templating: { list: Array<{ name: string; type: string; query: string }> };
  };

  it('is a dashboard with unique panel ids and a query per panel', () => {
    expect(dash.uid).toBeTruthy();
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dash.panels) expect(p.targets.length, p.title).toBeGreaterThan(0);
  });

  it('every panel query and variable parses and names only series floe exports', async () => {
    const known = await exported();
    for (const p of dash.panels) {
      for (const t of p.targets) {
        for (const n of selectedMetrics(grafanaToPromql(t.expr))) expect(known.has(n), `panel "${p.title}" ${t.refId}: ${n} is not exported by floe`).toBe(true);
      }
    }
    for (const v of dash.templating.list.filter((x) => x.type === 'query')) {
      const m = /^label_values\((\w+),\s*\w+\)$/.exec(v.query);
      expect(m, v.query).not.toBeNull();
      expect(known.has(m![1]!), `variable ${v.name}: ${m![1]} is not exported by floe`).toBe(true);
    }
  });
});

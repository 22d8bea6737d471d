/**
 * The daemon's status page, served at `/` of the ops server: one static HTML document with a small
 * inline script that reads /status.json every 5 s and renders it. No build step, no dependencies.
 *
 * The HTML carries no data at all and the script builds every element with `textContent` and
 * attribute setters (never innerHTML), so table names (from the configuration), error messages
 * (from the network) and any other text from the daemon are shown as text: a table named
 * `<img onerror=…>` cannot inject markup. As a second wall the page is served with a
 * Content-Security-Policy that runs only this script (by its hash) and lets it talk only to its
 * own origin. Both proved in a real browser by test/ops/status-page.it.test.ts.
 */
import { createHash } from 'node:crypto';

const STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
  h1 { font-size: 1.3em; margin: 0 0 .2em; }
  h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
  .meta { color: #666; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #e3e3e3; vertical-align: middle; }
  th { background: #f5f5f5; font-weight: 600; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .lagging { color: #b45309; font-weight: 600; }
  .empty { color: #888; font-style: italic; }
  svg.freshness-chart { display: block; background: #fafafa; border: 1px solid #eee; }
  svg.freshness-chart text { font: 10px system-ui, sans-serif; fill: #555; }
  .error { color: #b91c1c; overflow-wrap: anywhere; }
`;

const SCRIPT = `
'use strict';
const SVG = 'http://www.w3.org/2000/svg';
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function svgEl(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}
function ago(ms, now) {
  if (ms === undefined || ms === null) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  return s < 90 ? s + ' s ago' : s < 5400 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
}
function seconds(s) {
  return s < 90 ? s.toFixed(1) + ' s' : s < 5400 ? (s / 60).toFixed(1) + ' min' : (s / 3600).toFixed(1) + ' h';
}
/**
 * Freshness samples [ms, s] as a line (and the area under it), newest at the right. The x axis
 * spans the window (an hour), or since the first sample when the daemon is younger (at least a
 * minute), so a new daemon's chart is not a sliver at the right edge; the label says which.
 */
function chart(samples, now, windowMs) {
  const w = 240, h = 48, top = 12;
  const svg = svgEl('svg', { class: 'freshness-chart', width: w, height: h, viewBox: '0 0 ' + w + ' ' + h });
  const max = Math.max(0, ...samples.map((p) => p[1]));
  const scale = Math.max(1, max);
  const span = samples.length === 0 ? windowMs : Math.min(windowMs, Math.max(60000, now - samples[0][0]));
  const minutes = Math.round(span / 60000) + ' min';
  const title = svgEl('title', {});
  title.textContent = 'freshness (age of the oldest uncommitted record) over the last ' + minutes;
  svg.appendChild(title);
  const label = svgEl('text', { x: 3, y: 10, class: 'chart-max' });
  label.textContent = samples.length === 0 ? 'no samples yet' : 'max ' + seconds(max) + ' · last ' + minutes;
  svg.appendChild(label);
  if (samples.length === 0) return svg;
  const xy = samples.map((p) => [Math.max(0, w - ((now - p[0]) / span) * w), h - 2 - (p[1] / scale) * (h - top - 4)]);
  // The newest sample holds until now: one sample is a line, not an invisible point.
  xy.push([w, xy[xy.length - 1][1]]);
  const points = xy.map((p) => p[0].toFixed(1) + ',' + p[1].toFixed(1));
  svg.appendChild(svgEl('polygon', { points: xy[0][0].toFixed(1) + ',' + h + ' ' + points.join(' ') + ' ' + w + ',' + h, fill: '#dbeafe' }));
  svg.appendChild(svgEl('polyline', { points: points.join(' '), fill: 'none', stroke: '#2563eb', 'stroke-width': 1.5 }));
  return svg;
}
function fill(id, rows, empty, cols) {
  const body = document.querySelector('#' + id + ' tbody');
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = el('tr');
    const td = el('td', empty, 'empty');
    td.colSpan = cols;
    tr.appendChild(td);
    body.appendChild(tr);
  }
  for (const cells of rows) {
    const tr = el('tr');
    for (const c of cells) tr.appendChild(c);
    body.appendChild(tr);
  }
}
function render(s) {
  const now = s.generatedAtMs;
  document.getElementById('meta').textContent = 'version ' + s.version + ' · group ' + s.groupId + ' · ' + (s.ready ? 'ready' : 'not ready') + ' · updated ' + new Date(now).toISOString();
  fill('tables', s.tables.map((t) => {
    const name = el('td', t.table, 'table-name');
    name.setAttribute('data-table', t.table);
    const lagging = t.lagRecords > 0 ? 'num lagging' : 'num';
    const c = el('td');
    c.appendChild(chart(t.freshness, now, s.windowMs));
    return [name, el('td', t.topics.join(', ')), el('td', t.lagRecords, lagging + ' lag-records'), el('td', t.bufferedRecords, 'num buffered'), el('td', seconds(t.lagSeconds), lagging + ' lag-age'), el('td', t.exists === false ? 'no table yet' : ago(t.lastCommitMs, now), 'last-commit'), c];
  }), 'no tables yet', 7);
  fill('commits', s.commits.map((c) => [el('td', ago(c.at, now)), el('td', c.table), el('td', c.records, 'num'), el('td', c.rows, 'num'), el('td', c.files, 'num'), el('td', c.ms + ' ms', 'num'), el('td', c.reason)]), 'no commits yet', 7);
  fill('errors', s.errors.map((e) => [el('td', ago(e.at, now)), el('td', e.table || ''), el('td', e.code || ''), el('td', e.message, 'error')]), 'no errors', 4);
}
async function refresh() {
  try {
    const res = await fetch('status.json', { cache: 'no-store' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    render(await res.json());
  } catch (err) {
    document.getElementById('meta').textContent = 'cannot reach the daemon: ' + err;
  }
}
refresh();
setInterval(refresh, 5000);
`;

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>floe status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>floe</h1>
<div class="meta" id="meta">loading…</div>
<h2>Tables</h2>
<table id="tables">
  <thead><tr><th>Table</th><th>Topics</th><th>Lag (records)</th><th>Buffered</th><th>Oldest uncommitted</th><th>Last commit</th><th>Freshness, last hour</th></tr></thead>
  <tbody></tbody>
</table>
<h2>Recent commits</h2>
<table id="commits">
  <thead><tr><th>When</th><th>Table</th><th>Records</th><th>Rows</th><th>Files</th><th>Took</th><th>Why</th></tr></thead>
  <tbody></tbody>
</table>
<h2>Recent errors</h2>
<table id="errors">
  <thead><tr><th>When</th><th>Table</th><th>Code</th><th>Message</th></tr></thead>
  <tbody></tbody>
</table>
<script>${SCRIPT}</script>
</body>
</html>
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Only this page's own script and style run (by hash: an injected <script> or inline handler does
 * not), it may fetch only from its origin, and no other site may frame it.
 */
export const STATUS_PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'none'",
    `script-src ${sha256(SCRIPT)}`,
    `style-src ${sha256(STYLE)}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

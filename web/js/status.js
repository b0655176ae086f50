// Status: build info, the effective configuration, per-tenant ingestion (from /metrics) with stream counts, and
// storage counters. Everything comes from public endpoints.
import { h } from './dom.js';
import { get, loki, settings, session } from './api.js';

export function mount(root) {
  const page = h('div.page.status-page', h('p.loading', 'Loading status…'));
  root.append(page);
  load(page);
  return {};
}

/** Parses the Prometheus text format into [{name, labels, value}]. */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[3] || '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: parseFloat(m[4]) });
  }
  return out;
}

const bytes = (n) => { const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0; while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; } return `${n.toFixed(i ? 1 : 0)} ${u[i]}`; };

async function load(page) {
  const [build, cfg, metricsText, s] = await Promise.all([
    loki.buildinfo().catch(e => ({ error: e })), get('/config', {}, { text: true }).catch(e => `error: ${e.message}`),
    get('/metrics', {}, { text: true }).catch(() => ''), settings(),
  ]);
  const metrics = parseMetrics(metricsText);
  const sum = (name, pred = () => true) => metrics.filter(m => m.name === name && pred(m.labels)).reduce((a, m) => a + m.value, 0);
  const tenants = [...new Set(metrics.filter(m => m.labels.tenant).map(m => m.labels.tenant))].sort();
  const rows = await Promise.all(tenants.map(async t => {
    let streams = '';
    try { streams = await countStreams(t); } catch { streams = '?'; }
    return h('tr', { 'data-tenant': t }, h('td', t), h('td', sum('loki_distributor_lines_received_total', l => l.tenant === t)),
      h('td', bytes(sum('loki_distributor_bytes_received_total', l => l.tenant === t))), h('td', sum('loki_discarded_samples_total', l => l.tenant === t)), h('td', streams));
  }));
  const storage = metrics.filter(m => m.name.startsWith('sawmill_store_') || m.name.startsWith('sawmill_wal_') || m.name.startsWith('loki_ingester_') || m.name.startsWith('sawmill_block') || m.name.startsWith('sawmill_chunk'));
  page.replaceChildren(
    h('h2', 'Build'),
    build.error ? h('div.error', build.error.message) : h('dl.kv.build-info', Object.entries(build).flatMap(([k, v]) => [h('dt', k), h('dd', String(v))])),
    h('dl.kv', h('dt', 'auth_enabled'), h('dd', String(s.authEnabled)), h('dt', 'Prometheus for split view'), h('dd', s.prometheus ? 'configured' : 'not configured (ui.prometheus_url)'), h('dt', 'tenant'), h('dd', session.tenant || '(none)')),
    h('h2', 'Tenants'),
    tenants.length ? h('table.data.tenants', h('tr', h('th', 'Tenant'), h('th', 'Lines received'), h('th', 'Bytes received'), h('th', 'Discarded'), h('th', 'Streams (last 24h)')), rows) : h('p.empty', 'Nothing ingested since the server started.'),
    h('h2', 'Storage'),
    storage.length ? h('table.data.storage', storage.map(m => h('tr', h('td', m.name + (Object.keys(m.labels).length ? JSON.stringify(m.labels) : '')), h('td', /bytes/.test(m.name) ? bytes(m.value) : String(m.value))))) : h('p.empty', 'No storage metrics.'),
    h('h2', 'Configuration'), h('pre.config', cfg));
}

/** Streams of a tenant over the last 24 h: the union of series per label name (Loki needs a matcher per query). */
async function countStreams(tenant) {
  const headers = { 'X-Scope-OrgID': tenant };
  const end = Date.now(), start = end - 86400000;
  const ns = (ms) => String(BigInt(ms) * 1000000n);
  const r = await fetch(`/loki/api/v1/labels?start=${ns(start)}&end=${ns(end)}`, { headers });
  const names = ((await r.json()).data || []).slice(0, 8);
  const seen = new Set();
  for (const n of names) {
    const s = await fetch(`/loki/api/v1/series?${new URLSearchParams({ 'match[]': `{${n}=~".+"}`, start: ns(start), end: ns(end) })}`, { headers });
    if (!s.ok) continue;
    for (const x of (await s.json()).data || []) seen.add(JSON.stringify(Object.entries(x).sort()));
  }
  return seen.size;
}

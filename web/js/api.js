// The public HTTP API: Loki's query API, the ruler's Prometheus-style API, and the server's Prometheus proxy.
// Every request carries the chosen tenant in X-Scope-OrgID. Errors throw ApiError with the server's text.

export class ApiError extends Error {
  constructor(status, text) { super(text.trim() || `HTTP ${status}`); this.status = status; }
}

export const session = { tenant: localStorage.getItem('sawmill.tenant') || '' };

export function setTenant(t) {
  session.tenant = t || '';
  localStorage.setItem('sawmill.tenant', session.tenant);
}

function headers() {
  return session.tenant ? { 'X-Scope-OrgID': session.tenant } : {};
}

export async function get(path, params = {}, { signal, text, extraHeaders } = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach(x => qs.append(k, x)); else qs.set(k, v);
  }
  const url = path + (qs.toString() ? '?' + qs : '');
  const r = await fetch(url, { headers: { ...headers(), ...extraHeaders }, signal });
  const body = await r.text();
  if (!r.ok) {
    // Prometheus answers errors as JSON {status:"error", error:"…"}; Loki as plain text.
    let msg = body;
    try { const j = JSON.parse(body); if (j.error) msg = j.error; } catch { /* plain text */ }
    throw new ApiError(r.status, msg);
  }
  if (text) return body;
  const j = JSON.parse(body);
  if (j.status === 'error') throw new ApiError(r.status, j.error || 'error');
  return j;
}

/** Nanosecond string for a millisecond time. */
export const ns = (ms) => BigInt(Math.round(ms)) * 1000000n + '';

export const loki = {
  queryRange: (query, startMs, endMs, opts = {}, signal) => get('/loki/api/v1/query_range', {
    query, start: ns(startMs), end: ns(endMs), limit: opts.limit, direction: opts.direction, step: opts.step,
  // Log lines with their stream labels apart from structured metadata and parsed labels (as Grafana asks), so that
  // "show context" selects the entry's own stream.
  }, { signal, extraHeaders: { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' } }),
  query: (query, timeMs, opts = {}, signal) => get('/loki/api/v1/query', { query, time: ns(timeMs), limit: opts.limit, direction: opts.direction }, { signal }),
  labels: (startMs, endMs, signal) => get('/loki/api/v1/labels', { start: ns(startMs), end: ns(endMs) }, { signal }),
  values: (name, startMs, endMs, query, signal) => get(`/loki/api/v1/label/${encodeURIComponent(name)}/values`, { start: ns(startMs), end: ns(endMs), query }, { signal }),
  series: (match, startMs, endMs, signal) => get('/loki/api/v1/series', { 'match[]': match, start: ns(startMs), end: ns(endMs) }, { signal }),
  stats: (query, startMs, endMs, signal) => get('/loki/api/v1/index/stats', { query, start: ns(startMs), end: ns(endMs) }, { signal }),
  buildinfo: () => get('/loki/api/v1/status/buildinfo'),
  rules: () => get('/prometheus/api/v1/rules'),
  alerts: () => get('/prometheus/api/v1/alerts'),
};

export const prom = {
  queryRange: (query, startMs, endMs, step, signal) => get('/ui/api/prometheus/api/v1/query_range', { query, start: startMs / 1000, end: endMs / 1000, step }, { signal }),
  query: (query, timeMs, signal) => get('/ui/api/prometheus/api/v1/query', { query, time: timeMs / 1000 }, { signal }),
  labels: (startMs, endMs, signal) => get('/ui/api/prometheus/api/v1/labels', { start: startMs / 1000, end: endMs / 1000 }, { signal }),
  values: (name, startMs, endMs, signal) => get(`/ui/api/prometheus/api/v1/label/${encodeURIComponent(name)}/values`, { start: startMs / 1000, end: endMs / 1000 }, { signal }),
};

let settingsPromise;
export const settings = () => (settingsPromise ??= get('/ui/api/settings').catch(() => ({ authEnabled: false, prometheus: false })));

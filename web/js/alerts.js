// Alerts: the ruler's rule groups (state, health, last evaluation, errors) and the active alerts with their labels,
// from /prometheus/api/v1/rules and /alerts (Prometheus's response shapes, as Loki's ruler serves them).
import { h } from './dom.js';
import { loki } from './api.js';
import { fmtDate } from './time.js';

export function mount(root) {
  const page = h('div.page.alerts-page', h('p.loading', 'Loading rules…'));
  root.append(page);
  let timer;
  const load = async () => {
    const [rules, alerts] = await Promise.all([loki.rules().catch(e => ({ error: e })), loki.alerts().catch(e => ({ error: e }))]);
    page.replaceChildren(h('h2', 'Active alerts'), alertsTable(alerts), h('h2', 'Rule groups'), ...[groups(rules)].flat());
  };
  load();
  timer = setInterval(load, 15000);
  return { destroy: () => clearInterval(timer) };
}

const labelsText = (l) => Object.entries(l || {}).map(([k, v]) => `${k}="${v}"`).join(', ');
const when = (t) => (!t || t.startsWith('0001')) ? 'never' : fmtDate(Date.parse(t));
const badge = (state) => h('span.badge', { className: `badge st-${state}` }, state);

function alertsTable(res) {
  if (res.error) return h('div.error', res.error.message);
  const list = res.data?.alerts || [];
  if (!list.length) return h('p.empty', 'No active alerts.');
  return h('table.data.active-alerts', h('tr', h('th', 'State'), h('th', 'Labels'), h('th', 'Active since'), h('th', 'Value'), h('th', 'Annotations')),
    list.map(a => h('tr', h('td', badge(a.state)), h('td', labelsText(a.labels)), h('td', when(a.activeAt)), h('td', a.value ?? ''), h('td', labelsText(a.annotations)))));
}

function groups(res) {
  if (res.error) return h('div.error', res.error.status === 404 ? 'The ruler is not enabled on this server (no /prometheus/api/v1/rules).' : res.error.message);
  const gs = res.data?.groups || [];
  if (!gs.length) return h('p.empty', 'No rule groups are loaded.');
  return gs.map(g => h('div.group.rule-group',
    h('h3', g.name, h('small', g.file || ''), h('small', `every ${g.interval ?? '?'}s`), h('small', 'last evaluation ' + when(g.lastEvaluation))),
    h('table.data', h('tr', h('th', 'Rule'), h('th', 'State'), h('th', 'Health'), h('th', 'Query'), h('th', 'Last evaluation'), h('th', 'Error')),
      (g.rules || []).map(r => h('tr', { 'data-rule': r.name || r.record },
        h('td', r.type === 'recording' ? `record: ${r.name}` : `alert: ${r.name}`),
        h('td', r.type === 'alerting' ? badge(r.state || 'inactive') : ''),
        h('td', badge(r.health === 'ok' ? 'ok' : (r.health === 'err' ? 'err' : (r.health || 'unknown')))),
        h('td', h('a', { href: '/explore?' + new URLSearchParams({ q: r.query, from: 'now-1h', to: 'now' }) }, r.query)),
        h('td', when(r.lastEvaluation) + (r.evaluationTime !== undefined ? ` (${(r.evaluationTime * 1000).toFixed(1)} ms)` : '')),
        h('td.error', r.lastError || ''))))));
}

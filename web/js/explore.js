// Explore: one or two query panes on a shared time range. Pane 1 queries Sawmill (LogQL); pane 2 (split view)
// queries Sawmill or Prometheus through the server's proxy. Log queries show a level-stacked volume histogram and
// the logs view; metric queries a graph (range) or a table (instant). The whole state lives in the URL.
import { h } from './dom.js';
import { loki, prom, settings, session } from './api.js';
import { Editor } from './editor.js';
import { TimePicker } from './timepicker.js';
import { Chart, LEVEL_COLORS, matrixToSeries, seriesName, colorFor, fmtNum } from './chart.js';
import { LogsView, entriesFromStreams } from './logs.js';
import { isMetricQuery, addFilter, selectorOf, selectorFor, quote, parseSelector } from './logql.js';
import { resolve, stepFor, parseDuration } from './time.js';

const PROM_FUNCS = ['rate', 'irate', 'increase', 'sum', 'avg', 'min', 'max', 'count', 'histogram_quantile', 'topk', 'bottomk', 'delta', 'deriv', 'avg_over_time', 'max_over_time', 'min_over_time', 'sum_over_time', 'count_over_time', 'absent', 'label_replace', 'clamp_min', 'clamp_max', 'abs', 'round', 'time', 'vector', 'scalar'].map(f => [f, 'PromQL']);

/** URL ⇄ state. Pane 1 uses q/type; pane 2 uses ds2/q2/type2 and exists when ds2 is set. */
export function readState(search = location.search) {
  const p = new URLSearchParams(search);
  const panes = [{ ds: 'loki', q: p.get('q') ?? '', type: p.get('type') || 'range' }];
  if (p.get('ds2')) panes.push({ ds: p.get('ds2') === 'prometheus' ? 'prometheus' : 'loki', q: p.get('q2') ?? '', type: p.get('type2') || 'range' });
  return {
    from: p.get('from') || 'now-1h', to: p.get('to') || 'now', refresh: p.get('refresh') || 'off', panes,
    limit: +(p.get('limit') || 1000), logs: { wrap: p.get('wrap') === '1', order: p.get('order') === 'asc' ? 'asc' : 'desc', dedup: p.get('dedup') || 'none', time: p.get('time') !== '0' },
  };
}

export function writeState(s) {
  const p = new URLSearchParams();
  const [a, b] = s.panes;
  if (a.q) p.set('q', a.q);
  if (a.type !== 'range') p.set('type', a.type);
  if (b) { p.set('ds2', b.ds); if (b.q) p.set('q2', b.q); if (b.type !== 'range') p.set('type2', b.type); }
  p.set('from', s.from); p.set('to', s.to);
  if (s.refresh !== 'off') p.set('refresh', s.refresh);
  if (s.limit !== 1000) p.set('limit', s.limit);
  if (s.logs.wrap) p.set('wrap', '1');
  if (s.logs.order !== 'desc') p.set('order', s.logs.order);
  if (s.logs.dedup !== 'none') p.set('dedup', s.logs.dedup);
  if (!s.logs.time) p.set('time', '0');
  if (session.tenant) p.set('tenant', session.tenant);
  return '/explore?' + p.toString();
}

export function mount(root) {
  const ex = new Explore(root, readState());
  return ex;
}

class Explore {
  constructor(root, state) {
    this.state = state;
    this.picker = new TimePicker({
      from: state.from, to: state.to, refresh: state.refresh,
      onChange: ({ from, to }) => this.setRange(from, to),
      onRefresh: (r) => { this.state.refresh = r; this.schedule(); this.save(); },
    });
    this.splitBtn = h('button', { className: 'split-toggle', onclick: () => this.toggleSplit() });
    this.limitSel = h('select', { name: 'limit', 'aria-label': 'Line limit', onchange: (e) => { this.state.limit = +e.target.value; this.save(); this.runAll(); } },
      [100, 1000, 5000].map(n => h('option', { value: n, selected: n === state.limit }, `${n} lines`)));
    this.panesEl = h('div.panes');
    this.el = h('div.explore', h('div.toolbar', h('strong', 'Explore'), h('span.spacer'), this.limitSel, this.splitBtn, this.picker.el,
      h('button.primary', { className: 'primary run-all', onclick: () => this.runAll() }, 'Run queries')), this.panesEl);
    root.append(this.el);
    this.panes = [];
    state.panes.forEach((p, i) => this.addPane(p, i));
    this.updateSplitBtn();
    this.schedule();
    this.runAll();
  }

  destroy() { clearInterval(this.timer); this.panes.forEach(p => p.destroy()); }

  range() { return { from: resolve(this.state.from), to: resolve(this.state.to) }; }

  addPane(cfg, idx) {
    const pane = new Pane(this, idx, cfg);
    this.panes[idx] = pane;
    this.panesEl.append(pane.el);
    return pane;
  }

  toggleSplit() {
    if (this.panes.length > 1) { this.panes.pop().destroy(); this.state.panes.length = 1; this.panesEl.lastChild.remove(); }
    else { this.state.panes[1] = { ds: 'loki', q: this.state.panes[0].q, type: 'range' }; this.addPane(this.state.panes[1], 1).run(); }
    this.updateSplitBtn(); this.save();
    this.panes.forEach(p => p.redraw());
  }

  /** Opens a query in the other pane (splitting when needed) — how data links show "its logs". */
  openInOtherPane(fromIdx, cfg) {
    const target = fromIdx === 0 ? 1 : 0;
    if (target === 1 && this.panes.length < 2) { this.state.panes[1] = cfg; this.addPane(cfg, 1); this.updateSplitBtn(); }
    const p = this.panes[target];
    p.setConfig(cfg);
    this.save();
    p.run();
  }

  updateSplitBtn() { this.splitBtn.textContent = this.panes.length > 1 ? 'Close split' : 'Split'; }

  setRange(from, to) {
    this.state.from = String(from); this.state.to = String(to);
    this.picker.set(from, to);
    this.save(); this.runAll();
  }

  schedule() {
    clearInterval(this.timer);
    const ms = parseDuration(this.state.refresh);
    if (ms > 0) this.timer = setInterval(() => this.runAll(), ms);
  }

  save(push = false) {
    this.state.panes = this.panes.map(p => p.config());
    const url = writeState(this.state);
    if (url !== location.pathname + location.search) (push ? history.pushState : history.replaceState).call(history, null, '', url);
  }

  runAll() { this.save(); this.panes.forEach(p => p.run()); }
}

class Pane {
  constructor(ex, idx, cfg) {
    this.ex = ex; this.idx = idx; this.cfg = { ...cfg };
    this.dsSel = idx === 0 ? h('span.stats', 'Sawmill (LogQL)') : h('select', { name: 'datasource', 'aria-label': 'Data source', onchange: (e) => { this.cfg.ds = e.target.value; this.ex.save(); this.run(); } },
      h('option', { value: 'loki', selected: cfg.ds === 'loki' }, 'Sawmill (LogQL)'), h('option', { value: 'prometheus', selected: cfg.ds === 'prometheus' }, 'Prometheus (PromQL)'));
    this.typeSel = h('select', { name: 'type', 'aria-label': 'Query type', onchange: (e) => { this.cfg.type = e.target.value; this.ex.save(); this.run(); } },
      h('option', { value: 'range', selected: cfg.type !== 'instant' }, 'Range'), h('option', { value: 'instant', selected: cfg.type === 'instant' }, 'Instant'));
    this.editor = new Editor({
      value: cfg.q, placeholder: idx === 0 ? '{job="app"} |= "error"   (ctrl-enter to run)' : 'query',
      onRun: () => { this.cfg.q = this.editor.value; this.ex.save(true); this.run(); },
      onChange: (v) => { this.cfg.q = v; },
      labels: () => this.labelNames(), values: (n) => this.labelValues(n),
    });
    this.tailBtn = h('button', { className: 'tail-toggle', onclick: () => this.toggleTail() }, 'Live');
    this.status = h('span.stats');
    this.body = h('div.pane-body');
    this.el = h('section.pane', { 'data-pane': idx },
      h('div.pane-head', this.dsSel, this.typeSel, this.tailBtn, this.status),
      h('div.pane-head', this.editor.el, h('button', { className: 'history-toggle', title: 'Query history', onclick: () => this.editor.toggleHistory() }, 'History'),
        h('button.primary', { className: 'primary run', onclick: () => this.editor.run() }, 'Run')),
      this.body);
    this.applyDs();
  }

  config() { return { ds: this.cfg.ds, q: this.editor.value, type: this.cfg.type }; }
  setConfig(cfg) {
    this.cfg = { ...cfg }; this.editor.value = cfg.q; this.typeSel.value = cfg.type;
    if (this.dsSel.tagName === 'SELECT') this.dsSel.value = cfg.ds;
    this.applyDs();
  }
  applyDs() {
    const isProm = this.cfg.ds === 'prometheus';
    this.editor.o.functions = isProm ? PROM_FUNCS : undefined;
    this.editor.o.stages = isProm ? [] : undefined;
    this.tailBtn.hidden = isProm;
  }
  destroy() { this.stopTail(); this.charts?.forEach(c => c.destroy()); this.abort?.abort(); }
  redraw() { this.charts?.forEach(c => c.draw()); }

  async labelNames() {
    const { from, to } = this.ex.range();
    if (this.cfg.ds === 'prometheus') return (await prom.labels(from, to)).data.filter(l => l !== '__name__').concat(['__name__']);
    return (await loki.labels(from, to)).data || [];
  }
  async labelValues(name) {
    const { from, to } = this.ex.range();
    if (this.cfg.ds === 'prometheus') return (await prom.values(name, from, to)).data || [];
    return (await loki.values(name, from, to)).data || [];
  }

  async run() {
    this.stopTail();
    const q = this.editor.value.trim();
    this.cfg.q = this.editor.value;
    this.abort?.abort();
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.charts?.forEach(c => c.destroy()); this.charts = [];
    if (!q) { this.body.replaceChildren(h('p.empty', 'Type a query and press ctrl-enter (or Run). Start with { to pick labels.')); return; }
    const { from, to } = this.ex.range();
    this.editor.clearError();
    this.status.textContent = 'running…';
    const started = performance.now();
    try {
      if (this.cfg.ds === 'prometheus') await this.runProm(q, from, to, signal);
      else if (this.cfg.type === 'instant') await this.runInstant(q, to, signal);
      else if (isMetricQuery(q)) await this.runMetric(q, from, to, signal);
      else await this.runLogs(q, from, to, signal);
      this.status.textContent = `${Math.round(performance.now() - started)} ms`;
      this.el.dataset.done = String(Date.now());
    } catch (e) {
      if (e.name === 'AbortError') return;
      this.status.textContent = 'error';
      this.editor.showError(e.message);
      this.body.replaceChildren(h('div.error.query-error', e.message));
      this.el.dataset.done = String(Date.now());
    }
  }

  chart(o) {
    const c = new Chart({ syncGroup: 'explore', onZoom: (a, b) => this.ex.setRange(String(a), String(b)), ...o });
    this.charts.push(c);
    return c;
  }

  async runLogs(q, from, to, signal) {
    const direction = this.ex.state.logs.order === 'asc' ? 'forward' : 'backward';
    const step = stepFor(to - from, 80);
    const volQ = `sum by (level, detected_level) (count_over_time(${q} [${step}s]))`;
    const [res, vol] = await Promise.all([
      loki.queryRange(q, from, to, { limit: this.ex.state.limit, direction }, signal),
      loki.queryRange(volQ, from, to, { step }, signal).catch(() => loki.queryRange(`sum(count_over_time(${q} [${step}s]))`, from, to, { step }, signal)).catch(e => ({ error: e })),
    ]);
    if (res.data.resultType !== 'streams') { this.showMatrixOrVector(res.data, from, to); return; }
    const hist = this.chart({ height: 90, bars: true, stacked: true });
    const volTitle = h('div.section-title', 'Log volume');
    if (vol.error) volTitle.append(h('span.error', vol.error.message));
    else {
      const order = ['unknown', 'trace', 'debug', 'info', 'warn', 'warning', 'error', 'critical', 'fatal'];
      const series = (vol.data.result || []).map(r => {
        const lv = (r.metric.level || r.metric.detected_level || 'unknown').toLowerCase();
        return { name: lv, labels: r.metric, color: LEVEL_COLORS[lv] || colorFor(order.length), step: step * 1000, points: r.values.map(([t, v]) => [t * 1000, +v]) };
      }).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
      hist.set(series, from, to);
    }
    const logs = new LogsView({
      options: this.ex.state.logs,
      onOptions: (o) => { this.ex.state.logs = { ...o }; this.ex.save(); },
      onFilter: (f) => { this.editor.value = addFilter(this.editor.value, f); this.cfg.q = this.editor.value; this.ex.save(true); this.run(); },
      onLink: (name, value) => this.openLogsFor(name, value),
      onContext: (e) => showContext(e),
    });
    this.logs = logs;
    const entries = entriesFromStreams(res.data.result, direction === 'forward');
    const stats = res.data.stats?.summary;
    logs.set(entries, stats ? `${fmtNum(stats.totalBytesProcessed || 0)}B processed` : '');
    this.body.replaceChildren(volTitle, hist.el, h('div.section-title', 'Logs'), logs.el);
    hist.draw();
  }

  /** Data link from a field value: the same stream selector, filtered by the value, in the other pane. */
  openLogsFor(name, value) {
    const sel = selectorOf(this.editor.value)?.text || '{}';
    this.ex.openInOtherPane(this.idx, { ds: 'loki', q: `${sel} |= ${quote(value)}`, type: 'range' });
  }

  async runMetric(q, from, to, signal) {
    const step = stepFor(to - from, 250);
    const res = await loki.queryRange(q, from, to, { step }, signal);
    this.showMatrixOrVector(res.data, from, to, step);
  }

  async runInstant(q, at, signal) {
    const res = await loki.query(q, at, { limit: this.ex.state.limit }, signal);
    this.showMatrixOrVector(res.data, 0, at);
  }

  async runProm(q, from, to, signal) {
    if (!(await settings()).prometheus) throw new Error('no Prometheus is configured: set ui.prometheus_url in the server config');
    if (this.cfg.type === 'instant') { const r = await prom.query(q, to, signal); this.showMatrixOrVector(r.data, 0, to); return; }
    const step = stepFor(to - from, 250);
    const r = await prom.queryRange(q, from, to, step, signal);
    this.showMatrixOrVector(r.data, from, to, step);
  }

  showMatrixOrVector(data, from, to, step) {
    if (data.resultType === 'matrix') {
      const series = matrixToSeries(data.result, seriesName);
      series.forEach(s => { s.step = (step || 0) * 1000; });
      const c = this.chart({ height: 240, onSeriesClick: (s) => this.seriesLogs(s), seriesLink: (s) => ({ text: 'logs ↗', onclick: () => this.seriesLogs(s) }) });
      c.set(series, from, to);
      this.body.replaceChildren(...[h('div.section-title', `${series.length} series`), c.el,
        series.length ? null : h('p.empty', 'No data in this range.')].filter(Boolean));
      c.draw();
    } else if (data.resultType === 'vector' || data.resultType === 'scalar') {
      const rows = data.resultType === 'scalar' ? [{ metric: {}, value: data.result }] : data.result;
      const keys = [...new Set(rows.flatMap(r => Object.keys(r.metric)))].sort();
      this.body.replaceChildren(h('table.data.instant-table', h('tr', keys.map(k => h('th', k)), h('th', 'Value')),
        rows.map(r => h('tr', keys.map(k => h('td', r.metric[k] ?? '')), h('td', r.value[1])))));
      if (!rows.length) this.body.append(h('p.empty', 'No data.'));
    } else if (data.resultType === 'streams') {
      const logs = new LogsView({ options: this.ex.state.logs, onContext: showContext });
      logs.set(entriesFromStreams(data.result));
      this.body.replaceChildren(logs.el);
    }
  }

  /** Data link from a series: a selector of the series' labels that Sawmill indexes, in the other pane. */
  async seriesLogs(s) {
    const { from, to } = this.ex.range();
    let names = [];
    try { names = (await loki.labels(from, to)).data || []; } catch { /* fall back to all labels */ }
    const labels = {};
    for (const [k, v] of Object.entries(s.labels)) if (!k.startsWith('__') && (!names.length || names.includes(k))) labels[k] = v;
    let q = selectorFor(labels);
    if (q === '{}') {
      const own = selectorOf(this.editor.value);
      q = own ? own.text : '{job=~".+"}';
    }
    this.ex.openInOtherPane(this.idx, { ds: 'loki', q, type: 'range' });
  }

  toggleTail() { if (this.ws) this.stopTail(); else this.startTail(); }

  /** Live tail over the websocket: newest lines arrive pushed; pause buffers them; at most `cap` lines are kept. */
  startTail() {
    const q = this.editor.value.trim();
    if (!q) return;
    this.charts?.forEach(c => c.destroy()); this.charts = [];
    const capSel = h('select', { name: 'tail-cap', 'aria-label': 'Kept lines' }, [200, 1000, 5000].map(n => h('option', { value: n, selected: n === 1000 }, `keep ${n}`)));
    const pauseBtn = h('button', { className: 'tail-pause' }, 'Pause');
    const info = h('span.tail-status', 'connecting…');
    const logs = new LogsView({ options: { ...this.ex.state.logs, order: 'desc' }, onContext: showContext });
    this.logs = logs;
    let paused = false, buffer = [], received = 0, dropped = 0;
    pauseBtn.onclick = () => {
      paused = !paused; pauseBtn.textContent = paused ? 'Resume' : 'Pause'; pauseBtn.classList.toggle('on', paused);
      if (!paused && buffer.length) { logs.append(buffer, +capSel.value); buffer = []; }
    };
    this.body.replaceChildren(h('div.toolbar', info, pauseBtn, capSel), logs.el);
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const params = new URLSearchParams({ query: q, limit: '100', start: String(BigInt(Date.now() - 60000) * 1000000n) });
    if (session.tenant) params.set('orgId', session.tenant);
    const ws = new WebSocket(`${proto}//${location.host}/loki/api/v1/tail?${params}`);
    this.ws = ws;
    this.tailBtn.textContent = 'Stop live'; this.tailBtn.classList.add('on');
    ws.onopen = () => { info.textContent = 'live: waiting for lines…'; };
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      const entries = entriesFromStreams(msg.streams || [], true);
      received += entries.length; dropped += (msg.dropped_entries || []).length;
      info.textContent = `live: ${received} lines received` + (dropped ? `, ${dropped} dropped by the server` : '') + (paused ? ' (paused)' : '');
      if (paused) { buffer = buffer.concat(entries).slice(-(+capSel.value)); return; }
      logs.append(entries, +capSel.value);
    };
    ws.onerror = () => { info.textContent = 'live tail failed (does the server support /loki/api/v1/tail?)'; };
    ws.onclose = (e) => { if (this.ws === ws) { info.textContent = `live tail closed${e.reason ? ': ' + e.reason : ''}`; this.stopTail(false); } };
  }

  stopTail(close = true) {
    if (!this.ws) return;
    const ws = this.ws; this.ws = null;
    if (close) ws.close();
    this.tailBtn.textContent = 'Live'; this.tailBtn.classList.remove('on');
  }
}

/** "Show context": the lines just before and after an entry in its own stream, in a modal. */
async function showContext(e) {
  const sel = selectorFor(e.stream || e.labels);
  const close = h('button', { onclick: () => modal.remove() }, 'Close');
  const view = new LogsView({ options: { order: 'asc' } });
  const modal = h('div.modal.context-modal', h('div.modal-head', h('strong', 'Context: ' + sel), close), view.el);
  document.body.append(modal);
  try {
    const tsN = BigInt(e.ts);
    const hour = 3600n * 1000000000n;
    const [before, after] = await Promise.all([
      fetchNs(sel, tsN - hour, tsN + 1n, 'backward', 11),
      fetchNs(sel, tsN + 1n, tsN + hour, 'forward', 10),
    ]);
    const all = entriesFromStreams(before, true).concat(entriesFromStreams(after, true));
    view.set(all);
    const me = view.rows.findIndex(r => r.e.ts === e.ts && r.e.line === e.line);
    if (me >= 0) { view.expanded.add(view.rows[me].e); view.measureAll(); view.paint(true); }
  } catch (err) { modal.append(h('div.error', err.message)); }
}

async function fetchNs(query, start, end, direction, limit) {
  const qs = new URLSearchParams({ query, start: String(start), end: String(end), direction, limit: String(limit) });
  const r = await fetch('/loki/api/v1/query_range?' + qs, { headers: session.tenant ? { 'X-Scope-OrgID': session.tenant } : {} });
  if (!r.ok) throw new Error(await r.text());
  return (await r.json()).data.result;
}

export { parseSelector };

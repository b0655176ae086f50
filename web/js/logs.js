// The logs view: a virtualised list (only rows in view are in the DOM, so thousands of lines stay responsive),
// with a time column, level colours, wrap, order, dedup, and expandable rows showing labels, parsed fields and
// structured metadata with filter-for / filter-out buttons and data links.
import { h } from './dom.js';
import { fmtDate, fmtTime } from './time.js';

const LEVEL_KEYS = ['level', 'detected_level', 'lvl', 'severity', 'loglevel'];
const LEVEL_ALIASES = { err: 'error', eror: 'error', crit: 'critical', fatal: 'fatal', panic: 'critical', emerg: 'critical', alert: 'critical', wrn: 'warn', warning: 'warn', inf: 'info', information: 'info', notice: 'info', dbg: 'debug', debug: 'debug', trc: 'trace', trace: 'trace', info: 'info', warn: 'warn', error: 'error', critical: 'critical' };
/** Field names whose values open their own logs (data links), as the course correlates requests. */
export const LINK_FIELDS = /^(request_id|requestid|req_id|trace_id|traceid|span_id|correlation_id|user_id)$/i;

export function normLevel(v) { return v ? (LEVEL_ALIASES[String(v).toLowerCase()] || 'unknown') : null; }

/** Detects a JSON object or logfmt pairs in a line: {parser, fields} or null. */
export function parseFields(line) {
  const t = line.trim();
  if (t.startsWith('{')) {
    try {
      const o = JSON.parse(t);
      if (o && typeof o === 'object' && !Array.isArray(o)) {
        const fields = {};
        const walk = (obj, prefix) => {
          for (const [k, v] of Object.entries(obj)) {
            const key = (prefix + k).replace(/[^A-Za-z0-9_]/g, '_');
            if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, key + '_'); else fields[key] = typeof v === 'string' ? v : JSON.stringify(v);
          }
        };
        walk(o, '');
        return { parser: 'json', fields };
      }
    } catch { /* not JSON */ }
  }
  const re = /([A-Za-z_][A-Za-z0-9_.\-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)/g;
  const fields = {}; let m, n = 0;
  while ((m = re.exec(t))) { fields[m[1].replace(/[^A-Za-z0-9_]/g, '_')] = m[2].startsWith('"') ? safeUnquote(m[2]) : m[2]; n++; }
  return n >= 2 ? { parser: 'logfmt', fields } : null;
}
function safeUnquote(s) { try { return JSON.parse(s); } catch { return s.slice(1, -1); } }

/** Flattens Loki streams into entries sorted by time (newest first unless asc). */
export function entriesFromStreams(streams, asc = false) {
  const out = [];
  for (const s of streams) {
    for (const v of s.values) {
      // Categorized answers keep structured metadata and parsed labels apart; labels holds them all, stream the stream's own.
      const cat = v[2] && (v[2].structuredMetadata || v[2].parsed) ? v[2] : null;
      const labels = cat ? { ...s.stream, ...cat.parsed, ...cat.structuredMetadata } : s.stream;
      const e = { ts: v[0], ms: Number(BigInt(v[0]) / 1000000n), line: v[1], labels, stream: s.stream, meta: cat ? cat.structuredMetadata || null : v[2] || null };
      out.push(e);
    }
  }
  out.sort(asc ? byTime : (a, b) => byTime(b, a));
  return out;
}

export function levelOf(e) {
  for (const k of LEVEL_KEYS) { if (e.labels[k]) return normLevel(e.labels[k]); if (e.meta?.[k]) return normLevel(e.meta[k]); }
  const m = /\b(?:level|lvl|severity)"?\s*[=:]\s*"?([A-Za-z]+)/i.exec(e.line) || /\b(ERROR|WARN(?:ING)?|INFO|DEBUG|TRACE|FATAL|CRITICAL)\b/.exec(e.line);
  return m ? normLevel(m[1]) : 'unknown';
}

/** Oldest first, by nanosecond timestamp (equal-length decimal strings compare like the numbers). */
export function byTime(a, b) {
  return a.ms - b.ms || (a.ts.length - b.ts.length) || (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0);
}

const DEDUP = {
  none: null,
  exact: (l) => l,
  numbers: (l) => l.replace(/\d+(\.\d+)?/g, '0'),
  signature: (l) => l.replace(/[A-Za-z0-9]/g, ''),
};

export class LogsView {
  /** @param {object} o {onFilter({name, value, negate, stream, parser}), onLink(name, value), onContext(entry), options} */
  constructor(o) {
    this.o = o;
    this.opts = Object.assign({ wrap: false, order: 'desc', dedup: 'none', time: true }, o.options || {});
    this.all = []; this.rows = []; this.expanded = new Set(); this.heights = []; this.offsets = [0];
    this.inner = h('div.spacer-row');
    this.box = h('div.logs', { tabIndex: 0, 'data-testid': 'logs' }, this.inner);
    this.box.addEventListener('scroll', () => this.paint());
    this.count = h('span.stats');
    this.optsBar = this.buildOptions();
    this.el = h('div', { style: { display: 'flex', flexDirection: 'column', flex: '1', minHeight: '0' } }, this.optsBar, this.box);
    new ResizeObserver(() => this.paint()).observe(this.box);
  }

  buildOptions() {
    const sel = (name, values, title) => h('label', title + ' ', h('select', { name, onchange: (e) => { this.opts[name] = e.target.value; this.refresh(); this.o.onOptions?.(this.opts); } },
      values.map(v => h('option', { value: v, selected: this.opts[name] === v }, v))));
    const tog = (name, text) => { const b = h('button', { className: this.opts[name] ? 'on' : '', name, onclick: () => { this.opts[name] = !this.opts[name]; b.classList.toggle('on', this.opts[name]); this.refresh(); this.o.onOptions?.(this.opts); } }, text); return b; };
    return h('div.logs-opts', tog('time', 'Time'), tog('wrap', 'Wrap lines'), sel('order', ['desc', 'asc'], 'Order'), sel('dedup', ['none', 'exact', 'numbers', 'signature'], 'Dedup'), this.count);
  }

  set(entries, note = '') {
    this.all = entries.slice().sort(byTime); this.note = note; this.expanded.clear(); this.refresh();
  }

  /** Appends entries (live tail), keeping the newest `cap`; the view keeps its order option. */
  append(entries, cap) {
    let all = this.all.concat(entries).sort(byTime);
    if (all.length > cap) all = all.slice(all.length - cap);
    this.all = all;
    this.refresh(true);
  }

  refresh(keepScroll = false) {
    // this.all is oldest first (see set/append).
    const list = this.opts.order === 'desc' ? this.all.slice().reverse() : this.all;
    const key = DEDUP[this.opts.dedup];
    const rows = [];
    for (const e of list) {
      e.level ??= levelOf(e);
      const k = key ? key(e.line) : null;
      const prev = rows[rows.length - 1];
      if (key && prev && prev.key === k) { prev.dups++; continue; }
      rows.push({ e, key: k, dups: 0 });
    }
    this.rows = rows;
    const hidden = list.length - rows.length;
    this.count.textContent = `${list.length} lines` + (hidden ? `, ${hidden} duplicates hidden` : '') + (this.note ? ` · ${this.note}` : '');
    this.box.classList.toggle('wrap', this.opts.wrap);
    this.measureAll();
    if (!keepScroll) this.box.scrollTop = 0;
    this.paint(true);
  }

  rowHeight() { return 20; }
  estimate(r, i) {
    if (this.expanded.has(r.e)) return this.heights[i] || 200;
    if (!this.opts.wrap) return 20;
    const chars = Math.max(20, Math.floor((this.box.clientWidth - (this.opts.time ? 190 : 20)) / 7.2));
    return 20 * Math.max(1, Math.ceil(r.e.line.length / chars));
  }

  measureAll() {
    const n = this.rows.length, offs = new Array(n + 1);
    offs[0] = 0;
    for (let i = 0; i < n; i++) { const hh = this.measured?.get(this.rows[i].e) ?? this.estimate(this.rows[i], i); offs[i + 1] = offs[i] + hh; }
    this.offsets = offs;
    this.inner.style.height = offs[n] + 'px';
  }

  paint(force = false) {
    const top = this.box.scrollTop, bottom = top + this.box.clientHeight + 200;
    const o = this.offsets;
    let lo = 0, hi = this.rows.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (o[mid + 1] < top - 200) lo = mid + 1; else hi = mid; }
    const first = lo;
    let last = first;
    while (last < this.rows.length && o[last] < bottom) last++;
    if (!force && this.painted && this.painted[0] === first && this.painted[1] === last) return;
    this.painted = [first, last];
    const frag = [];
    for (let i = first; i < last; i++) frag.push(this.renderRow(this.rows[i], i));
    this.inner.replaceChildren(...frag);
    // Measure expanded or wrapped rows and correct the layout once if estimates were off.
    let changed = false;
    this.measured ??= new WeakMap();
    for (const el of frag) {
      const r = this.rows[+el.dataset.i];
      const hh = el.offsetHeight;
      if (hh && hh !== (o[+el.dataset.i + 1] - o[+el.dataset.i])) { this.measured.set(r.e, hh); changed = true; }
    }
    if (changed && !this._remeasuring) { this._remeasuring = true; this.measureAll(); this.paint(true); this._remeasuring = false; }
  }

  renderRow(r, i) {
    const e = r.e;
    const head = h('div', { style: { display: 'flex', gap: '8px' } },
      this.opts.time ? h('span.ts', { title: e.ts }, fmtDate(e.ms).slice(5, 10) + ' ' + fmtTime(e.ms)) : null,
      r.dups ? h('span.dup', { title: 'duplicates hidden' }, '×' + (r.dups + 1)) : null,
      h('span.line', e.line));
    const row = h('div.log-row.log-entry', { className: `log-row log-entry lv-${e.level}`, 'data-i': i, 'data-level': e.level, style: { top: this.offsets[i] + 'px' } }, head);
    head.addEventListener('click', () => {
      if (this.expanded.has(e)) this.expanded.delete(e); else this.expanded.add(e);
      this.measured?.delete(e);
      this.measureAll(); this.paint(true);
    });
    if (this.expanded.has(e)) row.append(this.details(e));
    return row;
  }

  details(e) {
    const btns = (name, value, extra) => [
      h('button', { title: 'Filter for value', className: 'filter-for', onclick: () => this.o.onFilter?.({ name, value, negate: false, ...extra }) }, '+'),
      ' ',
      h('button', { title: 'Filter out value', className: 'filter-out', onclick: () => this.o.onFilter?.({ name, value, negate: true, ...extra }) }, '−'),
    ];
    const valueCell = (name, value) => LINK_FIELDS.test(name) && this.o.onLink
      ? h('td', h('a', { href: '#', className: 'data-link', onclick: (ev) => { ev.preventDefault(); this.o.onLink(name, value, e); } }, value))
      : h('td', value);
    const table = (obj, extra) => h('table', Object.entries(obj).sort().map(([k, v]) => h('tr', { 'data-field': k }, h('td', btns(k, v, extra)), h('td.k', k), valueCell(k, v))));
    const parsed = parseFields(e.line);
    const d = h('div.log-details', { onclick: (ev) => ev.stopPropagation() },
      h('h4', 'Labels'), table(e.labels, { stream: true }),
      e.meta && Object.keys(e.meta).length ? [h('h4', 'Structured metadata'), table(e.meta, { stream: false })] : null,
      parsed ? [h('h4', `Parsed fields (${parsed.parser})`), table(parsed.fields, { stream: false, parser: parsed.parser })] : null,
      h('div', { style: { marginTop: '4px', display: 'flex', gap: '6px' } },
        this.o.onContext ? h('button', { className: 'show-context', onclick: () => this.o.onContext(e) }, 'Show context') : null,
        h('button', { onclick: () => navigator.clipboard?.writeText(e.line) }, 'Copy line'),
        h('span.stats', `${fmtDate(e.ms)} · ts ${e.ts}`)));
    return d;
  }
}

// Time range picker: relative presets, absolute from/to, zoom out, and auto-refresh.
import { h } from './dom.js';
import { RELATIVE, label, resolve, fmtDate } from './time.js';

export const REFRESH = ['off', '5s', '10s', '30s', '1m', '5m', '15m'];

export class TimePicker {
  /** @param {object} o {from, to, refresh, onChange({from, to}), onRefresh(interval)} */
  constructor(o) {
    this.o = o;
    this.btn = h('button', { className: 'tp-button', 'data-testid': 'time-picker', onclick: () => this.toggle() });
    this.zoomOut = h('button', { title: 'Zoom out (double the range)', onclick: () => this.zoom() }, '⊖');
    this.refreshSel = h('select', { 'aria-label': 'Auto refresh', name: 'refresh', onchange: (e) => o.onRefresh(e.target.value) }, REFRESH.map(r => h('option', { value: r, selected: r === (o.refresh || 'off') }, r === 'off' ? 'Auto refresh off' : 'Every ' + r)));
    this.el = h('div.timepicker', { style: { display: 'flex', gap: '6px' } }, this.btn, this.zoomOut, this.refreshSel);
    this.set(o.from, o.to);
  }

  set(from, to) { this.from = String(from); this.to = String(to); this.btn.textContent = 'Range: ' + label(this.from, this.to); }

  zoom() {
    const a = resolve(this.from), b = resolve(this.to), d = b - a;
    const to = this.to === 'now' ? 'now' : String(Math.min(Date.now(), Math.round(b + d / 2)));
    const from = this.to === 'now' ? 'now-' + Math.round(d * 2 / 1000) + 's' : String(Math.round(a - d / 2));
    this.o.onChange({ from, to });
  }

  toggle() {
    if (this.menu) { this.menu.remove(); this.menu = null; return; }
    const fromIn = h('input', { name: 'from', value: /^\d+$/.test(this.from) ? fmtDate(+this.from) : this.from });
    const toIn = h('input', { name: 'to', value: /^\d+$/.test(this.to) ? fmtDate(+this.to) : this.to });
    const err = h('div.error');
    const apply = () => {
      const norm = (v) => v.trim().startsWith('now') ? v.trim() : String(resolve(v));
      const f = norm(fromIn.value), t = norm(toIn.value);
      if (Number.isNaN(resolve(f)) || Number.isNaN(resolve(t))) { err.textContent = 'use now, now-1h or YYYY-MM-DD HH:MM:SS'; return; }
      if (resolve(f) >= resolve(t)) { err.textContent = '"from" must be before "to"'; return; }
      this.close(); this.o.onChange({ from: f, to: t });
    };
    this.menu = h('div.tp-menu',
      h('div', h('label', 'From', fromIn), h('label', 'To', toIn), h('button.primary', { onclick: apply }, 'Apply time range'), err),
      h('ul', RELATIVE.map(([v, text]) => h('li', { onclick: () => { this.close(); this.o.onChange({ from: v, to: 'now' }); } }, text))));
    this.el.append(this.menu);
  }

  close() { this.menu?.remove(); this.menu = null; }
}

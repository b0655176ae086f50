// A canvas time-series chart: lines or stacked bars, legend with toggling, hover values, drag to zoom, and a shared
// cursor so panes on the same range follow each other. Series: {name, labels, color, points: [[ms, value], …]}.
import { h } from './dom.js';
import { fmtTime, fmtDate } from './time.js';

const PALETTE = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#f2495c', '#b877d9', '#8ab8ff', '#fade2a', '#96d98d', '#ffb357', '#ca95e5', '#ff7383'];
export const LEVEL_COLORS = { error: '#f2495c', critical: '#c4162a', fatal: '#c4162a', warn: '#ff9830', warning: '#ff9830', info: '#73bf69', debug: '#5794f2', trace: '#b877d9', unknown: '#8e9299' };
export const colorFor = (i) => PALETTE[i % PALETTE.length];

/** Charts registered for cursor sync, by sync group. */
const groups = new Map();

export class Chart {
  /** @param {object} o {height, stacked, bars, onZoom(fromMs, toMs), onSeriesClick(series), syncGroup, seriesLink(series) → {text, onclick}} */
  constructor(o) {
    this.o = o;
    this.canvas = h('canvas', { height: o.height || 160 });
    this.tip = h('div.tooltip', { hidden: true });
    this.legend = h('div.legend');
    this.el = h('div.chart', this.canvas, this.tip, this.legend);
    this.series = []; this.hidden = new Set(); this.cursor = null; this.drag = null;
    this.canvas.addEventListener('mousemove', e => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => { this.cursor = null; this.tip.hidden = true; this.broadcast(null); this.draw(); });
    this.canvas.addEventListener('mousedown', e => { this.drag = { x0: this.x(e), x1: this.x(e) }; });
    window.addEventListener('mouseup', e => this.endDrag(e));
    this.ro = new ResizeObserver(() => this.draw());
    this.ro.observe(this.el);
    if (o.syncGroup) { if (!groups.has(o.syncGroup)) groups.set(o.syncGroup, new Set()); groups.get(o.syncGroup).add(this); }
  }

  destroy() { this.ro.disconnect(); groups.get(this.o.syncGroup)?.delete(this); }

  set(series, fromMs, toMs) {
    this.series = series; this.from = fromMs; this.to = toMs;
    this.renderLegend(); this.draw();
  }

  renderLegend() {
    this.legend.replaceChildren(...this.series.map(s => {
      const link = this.o.seriesLink?.(s);
      return h('span', { className: this.hidden.has(s.name) ? 'off' : '', title: 'click to toggle, shift-click to show only this', onclick: (e) => this.toggle(s, e.shiftKey) },
        h('i', { style: { background: s.color } }), s.name,
        link ? h('a', { href: '#', className: 'data-link', onclick: (e) => { e.preventDefault(); e.stopPropagation(); link.onclick(); } }, link.text) : null);
    }));
  }

  toggle(s, only) {
    if (only) { const others = this.series.filter(x => x !== s).map(x => x.name); this.hidden = this.hidden.size === others.length && !this.hidden.has(s.name) ? new Set() : new Set(others); }
    else if (this.hidden.has(s.name)) this.hidden.delete(s.name); else this.hidden.add(s.name);
    this.renderLegend(); this.draw();
  }

  get plot() { const w = this.canvas.clientWidth, hh = this.o.height || 160; return { l: 50, r: w - 8, t: 6, b: hh - 18 }; }
  x(e) { return e.clientX - this.canvas.getBoundingClientRect().left; }
  tAt(px) { const p = this.plot; return this.from + (px - p.l) / (p.r - p.l) * (this.to - this.from); }
  px(t) { const p = this.plot; return p.l + (t - this.from) / (this.to - this.from) * (p.r - p.l); }

  visible() { return this.series.filter(s => !this.hidden.has(s.name)); }

  /** Stacked bars sum the visible series per timestamp; lines use raw values. */
  layers() {
    const vis = this.visible();
    if (!this.o.stacked) return vis.map(s => ({ s, pts: s.points.map(([t, v]) => [t, 0, v]) }));
    const base = new Map();
    return vis.map(s => ({ s, pts: s.points.map(([t, v]) => { const b = base.get(t) || 0; base.set(t, b + v); return [t, b, b + v]; }) }));
  }

  draw() {
    const c = this.canvas, dpr = window.devicePixelRatio || 1, w = c.clientWidth, hh = this.o.height || 160;
    if (!w) return;
    c.width = w * dpr; c.height = hh * dpr; c.style.height = hh + 'px';
    const g = c.getContext('2d'); g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const p = { l: 50, r: w - 8, t: 6, b: hh - 18 };
    g.clearRect(0, 0, w, hh);
    const layers = this.layers();
    let max = 0, min = 0;
    for (const L of layers) for (const [, lo, hi] of L.pts) { if (Number.isFinite(hi)) { max = Math.max(max, hi); min = Math.min(min, lo, hi); } }
    if (max === min) max = min + 1;
    const y = (v) => p.b - (v - min) / (max - min) * (p.b - p.t);
    const px = (t) => p.l + (t - this.from) / (this.to - this.from) * (p.r - p.l);
    // grid + axes
    g.strokeStyle = '#2c3036'; g.fillStyle = '#8e9299'; g.font = '10px sans-serif'; g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = min + (max - min) * i / 4, yy = Math.round(y(v)) + .5;
      g.beginPath(); g.moveTo(p.l, yy); g.lineTo(p.r, yy); g.stroke();
      g.textAlign = 'right'; g.fillText(fmtNum(v), p.l - 4, yy + 3);
    }
    const span = this.to - this.from, ticks = Math.max(2, Math.floor((p.r - p.l) / 110));
    g.textAlign = 'center';
    for (let i = 0; i <= ticks; i++) {
      const t = this.from + span * i / ticks;
      g.fillText(span > 2 * 86400000 ? fmtDate(t).slice(5, 16) : fmtTime(t, false), px(t), hh - 4);
    }
    // data
    for (const L of layers) {
      g.strokeStyle = g.fillStyle = L.s.color;
      if (this.o.bars) {
        const times = L.pts.map(q => q[0]);
        const step = L.s.step || (times.length > 1 ? times[1] - times[0] : span / 50);
        const bw = Math.max(1, (p.r - p.l) * step / span - 1);
        for (const [t, lo, hi] of L.pts) { const x0 = px(t) - bw / 2; g.fillRect(x0, y(hi), bw, Math.max(0, y(lo) - y(hi))); }
      } else {
        g.lineWidth = 1.5; g.beginPath();
        let prev = null;
        const step = L.s.step;
        for (const [t, , v] of L.pts) {
          if (!Number.isFinite(v)) { prev = null; continue; }
          if (prev === null || (step && t - prev > step * 1.5)) g.moveTo(px(t), y(v)); else g.lineTo(px(t), y(v));
          prev = t;
        }
        g.stroke();
        if (L.pts.length === 1) { const [t, , v] = L.pts[0]; g.fillRect(px(t) - 2, y(v) - 2, 4, 4); }
      }
    }
    if (this.drag && Math.abs(this.drag.x1 - this.drag.x0) > 2) {
      g.fillStyle = 'rgba(110,159,255,.2)';
      g.fillRect(Math.min(this.drag.x0, this.drag.x1), p.t, Math.abs(this.drag.x1 - this.drag.x0), p.b - p.t);
    }
    if (this.cursor !== null && this.cursor >= this.from && this.cursor <= this.to) {
      g.strokeStyle = '#d8d9da88'; g.beginPath(); g.moveTo(Math.round(px(this.cursor)) + .5, p.t); g.lineTo(Math.round(px(this.cursor)) + .5, p.b); g.stroke();
    }
    this._y = y;
  }

  hover(e) {
    const xx = this.x(e);
    if (this.drag) { this.drag.x1 = xx; this.draw(); return; }
    const t = this.tAt(xx);
    this.cursor = t; this.draw(); this.broadcast(t);
    const rows = [];
    for (const s of this.visible()) {
      let best = null;
      for (const pt of s.points) if (best === null || Math.abs(pt[0] - t) < Math.abs(best[0] - t)) best = pt;
      if (best) rows.push([s, best]);
    }
    if (!rows.length) { this.tip.hidden = true; return; }
    this.tip.replaceChildren(h('div', fmtDate(rows[0][1][0])), ...rows.slice(0, 12).map(([s, pt]) => h('div', h('span', { style: { color: s.color } }, '■ '), `${s.name}: ${fmtNum(pt[1])}`)));
    this.tip.hidden = false;
    const w = this.canvas.clientWidth;
    this.tip.style.left = (xx > w / 2 ? xx - this.tip.offsetWidth - 12 : xx + 12) + 'px';
    this.tip.style.top = '8px';
  }

  broadcast(t) { for (const c of groups.get(this.o.syncGroup) || []) if (c !== this) c.setCursor(t); }
  setCursor(t) { this.cursor = t; this.draw(); }

  endDrag(e) {
    if (!this.drag) return;
    const d = this.drag; this.drag = null;
    if (Math.abs(d.x1 - d.x0) > 4 && this.o.onZoom) {
      const a = this.tAt(Math.min(d.x0, d.x1)), b = this.tAt(Math.max(d.x0, d.x1));
      this.o.onZoom(Math.round(a), Math.round(b));
    } else if (e.target === this.canvas && this.o.onSeriesClick && this.cursor !== null) {
      // A click (no drag) picks the nearest visible series at the cursor.
      const s = this.nearestSeries(e);
      if (s) this.o.onSeriesClick(s);
    }
    this.draw();
  }

  nearestSeries(e) {
    const t = this.cursor, yy = e.clientY - this.canvas.getBoundingClientRect().top;
    let best = null, bestD = Infinity;
    for (const L of this.layers()) for (const [pt, , hi] of L.pts) {
      if (Math.abs(pt - t) > (this.to - this.from) / 50) continue;
      const d = Math.abs(this._y(hi) - yy);
      if (d < bestD) { bestD = d; best = L.s; }
    }
    return bestD < 30 ? best : null;
  }
}

export function fmtNum(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(1) + 'G';
  if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  if (a === 0 || a >= 100) return String(Math.round(v * 100) / 100);
  return String(+v.toPrecision(3));
}

/** Loki/Prometheus matrix → chart series. */
export function matrixToSeries(result, nameFor) {
  return result.map((r, i) => ({
    name: nameFor(r.metric || {}), labels: r.metric || {}, color: levelColor(r.metric) || colorFor(i),
    points: (r.values || []).map(([t, v]) => [t * 1000, parseFloat(v)]),
  }));
}

export function seriesName(metric) {
  const keys = Object.keys(metric).filter(k => k !== '__name__');
  const body = keys.map(k => `${k}="${metric[k]}"`).join(', ');
  return (metric.__name__ || '') + (body ? `{${body}}` : (metric.__name__ ? '' : '{}'));
}

/** A series split by level gets the level's colour, so graphs read like the logs view. */
function levelColor(metric) {
  const keys = Object.keys(metric || {});
  const lv = keys.length === 1 ? (metric.level || metric.detected_level) : null;
  return lv ? LEVEL_COLORS[lv.toLowerCase()] : null;
}
